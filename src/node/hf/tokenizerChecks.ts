/**
 * Runs the tokenizer checks of src/core/analysis/tokenizerChecks.ts on a text sample: loads the
 * checkpoint's tokenizer only (tokenizer.json + tokenizer_config.json — no weights, so a 70B
 * checkpoint whose weights were never downloaded still gets them), encodes every sampled text
 * without truncation, and works out the maximum length in force from the config (or the
 * trainer's default, said so) and the model's own limit (config.json `max_position_embeddings`,
 * tokenizer `model_max_length`).
 *
 * Chat data (messages / sharegpt, and every LLaMA-Factory supervised record) is counted as the
 * trainer feeds it: rendered with the chat template in force and tokenised without adding special
 * tokens again, as `apply_chat_template(tokenize=True)` does (src/node/hf/chatTemplate.ts). A
 * template that does not parse, or refuses a conversation, is a `chat-template-invalid` finding;
 * those samples fall back to the plain count.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NormalizedConfig, SourceValue } from '../../core/model/config';
import type { Finding } from '../../core/model/finding';
import { FILE_START } from '../../core/model/range';
import { countTokens, tokenStats, tokenizerFindings, type EncodedSample, type MaxLengthSetting, type TokenCounts, type TokenizerFacts, type TokenStats } from '../../core/analysis/tokenizerChecks';
import type { LearnerCache } from '../../core/analysis/learners';
import { fingerprintFiles } from '../cache/featureCache';
import { textsIdentity } from '../textCache';
import type { TextSample } from '../../core/formats/textTable';
import type { HfTokenizer } from './types';
import { loadTokenizer } from './tokenizer';
import { chooseChatCounter } from './chatTemplate';

/** Samples encoded for the checks at most (the sample is already bounded; this caps time). */
export const MAX_CHECKED_SAMPLES = 5000;

export interface TokenizerCheckResult {
  readonly findings: Finding[];
  readonly stats: TokenStats;
  readonly maxLength?: MaxLengthSetting;
  readonly facts: TokenizerFacts;
  readonly tokenizer: HfTokenizer;
  /** ms spent encoding. */
  readonly encodeMs: number;
  /** The chat template the lengths were rendered with, if any. */
  readonly chatTemplate?: string;
  /** ms spent rendering chat templates (included in encodeMs). */
  readonly renderMs?: number;
  /** With a cache: true when the token counts came from it (no text was encoded). */
  readonly countsCached?: boolean;
}

/** Conversations whose template failure is listed by row (the count covers all). */
const MAX_LISTED_ROWS = 5;

function extra(config: NormalizedConfig, name: string): SourceValue<unknown> | undefined {
  return config.extras?.[name];
}

function numberValue(value: SourceValue<unknown> | undefined): number | undefined {
  const v = value?.value;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

async function modelPositionLimit(folder: string): Promise<number | undefined> {
  try {
    const config = JSON.parse(await readFile(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
    const text = (config.text_config ?? config) as Record<string, unknown>;
    const n = text.max_position_embeddings ?? text.n_positions;
    if (typeof n !== 'number' || !(n > 0)) return undefined;
    // RoBERTa-likes reserve padding_idx + 1 positions (514 → 512 usable).
    const offset = config.model_type === 'roberta' || config.model_type === 'xlm-roberta' ? 2 : 0;
    return n - offset;
  } catch {
    return undefined;
  }
}

/**
 * The maximum length in force: the config's key, else the trainer's documented default.
 * Hugging Face scripts cap `max_seq_length` at the tokenizer's `model_max_length`.
 */
export function maxLengthSetting(config: NormalizedConfig, chat: boolean, tokenizerMax: number | undefined, modelLimit: number | undefined): MaxLengthSetting | undefined {
  const at = extra(config, 'maxLength');
  const value = numberValue(at);
  const limit = modelLimit ?? tokenizerMax;
  if (at && value !== undefined) {
    const key = at.keyPath.split('.').pop()!.replace(/\[\d+\]$/, '');
    const keyPath = at.keyPath;
    if (config.profile === 'huggingface' && key === 'max_seq_length' && tokenizerMax !== undefined && value > tokenizerMax) {
      return { value: tokenizerMax, at, key: keyPath, source: `${keyPath}: ${value}, capped by the script at the tokenizer's model_max_length ${tokenizerMax}`, modelLimit: limit };
    }
    return { value, at, key: keyPath, source: `${keyPath}: ${value}`, modelLimit: limit };
  }
  switch (config.profile) {
    case 'huggingface':
      if (chat || extra(config, 'textColumns')?.keyPath === 'dataset_text_field') return { value: 1024, key: 'max_length', source: "TRL SFTConfig's default max_length 1024 (not set in the config)", modelLimit: limit };
      return { value: Math.min(128, tokenizerMax ?? 128), key: 'max_seq_length', source: `run_classification / run_glue default max_seq_length 128${tokenizerMax !== undefined && tokenizerMax < 128 ? `, capped at model_max_length ${tokenizerMax}` : ''} (not set in the config)`, modelLimit: limit };
    case 'llama-factory':
      return { value: 2048, key: 'cutoff_len', source: "LLaMA-Factory's default cutoff_len 2048 (not set in the config)", modelLimit: limit };
    default:
      // Axolotl's and torchtune's defaults depend on the version (torchtune: no truncation): no share is claimed.
      return undefined;
  }
}

/** Which chat format the data and config use, if any. */
export function chatFormatOf(config: NormalizedConfig, sample: TextSample): string | undefined {
  const type = extra(config, 'datasetType')?.value;
  if (typeof type === 'string' && /chat_template|sharegpt|chat_dataset|conversation/i.test(type)) return `${extra(config, 'datasetType')!.keyPath}: ${type}`;
  if (sample.columns.kind === 'sharegpt') return 'sharegpt';
  if (sample.columns.kind === 'messages') return `'${sample.columns.text[0]}' messages`;
  if (sample.columns.kind === 'prompt-completion' && (sample.messages ?? []).some((m) => m.length > 0)) return 'conversational prompt-completion';
  return undefined;
}

export async function runTokenizerChecks(
  folder: string,
  config: NormalizedConfig,
  sample: TextSample,
  context: {
    readonly datasetName: string;
    readonly tokenizer?: HfTokenizer;
    readonly now?: () => number;
    /** Where dataset findings land (a listed dataset's name); default the config's dataset key. */
    readonly datasetAt?: SourceValue<unknown>;
    /** Keeps the token counts of plain-text samples (the fit cache), so a re-analysis does not re-encode. */
    readonly cache?: LearnerCache;
  },
): Promise<TokenizerCheckResult> {
  const tokenizer = context.tokenizer ?? (await loadTokenizer(folder));
  const info = tokenizer.info;
  const now = context.now ?? (() => performance.now());
  const count = Math.min(sample.texts.length, MAX_CHECKED_SAMPLES);
  const t0 = now();
  const specialIds = [info.clsTokenId, info.sepTokenId, info.bosTokenId, info.eosTokenId, info.padTokenId].filter((x): x is number => x !== undefined);
  // Chat samples are rendered below (their lengths depend on the template): only plain texts and
  // pairs use the cache. The key is the tokenizer's files (fingerprint) and the exact texts.
  const cacheKey = context.cache && !sample.messages && chatFormatOf(config, sample) === undefined ? await tokenCountsKey(info.files, sample, count) : undefined;
  let cached = cacheKey ? await readTokenCounts(context.cache!, cacheKey, count) : undefined;
  // LLaMA-Factory pre-training tokenises one text per record without special tokens (the eos is added below).
  const lfPretrain = isLlamaFactoryPretrain(config);
  const textOf = (i: number): string => (lfPretrain ? pretrainText(sample, i) : sample.texts[i]!);
  const encodings: EncodedSample[] = [];
  if (!cached) {
    for (let i = 0; i < count; i++) {
      const pair = sample.pairs?.[i];
      encodings.push(tokenizer.encode(textOf(i), pair, { addSpecialTokens: !lfPretrain }));
    }
  }
  const tr = now();
  const chat = cached ? { findings: [] as Finding[] } : await chatLengths(folder, config, sample, tokenizer, encodings, context);
  const renderMs = now() - tr;
  const encodeMs = now() - t0;
  const facts: TokenizerFacts = {
    model: info.model,
    byteLevel: info.byteLevel,
    byteFallback: info.byteFallback,
    vocabSize: info.vocabSize,
    ...(info.modelMaxLength !== undefined ? { modelMaxLength: info.modelMaxLength } : {}),
    ...(info.unkTokenId !== undefined ? { unkTokenId: info.unkTokenId } : {}),
    specialIds,
    hasChatTemplate: info.chatTemplate !== undefined,
  };
  const chatFormat = chatFormatOf(config, sample);
  const modelLimit = await modelPositionLimit(folder);
  const maxLength = maxLengthSetting(config, chatFormat !== undefined || sample.columns.kind !== 'plain', info.modelMaxLength, modelLimit ?? info.modelMaxLength);
  const texts = sample.pairs ? sample.texts.slice(0, count).map((t, i) => `${t} ${sample.pairs![i]}`) : Array.from({ length: count }, (_, i) => textOf(i));
  if (!cached) {
    cached = countTokens(encodings, facts);
    if (cacheKey) await writeTokenCounts(context.cache!, cacheKey, cached);
  }
  // TRL's SFTTrainer appends eos_token to non-conversational text (language modelling `text`, string
  // prompt-completion) before tokenising: one more token per such sample.
  // LLaMA-Factory pre-training (processor/pretrain.py) appends eos to every text likewise.
  const trlEos = config.profile === 'huggingface' && sample.labels === undefined && info.eosTokenId !== undefined;
  const lfPretrainEos = lfPretrain && info.eosTokenId !== undefined;
  const getsEos = (i: number): boolean => lfPretrainEos || (trlEos && !((sample.messages?.[i]?.length ?? 0) > 0));
  const base = chat.lengths ?? Array.from(cached.lengths);
  const eosRows = base.some((_, i) => getsEos(i));
  const lengths = eosRows ? base.map((n, i) => (getsEos(i) ? n + 1 : n)) : chat.lengths;
  const eosNote = lfPretrain
    ? `LLaMA-Factory pre-trains on each record's first prompt message (an alpaca record's instruction and input, a conversation's first turn; responses are left out)${lfPretrainEos ? ' with the eos token appended' : ''}; that is what is counted.`
    : eosRows ? 'TRL appends the eos token to non-conversational text before tokenising; it is counted.' : undefined;
  const stats = tokenStats(cached, texts, facts, maxLength?.value, lengths);
  const chatTemplateAt = extra(config, 'chatTemplate');
  const findings = tokenizerFindings(stats, facts, maxLength, {
    file: config.file,
    datasetAt: context.datasetAt ?? config.dataset,
    checkpointAt: config.checkpoint,
    datasetName: context.datasetName,
    chatFormat,
    chatTemplateAt: chatTemplateAt && chatTemplateAt.value !== null && chatTemplateAt.value !== '' && chatTemplateAt.value !== 'tokenizer_default' ? chatTemplateAt : undefined,
    chatFormatAt: extra(config, 'datasetType'),
    ...(chat.note || eosNote ? { lengthsNote: [chat.note, eosNote].filter(Boolean).join(' ') } : {}),
    ...(chat.description ? { renderedWith: chat.description } : {}),
    ...(overLengthOf(config) ? { overLength: overLengthOf(config) } : {}),
  });
  findings.push(...chat.findings);
  return { findings, stats, maxLength, facts, tokenizer, encodeMs, ...(cacheKey ? { countsCached: encodings.length === 0 } : {}), ...(chat.description ? { chatTemplate: chat.description, renderMs } : {}) };
}

/**
 * The text LLaMA-Factory pre-training tokenises for a record (processor/pretrain.py:
 * `messages[0]["content"]` of the converted prompt): the first message after the system prompt —
 * for alpaca records the first history query, else instruction + "\n" + input; the response is
 * not part of it. Records without messages keep their text.
 */
function pretrainText(sample: TextSample, i: number): string {
  const first = sample.messages?.[i]?.find((m) => m.role !== 'system');
  return first ? first.content : sample.texts[i]!;
}

/** Bump when what the token counts hold, or how they are computed, changes. */
const TOKEN_COUNTS_VERSION = 'token-counts-v1';

async function tokenCountsKey(files: readonly string[], sample: TextSample, count: number): Promise<string | undefined> {
  try {
    return `${TOKEN_COUNTS_VERSION}|tokenizer:${await fingerprintFiles(files)}|texts:${textsIdentity(sample)}|pairs:${sample.pairs ? 1 : 0}|count:${count}`;
  } catch {
    return undefined; // a tokenizer file vanished: no cache, encode as usual
  }
}

/** Stored as lengths (count × 1) with the three totals in meta. */
async function readTokenCounts(cache: LearnerCache, key: string, count: number): Promise<TokenCounts | undefined> {
  const hit = await cache.get(key);
  const meta = hit?.meta as { tokens?: unknown; unknown?: unknown; bytes?: unknown } | undefined;
  if (!hit || hit.predictions.rows !== count || hit.predictions.cols !== 1 || typeof meta?.tokens !== 'number' || typeof meta.unknown !== 'number' || typeof meta.bytes !== 'number') return undefined;
  return { lengths: Int32Array.from(hit.predictions.data), tokens: meta.tokens, unknown: meta.unknown, bytes: meta.bytes };
}

async function writeTokenCounts(cache: LearnerCache, key: string, counts: TokenCounts): Promise<void> {
  await cache.set(key, { predictions: { rows: counts.lengths.length, cols: 1, data: Float64Array.from(counts.lengths) }, meta: { tokens: counts.tokens, unknown: counts.unknown, bytes: counts.bytes } });
}

/**
 * What the trainer does with over-long samples. Axolotl drops them unless `excess_length_strategy`
 * says otherwise (its `drop_long_seq` filter); the HF scripts, TRL, LLaMA-Factory and torchtune cut
 * them — except where texts are packed into blocks without cutting: LLaMA-Factory pre-training
 * (`stage: pt`, where `packing` defaults to true: every text + eos concatenated and split into
 * `cutoff_len` blocks, processor/pretrain.py), Axolotl's `completion` type (chunks of sequence_len)
 * and TRL `packing: true` with `packing_strategy`
 * `wrapped`, `bfd_split` or `bfd-requeue` (TRL's default `bfd` truncates, data_utils.pack_dataset).
 */
export function overLengthOf(config: NormalizedConfig): { action: 'truncate' | 'drop' | 'raise' | 'split'; source: string } | undefined {
  const packing = extra(config, 'packing')?.value;
  if (isLlamaFactoryPretrain(config) && packing !== false && packing !== 'false') {
    return { action: 'split', source: `LLaMA-Factory pre-training${packing === undefined ? ' packs by default' : ' with packing'}: the texts are concatenated and split into cutoff_len blocks` };
  }
  const strategy = extra(config, 'packingStrategy')?.value;
  if ((packing === true || packing === 'true') && typeof strategy === 'string' && ['wrapped', 'bfd_split', 'bfd-requeue'].includes(strategy)) {
    return { action: 'split', source: `packing_strategy: ${strategy} packs the samples into max_length blocks and splits the longer ones` };
  }
  if (config.profile !== 'axolotl') return undefined;
  // Axolotl's `completion` type cuts each text into sequence_len chunks before the length filter
  // (prompt_strategies/completion.py; texts beyond 64 × sequence_len are cut there).
  const type = extra(config, 'datasetType')?.value;
  if (type === 'completion') return { action: 'split', source: "Axolotl's completion type splits each text into sequence_len chunks, cutting only past 64 × sequence_len" };
  const set = extra(config, 'excessLength')?.value;
  if (set === 'truncate' || set === 'raise' || set === 'drop') return { action: set, source: `excess_length_strategy: ${set}` };
  return { action: 'drop', source: "Axolotl's default, excess_length_strategy: drop" };
}

/** Whether the training run renders this sample through a chat template. */
function rendersChat(config: NormalizedConfig, sample: TextSample): boolean {
  if (!sample.messages) return false;
  // LLaMA-Factory pre-training tokenises the raw text (processor/pretrain.py), never a template.
  if (isLlamaFactoryPretrain(config)) return false;
  if (sample.columns.kind === 'messages' || sample.columns.kind === 'sharegpt') return true;
  // TRL prompt-completion: the conversational rows (lists of messages); string rows stay plain.
  if (sample.columns.kind === 'prompt-completion') return sample.messages.some((m) => m.length > 0);
  // LLaMA-Factory turns alpaca records into a conversation and applies its template to them too (pre-training returned above).
  return config.profile === 'llama-factory';
}

/** LLaMA-Factory pre-training (`stage: pt`): raw texts + eos, never a template, packed by default. */
function isLlamaFactoryPretrain(config: NormalizedConfig): boolean {
  return config.profile === 'llama-factory' && extra(config, 'stage')?.value === 'pt';
}

/**
 * Lengths of the chat samples with the chat template rendered (undefined: not chat data, or no
 * template — the plain counts stand, with a note saying so), and the template's findings.
 */
async function chatLengths(
  folder: string,
  config: NormalizedConfig,
  sample: TextSample,
  tokenizer: HfTokenizer,
  encodings: readonly EncodedSample[],
  context: { readonly datasetName: string; readonly datasetAt?: SourceValue<unknown> },
): Promise<{ lengths?: number[]; description?: string; note?: string; findings: Finding[] }> {
  if (!rendersChat(config, sample)) return { findings: [] };
  const choice = await chooseChatCounter(folder, config, tokenizer);
  const findingAt = (at: SourceValue<unknown> | undefined, field: string, message: string, data: Finding['data']): Finding => ({
    code: 'chat-template-invalid',
    severity: 'warning',
    file: at?.file ?? config.file,
    range: at?.keyRange ?? FILE_START,
    field,
    message,
    data,
  });
  if (choice.problem) {
    return {
      note: 'The chat template could not be used (see chat-template-invalid), so the lengths count the message contents joined by newlines, without the template\'s tokens.',
      findings: [findingAt(choice.problem.at ?? config.checkpoint, choice.problem.field, choice.problem.message, { kind: 'template' })],
    };
  }
  const counter = choice.counter;
  if (!counter) return { ...(choice.note ? { note: choice.note } : {}), findings: [] };
  const lengths = encodings.map((e) => e.untruncatedLength);
  const failed: { row: number; message: string }[] = [];
  let failures = 0;
  for (let i = 0; i < encodings.length; i++) {
    const messages = sample.messages![i];
    if (!messages || messages.length === 0) continue;
    try {
      lengths[i] = counter.count(messages, counter.ignoresTools ? undefined : sample.tools?.[i]);
    } catch (e) {
      failures++;
      if (failed.length < MAX_LISTED_ROWS) failed.push({ row: sample.rows[i] ?? i + 1, message: (e as Error).message });
    }
  }
  const toolsColumn = sample.columns.tools;
  const hasTools = toolsColumn !== undefined && (sample.tools ?? []).some((t) => t !== '');
  const withTools = !hasTools ? '' : counter.ignoresTools
    ? ` The '${toolsColumn}' column is not counted: this trainer does not put it into the prompt.`
    : ` Each sample's tool definitions (column '${toolsColumn}') are rendered into the prompt with the conversation, as the trainer passes them to the template.`;
  const note = `Lengths are the conversations rendered with ${counter.description} (add_generation_prompt false), tokenised without adding special tokens again, as apply_chat_template(tokenize=True) counts them.${withTools}${choice.note ? ` ${choice.note}` : ''}`;
  const findings: Finding[] = [];
  if (failures > 0) {
    const setting = extra(config, 'chatTemplate');
    const at = setting && setting.value !== null && setting.value !== '' ? setting : config.checkpoint;
    findings.push(findingAt(at, at === config.checkpoint ? 'checkpoint' : 'chatTemplate',
      `${counter.description} refuses ${failures} of the ${encodings.length.toLocaleString('en-US')} sampled conversations of ${context.datasetName}; training stops on them the same way.\n` +
      failed.map((f) => `${context.datasetName}: row ${f.row}: ${f.message}`).join('\n') +
      (failures > failed.length ? `\n…and ${failures - failed.length} more.` : '') +
      '\nFix those rows (e.g. roles that alternate user / assistant, a system message only first) or use a template that accepts them. Their lengths were counted without the template.',
      { kind: 'render', rows: failed.map((f) => f.row), failures }));
  }
  return { lengths, description: counter.description, note, findings };
}
