/**
 * Text keys (issue #15) each profile captures as `extras`: which columns hold the text, the
 * sentence pair and the label; the maximum sequence length and where it is set; the chat
 * template settings. Names of the extras are shared by every profile so the text branch
 * (src/node/textDataset.ts) reads one vocabulary:
 *
 *   textColumns   run_classification `text_column_names` (comma list), `text_column`, run_glue-style
 *                 `sentence1_key`, TRL `dataset_text_field`, Axolotl `datasets[0].field`
 *   textDelimiter run_classification `text_column_delimiter` (default ' ')
 *   pairColumn    `sentence2_key`, `text_pair_column`
 *   taskName      run_glue `task_name` (GLUE column defaults)
 *   doRegression  run_classification `do_regression`
 *   maxLength     `max_seq_length` (HF scripts, TRL ≤ 0.19), `max_length` (TRL SFTConfig), Axolotl
 *                 `sequence_len`, LLaMA-Factory `cutoff_len`, torchtune `tokenizer.max_seq_len`
 *   datasetType   Axolotl `datasets[0].type` (alpaca, chat_template, completion, …), torchtune
 *                 `dataset._component_`
 *   chatTemplate  Axolotl `chat_template`, LLaMA-Factory `template`, TRL `chat_template_path`
 *   chatTemplateJinja Axolotl `chat_template_jinja` (inline template or .jinja path, with `chat_template: jinja`)
 *   messagesField Axolotl `datasets[0].field_messages`, torchtune `dataset.conversation_column`
 *   chatTemplateKwargs TRL / Axolotl `chat_template_kwargs` (extra chat template variables)
 *   messageRoleField, messageContentField, messageRoles Axolotl `message_property_mappings`
 *                 (role / content; older `message_field_role` / `message_field_content`) and `roles`
 *   stage         LLaMA-Factory `stage` (sft, pt, rm, dpo, …)
 *   mixStrategy   LLaMA-Factory `mix_strategy` (concat, interleave_under, interleave_over)
 *   interleaveProbs LLaMA-Factory `interleave_probs` ("0.7,0.3" or a list)
 *   packing       TRL `packing`, LLaMA-Factory `packing` / `neat_packing` (what happens to over-long samples)
 *   packingStrategy TRL `packing_strategy` (bfd cuts, wrapped / bfd_split split)
 *   toolFormat    LLaMA-Factory `tool_format` (overrides the template's tool and function formats)
 *   enableThinking, maskHistory, preserveThinking LLaMA-Factory `enable_thinking`, `mask_history`,
 *                 `preserve_thinking` (which thoughts a reasoning template keeps)
 *   tokenizerComponent torchtune `tokenizer._component_` (which tokenize_messages formats the chat)
 *   promptTemplate torchtune `tokenizer.prompt_template`
 */
export const HF_TEXT_EXTRAS: Readonly<Record<string, readonly string[]>> = {
  textColumns: ['text_column_names', 'text_column', 'sentence1_key', 'dataset_text_field'],
  textDelimiter: ['text_column_delimiter'],
  pairColumn: ['sentence2_key', 'text_pair_column'],
  taskName: ['task_name'],
  doRegression: ['do_regression'],
  maxLength: ['max_seq_length', 'max_length'],
  chatTemplate: ['chat_template_path', 'chat_template'],
  packing: ['packing'],
  packingStrategy: ['packing_strategy'],
  chatTemplateKwargs: ['chat_template_kwargs'],
};

export const AXOLOTL_TEXT_EXTRAS: Readonly<Record<string, readonly string[]>> = {
  maxLength: ['sequence_len'],
  datasetType: ['datasets[0].type', 'datasets[0].type.field_instruction'],
  // Axolotl: a dataset's own chat_template wins over the top-level one (extract_chat_template_args).
  chatTemplate: ['datasets[0].chat_template', 'chat_template'],
  chatTemplateJinja: ['datasets[0].chat_template_jinja', 'chat_template_jinja'],
  messagesField: ['datasets[0].field_messages'],
  // A message's role and content fields (default role / content, with from / value understood too).
  messageRoleField: ['datasets[0].message_property_mappings.role', 'datasets[0].message_field_role'],
  messageContentField: ['datasets[0].message_property_mappings.content', 'datasets[0].message_field_content'],
  // `roles: {user: [human, prompter], assistant: [gpt, bot]}`: the dataset's role names per role.
  messageRoles: ['datasets[0].roles'],
  systemField: ['datasets[0].field_system'],
  thinkingField: ['datasets[0].field_thinking'],
  textColumns: ['datasets[0].field'],
  // What Axolotl does with a sample longer than sequence_len: drop (the default), truncate, raise.
  excessLength: ['excess_length_strategy'],
  // Extra template variables (e.g. enable_thinking), passed to apply_chat_template.
  chatTemplateKwargs: ['chat_template_kwargs'],
};

export const LLAMA_FACTORY_TEXT_EXTRAS: Readonly<Record<string, readonly string[]>> = {
  maxLength: ['cutoff_len'],
  chatTemplate: ['template'],
  stage: ['stage'],
  mixStrategy: ['mix_strategy'],
  interleaveProbs: ['interleave_probs'],
  packing: ['packing', 'neat_packing'],
  toolFormat: ['tool_format'],
  enableThinking: ['enable_thinking'],
  maskHistory: ['mask_history'],
  preserveThinking: ['preserve_thinking'],
};

export const TORCHTUNE_TEXT_EXTRAS: Readonly<Record<string, readonly string[]>> = {
  maxLength: ['tokenizer.max_seq_len'],
  datasetType: ['dataset._component_'],
  messagesField: ['dataset.conversation_column'],
  conversationStyle: ['dataset.conversation_style'],
  tokenizerComponent: ['tokenizer._component_'],
  promptTemplate: ['tokenizer.prompt_template'],
};
