/**
 * Tokenizer checks for text configs (issue #15), from token counts alone — cheap, so they run
 * even when the model is far too big to run:
 *
 * - `token-lengths` (info): the token-length distribution (percentiles) against the configured
 *   maximum (`max_seq_length`, `max_length`, `sequence_len`, `cutoff_len`, `max_seq_len`, or the
 *   trainer's default, said so).
 * - `sequence-truncated` (warning when ≥ 1% of samples are cut): the share of samples longer
 *   than the maximum and how many tokens are cut; the quick fix raises the maximum to the 95th
 *   percentile rounded up to a multiple of 64 (capped at what the model accepts).
 * - `tokenizer-fragmentation` (warning): unknown-token rate, byte-fallback rate (SentencePiece
 *   `<0xNN>` tokens) and tokens per word — a tokenizer that shreds the target language is a
 *   feature-overlap warning users can act on.
 * - `chat-template-missing` (warning): chat/messages data whose tokenizer has no chat template and
 *   whose config sets none.
 *
 * Chat data is counted as the trainer feeds it: rendered with the chat template in force
 * (src/node/hf/chatTemplate.ts) and passed here as `lengths`; the rates stay on the texts' tokens.
 *
 * Pure: the node side (src/node/hf/tokenizerChecks.ts) tokenises; this file counts and words.
 */
import type { SourceValue } from '../model/config';
import type { Finding } from '../model/finding';
import { FILE_START } from '../model/range';
import { wordTokens } from './tfidf';

/** What the checks need of one encoded sample. */
export interface EncodedSample {
  readonly ids: readonly number[];
  readonly tokens: readonly string[];
  /** Tokens before truncation, special tokens included. */
  readonly untruncatedLength: number;
}

export interface TokenizerFacts {
  readonly model: string;
  readonly byteLevel: boolean;
  readonly byteFallback: boolean;
  readonly vocabSize: number;
  readonly modelMaxLength?: number;
  readonly unkTokenId?: number;
  /** Ids of special tokens (CLS, SEP, BOS, EOS, PAD) left out of the rates. */
  readonly specialIds: readonly number[];
  readonly hasChatTemplate: boolean;
}

/** The maximum sequence length in force, and where it comes from. */
export interface MaxLengthSetting {
  readonly value: number;
  /** The config key that sets it (undefined: the trainer's default). */
  readonly at?: SourceValue<unknown>;
  /** The key name to write in the quick fix (`max_seq_length`, `cutoff_len`, …). */
  readonly key: string;
  /** How the value was found, for the message ("max_seq_length: 128", "run_classification's default 128"). */
  readonly source: string;
  /** A limit of the model itself (max_position_embeddings / model_max_length) the fix may not exceed. */
  readonly modelLimit?: number;
}

export interface TokenStats {
  readonly samples: number;
  readonly percentiles: { readonly p50: number; readonly p90: number; readonly p95: number; readonly p99: number; readonly max: number; readonly mean: number };
  readonly maxLength?: number;
  readonly truncatedSamples: number;
  readonly truncatedShare: number;
  readonly tokensCut: number;
  readonly tokensCutShare: number;
  /** Tokens of the samples longer than the maximum, whole (what a trainer that drops them loses). */
  readonly tokensInOverlong: number;
  readonly tokensInOverlongShare: number;
  readonly unknownRate: number;
  readonly byteFallbackRate: number;
  readonly tokensPerWord: number;
  readonly suggestedMaxLength?: number;
}

const BYTE_TOKEN = /^<0x[0-9A-Fa-f]{2}>$/;
/** Above these, the tokenizer is said to fit the text poorly. */
export const UNKNOWN_RATE_WARN = 0.01;
export const BYTE_FALLBACK_RATE_WARN = 0.05;
export const TOKENS_PER_WORD_WARN = 2.5;
/** Share of truncated samples from which `sequence-truncated` is a warning. */
export const TRUNCATED_SHARE_WARN = 0.01;

function percentile(sorted: Int32Array, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** Rounds up to a multiple of 64 (what people write, and what GPU kernels like). */
export function roundUpTo64(n: number): number {
  return Math.max(64, Math.ceil(n / 64) * 64);
}

/**
 * What the token statistics need of the encoded samples: each sample's untruncated length and the
 * counts behind the rates (non-special tokens, unknown tokens, byte-fallback pieces). Small enough
 * to cache (src/node/hf/tokenizerChecks.ts keeps it in the fit cache, so a cached re-analysis does
 * not re-encode the texts).
 */
export interface TokenCounts {
  readonly lengths: Int32Array;
  readonly tokens: number;
  readonly unknown: number;
  readonly bytes: number;
}

/** Counts of encoded samples (see TokenCounts). */
export function countTokens(encodings: readonly EncodedSample[], facts: TokenizerFacts): TokenCounts {
  const special = new Set(facts.specialIds);
  let tokens = 0;
  let unknown = 0;
  let bytes = 0;
  for (const e of encodings) {
    for (let k = 0; k < e.ids.length; k++) {
      const id = e.ids[k]!;
      if (special.has(id) && id !== facts.unkTokenId) continue;
      tokens++;
      if (facts.unkTokenId !== undefined && id === facts.unkTokenId) unknown++;
      if (facts.byteFallback && BYTE_TOKEN.test(e.tokens[k] ?? '')) bytes++;
    }
  }
  return { lengths: Int32Array.from(encodings, (e) => e.untruncatedLength), tokens, unknown, bytes };
}

/**
 * Token statistics of encoded samples (or their counts) against a maximum length. `lengths`
 * (aligned with the samples) overrides the sample lengths — chat data counted with the chat
 * template rendered — while the unknown / byte-fallback / per-word rates stay on the texts' own
 * tokens.
 */
export function tokenStats(encoded: readonly EncodedSample[] | TokenCounts, texts: readonly string[], facts: TokenizerFacts, maxLength?: number, lengths_?: readonly number[]): TokenStats {
  const counts = Array.isArray(encoded) ? countTokens(encoded as readonly EncodedSample[], facts) : (encoded as TokenCounts);
  const lengths = lengths_ ? Int32Array.from(lengths_) : counts.lengths;
  const sorted = Int32Array.from(lengths).sort();
  const { tokens, unknown, bytes } = counts;
  let words = 0;
  for (const t of texts) words += wordTokens(t).length;
  let truncated = 0;
  let cut = 0;
  let total = 0;
  let overlong = 0;
  for (const n of lengths) {
    total += n;
    if (maxLength !== undefined && n > maxLength) {
      truncated++;
      cut += n - maxLength;
      overlong += n;
    }
  }
  const p95 = percentile(sorted, 0.95);
  return {
    samples: lengths.length,
    percentiles: { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p95, p99: percentile(sorted, 0.99), max: sorted.length ? sorted[sorted.length - 1]! : 0, mean: lengths.length ? total / lengths.length : 0 },
    ...(maxLength !== undefined ? { maxLength } : {}),
    truncatedSamples: truncated,
    truncatedShare: lengths.length ? truncated / lengths.length : 0,
    tokensCut: cut,
    tokensCutShare: total > 0 ? cut / total : 0,
    tokensInOverlong: overlong,
    tokensInOverlongShare: total > 0 ? overlong / total : 0,
    unknownRate: tokens ? unknown / tokens : 0,
    byteFallbackRate: tokens ? bytes / tokens : 0,
    tokensPerWord: words ? tokens / words : 0,
    ...(maxLength !== undefined && truncated > 0 ? { suggestedMaxLength: roundUpTo64(p95) } : {}),
  };
}

export interface TokenizerCheckContext {
  /** The config file (findings without a key land on its first line). */
  readonly file: string;
  /** Where findings about the data / model land when no key sets the value. */
  readonly datasetAt?: SourceValue<unknown>;
  readonly checkpointAt?: SourceValue<unknown>;
  /** Dataset path for messages. */
  readonly datasetName: string;
  /** Chat data: which format (sharegpt, messages, chat_template) — undefined for plain text. */
  readonly chatFormat?: string;
  /** The config's own chat template setting (LLaMA-Factory `template`, Axolotl `chat_template`), if any. */
  readonly chatTemplateAt?: SourceValue<unknown>;
  /** Where the chat format is declared (Axolotl `datasets[0].type`), for the finding's range. */
  readonly chatFormatAt?: SourceValue<unknown>;
  /** How the lengths were counted when that is not the plain text (the chat template used, or why none). */
  readonly lengthsNote?: string;
  /** The chat template the lengths were rendered with (for the findings' data). */
  readonly renderedWith?: string;
  /**
   * What the trainer does with a sample longer than the maximum: cut it (HF scripts, TRL,
   * LLaMA-Factory, torchtune), drop it (Axolotl's default `excess_length_strategy: drop`), stop
   * (`raise`) or split it across packed blocks (`split`: nothing is lost). Default: truncate.
   */
  readonly overLength?: { readonly action: 'truncate' | 'drop' | 'raise' | 'split'; readonly source: string };
}

function at(value: SourceValue<unknown> | undefined, file: string): Pick<Finding, 'file' | 'range'> {
  return { file: value?.file ?? file, range: value?.keyRange ?? FILE_START };
}

const pct = (x: number) => `${(100 * x).toFixed(x < 0.001 && x > 0 ? 2 : 1)}%`;

/** The findings of the checks (see the module comment). */
export function tokenizerFindings(stats: TokenStats, facts: TokenizerFacts, maxLength: MaxLengthSetting | undefined, context: TokenizerCheckContext): Finding[] {
  const out: Finding[] = [];
  const p = stats.percentiles;
  const lengthAt = maxLength?.at ?? context.datasetAt;
  const field = maxLength?.at ? 'maxLength' : 'dataset';
  out.push({
    code: 'token-lengths',
    severity: 'info',
    ...at(lengthAt, context.file),
    field,
    message:
      `Token lengths of ${stats.samples.toLocaleString('en-US')} samples of ${context.datasetName}: median ${p.p50}, 90th percentile ${p.p90}, 95th ${p.p95}, 99th ${p.p99}, max ${p.max} (special tokens included).` +
      (context.lengthsNote ? `\n${context.lengthsNote}` : '') +
      (maxLength ? `\nMaximum length: ${maxLength.value} (${maxLength.source}); ${pct(stats.truncatedShare)} of samples are longer.` : '\nNo maximum length is set, so nothing is cut.') +
      `\nTokenizer: ${facts.model}${facts.byteLevel ? ' (byte-level)' : ''}, ${facts.vocabSize.toLocaleString('en-US')} tokens; ${stats.tokensPerWord.toFixed(2)} tokens per word, unknown-token rate ${pct(stats.unknownRate)}${facts.byteFallback ? `, byte-fallback rate ${pct(stats.byteFallbackRate)}` : ''}.`,
    data: { ...stats.percentiles, samples: stats.samples, tokensPerWord: stats.tokensPerWord, unknownRate: stats.unknownRate, byteFallbackRate: stats.byteFallbackRate, ...(maxLength ? { maxLength: maxLength.value } : {}), ...(context.renderedWith ? { chatTemplate: context.renderedWith } : {}) },
  });
  if (maxLength && stats.truncatedSamples > 0) {
    const cap = maxLength.modelLimit;
    let suggested = stats.suggestedMaxLength!;
    let capped = false;
    if (cap !== undefined && suggested > cap) {
      suggested = cap;
      capped = true;
    }
    const fixable = suggested > maxLength.value;
    const action = context.overLength?.action ?? 'truncate';
    const rendered = context.renderedWith ? ` (lengths of the conversations rendered with ${context.renderedWith})` : '';
    const head = `${pct(stats.truncatedShare)} of the samples of ${baseName(context.datasetName)} (${stats.truncatedSamples.toLocaleString('en-US')} of ${stats.samples.toLocaleString('en-US')}) are longer than ${maxLength.key} = ${maxLength.value}`;
    const fate = action === 'drop'
      ? `${head} and are dropped from training (${context.overLength!.source})${rendered}.` +
        `\nThey hold ${stats.tokensInOverlong.toLocaleString('en-US')} tokens (${pct(stats.tokensInOverlongShare)} of all tokens) that never reach training; the 95th percentile of lengths is ${p.p95}.`
      : action === 'raise'
        ? `${head}: training stops on the first of them with a ValueError (${context.overLength!.source})${rendered}.` +
          `\nThe 95th percentile of lengths is ${p.p95}.`
        : action === 'split'
          ? `${head}; they are not cut (${context.overLength!.source})${rendered}: no token is lost, but the part of a sample past a block boundary is trained without the text before it as context.` +
            `\n${stats.tokensCut.toLocaleString('en-US')} tokens (${pct(stats.tokensCutShare)} of all tokens) lie past ${maxLength.key} within their sample; the 95th percentile of lengths is ${p.p95}.`
          : `${head} and get cut${rendered}.` +
          `\n${stats.tokensCut.toLocaleString('en-US')} tokens are cut (${pct(stats.tokensCutShare)} of all tokens); the 95th percentile of lengths is ${p.p95}.`;
    const alternative = action === 'drop' ? ', set excess_length_strategy: truncate to keep them (cut)' : '';
    const split = action === 'split';
    out.push({
      code: 'sequence-truncated',
      severity: action === 'raise' ? 'error' : !split && stats.truncatedShare >= TRUNCATED_SHARE_WARN ? 'warning' : 'info',
      ...at(lengthAt, context.file),
      field,
      message:
        fate +
        (split ? '' : fixable ? `\nRaise ${maxLength.key} to ${suggested}${capped ? ` (the model's limit; the 95th percentile rounded up would be ${stats.suggestedMaxLength})` : ' (the 95th percentile rounded up to a multiple of 64)'}${alternative}, or shorten the texts.` : capped ? `\nThe model accepts at most ${cap} tokens, so raising ${maxLength.key} does not help: shorten or split the texts${alternative}.` : ''),
      data: { maxLengthKey: maxLength.key, maxLength: maxLength.value, ...(context.renderedWith ? { chatTemplate: context.renderedWith } : {}), truncatedShare: stats.truncatedShare, truncatedSamples: stats.truncatedSamples, tokensCut: stats.tokensCut, overLength: action, ...(action === 'drop' ? { tokensDropped: stats.tokensInOverlong } : {}), p95: p.p95, ...(fixable && !split ? { suggestedMaxLength: suggested } : {}), ...(maxLength.at ? {} : { insert: true }) },
    });
  }
  const reasons: string[] = [];
  if (stats.unknownRate >= UNKNOWN_RATE_WARN) reasons.push(`${pct(stats.unknownRate)} of tokens are the unknown token`);
  if (facts.byteFallback && stats.byteFallbackRate >= BYTE_FALLBACK_RATE_WARN) reasons.push(`${pct(stats.byteFallbackRate)} of tokens are byte-fallback pieces (<0xNN>)`);
  if (stats.tokensPerWord >= TOKENS_PER_WORD_WARN) reasons.push(`${stats.tokensPerWord.toFixed(2)} tokens per word (English text with a matching vocabulary is ~1.2–1.5)`);
  if (reasons.length > 0) {
    out.push({
      code: 'tokenizer-fragmentation',
      severity: 'warning',
      ...at(context.checkpointAt, context.file),
      field: 'checkpoint',
      message:
        `The checkpoint's tokenizer fits this text poorly: ${reasons.join('; ')}.` +
        `\nWords split into many pieces (or lost as unknown) carry little of what the model learned: expect weaker transfer. Prefer a checkpoint whose vocabulary covers this language or domain.`,
      data: { unknownRate: stats.unknownRate, byteFallbackRate: stats.byteFallbackRate, tokensPerWord: stats.tokensPerWord },
    });
  }
  if (context.chatFormat && !facts.hasChatTemplate && !context.chatTemplateAt) {
    out.push({
      code: 'chat-template-missing',
      severity: 'warning',
      ...at(context.chatFormatAt ?? context.datasetAt, context.file),
      field: 'dataset',
      message:
        `The data is in chat format (${context.chatFormat}) but the checkpoint's tokenizer has no chat template and the config sets none.` +
        `\nSet one (Axolotl: chat_template: chatml; LLaMA-Factory: template: <name>; TRL: chat_template_path), or use a checkpoint whose tokenizer_config.json has chat_template; otherwise training fails or uses a format the model never saw.`,
    });
  }
  return out;
}

/** The last segment of a path (either separator), for short messages; the whole name when it has none. */
function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? path;
}
