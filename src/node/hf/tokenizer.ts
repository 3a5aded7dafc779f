/**
 * Hugging Face tokenizers from a snapshot folder, offline, in pure JS (issue #14): tokenizer.json
 * (+ tokenizer_config.json, special_tokens_map.json, chat_template.jinja) read with
 * `@huggingface/tokenizers`, which implements the normalizers, pre-tokenizers, models (WordPiece,
 * BPE incl. byte-level and byte fallback, Unigram) and post-processors of the Rust library.
 * What that package does not do, done here as `transformers` does it:
 *
 * - truncation to a max length that includes the special tokens, with the Rust library's
 *   `longest_first` strategy for pairs, on the tokenizer's truncation side;
 * - padding to the longest row on the tokenizer's padding side with its pad id (attention mask 0,
 *   token type 0 on padding);
 * - special-token ids and `model_max_length` (the 1e30 "no limit" sentinel ignored) for reports.
 *
 * Folders with only `vocab.txt` (old BERT checkpoints) get the equivalent BERT WordPiece
 * tokenizer.json built in memory (BertNormalizer with tokenizer_config's do_lower_case,
 * BertPreTokenizer, [CLS] A [SEP] B [SEP]). A tokenizer.json that does not parse is a
 * CheckpointError('checkpoint-invalid'); no tokenizer at all is 'checkpoint-missing'; both name
 * the file and say what to do.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Tokenizer as TokenizerClass } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
import { CheckpointError } from '../../core/formats/errors';
import type { EncodedBatch, EncodeOptions, Encoding, HfTokenizer, TextBatch, TokenizerInfo } from './types';

/** transformers writes int(1e30) as model_max_length when a tokenizer states no limit. */
const MAX_LENGTH_SENTINEL = 1e29;

const SAVE_HINT = 'Save the tokenizer beside the model in Python (`AutoTokenizer.from_pretrained(path).save_pretrained(path)` writes tokenizer.json) or download it with the model (`huggingface-cli download ORG/NAME tokenizer.json tokenizer_config.json`).';

type Json = Record<string, unknown>;

/** tokenizer.json `model.type` values @huggingface/tokenizers implements. */
const KNOWN_MODELS = ['WordPiece', 'BPE', 'Unigram', 'WordLevel'];

interface PostProcessorLike {
  (tokens: string[], pair: string[] | null, addSpecialTokens: boolean): { tokens: string[]; token_type_ids?: number[] };
}

/** The parts of the package's Tokenizer used here (some are private in its typings). */
interface TokenizerInternals {
  encode_text(text: string | null): string[] | null;
  post_processor: PostProcessorLike | null;
  added_tokens_map: Map<string, { id: number }>;
  model: { tokens_to_ids: Map<string, number>; unk_token_id?: number };
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readJson(path: string, what: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CheckpointError('checkpoint-missing', `${path}: cannot be read (${(error as Error).message}). ${SAVE_HINT}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError('checkpoint-invalid', `${path}: is not valid JSON (${(error as Error).message}); the ${what} is damaged or truncated. ${SAVE_HINT}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CheckpointError('checkpoint-invalid', `${path}: the ${what} must be a JSON object. ${SAVE_HINT}`);
  }
  return value as Json;
}

/**
 * The package is ESM with a CommonJS build (`exports.node.require`); this project compiles to
 * CommonJS, so it is required (bundlers resolve the same entry) and typed from its ESM typings.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Tokenizer } = require('@huggingface/tokenizers') as { Tokenizer: typeof TokenizerClass };
type Tokenizer = TokenizerClass;

/** A special token in tokenizer_config.json / special_tokens_map.json: a string or {content}. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Json).content === 'string') return (value as Json).content as string;
  return undefined;
}

function side(value: unknown, fallback: 'left' | 'right'): 'left' | 'right' {
  if (typeof value === 'string') {
    const v = value.toLowerCase();
    if (v === 'left' || v === 'right') return v;
  }
  return fallback;
}

/** tokenizer.json equivalent of a BERT vocab.txt (what transformers' BertTokenizerFast converts it to). */
function bertTokenizerJson(vocabText: string, config: Json): Json {
  const vocab: Record<string, number> = {};
  vocabText.split(/\r?\n/).forEach((token, i) => {
    if (token.length > 0 && !(token in vocab)) vocab[token] = i;
  });
  const lower = config.do_lower_case !== false;
  const special = (key: string, fallback: string): string => tokenContent(config[key]) ?? fallback;
  const cls = special('cls_token', '[CLS]');
  const sep = special('sep_token', '[SEP]');
  const unk = special('unk_token', '[UNK]');
  const specials = [special('pad_token', '[PAD]'), unk, cls, sep, special('mask_token', '[MASK]')];
  const added = specials.filter((t) => t in vocab).map((t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  if (!(cls in vocab) || !(sep in vocab)) throw new Error(`vocab.txt lacks ${cls} or ${sep}`);
  return {
    added_tokens: added,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: config.tokenize_chinese_chars !== false, strip_accents: config.strip_accents ?? null, lowercase: lower },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } }],
      pair: [
        { SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: sep, type_id: 1 } },
      ],
      special_tokens: { [cls]: { id: cls, ids: [vocab[cls]], tokens: [cls] }, [sep]: { id: sep, ids: [vocab[sep]], tokens: [sep] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/**
 * Token counts of a pair after `longest_first` truncation to `budget` tokens (max length minus the
 * special tokens, `maxLength`): the Rust tokenizers' TruncationStrategy::LongestFirst, which
 * transformers' fast tokenizers use. When both must be cut, each gets half and the odd token goes
 * to the longer one — except when even the shorter one alone reaches `maxLength`, when it goes to
 * the second. Matched against tokenizers 0.23.2 on ~20,000 (length, length, max) cases.
 */
export function longestFirst(n1: number, n2: number, budget: number, maxLength = budget): [number, number] {
  if (n1 + n2 <= budget) return [n1, n2];
  let a = n1;
  let b = n2;
  let swap = a > b;
  if (swap) [a, b] = [b, a];
  b = a > budget ? a : Math.max(a, budget - a);
  if (a + b > budget) {
    a = Math.floor(budget / 2);
    b = a + (budget % 2);
    if (Math.min(n1, n2) >= maxLength) swap = false;
  }
  return swap ? [b, a] : [a, b];
}

function truncate<T>(tokens: T[], keep: number, fromLeft: boolean): T[] {
  if (tokens.length <= keep) return tokens;
  return fromLeft ? tokens.slice(tokens.length - keep) : tokens.slice(0, keep);
}

class FolderTokenizer implements HfTokenizer {
  readonly info: TokenizerInfo;
  private readonly tok: TokenizerInternals;
  private readonly padId: number;

  constructor(tokenizer: Tokenizer, info: TokenizerInfo) {
    this.tok = tokenizer as unknown as TokenizerInternals;
    // Truncation needs the tokens before the post-processor: internals of @huggingface/tokenizers
    // 0.2 (encode_text, post_processor, added_tokens_map). Fail loudly if an upgrade renames them.
    if (typeof this.tok.encode_text !== 'function' || !(this.tok.added_tokens_map instanceof Map) || !this.tok.model?.tokens_to_ids) {
      throw new Error('@huggingface/tokenizers changed its internals (encode_text / added_tokens_map); src/node/hf/tokenizer.ts needs updating');
    }
    this.info = info;
    this.padId = info.padTokenId ?? info.eosTokenId ?? 0;
  }

  private idOf(token: string): number {
    const added = this.tok.added_tokens_map.get(token);
    if (added) return added.id;
    const id = this.tok.model.tokens_to_ids.get(token) ?? this.tok.model.unk_token_id;
    if (id === undefined) throw new CheckpointError('checkpoint-invalid', `${this.info.files[0]}: the token ${JSON.stringify(token)} has no id and the tokenizer has no unknown token.`);
    return id;
  }

  private postProcess(a: string[], b: string[] | null, add: boolean): { tokens: string[]; typeIds: number[] } {
    if (this.tok.post_processor) {
      const out = this.tok.post_processor(a, b, add);
      const typeIds = out.token_type_ids ?? new Array<number>(out.tokens.length).fill(0);
      return { tokens: out.tokens, typeIds };
    }
    const tokens = b ? [...a, ...b] : a;
    return { tokens, typeIds: b ? [...a.map(() => 0), ...b.map(() => 1)] : a.map(() => 0) };
  }

  encode(text: string, pair?: string, options: EncodeOptions = {}): Encoding {
    const add = options.addSpecialTokens ?? true;
    let a = this.tok.encode_text(text) ?? [];
    let b = pair === undefined ? null : (this.tok.encode_text(pair) ?? []);
    const full = this.postProcess(a, b, add);
    const untruncatedLength = full.tokens.length;
    let result = full;
    if (options.maxLength !== undefined && untruncatedLength > options.maxLength) {
      const specials = untruncatedLength - a.length - (b?.length ?? 0);
      const budget = Math.max(0, options.maxLength - specials);
      const fromLeft = this.info.truncationSide === 'left';
      if (b) {
        const [na, nb] = longestFirst(a.length, b.length, budget, options.maxLength);
        a = truncate(a, na, fromLeft);
        b = truncate(b, nb, fromLeft);
      } else {
        a = truncate(a, budget, fromLeft);
      }
      result = this.postProcess(a, b, add);
    }
    return { ids: result.tokens.map((t) => this.idOf(t)), tokens: result.tokens, typeIds: result.typeIds, untruncatedLength };
  }

  encodeBatch(texts: readonly string[], pairs?: readonly string[], options?: EncodeOptions): EncodedBatch {
    if (pairs && pairs.length !== texts.length) throw new RangeError(`encodeBatch: ${texts.length} texts but ${pairs.length} pairs`);
    const rows = texts.map((t, i) => this.encode(t, pairs?.[i], options));
    const width = Math.max(0, ...rows.map((r) => r.ids.length));
    const left = this.info.paddingSide === 'left';
    const padRow = (values: readonly number[], fill: number): number[] => {
      const padding = new Array<number>(width - values.length).fill(fill);
      return left ? [...padding, ...values] : [...values, ...padding];
    };
    return {
      inputIds: rows.map((r) => padRow(r.ids, this.padId)),
      attentionMask: rows.map((r) => padRow(r.ids.map(() => 1), 0)),
      tokenTypeIds: rows.map((r) => padRow(r.typeIds, 0)),
    };
  }
}

/** Int32 tensors [B, T] of a padded batch (the caller disposes them). */
export function toTextBatch(encoded: EncodedBatch): TextBatch {
  const b = encoded.inputIds.length;
  const t = b === 0 ? 0 : encoded.inputIds[0].length;
  const tensor = (rows: number[][]): tf.Tensor2D => tf.tensor2d(Int32Array.from(rows.flat()), [b, t], 'int32');
  return { kind: 'text', inputIds: tensor(encoded.inputIds), attentionMask: tensor(encoded.attentionMask), tokenTypeIds: tensor(encoded.tokenTypeIds) };
}

/** True when the folder has something loadTokenizer can read (tokenizer.json or vocab.txt). */
export async function hasTokenizer(folder: string): Promise<boolean> {
  return (await exists(join(folder, 'tokenizer.json'))) || (await exists(join(folder, 'vocab.txt')));
}

/** loadTokenizer, or undefined when the folder holds no tokenizer at all (image models). */
export async function findTokenizer(folder: string): Promise<HfTokenizer | undefined> {
  return (await hasTokenizer(folder)) ? loadTokenizer(folder) : undefined;
}

/** Reads the tokenizer of a snapshot folder (see the file comment). */
export async function loadTokenizer(folder: string): Promise<HfTokenizer> {
  const jsonPath = join(folder, 'tokenizer.json');
  const configPath = join(folder, 'tokenizer_config.json');
  const mapPath = join(folder, 'special_tokens_map.json');
  const vocabPath = join(folder, 'vocab.txt');
  const templatePath = join(folder, 'chat_template.jinja');
  const files: string[] = [];

  const config: Json = (await exists(configPath)) ? await readJson(configPath, 'tokenizer configuration') : {};
  if (await exists(configPath)) files.push(configPath);
  const specialMap: Json = (await exists(mapPath)) ? await readJson(mapPath, 'special tokens map') : {};
  if (await exists(mapPath)) files.push(mapPath);

  let tokenizerJson: Json;
  let source: string;
  if (await exists(jsonPath)) {
    tokenizerJson = await readJson(jsonPath, 'tokenizer');
    source = jsonPath;
  } else if (await exists(vocabPath)) {
    try {
      tokenizerJson = bertTokenizerJson(await readFile(vocabPath, 'utf8'), { ...specialMap, ...config });
    } catch (error) {
      throw new CheckpointError('checkpoint-invalid', `${vocabPath}: cannot be read as a BERT WordPiece vocabulary (${(error as Error).message}). ${SAVE_HINT}`);
    }
    source = vocabPath;
  } else {
    const others = ['tokenizer.model', 'vocab.json', 'sentencepiece.bpe.model', 'spiece.model'];
    const present: string[] = [];
    for (const f of others) if (await exists(join(folder, f))) present.push(f);
    const what = present.length > 0
      ? `${folder}: has ${present.join(', ')} but no tokenizer.json; only the fast-tokenizer file (tokenizer.json) or a BERT vocab.txt can be read here.`
      : `${folder}: has no tokenizer (no tokenizer.json or vocab.txt).`;
    throw new CheckpointError('checkpoint-missing', `${what} ${SAVE_HINT}`);
  }
  files.unshift(source);

  const model = tokenizerJson.model as Json | undefined;
  if (!model || typeof model !== 'object' || typeof model.type !== 'string' && !('vocab' in model)) {
    throw new CheckpointError('checkpoint-invalid', `${source}: has no "model" section with a type; it is not a tokenizers tokenizer.json. ${SAVE_HINT}`);
  }
  if (typeof model.type === 'string' && !KNOWN_MODELS.includes(model.type)) {
    throw new CheckpointError('checkpoint-unsupported', `${source}: tokenizer model type ${JSON.stringify(model.type)} is not supported (supported: ${KNOWN_MODELS.join(', ')}). Give precomputed features (features_file) instead.`);
  }
  // The package wants these keys present (null when absent).
  const normalisedJson: Json = { added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...tokenizerJson };
  if (normalisedJson.added_tokens === null) normalisedJson.added_tokens = [];
  const mergedConfig: Json = { ...specialMap, ...config };
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(normalisedJson, mergedConfig);
  } catch (error) {
    throw new CheckpointError('checkpoint-invalid', `${source}: cannot be used as a tokenizer (${(error as Error).message}). ${SAVE_HINT}`);
  }

  const modelType = typeof model.type === 'string' ? model.type : 'BPE';
  const idOf = (key: string): number | undefined => {
    const content = tokenContent(config[key]) ?? tokenContent(specialMap[key]);
    return content === undefined ? undefined : tokenizer.token_to_id(content);
  };
  const pre = JSON.stringify(tokenizerJson.pre_tokenizer ?? null);
  const byteLevel = pre.includes('"ByteLevel"');
  const maxLength = config.model_max_length;
  const padding = tokenizerJson.padding as Json | null | undefined;
  const truncation = tokenizerJson.truncation as Json | null | undefined;

  let chatTemplate: string | undefined;
  const ct = config.chat_template;
  if (typeof ct === 'string') chatTemplate = ct;
  else if (Array.isArray(ct)) {
    const entries = ct as { name?: unknown; template?: unknown }[];
    const chosen = entries.find((e) => e.name === 'default') ?? entries[0];
    if (chosen && typeof chosen.template === 'string') chatTemplate = chosen.template;
  } else if (ct && typeof ct === 'object' && typeof (ct as Json).default === 'string') chatTemplate = (ct as Json).default as string;
  if (chatTemplate === undefined && (await exists(templatePath))) {
    chatTemplate = await readFile(templatePath, 'utf8');
    files.push(templatePath);
  }

  const padTokenId = idOf('pad_token') ?? (typeof padding?.pad_id === 'number' ? padding.pad_id : undefined);
  const info: TokenizerInfo = {
    model: modelType,
    byteLevel: modelType === 'BPE' && byteLevel,
    byteFallback: model.byte_fallback === true,
    vocabSize: tokenizer.get_vocab(true).size,
    ...(typeof maxLength === 'number' && maxLength > 0 && maxLength < MAX_LENGTH_SENTINEL ? { modelMaxLength: maxLength } : {}),
    paddingSide: side(config.padding_side, side(padding?.direction, 'right')),
    truncationSide: side(config.truncation_side, side(truncation?.direction, 'right')),
    ...(padTokenId !== undefined ? { padTokenId } : {}),
    ...optional('unkTokenId', idOf('unk_token')),
    ...optional('clsTokenId', idOf('cls_token')),
    ...optional('sepTokenId', idOf('sep_token')),
    ...optional('bosTokenId', idOf('bos_token')),
    ...optional('eosTokenId', idOf('eos_token')),
    ...(chatTemplate !== undefined ? { chatTemplate } : {}),
    files,
  };
  return new FolderTokenizer(tokenizer, info);
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
