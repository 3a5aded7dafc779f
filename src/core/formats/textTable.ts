/**
 * Text datasets (issue #15): which columns hold the text, the sentence pair and the label, the
 * way the training scripts users run pick them, and a bounded, seeded sample of rows — the pure
 * half of src/node/readers/textDataset.ts (which moves the bytes of CSV/TSV, JSONL, JSON arrays,
 * Parquet and Arrow).
 *
 * Column choice, in the order the scripts apply it:
 * - explicit text columns (`text_column_names: a,b` of Hugging Face run_classification, joined
 *   with its `text_column_delimiter`, default one space — the script does `sentence += delimiter +
 *   column`; `text_column`; `sentence1_key`/`sentence2_key`);
 * - a GLUE `task_name` (run_glue's `task_to_keys` table);
 * - run_glue's rule for custom files: `sentence1` and `sentence2` when both exist, else the first
 *   two non-label columns are a pair… but a single obvious text column is read as one text (see
 *   `chooseTextColumns`);
 * - generative formats: alpaca (`instruction` + `input` → prompt, `output` → response),
 *   sharegpt (`conversations: [{from, value}]`), chat `messages: [{role, content}]`, with the
 *   LLaMA-Factory `columns` mapping honoured.
 *
 * Sampling: two passes. Pass 1 hands (row number, label) to the table sampler of table.ts (so
 * labels, regression detection, rare-class guarantees and single-class errors are exactly the
 * table path's); pass 2 keeps the texts of the sampled rows only, so a 1 GB file costs only the
 * sample's memory. Row problems that do not stop the analysis (empty texts, numbers in a text
 * column, over-long cells) are collected with their 1-based row for findings.
 */
import { DatasetError } from './errors';
import { TableSampler, type Cell, type Table, type TableLabels, type TableTask } from './table';

/** run_glue's `task_to_keys`. */
export const GLUE_TASK_KEYS: Readonly<Record<string, readonly [string, string | undefined]>> = {
  cola: ['sentence', undefined],
  mnli: ['premise', 'hypothesis'],
  mrpc: ['sentence1', 'sentence2'],
  qnli: ['question', 'sentence'],
  qqp: ['question1', 'question2'],
  rte: ['sentence1', 'sentence2'],
  sst2: ['sentence', undefined],
  stsb: ['sentence1', 'sentence2'],
  wnli: ['sentence1', 'sentence2'],
};

/** Text columns tried, in order, when the config names none (the profiles' defaults). */
export const DEFAULT_TEXT_COLUMNS = ['text', 'sentence', 'content', 'review', 'document', 'question', 'prompt'] as const;

/** Cells longer than this many characters are cut (and reported): a 10 MB cell is a data bug. */
export const MAX_TEXT_CHARS = 100_000;

/** Generative (instruction / chat) data formats. */
/**
 * `prompt-completion`: TRL's prompt–completion records (`prompt` + `completion`, both strings —
 * trained as prompt + completion — or both lists of messages, rendered together with the chat
 * template).
 */
export type ChatFormatting = 'alpaca' | 'sharegpt' | 'messages' | 'prompt-completion';

/** What the config says about the columns (all optional; defaults as in the module comment). */
export interface TextColumnSpec {
  /** Text columns joined into one text (run_classification `text_column_names`). */
  readonly textColumns?: readonly string[];
  /** Delimiter that joins several text columns (run_classification default ' '). */
  readonly delimiter?: string;
  /** Second sentence of a pair (`sentence2_key`). */
  readonly pairColumn?: string;
  /** Label column; undefined with `generative` = no label. */
  readonly labelColumn?: string;
  /** GLUE task name (run_glue `task_name`). */
  readonly glueTask?: string;
  /** Instruction / chat data (no label): how a record becomes text. */
  readonly formatting?: ChatFormatting;
  /** LLaMA-Factory `columns` mapping (prompt, query, response, system, history, messages) and `tags`. */
  readonly columnMap?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
  /** A dataset's own role names → user / assistant / system / tool (Axolotl `roles`), before the usual aliases. */
  readonly roleNames?: Readonly<Record<string, string>>;
  /**
   * The only message fields the trainer reads (Axolotl: `message_property_mappings`, default role /
   * content). Messages in other fields (`from` / `value`) are still counted, as if mapped, and each
   * such row is an `unread-fields` problem: the trainer fails on it.
   */
  readonly messageFields?: { readonly role: string; readonly content: string; readonly setting: string };
  /** The message field holding a thought, passed to templates as `reasoning_content` (Axolotl `field_thinking`). */
  readonly reasoningField?: string;
  /**
   * Instruction / chat / completion data without a label: when `formatting` is not given it is
   * detected from the fields (`messages` → messages, `conversations` → sharegpt, `instruction` →
   * alpaca, else a plain text column).
   */
  readonly generative?: boolean;
  /**
   * The label column is the default (`label`), not named in the config: when the data has no such
   * column but is in an instruction/chat format (TRL `messages`), it is read as generative data.
   */
  readonly labelDefaulted?: boolean;
}

/** The chat format a generative dataset's fields imply, if any. */
export function detectFormatting(header: readonly string[]): ChatFormatting | undefined {
  if (header.includes('messages')) return 'messages';
  if (header.includes('conversations')) return 'sharegpt';
  if (header.includes('instruction')) return 'alpaca';
  if (header.includes('prompt') && header.includes('completion')) return 'prompt-completion';
  return undefined;
}

/** How a record becomes text, once the header is known. */
export interface TextColumns {
  readonly kind: 'plain' | ChatFormatting;
  readonly text: readonly string[];
  readonly pair?: string;
  readonly label?: string;
  /** Why these columns (for the report). */
  readonly reason: string;
  /**
   * Chat / instruction records: the column holding the tool definitions the template renders into
   * the system turn (LLaMA-Factory `columns.tools`; TRL and Axolotl read a `tools` field of
   * `messages` records by default), and sharegpt's separate system-prompt column
   * (LLaMA-Factory `columns.system`, used when the first message is not a system message).
   */
  readonly tools?: string;
  readonly system?: string;
  /** Alpaca records: which column is the system prompt, instruction, input and output (for chat-template rendering). */
  readonly alpaca?: { readonly system?: string; readonly prompt: string; readonly query?: string; readonly response?: string; /** LLaMA-Factory `columns.history`: earlier [query, response] turns. */ readonly history?: string };
}

/** One message of a chat sample (role normalised to system | user | assistant | function (an assistant's function call, sharegpt) | tool | other names). */
export interface ChatMessage {
  readonly role: string;
  readonly content: string;
  /** OpenAI-style `tool_calls` of an assistant message (passed to Jinja templates, which render them). */
  readonly toolCalls?: readonly unknown[];
  /**
   * The message's other fields (e.g. `reasoning_content`, which Qwen3-style templates render as a
   * thought), passed to Jinja templates as transformers passes the whole message dict.
   */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** The field reasoning templates read a message's thought from (transformers / Axolotl `template_thinking_key`). */
export const REASONING_FIELD = 'reasoning_content';

/** The kinds of text row problems, in the order findings report them. */
export const TEXT_ROW_PROBLEM_KINDS = ['empty', 'not-text', 'too-long', 'bad-chat', 'unread-fields'] as const;

/** A count of 0 for every row-problem kind. */
export function noRowProblems(): Record<TextRowProblem['kind'], number> {
  return Object.fromEntries(TEXT_ROW_PROBLEM_KINDS.map((k) => [k, 0])) as Record<TextRowProblem['kind'], number>;
}

export interface TextRowProblem {
  /** 1-based row (line for CSV/JSONL, element for JSON arrays, row for Parquet/Arrow). */
  readonly row: number;
  readonly kind: (typeof TEXT_ROW_PROBLEM_KINDS)[number];
  readonly message: string;
}

export interface TextSample {
  readonly texts: string[];
  /** Second sentences, aligned with `texts`, for pair tasks. */
  readonly pairs?: string[];
  /** Chat samples as messages (generative chat formats; alpaca records as LLaMA-Factory converts them), aligned with `texts`. */
  readonly messages?: ChatMessage[][];
  /** Each sample's tool definitions as a JSON text (`columns.tools`; '' when the row has none), aligned with `texts`. */
  readonly tools?: string[];
  /** Labels (supervised), aligned; undefined for generative data. */
  readonly labels?: TableLabels;
  readonly classCounts?: number[];
  /** 1-based row of each sampled text in its file. */
  readonly rows: number[];
  readonly rowsTotal: number;
  readonly rowsUsed: number;
  readonly columns: TextColumns;
  readonly problems: TextRowProblem[];
  /** Problems counted per kind (the list keeps the first few of each). */
  readonly problemCounts: Readonly<Record<TextRowProblem['kind'], number>>;
}

const MAX_PROBLEMS_PER_KIND = 5;

function has(header: readonly string[], name: string | undefined): name is string {
  return name !== undefined && header.includes(name);
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 12).map((n) => `'${n}'`).join(', ');
  return names.length > 12 ? `${shown} and ${names.length - 12} more` : shown;
}

/**
 * Chooses the text, pair and label columns for a header (see the module comment). Throws
 * DatasetError naming the file and the columns when a named column is absent.
 */
export function chooseTextColumns(header: readonly string[], spec: TextColumnSpec, source: string): TextColumns {
  const missing = (what: string, name: string, hint: string): DatasetError =>
    new DatasetError(what === 'label' ? 'label-column-missing' : 'dataset-invalid', `${source}: there is no ${what} column '${name}'; the columns are ${listNames(header)}. ${hint}`, { line: 1 });
  if (spec.labelDefaulted && spec.labelColumn !== undefined && !has(header, spec.labelColumn) && !spec.formatting && detectFormatting(header)) {
    spec = { ...spec, generative: true };
  }
  if (spec.generative && !spec.formatting && !(spec.textColumns && spec.textColumns.length > 0)) {
    const formatting = detectFormatting(header);
    if (formatting) spec = { ...spec, formatting };
  }
  if (spec.generative) spec = { ...spec, labelColumn: undefined };
  const label = spec.labelColumn;
  if (label !== undefined && !spec.formatting && !has(header, label)) throw missing('label', label, 'Set the label column (label_column_name) to one of them');
  if (spec.formatting) return chooseChatColumns(header, spec, source);
  if (spec.textColumns && spec.textColumns.length > 0) {
    for (const name of spec.textColumns) if (!has(header, name)) throw missing('text', name, 'Set text_column_names to existing columns (comma-separated)');
    if (spec.pairColumn !== undefined && !has(header, spec.pairColumn)) throw missing('second sentence', spec.pairColumn, 'Set sentence2_key to an existing column, or remove it for single sentences');
    return { kind: 'plain', text: [...spec.textColumns], pair: spec.pairColumn, label, reason: spec.pairColumn ? 'text and pair columns named in the config' : 'text columns named in the config' };
  }
  const task = spec.glueTask?.toLowerCase();
  if (task && GLUE_TASK_KEYS[task]) {
    const [first, second] = GLUE_TASK_KEYS[task]!;
    if (!has(header, first)) throw missing('text', first, `run_glue's task '${task}' reads '${first}'${second ? ` and '${second}'` : ''}`);
    if (second !== undefined && !has(header, second)) throw missing('second sentence', second, `run_glue's task '${task}' reads the pair '${first}', '${second}'`);
    return { kind: 'plain', text: [first], pair: second, label, reason: `GLUE task '${task}' (run_glue's task_to_keys)` };
  }
  if (spec.pairColumn !== undefined) {
    if (!has(header, spec.pairColumn)) throw missing('second sentence', spec.pairColumn, 'Set sentence2_key to an existing column, or remove it for single sentences');
  }
  if (has(header, 'sentence1') && has(header, 'sentence2')) {
    return { kind: 'plain', text: ['sentence1'], pair: 'sentence2', label, reason: "columns 'sentence1' and 'sentence2' (run_glue's default for custom files)" };
  }
  const found = DEFAULT_TEXT_COLUMNS.find((name) => has(header, name) && name !== label);
  if (found) return { kind: 'plain', text: [found], pair: spec.pairColumn, label, reason: `column '${found}' (default text column)` };
  // run_glue: the first two non-label columns form a pair, one column is a single text.
  const others = header.filter((name) => name !== label && !/^(idx|id|Unnamed: \d+|__index_level_\d+__|)$/.test(name));
  if (others.length === 0) throw new DatasetError('dataset-invalid', `${source}: no text column besides the label '${label ?? ''}' (columns: ${listNames(header)}); name one with text_column_names`, { line: 1 });
  return others.length >= 2
    ? { kind: 'plain', text: [others[0]!], pair: others[1], label, reason: `the first two non-label columns '${others[0]}', '${others[1]}' as a pair (run_glue's rule for custom files; set text_column_names to choose)` }
    : { kind: 'plain', text: [others[0]!], label, reason: `the only non-label column '${others[0]}'` };
}

function chooseChatColumns(header: readonly string[], spec: TextColumnSpec, source: string): TextColumns {
  const map = spec.columnMap ?? {};
  if (spec.formatting === 'alpaca') {
    const prompt = map.prompt ?? 'instruction';
    const query = map.query ?? 'input';
    const response = map.response ?? 'output';
    const system = map.system;
    if (!has(header, prompt)) {
      throw new DatasetError('dataset-invalid', `${source}: alpaca-format records need a '${prompt}' field (the instruction); the fields are ${listNames(header)}. Fix the file or the 'columns' mapping in dataset_info.json`, { line: 1 });
    }
    const history = map.history;
    const text = [system, prompt, query, response].filter((c): c is string => has(header, c));
    const alpaca = { prompt, ...(has(header, system) ? { system } : {}), ...(has(header, query) ? { query } : {}), ...(has(header, response) ? { response } : {}), ...(has(header, history) ? { history } : {}) };
    const tools = has(header, map.tools) ? map.tools : undefined;
    return { kind: 'alpaca', text, alpaca, ...(tools ? { tools } : {}), reason: `alpaca format (${[...(tools ? [tools] : []), ...(alpaca.history ? [alpaca.history] : []), ...text].map((c) => `'${c}'`).join(' + ')})` };
  }
  if (spec.formatting === 'prompt-completion') {
    for (const name of ['prompt', 'completion']) {
      if (!has(header, name)) throw new DatasetError('dataset-invalid', `${source}: prompt-completion records need a '${name}' field; the fields are ${listNames(header)}`, { line: 1 });
    }
    const tools = has(header, 'tools') ? 'tools' : undefined;
    return { kind: 'prompt-completion', text: ['prompt', 'completion'], ...(tools ? { tools } : {}), reason: `TRL prompt-completion format ('prompt' + 'completion'${tools ? ", tools 'tools'" : ''})` };
  }
  const messages = map.messages ?? (spec.formatting === 'sharegpt' ? 'conversations' : 'messages');
  const column = has(header, messages) ? messages : ['messages', 'conversations'].find((c) => has(header, c));
  if (!column) {
    throw new DatasetError('dataset-invalid', `${source}: ${spec.formatting} records need a '${messages}' field (a list of messages); the fields are ${listNames(header)}. Fix the file or the 'columns' mapping`, { line: 1 });
  }
  // LLaMA-Factory reads a system or tools column only when dataset_info.json maps it; TRL's SFT
  // and Axolotl's chat_template pass a record's `tools` field to the template by default.
  const tools = has(header, map.tools) ? map.tools : spec.formatting === 'messages' && map.tools === undefined && has(header, 'tools') ? 'tools' : undefined;
  const system = has(header, map.system) ? map.system : undefined;
  const extra = [...(system ? [`system '${system}'`] : []), ...(tools ? [`tools '${tools}'`] : [])];
  return { kind: spec.formatting!, text: [column], ...(tools ? { tools } : {}), ...(system ? { system } : {}), reason: `${spec.formatting} format (field '${column}'${extra.length > 0 ? `, ${extra.join(', ')}` : ''})` };
}

/** Role names of sharegpt (`from`) and OpenAI-style (`role`) messages → system | user | assistant | function | tool. */
const ROLE_ALIASES: Readonly<Record<string, string>> = {
  human: 'user', user: 'user', gpt: 'assistant', assistant: 'assistant', model: 'assistant', bot: 'assistant',
  system: 'system', function_call: 'function', observation: 'tool', tool: 'tool', function: 'tool',
};

/** How a dataset names its messages' parts (TextColumnSpec's `tags`, `roleNames`, `reasoningField`). */
export interface MessageNaming {
  readonly tags?: Readonly<Record<string, string>>;
  readonly roleNames?: Readonly<Record<string, string>>;
  readonly reasoningField?: string;
}

/** Reads a list of messages from a cell (array of {role, content} or {from, value}); undefined when it is not one. */
export function parseMessages(value: unknown, naming: MessageNaming = {}): ChatMessage[] | undefined {
  const { tags = {}, roleNames = {}, reasoningField = REASONING_FIELD } = naming;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(value)) return undefined;
  const roleKey = tags.role_tag;
  const contentKey = tags.content_tag;
  const out: ChatMessage[] = [];
  for (const item of value) {
    if (item === null || typeof item !== 'object') return undefined;
    const record = item as Record<string, unknown>;
    const role = record[roleKey ?? ''] ?? record.role ?? record.from;
    const content = record[contentKey ?? ''] ?? record.content ?? record.value;
    if (typeof role !== 'string' || (typeof content !== 'string' && content !== null && content !== undefined)) return undefined;
    const mapped = Object.hasOwn(roleNames, role) ? roleNames[role]! : tags.user_tag === role ? 'user' : tags.assistant_tag === role ? 'assistant' : tags.system_tag === role ? 'system'
      : tags.function_tag === role ? 'function' : tags.observation_tag === role ? 'tool' : ROLE_ALIASES[role.toLowerCase()] ?? role;
    const calls = Array.isArray(record.tool_calls) && record.tool_calls.length > 0 ? record.tool_calls : undefined;
    // Every other field goes to the template as it is; Axolotl's field_thinking is renamed to reasoning_content.
    const used = new Set([firstPresent(record, [roleKey, 'role', 'from']), firstPresent(record, [contentKey, 'content', 'value']), 'tool_calls']);
    let fields: Record<string, unknown> | undefined;
    for (const [key, v] of Object.entries(record)) {
      if (used.has(key) || v === null || v === undefined) continue;
      (fields ??= {})[key === reasoningField ? REASONING_FIELD : key] = v;
    }
    out.push({ role: mapped, content: typeof content === 'string' ? content : '', ...(calls ? { toolCalls: calls } : {}), ...(fields ? { fields } : {}) });
  }
  return out;
}

/** The first of `keys` the record has a value for (as `??` picks it). */
function firstPresent(record: Record<string, unknown>, keys: readonly (string | undefined)[]): string | undefined {
  return keys.find((k) => k !== undefined && record[k] !== undefined && record[k] !== null);
}

/** Messages → the plain text whose tokens the checks count (contents joined by newlines). */
export function messagesText(messages: readonly ChatMessage[]): string {
  return messages.map((m) => {
    const reasoning = m.fields?.[REASONING_FIELD];
    const parts = [typeof reasoning === 'string' ? reasoning : '', m.content, m.toolCalls ? JSON.stringify(m.toolCalls) : ''].filter((t) => t !== '');
    return parts.length === 1 ? parts[0]! : parts.join('\n');
  }).join('\n');
}

function cellText(cell: unknown): { text: string; kind?: 'not-text' } | undefined {
  if (cell === null || cell === undefined) return undefined;
  if (typeof cell === 'string') return { text: cell };
  if (typeof cell === 'number' || typeof cell === 'boolean' || typeof cell === 'bigint') return { text: String(cell), kind: 'not-text' };
  return { text: JSON.stringify(cell) ?? '', kind: 'not-text' };
}

interface RowText {
  readonly text: string;
  readonly pair?: string;
  readonly messages?: ChatMessage[];
  readonly tools?: string;
}

/**
 * Collects the sample. Call `addLabel` for every record in pass 1, then `finishLabels`, then
 * `addText` for every record in pass 2 (same order), then `finish`.
 */
export class TextSampler {
  private labelSampler: TableSampler | undefined;
  private labelTable: Table | undefined;
  private selected: Map<number, number> | undefined;
  private readonly kept: (RowText | undefined)[] = [];
  private readonly rowNumbers: number[] = [];
  private rowsSeen = 0;
  private textRowsSeen = 0;
  private readonly problems: TextRowProblem[] = [];
  private readonly counts = noRowProblems();

  constructor(
    readonly columns: TextColumns,
    private readonly options: MessageNaming & { readonly maxRows: number; readonly seed: number; readonly task?: TableTask; readonly messageFields?: TextColumnSpec['messageFields']; readonly delimiter?: string; readonly allowSingleClass?: boolean },
    private readonly source: string,
  ) {
    const label = columns.label;
    this.labelSampler = new TableSampler(['__row', label ?? '__none'], { labelColumn: label ?? '__none', task: label ? options.task : 'classification', maxRows: options.maxRows, seed: options.seed, featureColumns: ['__row'], allowSingleClass: !label || options.allowSingleClass === true }, source);
  }

  /** Pass 1: one record (the label cell is read; `row` is the 1-based row for messages). */
  addLabel(record: (name: string) => unknown, row: number): void {
    const label = this.columns.label;
    const cell = label ? record(label) : 'none';
    const labelCell: Cell = cell === undefined || cell === null || typeof cell === 'string' || typeof cell === 'number' || typeof cell === 'boolean' ? cell : JSON.stringify(cell);
    this.labelSampler!.addRow([this.rowsSeen, labelCell], row);
    this.rowsSeen++;
  }

  get rowCount(): number {
    return this.rowsSeen;
  }

  /** Ends pass 1: the sampled rows are known. */
  finishLabels(format: Table['format']): void {
    if (this.rowsSeen === 0) throw new DatasetError('dataset-invalid', `${this.source}: holds no data rows`, { line: 2 });
    this.labelTable = this.labelSampler!.finish(format);
    this.labelSampler = undefined;
    const indices = this.labelTable.features.data;
    this.selected = new Map();
    for (let i = 0; i < this.labelTable.rowsUsed; i++) this.selected.set(indices[i]!, i);
    this.kept.length = this.labelTable.rowsUsed;
    this.rowNumbers.length = this.labelTable.rowsUsed;
  }

  /** Pass 2: the same records again, in the same order. */
  addText(record: (name: string) => unknown, row: number): void {
    const index = this.textRowsSeen++;
    const slot = this.selected?.get(index);
    if (slot === undefined) return;
    this.rowNumbers[slot] = row;
    this.kept[slot] = this.readText(record, row);
  }

  private problem(kind: TextRowProblem['kind'], row: number, message: string): void {
    this.counts[kind]++;
    if (this.problems.filter((p) => p.kind === kind).length < MAX_PROBLEMS_PER_KIND) this.problems.push({ row, kind, message });
  }

  private clean(cell: unknown, column: string, row: number): string {
    const got = cellText(cell);
    if (!got) {
      this.problem('empty', row, `${this.source}: row ${row}: '${column}' is missing`);
      return '';
    }
    if (got.kind === 'not-text') this.problem('not-text', row, `${this.source}: row ${row}: '${column}' holds ${typeof cell === 'object' ? 'a JSON value' : `a ${typeof cell}`} (${got.text.slice(0, 40)}), not text; it was read as text`);
    let text = got.text;
    if (text.length > MAX_TEXT_CHARS) {
      this.problem('too-long', row, `${this.source}: row ${row}: '${column}' has ${text.length.toLocaleString('en-US')} characters; only the first ${MAX_TEXT_CHARS.toLocaleString('en-US')} were used (a cell this long is usually a parsing or export bug)`);
      text = text.slice(0, MAX_TEXT_CHARS);
    }
    if (text.trim() === '') this.problem('empty', row, `${this.source}: row ${row}: '${column}' is empty`);
    return text;
  }

  private readText(record: (name: string) => unknown, row: number): RowText {
    const base = this.readRecordText(record, row);
    const column = this.columns.tools;
    if (column === undefined) return base;
    // The tool definitions go into the system turn; without a template they count as their JSON text.
    const tools = this.toolsText(record(column), column, row);
    return { ...base, tools, ...(tools !== '' ? { text: base.text === '' ? tools : `${tools}\n${base.text}` } : {}) };
  }

  /** A record's tools cell as the JSON text LLaMA-Factory's ToolFormatter parses ('' when absent or unusable). */
  private toolsText(value: unknown, column: string, row: number): string {
    if (value === undefined || value === null || value === '') return '';
    let text: string;
    if (typeof value === 'string') {
      try {
        JSON.parse(value);
      } catch {
        this.problem('bad-chat', row, `${this.source}: row ${row}: '${column}' is not JSON (a list of tool definitions); LLaMA-Factory stops on it ("Invalid JSON format in tool description"). It was left out of the length`);
        return '';
      }
      text = value;
    } else {
      text = JSON.stringify(value) ?? '';
    }
    if (text.length > MAX_TEXT_CHARS) {
      this.problem('too-long', row, `${this.source}: row ${row}: '${column}' has ${text.length.toLocaleString('en-US')} characters of tool definitions; they were left out of the length (a cell this long is usually an export bug)`);
      return '';
    }
    return text;
  }

  /** Messages with each content cut at MAX_TEXT_CHARS; a cut is a row problem. */
  private boundMessages(messages: readonly ChatMessage[], row: number): ChatMessage[] {
    const long = (v: unknown): boolean => typeof v === 'string' && v.length > MAX_TEXT_CHARS;
    const bounded = messages.map((m) => {
      const longField = m.fields && Object.values(m.fields).some(long);
      if (m.content.length <= MAX_TEXT_CHARS && !longField) return m;
      const fields = longField ? Object.fromEntries(Object.entries(m.fields!).map(([k, v]) => [k, long(v) ? (v as string).slice(0, MAX_TEXT_CHARS) : v])) : m.fields;
      return { ...m, content: m.content.slice(0, MAX_TEXT_CHARS), ...(fields ? { fields } : {}) };
    });
    if (bounded.some((m, i) => m !== messages[i])) this.problem('too-long', row, `${this.source}: row ${row}: a message has more than ${MAX_TEXT_CHARS.toLocaleString('en-US')} characters; it was cut`);
    return bounded;
  }

  private readRecordText(record: (name: string) => unknown, row: number): RowText {
    const c = this.columns;
    if (c.kind === 'prompt-completion') {
      // TRL: conversational when both are lists of messages (rendered together), else the strings concatenated.
      const prompt = record('prompt');
      const completion = record('completion');
      const asMessages = typeof prompt === 'string' ? undefined : parseMessages(prompt, this.options);
      const completionMessages = typeof completion === 'string' ? undefined : parseMessages(completion, this.options);
      if (asMessages && completionMessages) {
        const messages = this.boundMessages([...asMessages, ...completionMessages], row);
        if (messages.every((m) => m.content.trim() === '')) this.problem('empty', row, `${this.source}: row ${row}: the prompt and completion are empty`);
        return { text: messagesText(messages), messages };
      }
      const text = this.clean(prompt, 'prompt', row) + this.clean(completion, 'completion', row);
      return { text, messages: [] };
    }
    if (c.kind === 'sharegpt' || c.kind === 'messages') {
      const column = c.text[0]!;
      const parsed = parseMessages(record(column), this.options);
      if (!parsed) {
        this.problem('bad-chat', row, `${this.source}: row ${row}: '${column}' is not a list of messages ({role, content} or {from, value})`);
        return { text: '', messages: [] };
      }
      // sharegpt's system column (LLaMA-Factory): the system prompt unless the first message is one.
      const systemCell = c.system !== undefined && parsed[0]?.role !== 'system' ? record(c.system) : undefined;
      const messages = typeof systemCell === 'string' && systemCell !== '' ? [{ role: 'system', content: systemCell }, ...parsed] : parsed;
      this.checkMessageFields(record(column), row);
      const bounded = this.boundMessages(messages, row);
      if (bounded.length === 0 || bounded.every((m) => m.content.trim() === '')) this.problem('empty', row, `${this.source}: row ${row}: the conversation is empty`);
      return { text: messagesText(bounded), messages: bounded };
    }
    if (c.kind === 'alpaca') {
      const parts = c.text.map((name) => ({ name, value: record(name) })).filter((p) => p.value !== undefined && p.value !== null && p.value !== '');
      const cleaned = new Map(parts.map((p) => [p.name, this.clean(p.value, p.name, row)]));
      // As LLaMA-Factory's alpaca converter builds the conversation: system, the history's
      // [query, response] turns, user = instruction + "\n" + input, assistant = output.
      const roles = c.alpaca;
      const earlier = roles?.history !== undefined ? this.historyTurns(record(roles.history), roles.history, row) : [];
      const text = [...earlier.map((m) => m.content), ...cleaned.values()].join('\n');
      if (text.trim() === '') this.problem('empty', row, `${this.source}: row ${row}: the instruction and output are empty`);
      if (!roles) return { text };
      const part = (name: string | undefined): string => (name !== undefined ? cleaned.get(name) ?? '' : '');
      const user = [part(roles.prompt), part(roles.query)].filter((t) => t !== '').join('\n');
      const messages: ChatMessage[] = [
        ...(part(roles.system) !== '' ? [{ role: 'system', content: part(roles.system) }] : []),
        ...earlier,
        { role: 'user', content: user },
        ...(roles.response !== undefined ? [{ role: 'assistant', content: part(roles.response) }] : []),
      ];
      return { text, messages };
    }
    const delimiter = this.options.delimiter ?? ' ';
    const text = c.text.map((name) => this.clean(record(name), name, row)).join(delimiter);
    return c.pair !== undefined ? { text, pair: this.clean(record(c.pair), c.pair, row) } : { text };
  }

  /**
   * Messages whose role field the trainer does not read (its first message lacks it; Axolotl's
   * get_conversation_thread reads `messages[0][role]`), or whose content field no message has.
   */
  private checkMessageFields(value: unknown, row: number): void {
    const fields = this.options.messageFields;
    if (!fields || !Array.isArray(value) || value.length === 0) return;
    const items = value.filter((m): m is Record<string, unknown> => m !== null && typeof m === 'object' && !Array.isArray(m));
    if (items.length === 0) return;
    const missing = !Object.hasOwn(items[0]!, fields.role) ? fields.role : !items.some((m) => Object.hasOwn(m, fields.content)) ? fields.content : undefined;
    if (missing === undefined) return;
    const keys = Object.keys(items[0]!);
    const role = Object.hasOwn(items[0]!, fields.role) ? fields.role : ['from', 'role', 'speaker'].find((k) => keys.includes(k)) ?? keys[0];
    const content = items.some((m) => Object.hasOwn(m, fields.content)) ? fields.content : ['value', 'content', 'text'].find((k) => keys.includes(k)) ?? keys[1];
    const fix = role && content ? ` Map them: message_property_mappings: {role: ${role}, content: ${content}}.` : '';
    const what = `${this.source}: row ${row}: the messages have no '${missing}' field (they have ${keys.map((k) => `'${k}'`).join(', ')})`;
    // The rule and the fix are said on the first such row; later rows only name themselves.
    this.problem('unread-fields', row, this.counts['unread-fields'] === 0 ? `${what}; ${fields.setting}, so training fails on this row. They were counted as if mapped.${fix}` : what);
  }

  /** An alpaca record's history: a list of [query, response] pairs (a JSON string of one in CSV); anything else is a row problem. */
  private historyTurns(value: unknown, column: string, row: number): ChatMessage[] {
    if (value === undefined || value === null || value === '') return [];
    let list: unknown = value;
    if (typeof list === 'string') {
      try {
        list = JSON.parse(list);
      } catch {
        list = undefined;
      }
    }
    const pairs = Array.isArray(list) && list.every((p) => Array.isArray(p) && p.length === 2 && p.every((t) => typeof t === 'string')) ? (list as [string, string][]) : undefined;
    if (!pairs) {
      this.problem('bad-chat', row, `${this.source}: row ${row}: '${column}' is not a list of [query, response] pairs (LLaMA-Factory's alpaca history); it was left out`);
      return [];
    }
    return pairs.flatMap(([q, r]) => [
      { role: 'user', content: q.length > MAX_TEXT_CHARS ? q.slice(0, MAX_TEXT_CHARS) : q },
      { role: 'assistant', content: r.length > MAX_TEXT_CHARS ? r.slice(0, MAX_TEXT_CHARS) : r },
    ]);
  }

  finish(): TextSample {
    const table = this.labelTable;
    if (!table) throw new Error('TextSampler.finish before finishLabels');
    if (this.textRowsSeen !== this.rowsSeen) {
      throw new DatasetError('dataset-invalid', `${this.source}: changed while it was read (${this.rowsSeen} rows, then ${this.textRowsSeen}); analyse it again`);
    }
    const rows = this.kept.map((r) => r ?? { text: '' });
    const supervised = this.columns.label !== undefined;
    return {
      texts: rows.map((r) => r.text),
      ...(this.columns.pair !== undefined ? { pairs: rows.map((r) => r.pair ?? '') } : {}),
      ...(this.columns.kind === 'sharegpt' || this.columns.kind === 'messages' || this.columns.kind === 'prompt-completion' || this.columns.alpaca ? { messages: rows.map((r) => r.messages ?? []) } : {}),
      ...(this.columns.tools !== undefined ? { tools: rows.map((r) => r.tools ?? '') } : {}),
      ...(supervised ? { labels: table.labels, ...(table.classCounts ? { classCounts: table.classCounts } : {}) } : {}),
      rows: [...this.rowNumbers],
      rowsTotal: table.rowsTotal,
      rowsUsed: table.rowsUsed,
      columns: this.columns,
      problems: [...this.problems].sort((a, b) => a.row - b.row),
      problemCounts: { ...this.counts },
    };
  }
}
