/**
 * Chat templates for the length checks (issue #15): the token count of a conversation as the
 * trainer feeds it, i.e. the messages rendered with the chat template the training run uses, then
 * tokenised without adding special tokens again — what `tokenizer.apply_chat_template(messages,
 * tokenize=True)` returns. Counting only the message contents under-counts every turn's role
 * headers and special tokens, so the share of samples over `sequence_len` / `cutoff_len` /
 * `max_length` comes out too low.
 *
 * Which template, as each trainer picks it:
 * - Hugging Face / TRL (`messages`): the tokenizer's `chat_template` (tokenizer_config.json, or
 *   `chat_template.jinja` beside it), or TRL `chat_template_path` when it names a .jinja file.
 * - Axolotl (`chat_template:` top level or on the dataset): `tokenizer_default` (the default), `jinja`
 *   with `chat_template_jinja` (inline text or a file path), `tokenizer_default_fallback_<name>`,
 *   or a built-in name — `chatml` and `llama3` are bundled here; other names are counted with the
 *   tokenizer's own template and the finding says so.
 * - LLaMA-Factory (`template:`): LLaMA-Factory does not render Jinja; it encodes each turn's slots
 *   separately (src/llamafactory/data/template.py `_encode`: prefix + system on the first turn,
 *   user / assistant slots, `{"eos_token"}` as one id, `efficient_eos` adds one). The slot tables of
 *   `empty`, `default`, `alpaca`, `chatml`, `qwen`, `qwen3` (ReasoningTemplate: an empty thought on
 *   each response without one; `enable_thinking` / `mask_history` / `preserve_thinking` as in
 *   ReasoningOptions), `qwen3_nothink`, `llama3`, `llama2` and `gemma` (Llama2Template: the
 *   system text inside the first user turn), `phi`, `phi4`, `yi`, `deepseek3` and `cohere` are
 *   bundled; other names, and no
 *   `template` (LLaMA-Factory then parses the tokenizer's template), use the tokenizer's template.
 * - torchtune formats messages with its model tokenizer's own prompt template; the checkpoint's
 *   chat_template is the nearest stand-in and the finding says so.
 *
 * Rendering uses `@huggingface/jinja` (what transformers.js runs for apply_chat_template), with the
 * tokenizer's special tokens (`bos_token`, `eos_token`, …) and `add_generation_prompt=false`. A
 * template that does not parse is reported once; a conversation it refuses (`raise_exception`, e.g.
 * roles that do not alternate) is counted without the template and reported with its file row.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { NormalizedConfig, SourceValue } from '../../core/model/config';
import type { ChatMessage } from '../../core/formats/textTable';
import { formatFunctionCall, formatTools, toolsForTemplate, type ToolFormat } from '../../core/formats/toolPrompts';
import type { HfTokenizer } from './types';

import type { Template as TemplateClass } from '@huggingface/jinja' with { 'resolution-mode': 'import' };

// The package is ESM with a CommonJS build; this project compiles to CommonJS (see tokenizer.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Template } = require('@huggingface/jinja') as { Template: typeof TemplateClass };

/** Counts the tokens of one conversation as the trainer builds it; throws Error when the template refuses it. */
export interface ChatCounter {
  /** What was used, for messages ("the tokenizer's chat_template (tokenizer_config.json)"). */
  readonly description: string;
  /** `tools`: the sample's tool definitions as JSON text (the dataset's tools column), rendered into the system turn. */
  count(messages: readonly ChatMessage[], tools?: string): number;
  /** The trainer does not put a tools column into the prompt (torchtune's chat_dataset). */
  readonly ignoresTools?: boolean;
}

export interface ChatTemplateChoice {
  readonly counter?: ChatCounter;
  /** Said next to the lengths (what stood in for the trainer's own template, or why none was applied). */
  readonly note?: string;
  /** The template cannot be used at all (syntax error, unreadable file). */
  readonly problem?: { readonly message: string; readonly at?: SourceValue<unknown>; readonly field: string };
}

/** Bundled Axolotl built-in templates (the formats, written here; Axolotl's own files are not copied). */
const AXOLOTL_BUILTINS: Readonly<Record<string, string>> = {
  chatml: "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
  llama3: "{% for message in messages %}{% if loop.index0 == 0 %}{{ bos_token }}{% endif %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + (message['content'] | trim) + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
};

/** One slot element of a LLaMA-Factory template: text with {{content}}, or one special token. */
type Slot = string | { readonly special: 'bos' | 'eos' | 'token' };

interface FactoryTemplate {
  readonly user: readonly Slot[];
  readonly assistant: readonly Slot[];
  readonly system: readonly Slot[];
  readonly observation?: readonly Slot[];
  /** An assistant's function-call turn (`format_function`; LLaMA-Factory's default: the assistant slots). */
  readonly function?: readonly Slot[];
  readonly prefix?: readonly Slot[];
  readonly defaultSystem?: string;
  readonly efficientEos?: boolean;
  /** How the tools column is written into the system turn (`format_tools`; LLaMA-Factory's default is `default`). */
  readonly tools?: ToolFormat;
  /** Llama2Template: the formatted system text is put in front of the first user message's content. */
  readonly systemInUser?: boolean;
  /** ReasoningTemplate: an empty thought ("<think>\n\n</think>\n\n") is added to each response that has none. */
  readonly reasoning?: boolean;
}

const EOS = { special: 'eos' } as const;
const TOOL_FORMATS: readonly ToolFormat[] = ['default', 'qwen', 'llama3', 'mistral'];
const BOS = { special: 'bos' } as const;

/** The ChatML turns of LLaMA-Factory's qwen family (qwen, qwen3, qwen3_nothink), with its tool format. */
const QWEN_TURNS: FactoryTemplate = {
  user: ['<|im_start|>user\n{{content}}<|im_end|>\n<|im_start|>assistant\n'],
  assistant: ['{{content}}<|im_end|>\n'],
  system: ['<|im_start|>system\n{{content}}<|im_end|>\n'],
  observation: ['<|im_start|>user\n<tool_response>\n{{content}}\n</tool_response><|im_end|>\n<|im_start|>assistant\n'],
  function: ['{{content}}<|im_end|>\n'],
  tools: 'qwen',
};

/** LLaMA-Factory's slot tables for common templates (register_template in its data/template.py). */
const FACTORY_TEMPLATES: Readonly<Record<string, FactoryTemplate>> = {
  empty: { user: ['{{content}}'], assistant: ['{{content}}'], system: ['{{content}}'] },
  default: { user: ['Human: {{content}}', EOS, '\nAssistant:'], assistant: ['{{content}}', EOS, '\n'], system: ['System: {{content}}', EOS, '\n'] },
  alpaca: {
    user: ['### Instruction:\n{{content}}\n\n### Response:\n'],
    assistant: ['{{content}}', EOS, '\n\n'],
    system: ['{{content}}'],
    defaultSystem: 'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n',
  },
  chatml: {
    user: ['<|im_start|>user\n{{content}}<|im_end|>\n<|im_start|>assistant\n'],
    assistant: ['{{content}}<|im_end|>\n'],
    system: ['<|im_start|>system\n{{content}}<|im_end|>\n'],
    observation: ['<|im_start|>tool\n{{content}}<|im_end|>\n<|im_start|>assistant\n'],
  },
  qwen: { ...QWEN_TURNS, defaultSystem: 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' },
  llama3: {
    user: ['<|start_header_id|>user<|end_header_id|>\n\n{{content}}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n'],
    assistant: ['{{content}}<|eot_id|>'],
    system: ['<|start_header_id|>system<|end_header_id|>\n\n{{content}}<|eot_id|>'],
    observation: ['<|start_header_id|>ipython<|end_header_id|>\n\n{{content}}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n'],
    prefix: [BOS],
    function: ['{{content}}<|eot_id|>'],
    tools: 'llama3',
  },
  qwen3: { ...QWEN_TURNS, reasoning: true },
  qwen3_nothink: QWEN_TURNS,
  yi: {
    user: ['<|im_start|>user\n{{content}}<|im_end|>\n<|im_start|>assistant\n'],
    assistant: ['{{content}}<|im_end|>\n'],
    system: ['<|im_start|>system\n{{content}}<|im_end|>\n'],
  },
  phi: { user: ['<|user|>\n{{content}}<|end|>\n<|assistant|>\n'], assistant: ['{{content}}<|end|>\n'], system: ['<|system|>\n{{content}}<|end|>\n'] },
  phi4: {
    user: ['<|im_start|>user<|im_sep|>{{content}}<|im_end|><|im_start|>assistant<|im_sep|>'],
    assistant: ['{{content}}<|im_end|>'],
    system: ['<|im_start|>system<|im_sep|>{{content}}<|im_end|>'],
  },
  deepseek3: { user: ['<｜User｜>{{content}}<｜Assistant｜>'], assistant: ['{{content}}', EOS], system: ['{{content}}'], prefix: [BOS] },
  cohere: {
    user: ['<|START_OF_TURN_TOKEN|><|USER_TOKEN|>{{content}}<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>'],
    assistant: ['{{content}}', EOS],
    system: ['<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>{{content}}<|END_OF_TURN_TOKEN|>'],
    prefix: [BOS],
  },
  gemma: {
    user: ['<start_of_turn>user\n{{content}}<end_of_turn>\n<start_of_turn>model\n'],
    assistant: ['{{content}}<end_of_turn>\n'],
    system: ['{{content}}\n\n'],
    observation: ['<start_of_turn>tool\n{{content}}<end_of_turn>\n<start_of_turn>model\n'],
    prefix: [BOS],
    systemInUser: true,
  },
  llama2: { user: [BOS, '[INST] {{content}} [/INST]'], assistant: ['{{content}}', EOS], system: ['<<SYS>>\n{{content}}\n<</SYS>>\n\n'], systemInUser: true },
  mistral: {
    user: ['[INST] {{content}}[/INST]'],
    assistant: [' {{content}}', EOS],
    system: ['{{content}}\n\n'],
    function: ['[TOOL_CALLS] {{content}}', EOS],
    observation: ['[TOOL_RESULTS] {"content": {{content}}}[/TOOL_RESULTS]'],
    prefix: [BOS],
    tools: 'mistral',
    systemInUser: true,
  },
};

type Json = Record<string, unknown>;

async function readJson(path: string): Promise<Json> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
  } catch {
    return {};
  }
}

function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Json).content === 'string') return (value as Json).content as string;
  return undefined;
}

/** The special-token strings transformers passes to the template (`**tokenizer.special_tokens_map`). */
export async function specialTokens(folder: string): Promise<Record<string, unknown>> {
  const merged = { ...(await readJson(join(folder, 'special_tokens_map.json'))), ...(await readJson(join(folder, 'tokenizer_config.json'))) };
  const out: Record<string, unknown> = {};
  for (const key of ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token']) {
    const content = tokenContent(merged[key]);
    if (content !== undefined) out[key] = content;
  }
  const extra = merged.additional_special_tokens ?? merged.extra_special_tokens;
  if (Array.isArray(extra)) out.additional_special_tokens = extra.map(tokenContent).filter((t) => t !== undefined);
  return out;
}

/** A Jinja chat template compiled once; throws Error (syntax) when it does not parse. */
export function jinjaCounter(source: string, description: string, tokenizer: HfTokenizer, tokens: Record<string, unknown>, kwargs: Readonly<Record<string, unknown>> = {}): ChatCounter {
  const template = new Template(source);
  return {
    description,
    count(messages, tools) {
      // transformers passes `tools` always (None without any), so templates test `tools is not none`.
      // chat_template_kwargs come after add_generation_prompt, as Axolotl passes them.
      const text = template.render({ ...tokens, add_generation_prompt: false, ...kwargs, messages: messages.map((m) => ({ ...m.fields, role: m.role === 'function' ? 'assistant' : m.role, content: m.content, ...(m.toolCalls ? { tool_calls: m.toolCalls } : {}) })), tools: toolsForTemplate(tools) });
      return tokenizer.encode(text, undefined, { addSpecialTokens: false }).ids.length;
    },
  };
}

/**
 * LLaMA-Factory's thought handling in ReasoningTemplate.encode_multiturn (SFT), from its data
 * arguments: `enable_thinking: false` removes the thought from every response; `mask_history`
 * without `preserve_thinking` (discarding_history_cot) removes it from every response but the
 * last and adds the empty thought to the last response only.
 */
export interface ReasoningOptions {
  readonly enableThinking: boolean;
  readonly discardHistoryThoughts: boolean;
}

/**
 * ReasoningTemplate.remove_thought: every `<think>\n…\n</think>\n\n` (thought_words, non-greedy,
 * across lines) removed, then leading newlines.
 */
export function removeThought(content: string): string {
  return content.replace(/<think>\n[\s\S]*?\n<\/think>\n\n/g, '').replace(/^\n+/, '');
}

/**
 * LLaMA-Factory's encoding: turn 0 gets prefix + system (or the template's default system); each
 * message is its role's slots; every text element is encoded on its own without special tokens;
 * `{"eos_token"}` / `{"bos_token"}` are one id each (when the tokenizer has one); `efficient_eos`
 * adds one eos at the end. LLaMA-Factory replaces eos by the template's first stop word, so eos
 * always exists for templates that write it.
 */
export function factoryCounter(name: string, template: FactoryTemplate, tokenizer: HfTokenizer, hasBos: boolean, reasoning: ReasoningOptions = { enableThinking: true, discardHistoryThoughts: false }): ChatCounter {
  const encodeLength = (text: string): number => (text.length === 0 ? 0 : tokenizer.encode(text, undefined, { addSpecialTokens: false }).ids.length);
  const slotsLength = (slots: readonly Slot[], content: string): number => {
    let n = 0;
    for (const slot of slots) {
      if (typeof slot === 'string') n += encodeLength(slot.split('{{content}}').join(content));
      else if (slot.special !== 'bos' || hasBos) n += 1;
    }
    return n;
  };
  // ReasoningTemplate's empty thought (thought_words joined), encoded once.
  const emptyThought = template.reasoning ? encodeLength('<think>\n\n</think>\n\n') : 0;
  return {
    description: `LLaMA-Factory's '${name}' template (each turn's slots encoded as its template.py does)`,
    count(messages, tools) {
      let system = '';
      let rest = messages;
      if (messages[0]?.role === 'system') {
        system = messages[0].content;
        rest = messages.slice(1);
      }
      system ||= template.defaultSystem ?? '';
      // _encode: `if system or tools:` format_system(system + format_tools(tools)) on the first turn.
      const toolText = tools ? formatTools(template.tools ?? 'default', tools) : '';
      if (template.reasoning && (!reasoning.enableThinking || reasoning.discardHistoryThoughts)) {
        // encode_multiturn: responses sit at the odd positions; the last one keeps its thought
        // under discarding_history_cot (range(1, len − 2, 2)), not under enable_thinking: false.
        rest = rest.map((m, i) => (i % 2 === 1 && (!reasoning.enableThinking || i < rest.length - 2) ? { ...m, content: removeThought(m.content) } : m));
      }
      let n = template.efficientEos ? 1 : 0;
      rest.forEach((message, i) => {
        // Llama2Template: the first turn's system text (its slot's text) goes in front of the user content.
        let inUser = '';
        if (i === 0) {
          n += slotsLength(template.prefix ?? [], '');
          if (system || tools) {
            if (template.systemInUser) inUser = template.system.filter((x): x is string => typeof x === 'string')[0]?.split('{{content}}').join(system + toolText) ?? '';
            else n += slotsLength(template.system, system + toolText);
          }
        }
        if (message.role === 'function') {
          n += slotsLength(template.function ?? template.assistant, formatFunctionCall(template.tools ?? 'default', message.content));
        } else {
          const slots = message.role === 'assistant' ? template.assistant : message.role === 'user' ? template.user : template.observation ?? template.user;
          n += slotsLength(slots, message.role === 'user' ? inUser + message.content : message.content);
        }
        // ReasoningTemplate.encode_multiturn: each response (every second turn) without a thought
        // gets an empty one (into the prompt under enable_thinking: false: the same length);
        // discarding_history_cot looks at the last response only.
        const looked = !reasoning.discardHistoryThoughts || i === rest.length - 1;
        if (template.reasoning && i % 2 === 1 && looked && !message.content.includes('<think>') && !message.content.includes('</think>')) n += emptyThought;
      });
      return n;
    },
  };
}

/** torchtune model tokenizers whose tokenize_messages is restated here. */
type TorchtuneFamily = 'llama3' | 'qwen2' | 'qwen2_5';

function torchtuneFamily(component: string): TorchtuneFamily | undefined {
  const name = component.split('.').pop() ?? '';
  if (/^llama3(_\d+)?_tokenizer$/.test(name)) return 'llama3';
  if (name === 'qwen2_5_tokenizer') return 'qwen2_5';
  if (name === 'qwen2_tokenizer') return 'qwen2';
  return undefined;
}

/**
 * torchtune's `tokenize_messages` (torchtune/models/llama3/_tokenizer.py, qwen2/_tokenizer.py,
 * qwen2_5/_tokenizer.py), each piece encoded on its own as it encodes them, special tokens one id:
 * - llama3: <|begin_of_text|>, then per message <|start_header_id|> role <|end_header_id|> "\n\n"
 *   content.strip() <|eot_id|>, then <|end_of_text|> (add_end_tokens);
 * - qwen2 / qwen2_5: per message <|im_start|> "role\n" content, then <|im_end|> "\n" except after
 *   the last assistant message; then eos. Tool results (OpenAI `tool` → torchtune `ipython`): qwen2
 *   writes the bare content, qwen2_5 wraps consecutive ones in one user turn of <tool_response>s.
 */
export function torchtuneCounter(family: TorchtuneFamily, tokenizer: HfTokenizer): ChatCounter {
  const enc = (text: string): number => (text.length === 0 ? 0 : tokenizer.encode(text, undefined, { addSpecialTokens: false }).ids.length);
  const role = (m: ChatMessage): string => (m.role === 'tool' ? 'ipython' : m.role === 'function' ? 'assistant' : m.role);
  return {
    description: `torchtune's ${family}_tokenizer message format (tokenize_messages, each piece encoded as it encodes them)`,
    ignoresTools: true,
    count(messages) {
      const roles = messages.map(role);
      if (family === 'llama3') return 2 + messages.reduce((n, m, i) => n + 1 + enc(roles[i]!.trim()) + 1 + enc('\n\n') + enc(m.content.trim()) + 1, 0);
      let n = 1;
      messages.forEach((m, i) => {
        const r = roles[i]!;
        const last = i === messages.length - 1;
        if (r === 'ipython') {
          if (family === 'qwen2') {
            n += enc(m.content);
            return;
          }
          n += i === 0 || roles[i - 1] !== 'ipython' ? 1 + enc('user\n') + enc('<tool_response>\n') : enc('\n<tool_response>\n');
          n += enc(m.content) + enc('\n</tool_response>');
          if (last || roles[i + 1] !== 'ipython') n += 1 + enc('\n');
          return;
        }
        n += 1 + enc(`${r}\n`) + enc(m.content);
        if (r !== 'assistant' || !last) n += 1 + enc('\n');
      });
      return n;
    },
  };
}

function extraValue(config: NormalizedConfig, name: string): SourceValue<unknown> | undefined {
  const v = config.extras?.[name];
  return v && v.value !== null && v.value !== undefined && v.value !== '' ? v : undefined;
}

/** The choice with `more` appended to its note (unchanged without one). */
function withNotes(choice: ChatTemplateChoice, more: string | undefined): ChatTemplateChoice {
  return more ? { ...choice, note: choice.note ? `${choice.note} ${more}` : more } : choice;
}

/** A LLaMA-Factory boolean argument as its argument parser reads it (YAML true/false, or the strings). */
function flag(config: NormalizedConfig, name: string, fallback: boolean): boolean {
  const v = extraValue(config, name)?.value;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  return fallback;
}

/** LLaMA-Factory's `enable_thinking` (default true), `mask_history` and `preserve_thinking` (default false). */
function reasoningOptions(config: NormalizedConfig): ReasoningOptions {
  return { enableThinking: flag(config, 'enableThinking', true), discardHistoryThoughts: flag(config, 'maskHistory', false) && !flag(config, 'preserveThinking', false) };
}

function reasoningNote(o: ReasoningOptions): string | undefined {
  if (!o.enableThinking) return 'enable_thinking: false: the thoughts (<think>…</think>) are removed from every response before counting, as LLaMA-Factory removes them; each response still gets the empty thought.';
  if (o.discardHistoryThoughts) return 'mask_history without preserve_thinking: the thoughts of earlier responses are removed before counting, as LLaMA-Factory removes them; only the last response gets the empty thought.';
  return undefined;
}

function tokenizerTemplateSource(tokenizer: HfTokenizer): string {
  return tokenizer.info.files.some((f) => /chat_template\.jinja$/.test(f)) ? 'chat_template.jinja' : 'tokenizer_config.json';
}

/**
 * Which chat template the training run applies to this sample, compiled (see the module comment).
 * `applies`: the data is chat data (or LLaMA-Factory supervised data, which always goes through
 * its template). Returns no counter (with a note) when none exists.
 */
export async function chooseChatCounter(folder: string, config: NormalizedConfig, tokenizer: HfTokenizer): Promise<ChatTemplateChoice> {
  const tokens = await specialTokens(folder);
  const setting = extraValue(config, 'chatTemplate');
  const name = typeof setting?.value === 'string' ? setting.value.trim() : undefined;
  const own = tokenizer.info.chatTemplate;
  const kwargsAt = extraValue(config, 'chatTemplateKwargs');
  const kwargs = kwargsAt && typeof kwargsAt.value === 'object' && !Array.isArray(kwargsAt.value) ? (kwargsAt.value as Record<string, unknown>) : {};
  const kwargsNote = Object.keys(kwargs).length > 0 ? `The template is rendered with chat_template_kwargs (${Object.entries(kwargs).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}).` : undefined;
  const ownDescription = `the tokenizer's chat_template (${tokenizerTemplateSource(tokenizer)})`;
  const compile = (source: string, description: string, at: SourceValue<unknown> | undefined, field: string, note?: string): ChatTemplateChoice => {
    try {
      return withNotes({ counter: jinjaCounter(source, description, tokenizer, tokens, kwargs), ...(note ? { note } : {}) }, kwargsNote);
    } catch (e) {
      return { problem: { message: `The chat template (${description}) does not parse: ${(e as Error).message}. Training applies this template to every conversation and fails the same way: fix the template.`, at, field } };
    }
  };
  const useOwn = (note?: string): ChatTemplateChoice =>
    own !== undefined ? compile(own, ownDescription, config.checkpoint, 'checkpoint', note) : { note: `${note ? `${note} ` : ''}No chat template is available, so the lengths count the message contents joined by newlines: the template's role headers and special tokens (a few tokens per turn) are not counted.` };

  if (config.profile === 'llama-factory') {
    if (name && FACTORY_TEMPLATES[name]) {
      const hasBos = tokenizer.info.bosTokenId !== undefined;
      const reasoning = reasoningOptions(config);
      const thoughtNote = FACTORY_TEMPLATES[name]!.reasoning ? reasoningNote(reasoning) : undefined;
      const withNote = (choice: ChatTemplateChoice): ChatTemplateChoice => withNotes(choice, thoughtNote);
      // `tool_format` replaces the template's tool and function formats (template.py
      // get_template_and_fix_tokenizer: function slots become the default assistant slots).
      const toolFormat = extraValue(config, 'toolFormat')?.value;
      if (typeof toolFormat === 'string') {
        const base = FACTORY_TEMPLATES[name]!;
        if (TOOL_FORMATS.includes(toolFormat as ToolFormat)) {
          const template = { ...base, tools: toolFormat as ToolFormat, function: base.efficientEos ? ['{{content}}'] : ['{{content}}', EOS] };
          return withNote({ counter: factoryCounter(name, template, tokenizer, hasBos, reasoning), note: `Tools and function calls are written in the '${toolFormat}' tool format (tool_format).` });
        }
        return withNote({ counter: factoryCounter(name, FACTORY_TEMPLATES[name]!, tokenizer, hasBos, reasoning), note: `tool_format: ${toolFormat} is not bundled with TransferLens (default, qwen, llama3 and mistral are); tools and function calls were counted in the '${name}' template's own format, which can differ in length.` });
      }
      return withNote({ counter: factoryCounter(name, FACTORY_TEMPLATES[name]!, tokenizer, hasBos, reasoning) });
    }
    if (name) return useOwn(`LLaMA-Factory's '${name}' template is not bundled with TransferLens; the lengths were counted with ${own !== undefined ? ownDescription : 'no template'} instead, which can differ by a few tokens per turn.`);
    if (own !== undefined) return useOwn('No template is set, so LLaMA-Factory derives one from the tokenizer\'s chat template; the lengths were counted with that template rendered directly.');
    return { counter: factoryCounter('empty', FACTORY_TEMPLATES.empty!, tokenizer, false), note: "No template is set and the tokenizer has no chat template, so LLaMA-Factory uses its 'empty' template (the turns' texts only)." };
  }
  if (config.profile === 'axolotl') {
    if (!name || name === 'tokenizer_default') return useOwn();
    if (name === 'jinja') {
      const jinja = extraValue(config, 'chatTemplateJinja');
      if (typeof jinja?.value !== 'string') return { problem: { message: 'chat_template: jinja needs chat_template_jinja (the template text, or a path to a .jinja file); it is not set, so Axolotl stops with an error. Set chat_template_jinja, or use chat_template: tokenizer_default.', at: setting, field: 'chatTemplate' } };
      let source = jinja.value;
      let description = 'the chat_template_jinja template';
      if (!source.includes('{') && /\.(jinja2?|j2|txt)$/i.test(source.trim())) {
        const path = isAbsolute(source.trim()) ? source.trim() : resolve(dirname(jinja.file ?? config.file), source.trim());
        try {
          source = await readFile(path, 'utf8');
          description = `the chat_template_jinja file ${path}`;
        } catch (e) {
          return { problem: { message: `chat_template_jinja: ${path} cannot be read (${(e as Error).message}). Fix the path or give the template inline.`, at: jinja, field: 'chatTemplate' } };
        }
      }
      return compile(source, description, jinja, 'chatTemplate');
    }
    const fallback = /^tokenizer_default_fallback_(.+)$/.exec(name);
    if (fallback && own !== undefined) return useOwn();
    const builtin = fallback ? fallback[1]! : name;
    if (AXOLOTL_BUILTINS[builtin]) return compile(AXOLOTL_BUILTINS[builtin]!, `Axolotl's built-in '${builtin}' template`, setting, 'chatTemplate');
    return useOwn(`Axolotl's built-in '${builtin}' template is not bundled with TransferLens (bundled: ${Object.keys(AXOLOTL_BUILTINS).join(', ')}); the lengths were counted with ${own !== undefined ? ownDescription : 'no template'} instead.`);
  }
  if (config.profile === 'torchtune') {
    const component = extraValue(config, 'tokenizerComponent')?.value;
    const family = typeof component === 'string' ? torchtuneFamily(component) : undefined;
    const wrapped = extraValue(config, 'promptTemplate')?.value;
    if (family && typeof wrapped !== 'string') return { counter: torchtuneCounter(family, tokenizer) };
    if (family) return { counter: torchtuneCounter(family, tokenizer), note: `tokenizer.prompt_template (${String(wrapped)}) wraps the messages' contents in text that is not counted here.` };
    return useOwn(`torchtune formats messages with its model tokenizer (${typeof component === 'string' ? component : 'tokenizer._component_ not set'}); its formats are bundled for llama3_tokenizer, qwen2_tokenizer and qwen2_5_tokenizer, so the checkpoint's chat template stands in for it.`);
  }
  // Hugging Face / TRL: chat_template_path may name a .jinja file.
  if (name && /\.(jinja2?|j2)$/i.test(name)) {
    const path = isAbsolute(name) ? name : resolve(dirname(setting!.file ?? config.file), name);
    try {
      return compile(await readFile(path, 'utf8'), `the chat template file ${path}`, setting, 'chatTemplate');
    } catch (e) {
      return { problem: { message: `${setting!.keyPath}: ${path} cannot be read (${(e as Error).message}). Fix the path.`, at: setting, field: 'chatTemplate' } };
    }
  }
  if (name && name !== 'tokenizer_default' && name.includes('{')) return compile(name, `the template set by ${setting!.keyPath}`, setting, 'chatTemplate');
  if (name && name !== 'tokenizer_default') return useOwn(`${setting!.keyPath}: ${name} is not a .jinja file or a template (a tokenizer folder's template is not read here); the lengths were counted with ${own !== undefined ? ownDescription : 'no template'} instead.`);
  return useOwn();
}
