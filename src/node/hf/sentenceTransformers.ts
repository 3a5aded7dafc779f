/**
 * What pooling and normalisation a sentence-transformers folder's own embeddings use (issue #14),
 * read from its files as SentenceTransformer.encode would apply them:
 *
 * - `modules.json`: the module chain. The Transformer module's `path` is the folder holding the
 *   Hugging Face model ("" = the top level; older saves use "0_Transformer"); a Pooling module
 *   points at its config; a Normalize module means L2-normalised embeddings.
 * - `<pooling path>/config.json`, in either layout:
 *   sentence-transformers ≤ 5: `pooling_mode_cls_token`, `pooling_mode_mean_tokens`,
 *   `pooling_mode_max_tokens`, `pooling_mode_mean_sqrt_len_tokens`,
 *   `pooling_mode_weightedmean_tokens`, `pooling_mode_lasttoken`, `word_embedding_dimension`,
 *   `include_prompt`; sentence-transformers 6: `pooling_mode: "mean" | "cls" | …` (string or
 *   list) and `embedding_dimension`.
 * - `sentence_bert_config.json` `max_seq_length`.
 *
 * Modes TransferLens pools natively: cls, mean, lasttoken (→ 'last'). max, mean_sqrt_len,
 * weightedmean and combinations of several modes (concatenated by sentence-transformers) are not:
 * the result then says so in `warning` and falls back to mean, so the caller can report it.
 * Other modules (Dense projections, …) after pooling are likewise reported in `warning`, since
 * the features here stop at the pooled transformer output.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../../core/formats/errors';
import type { Pooling } from './types';

export interface SentenceTransformerPooling {
  readonly pooling: Pooling;
  readonly normalize: boolean;
  /** Folder holding the transformer's config.json and weights. */
  readonly transformerFolder: string;
  /** Width the pooling config states (word_embedding_dimension / embedding_dimension). */
  readonly dimension?: number;
  /** include_prompt from the pooling config (false: prompt tokens are excluded from pooling). */
  readonly includePrompt?: boolean;
  readonly maxSeqLength?: number;
  /** Pooling modes or modules that could not be reproduced, in words; absent when exact. */
  readonly warning?: string;
  /** Files read (absolute). */
  readonly files: readonly string[];
}

interface ModuleEntry { readonly path?: unknown; readonly type?: unknown }

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CheckpointError('checkpoint-invalid', `${path}: is not valid JSON (${(error as Error).message}); re-save the model with SentenceTransformer.save().`);
  }
}

/** Maps a pooling mode name (either layout) to a Pooling, or undefined when not reproduced here. */
function poolingOf(mode: string): Pooling | undefined {
  switch (mode) {
    case 'cls': case 'cls_token': return 'cls';
    case 'mean': case 'mean_tokens': return 'mean';
    case 'lasttoken': case 'last_token': case 'last': return 'last';
    default: return undefined;
  }
}

/** Pooling modes a pooling config.json enables, in the order sentence-transformers concatenates them. */
function enabledModes(config: Record<string, unknown>): string[] {
  const mode = config.pooling_mode;
  if (typeof mode === 'string') return [mode];
  if (Array.isArray(mode)) return mode.filter((m): m is string => typeof m === 'string');
  const flags: [string, string][] = [
    ['pooling_mode_cls_token', 'cls'], ['pooling_mode_max_tokens', 'max'], ['pooling_mode_mean_tokens', 'mean'],
    ['pooling_mode_mean_sqrt_len_tokens', 'mean_sqrt_len'], ['pooling_mode_weightedmean_tokens', 'weightedmean'], ['pooling_mode_lasttoken', 'lasttoken'],
  ];
  return flags.filter(([key]) => config[key] === true).map(([, name]) => name);
}

/**
 * The pooling a sentence-transformers folder uses, or undefined when the folder is not one (no
 * modules.json). Damaged files are CheckpointError('checkpoint-invalid') naming the file.
 */
export async function sentenceTransformerPooling(folder: string): Promise<SentenceTransformerPooling | undefined> {
  const modulesPath = join(folder, 'modules.json');
  if (!(await isFile(modulesPath))) return undefined;
  const files = [modulesPath];
  const modules = await readJson(modulesPath);
  if (!Array.isArray(modules)) throw new CheckpointError('checkpoint-invalid', `${modulesPath}: must be a list of modules; re-save the model with SentenceTransformer.save().`);
  const typed = (modules as ModuleEntry[]).map((m) => ({ path: typeof m.path === 'string' ? m.path : '', type: typeof m.type === 'string' ? m.type : '' }));
  const kind = (type: string): string => type.split('.').pop() ?? type;
  const transformer = typed.find((m) => kind(m.type) === 'Transformer');
  if (!transformer) {
    throw new CheckpointError('checkpoint-unsupported', `${modulesPath}: has no Transformer module (${typed.map((m) => kind(m.type)).join(', ') || 'none'}); only transformer-based sentence-transformers models run here. Give precomputed features (features_file) instead.`);
  }
  const transformerFolder = transformer.path ? join(folder, transformer.path) : folder;
  const poolingModule = typed.find((m) => kind(m.type) === 'Pooling');
  const normalize = typed.some((m) => kind(m.type) === 'Normalize');
  const others = typed.filter((m) => !['Transformer', 'Pooling', 'Normalize'].includes(kind(m.type))).map((m) => kind(m.type));
  const warnings: string[] = [];
  let pooling: Pooling = 'mean';
  let dimension: number | undefined;
  let includePrompt: boolean | undefined;
  if (poolingModule) {
    const configPath = join(folder, poolingModule.path, 'config.json');
    if (!(await isFile(configPath))) {
      throw new CheckpointError('checkpoint-missing', `${configPath}: missing; modules.json lists a Pooling module at "${poolingModule.path}". Download the whole model folder again.`);
    }
    files.push(configPath);
    const config = await readJson(configPath);
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new CheckpointError('checkpoint-invalid', `${configPath}: must be a JSON object.`);
    const c = config as Record<string, unknown>;
    const modes = enabledModes(c);
    const mapped = modes.map(poolingOf);
    if (modes.length === 1 && mapped[0]) pooling = mapped[0];
    else if (modes.length === 0) warnings.push(`${configPath} enables no pooling mode; mean pooling is used`);
    else warnings.push(`${configPath} pools with ${modes.join(' + ')}, which is not reproduced here; mean pooling is used instead`);
    const dim = c.word_embedding_dimension ?? c.embedding_dimension;
    if (typeof dim === 'number') dimension = dim;
    if (typeof c.include_prompt === 'boolean') includePrompt = c.include_prompt;
  } else {
    warnings.push(`${modulesPath} lists no Pooling module; mean pooling is used`);
  }
  if (others.length > 0) warnings.push(`${modulesPath} also lists ${others.join(', ')}, which the features here leave out (they stop at the pooled transformer output)`);
  let maxSeqLength: number | undefined;
  for (const dir of [...new Set([transformerFolder, folder])]) {
    const p = join(dir, 'sentence_bert_config.json');
    if (maxSeqLength === undefined && (await isFile(p))) {
      files.push(p);
      const v = ((await readJson(p)) as { max_seq_length?: unknown } | null)?.max_seq_length;
      if (typeof v === 'number' && Number.isInteger(v) && v > 0) maxSeqLength = v;
    }
  }
  return {
    pooling,
    normalize,
    transformerFolder,
    ...(dimension !== undefined ? { dimension } : {}),
    ...(includePrompt !== undefined ? { includePrompt } : {}),
    ...(maxSeqLength !== undefined ? { maxSeqLength } : {}),
    ...(warnings.length > 0 ? { warning: warnings.join('; ') } : {}),
    files,
  };
}
