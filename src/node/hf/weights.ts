/**
 * Lazy weight access for Hugging Face checkpoints (issue #14 §1): `openWeights(folder)` reads only
 * the safetensors headers (8 + N bytes per file) of `model.safetensors`, or of every shard a
 * `model.safetensors.index.json` names, and returns a WeightSource (src/node/hf/types.ts). A
 * tensor's bytes are read with a file handle only when an architecture asks for it, converted to
 * float32 with typed-array loops (F32 as is, BF16 by a 16-bit shift, F16 by a table, F64 and
 * integers narrowed), handed to tf.tensor and dropped: peak memory is the float32 model on the
 * backend plus one tensor's bytes, never a whole file.
 *
 * `pytorch_model.bin` (a zip of pickles, or sharded with pytorch_model.bin.index.json) goes through
 * the restricted reader in torchZip.ts, which interprets only the pickle opcodes and globals torch
 * uses for tensors and executes nothing.
 *
 * Every problem is a CheckpointError whose message names the file (and tensor) and says what to
 * do: truncated file, offsets outside the file, unknown dtype, missing shard, a tensor whose shape
 * is not what config.json implies (architectures pass `expectedShape`).
 */
import { open, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, FormatError } from '../../core/formats/errors';
import {
  FLOAT32_CONVERTIBLE_DTYPES,
  parseSafetensorsHeader,
  safetensorsHeaderLength,
  toFloat32,
  type SafetensorsEntry,
} from '../../core/formats/safetensors';
import type { WeightEntry, WeightSource } from './types';
import { openTorchWeights } from './torchZip';

export const SAFETENSORS_FILE = 'model.safetensors';
export const SAFETENSORS_INDEX_FILE = 'model.safetensors.index.json';
export const PYTORCH_FILE = 'pytorch_model.bin';
export const PYTORCH_INDEX_FILE = 'pytorch_model.bin.index.json';

/**
 * Prefixes task heads put before the base model's tensor names (`BertForSequenceClassification`
 * stores `bert.embeddings…`, `LlamaForCausalLM` `model.layers…`, `GPT2LMHeadModel`
 * `transformer.h…`, `ViTForImageClassification` `vit.…`, CLIP `vision_model.` / `text_model.`,
 * sentence-transformers' older layouts `0.auto_model.` / `auto_model.`). Tried in this order
 * after the name itself; CLIP checkpoints hold both towers, so architectures that read one tower
 * ask with its prefix spelled out.
 */
export const HEAD_PREFIXES: readonly string[] = [
  'bert.', 'roberta.', 'xlm-roberta.', 'xlm_roberta.', 'distilbert.', 'electra.', 'deberta.', 'albert.', 'mpnet.', 'camembert.',
  'model.', 'transformer.', 'gpt_neox.', 'base_model.',
  'vit.', 'deit.', 'beit.', 'dinov2.', 'swin.', 'resnet.', 'convnext.', 'mobilenet_v2.', 'mobilenet_v1.', 'efficientnet.', 'regnet.',
  'vision_model.', 'text_model.', 'clip.', '0.auto_model.', 'auto_model.',
];

/** Reads are split into pieces of at most this many bytes (a single fs read is capped near 2 GB). */
const READ_CHUNK_BYTES = 1 << 30;

/** The header of one safetensors file, read with 8 + N bytes. */
export interface SafetensorsFileHeader {
  readonly file: string;
  readonly fileSize: number;
  /** Byte offset of the data buffer (8 + N). */
  readonly dataOffset: number;
  readonly tensors: readonly SafetensorsEntry[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Bytes read to get the header (8 + N). */
  readonly bytesRead: number;
}

/** `model.safetensors.index.json` (or `pytorch_model.bin.index.json`) as parsed. */
export interface WeightIndex {
  /** Tensor name → shard file name (relative to the index's folder). */
  readonly weightMap: ReadonlyMap<string, string>;
  /** Shard file names in order of first appearance. */
  readonly shards: readonly string[];
  /** `metadata.total_size` when given (bytes of all tensors). */
  readonly totalSize?: number;
}

/** What readers count, for tests and measurements. */
export interface ReadStats {
  headerBytes: number;
  tensorBytes: number;
  tensorsRead: number;
}

/** A WeightSource plus what the header tells about the checkpoint. */
export interface OpenedWeights extends WeightSource {
  readonly format: 'safetensors' | 'pytorch-zip';
  /** Absolute paths of the weight files (the index first for sharded checkpoints). */
  readonly files: readonly string[];
  /** Sum of the stored tensors' element counts. */
  readonly parameters: number;
  /** Element count per stored dtype. */
  readonly dtypes: Readonly<Record<string, number>>;
  readonly stats: Readonly<ReadStats>;
}

const REDOWNLOAD = 'Download it again (huggingface-cli download ORG/NAME, or copy it anew), or re-save the model with save_pretrained().';

/** The conversion command for a pytorch_model.bin-only folder (run by the user, in their Python). */
export const CONVERT_COMMAND = (folder: string): string =>
  `python -c "from transformers import AutoModel; AutoModel.from_pretrained('${folder}').save_pretrained('${folder}-safetensors', safe_serialization=True)"`;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads and validates the header of one safetensors file: 8 bytes for the length, then the N
 * header bytes; the offsets must tile a data buffer that fits in the file. Throws
 * CheckpointError('checkpoint-invalid') naming the file.
 */
export async function readSafetensorsFileHeader(file: string): Promise<SafetensorsFileHeader> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CheckpointError(code === 'ENOENT' ? 'checkpoint-missing' : 'checkpoint-invalid', `${file}: cannot be opened (${message(error)}). ${code === 'ENOENT' ? 'The file (or the cache blob it links to) is missing: download it.' : 'Check its permissions.'}`);
  }
  try {
    const info = await handle.stat();
    const size = info.size;
    if (!info.isFile()) throw new CheckpointError('checkpoint-invalid', `${file}: is not a regular file; point the config at the model folder.`);
    const first8 = new Uint8Array(8);
    const { bytesRead: got8 } = await handle.read(first8, 0, 8, 0);
    try {
      const length = safetensorsHeaderLength(first8.subarray(0, got8), file);
      if (8 + length > size) {
        throw new FormatError(file, `declares a safetensors header of ${length} bytes but the file has only ${size} bytes: it is truncated or not safetensors`);
      }
      const bytes = new Uint8Array(8 + length);
      bytes.set(first8, 0);
      const { bytesRead } = await handle.read(bytes, 8, length, 8);
      const header = parseSafetensorsHeader(bytes.subarray(0, 8 + bytesRead), file, size);
      return { file, fileSize: size, dataOffset: header.dataOffset, tensors: header.tensors, metadata: header.metadata, bytesRead: 8 + bytesRead };
    } catch (error) {
      if (error instanceof FormatError) throw new CheckpointError('checkpoint-invalid', `${error.message}. ${REDOWNLOAD}`);
      throw error;
    }
  } finally {
    await handle.close();
  }
}

/** Parses a sharded checkpoint's index (pure; throws CheckpointError('checkpoint-invalid') naming `file`). */
export function parseWeightIndex(text: string, file: string): WeightIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError('checkpoint-invalid', `${file}: is not valid JSON (${message(error)}). ${REDOWNLOAD}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CheckpointError('checkpoint-invalid', `${file}: is not a JSON object with a "weight_map". ${REDOWNLOAD}`);
  const map = (json as { weight_map?: unknown }).weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new CheckpointError('checkpoint-invalid', `${file}: has no "weight_map" object (tensor name → shard file). ${REDOWNLOAD}`);
  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  const seen = new Set<string>();
  for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard === '') throw new CheckpointError('checkpoint-invalid', `${file}: maps tensor '${name}' to ${JSON.stringify(shard)}, not a shard file name. ${REDOWNLOAD}`);
    if (isAbsolute(shard) || /^[A-Za-z]:/.test(shard) || shard.split(/[\\/]/).includes('..') || /^[a-z]+:\/\//i.test(shard)) {
      throw new CheckpointError('checkpoint-invalid', `${file}: maps tensor '${name}' to '${shard}', outside the model folder; shard names must be files beside the index.`);
    }
    weightMap.set(name, shard);
    if (!seen.has(shard)) {
      seen.add(shard);
      shards.push(shard);
    }
  }
  if (weightMap.size === 0) throw new CheckpointError('checkpoint-invalid', `${file}: has an empty "weight_map". ${REDOWNLOAD}`);
  const total = (json as { metadata?: { total_size?: unknown } }).metadata?.total_size;
  return { weightMap, shards, ...(typeof total === 'number' && Number.isFinite(total) && total >= 0 ? { totalSize: total } : {}) };
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Shard files an index names that are not on disk (dangling cache symlinks count as absent). */
export async function missingShards(folder: string, index: WeightIndex): Promise<string[]> {
  const missing: string[] = [];
  for (const shard of index.shards) if (!(await exists(join(folder, shard)))) missing.push(shard);
  return missing;
}

/** The weight files a folder holds, in the order transformers prefers them. */
export async function findWeightFiles(folder: string): Promise<{ kind: 'safetensors' | 'safetensors-index' | 'pytorch' | 'pytorch-index'; file: string } | undefined> {
  const candidates = [
    ['safetensors', SAFETENSORS_FILE],
    ['safetensors-index', SAFETENSORS_INDEX_FILE],
    ['pytorch', PYTORCH_FILE],
    ['pytorch-index', PYTORCH_INDEX_FILE],
  ] as const;
  for (const [kind, name] of candidates) if (await exists(join(folder, name))) return { kind, file: join(folder, name) };
  return undefined;
}

/**
 * Opens a checkpoint: a folder (model.safetensors, model.safetensors.index.json + shards, or
 * pytorch_model.bin), or a path to one .safetensors file or index. Reads headers only.
 */
export async function openWeights(path: string): Promise<OpenedWeights> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new CheckpointError('checkpoint-missing', `${path}: does not exist (${message(error)}).`);
  }
  const stats: ReadStats = { headerBytes: 0, tensorBytes: 0, tensorsRead: 0 };
  let folder = path;
  let found: Awaited<ReturnType<typeof findWeightFiles>>;
  if (info.isDirectory()) {
    found = await findWeightFiles(path);
    if (!found) {
      throw new CheckpointError('checkpoint-missing', `${path}: holds no ${SAFETENSORS_FILE}, ${SAFETENSORS_INDEX_FILE} or ${PYTORCH_FILE}: the weights were not downloaded. Fetch them with \`huggingface-cli download ORG/NAME --include "*.safetensors"\`.`);
    }
  } else {
    folder = dirname(path);
    const name = basename(path);
    found = name.endsWith('.index.json')
      ? { kind: name.startsWith('pytorch') ? 'pytorch-index' : 'safetensors-index', file: path }
      : name.endsWith('.bin') || name.endsWith('.pt') || name.endsWith('.pth')
        ? { kind: 'pytorch', file: path }
        : { kind: 'safetensors', file: path };
  }
  if (found.kind === 'pytorch' || found.kind === 'pytorch-index') {
    return openTorchWeights(found.file, found.kind === 'pytorch-index' ? 'index' : 'file');
  }
  const stored = new Map<string, StoredTensorLocation>();
  const files: string[] = [];
  const addFile = async (file: string, expected?: ReadonlySet<string>, indexFile?: string): Promise<void> => {
    const header = await readSafetensorsFileHeader(file);
    stats.headerBytes += header.bytesRead;
    files.push(file);
    for (const t of header.tensors) {
      const previous = stored.get(t.name);
      if (previous) throw new CheckpointError('checkpoint-invalid', `${file}: holds tensor '${t.name}', which ${previous.file} holds too; the shards overlap. ${REDOWNLOAD}`);
      stored.set(t.name, { name: t.name, dtype: t.dtype, shape: t.shape, file, start: header.dataOffset + t.begin, end: header.dataOffset + t.end });
    }
    if (expected) {
      const held = new Set(header.tensors.map((t) => t.name));
      const absent = [...expected].filter((name) => !held.has(name));
      if (absent.length > 0) {
        throw new CheckpointError('checkpoint-invalid', `${indexFile}: says ${basename(file)} holds ${absent.slice(0, 3).map((n) => `'${n}'`).join(', ')}${absent.length > 3 ? ` and ${absent.length - 3} more` : ''}, but that shard does not. The index and shards come from different downloads: ${REDOWNLOAD}`);
      }
    }
  };
  if (found.kind === 'safetensors') {
    await addFile(found.file);
  } else {
    const indexFile = found.file;
    let text: string;
    try {
      text = await readFile(indexFile, 'utf8');
    } catch (error) {
      throw new CheckpointError('checkpoint-invalid', `${indexFile}: cannot be read (${message(error)}).`);
    }
    stats.headerBytes += Buffer.byteLength(text);
    const index = parseWeightIndex(text, indexFile);
    for (const shard of index.shards) {
      const full = resolvePath(folder, shard);
      const rel = relative(resolvePath(folder), full);
      if (rel.startsWith('..') || isAbsolute(rel)) throw new CheckpointError('checkpoint-invalid', `${indexFile}: names shard '${shard}' outside the model folder.`);
    }
    const missing = await missingShards(folder, index);
    if (missing.length > 0) {
      throw new CheckpointError('checkpoint-missing', `${indexFile}: lists ${index.shards.length} shard${index.shards.length === 1 ? '' : 's'} but ${missing.length === index.shards.length ? 'none is' : `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'}`} in ${folder}: the download is incomplete. Fetch the weights with \`huggingface-cli download ORG/NAME --include "*.safetensors"\`.`);
    }
    files.push(indexFile);
    const byShard = new Map<string, Set<string>>(index.shards.map((shard) => [shard, new Set<string>()]));
    for (const [name, shard] of index.weightMap) byShard.get(shard)!.add(name);
    for (const shard of index.shards) await addFile(join(folder, shard), byShard.get(shard), indexFile);
  }
  return makeSource('safetensors', files, stored, stats, readRange);
}

/** Reads [start, end) of a file into a fresh, exactly sized buffer (so F32 needs no second copy). */
export async function readRange(file: string, start: number, end: number): Promise<Uint8Array> {
  const length = end - start;
  const bytes = new Uint8Array(length);
  const handle = await open(file, 'r');
  try {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(bytes, done, Math.min(READ_CHUNK_BYTES, length - done), start + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done < length) throw new CheckpointError('checkpoint-invalid', `${file}: ended after ${start + done} bytes while reading bytes ${start}–${end}: the file was truncated (or changed) after it was opened. ${REDOWNLOAD}`);
    return bytes;
  } finally {
    await handle.close();
  }
}

/** A stored tensor and the absolute byte range of its data in `file` (torchZip.ts builds these too). */
export interface StoredTensorLocation extends WeightEntry {
  readonly start: number;
  readonly end: number;
}

/** Variants of a name: itself, then legacy LayerNorm names (`gamma`/`beta` for `weight`/`bias`). */
function nameVariants(name: string): string[] {
  const variants = [name];
  if (name.endsWith('.weight')) variants.push(`${name.slice(0, -'.weight'.length)}.gamma`);
  if (name.endsWith('.bias')) variants.push(`${name.slice(0, -'.bias'.length)}.beta`);
  return variants;
}

/** The stored name for `name` among `has`: as is, under a head prefix, or with a prefix the store lacks. */
export function resolveWeightName(name: string, has: (stored: string) => boolean): string | undefined {
  for (const variant of nameVariants(name)) {
    if (has(variant)) return variant;
    for (const prefix of HEAD_PREFIXES) if (has(prefix + variant)) return prefix + variant;
    for (const prefix of HEAD_PREFIXES) {
      if (!variant.startsWith(prefix)) continue;
      const stripped = variant.slice(prefix.length);
      if (has(stripped)) return stripped;
      for (const other of HEAD_PREFIXES) if (other !== prefix && has(other + stripped)) return other + stripped;
    }
  }
  return undefined;
}

/** Builds the WeightSource over stored tensors; `read` fetches a byte range. Shared with torchZip.ts. */
export function makeSource(
  format: OpenedWeights['format'],
  files: readonly string[],
  stored: ReadonlyMap<string, StoredTensorLocation>,
  stats: ReadStats,
  read: (file: string, start: number, end: number) => Promise<Uint8Array>,
): OpenedWeights {
  const entries = new Map<string, WeightEntry>();
  const dtypes: Record<string, number> = {};
  let parameters = 0;
  for (const [name, t] of stored) {
    entries.set(name, { name, dtype: t.dtype, shape: t.shape, file: t.file });
    const count = t.shape.reduce((a, b) => a * b, 1);
    parameters += count;
    dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + count;
  }
  const cache = new Map<string, string | undefined>();
  const resolve = (name: string): string | undefined => {
    if (!cache.has(name)) cache.set(name, resolveWeightName(name, (n) => stored.has(n)));
    return cache.get(name);
  };
  const where = files.length === 1 ? files[0]! : `${files[0]} (${files.length - 1} shard${files.length === 2 ? '' : 's'})`;
  const load = async (name: string, expectedShape: readonly number[] | undefined, optional: boolean): Promise<tf.Tensor | undefined> => {
    const key = resolve(name);
    if (key === undefined) {
      if (optional) return undefined;
      const sample = [...stored.keys()].slice(0, 5).map((n) => `'${n}'`).join(', ');
      throw new CheckpointError('checkpoint-invalid', `${where}: has no tensor '${name}' (also looked under the task-head prefixes bert., model., vit., …); it holds ${stored.size} tensors such as ${sample}. config.json's model_type may not match these weights: check that config.json and the weights come from the same model.`);
    }
    const t = stored.get(key)!;
    if (expectedShape && (expectedShape.length !== t.shape.length || expectedShape.some((d, i) => d !== t.shape[i]))) {
      throw new CheckpointError('checkpoint-invalid', `${t.file}: tensor '${key}' has shape [${t.shape.join(', ')}] but config.json implies [${expectedShape.join(', ')}]. config.json disagrees with the weights (hidden_size, intermediate_size, vocab_size, num_attention_heads…): use the config.json saved with these weights.`);
    }
    if (!(FLOAT32_CONVERTIBLE_DTYPES as readonly string[]).includes(t.dtype)) {
      throw new CheckpointError('checkpoint-invalid', `${t.file}: tensor '${key}' is stored as ${t.dtype}, which cannot be converted to float32 here (F32, F16, BF16, F64 and integer types can). Re-save the model in float32, float16 or bfloat16 (model.to(torch.float32).save_pretrained(...)).`);
    }
    const bytes = await read(t.file, t.start, t.end);
    stats.tensorBytes += bytes.length;
    stats.tensorsRead++;
    const values = toFloat32(bytes, t.dtype)!;
    return tf.tensor(values, [...t.shape], 'float32');
  };
  return {
    format,
    files,
    parameters,
    dtypes,
    stats,
    entries,
    resolve,
    has: (name) => resolve(name) !== undefined,
    tensor: async (name, expectedShape) => (await load(name, expectedShape, false))!,
    optionalTensor: (name, expectedShape) => load(name, expectedShape, true),
  };
}
