/**
 * Header-only description of a Hugging Face model folder or cache snapshot (issue #14 §1, §6),
 * for the static tier and the guard rails: what config.json says (model_type, architectures),
 * which weight files are there (safetensors single or sharded with the absent shards listed,
 * pytorch_model.bin, ONNX exports and their quantised variants), tokenizer / processor /
 * sentence-transformers files, and from the safetensors headers alone the parameter count, stored
 * dtypes and float32 size. Reads config/index/tokenizer JSON and 8 + N header bytes per weight
 * file — never a tensor. `status` says whether the folder can run:
 *
 *   runnable                 config.json + complete safetensors (single or all shards)
 *   weights-not-downloaded   only *.json (config/tokenizer), or an index whose shards are absent
 *   pytorch-bin-only         pytorch_model.bin without safetensors (read by the restricted reader,
 *                            torchZip.ts: zip directory and data.pkl only, nothing executed)
 *   onnx-only                ONNX exports without PyTorch/safetensors weights
 *   no-config                no config.json (nothing says which architecture to build)
 *
 * The guard rails' cost estimate from these numbers is src/node/hf/guard.ts.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../../core/formats/errors';
import { safetensorsDtypeSize } from '../../core/formats/safetensors';
import type { HfConfig, Pooling } from './types';
import {
  PYTORCH_FILE,
  PYTORCH_INDEX_FILE,
  SAFETENSORS_FILE,
  SAFETENSORS_INDEX_FILE,
  missingShards,
  parseWeightIndex,
  readSafetensorsFileHeader,
  type SafetensorsFileHeader,
  type WeightIndex,
} from './weights';
import { openTorchWeights } from './torchZip';

export type SnapshotStatus = 'runnable' | 'weights-not-downloaded' | 'pytorch-bin-only' | 'onnx-only' | 'no-config';

export type WeightLayout = 'safetensors' | 'safetensors-sharded' | 'pytorch' | 'pytorch-sharded' | 'none';

/** sentence-transformers pooling modes (1_Pooling/config.json), as named there. */
export type SentencePoolingMode = 'cls' | 'mean' | 'max' | 'mean_sqrt_len' | 'weightedmean' | 'lasttoken';

export interface SentenceTransformersInfo {
  /** Folder (relative to the snapshot, '' = the snapshot itself) holding the transformer's config.json and weights. */
  readonly transformerPath: string;
  /** Pooling modes switched on in the Pooling module's config.json (concatenated when several). */
  readonly poolingModes: readonly SentencePoolingMode[];
  /** The first pooling mode as a TransferLens Pooling, when it maps to one. */
  readonly pooling?: Pooling;
  /** A Normalize module follows the pooling. */
  readonly normalize: boolean;
  readonly files: readonly string[];
}

export interface HfSnapshotInfo {
  readonly folder: string;
  /** Folder holding config.json and the weights (a sentence-transformers `0_Transformer/` subfolder, or `folder`). */
  readonly modelFolder: string;
  readonly status: SnapshotStatus;
  readonly config?: HfConfig;
  /** config.json exists but cannot be parsed (message names the file). */
  readonly configProblem?: string;
  readonly modelType?: string;
  readonly architectures?: readonly string[];
  readonly weights: {
    readonly layout: WeightLayout;
    /** Weight files present (absolute paths; the index first when sharded). */
    readonly files: readonly string[];
    /** Shards an index lists that are absent (file names). */
    readonly missingShards: readonly string[];
    /** Shards an index lists. */
    readonly shards: readonly string[];
    /** A header or index problem (truncated, lying offsets, bad dtype …), message names the file. */
    readonly problem?: string;
    readonly problemCode?: CheckpointError['code'];
  };
  /** ONNX files (relative paths), e.g. onnx/model.onnx, onnx/model_quantized.onnx. */
  readonly onnx: readonly string[];
  readonly tokenizer: {
    /** Tokenizer files present (relative names). */
    readonly files: readonly string[];
    /** tokenizer.json is present but not valid JSON (message names the file). */
    readonly problem?: string;
  };
  /** preprocessor_config.json (absolute) when present. */
  readonly preprocessor?: string;
  readonly sentenceTransformers?: SentenceTransformersInfo;
  /** Sum of the stored tensors' element counts (headers), or estimated from the index's total_size. */
  readonly parameters?: number;
  readonly parametersEstimated?: boolean;
  /** Element count per stored dtype (from headers). */
  readonly dtypes?: Readonly<Record<string, number>>;
  /** Bytes of the weights on the backend (float32). */
  readonly float32Bytes?: number;
  /** Bytes of the stored tensors. */
  readonly storedBytes?: number;
  /** Bytes read to inspect (JSON files + 8 + N per safetensors header). */
  readonly bytesRead: number;
}

const TOKENIZER_FILES = [
  'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json',
  'vocab.txt', 'vocab.json', 'merges.txt', 'tokenizer.model', 'spiece.model', 'sentencepiece.bpe.model',
];
/** tokenizer.json is parsed to check it (bounded: bigger files are left to the tokenizer). */
const MAX_TOKENIZER_JSON_CHECK_BYTES = 64 * 1024 * 1024;
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

async function listNames(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch {
    return [];
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads a small JSON file; undefined when absent, `{ problem }` when unreadable or not JSON. */
async function readJson(path: string, limit = MAX_CONFIG_BYTES): Promise<{ value?: unknown; bytes: number; problem?: string } | undefined> {
  let size;
  try {
    const info = await stat(path);
    if (!info.isFile()) return undefined;
    size = info.size;
  } catch {
    return undefined;
  }
  if (size > limit) return { bytes: 0, problem: `${path}: is ${size} bytes, more than the ${limit}-byte limit for this file; it is not a real one.` };
  try {
    const text = await readFile(path, 'utf8');
    return { value: JSON.parse(text), bytes: Buffer.byteLength(text) };
  } catch (error) {
    return { bytes: size, problem: `${path}: is not valid JSON (${message(error)}). Download it again or restore it.` };
  }
}

/**
 * tokenizer.json parse results by (path, size, mtime): the static tier runs on every edit and a
 * tokenizer.json is megabytes of JSON.
 */
const tokenizerChecks = new Map<string, { key: string; problem?: string; bytes: number }>();

async function checkTokenizerJson(path: string): Promise<{ problem?: string; bytes: number }> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    return { problem: `${path}: cannot be read (${message(error)}).`, bytes: 0 };
  }
  const key = `${info.size}:${info.mtimeMs}`;
  const hit = tokenizerChecks.get(path);
  if (hit && hit.key === key) return { ...(hit.problem ? { problem: hit.problem } : {}), bytes: 0 };
  let result: { problem?: string; bytes: number };
  if (info.size > MAX_TOKENIZER_JSON_CHECK_BYTES) result = { bytes: 0 };
  else {
    const parsed = await readJson(path, MAX_TOKENIZER_JSON_CHECK_BYTES);
    const value = parsed?.value as { model?: unknown } | undefined;
    if (parsed?.problem) result = { problem: `${parsed.problem.replace(/ Download it again or restore it\.$/, '')}; the tokenizer cannot be loaded. Download tokenizer.json again (huggingface-cli download ORG/NAME tokenizer.json) or save it anew with tokenizer.save_pretrained().`, bytes: parsed.bytes };
    else if (typeof value !== 'object' || value === null || typeof value.model !== 'object' || value.model === null) result = { problem: `${path}: has no "model" object, so it is not a tokenizers tokenizer.json. Save it anew with tokenizer.save_pretrained().`, bytes: parsed?.bytes ?? 0 };
    else result = { bytes: parsed?.bytes ?? 0 };
  }
  if (tokenizerChecks.size > 64) tokenizerChecks.clear();
  tokenizerChecks.set(path, { key, ...result });
  return result;
}

/**
 * safetensors headers by (path, size, mtime): the static tier re-inspects on every edit, and a
 * sharded checkpoint has dozens of shards. `read` is 0 on a hit.
 */
const headerCache = new Map<string, { key: string; header: SafetensorsFileHeader }>();

async function cachedHeader(file: string): Promise<{ header: SafetensorsFileHeader; read: number }> {
  const info = await stat(file);
  const key = `${info.size}:${info.mtimeMs}:${info.ino}`;
  const hit = headerCache.get(file);
  if (hit && hit.key === key) return { header: hit.header, read: 0 };
  const header = await readSafetensorsFileHeader(file);
  if (headerCache.size > 512) headerCache.clear();
  headerCache.set(file, { key, header });
  return { header, read: header.bytesRead };
}

const POOLING_KEYS: readonly [string, SentencePoolingMode][] = [
  ['pooling_mode_cls_token', 'cls'],
  ['pooling_mode_mean_tokens', 'mean'],
  ['pooling_mode_max_tokens', 'max'],
  ['pooling_mode_mean_sqrt_len_tokens', 'mean_sqrt_len'],
  ['pooling_mode_weightedmean_tokens', 'weightedmean'],
  ['pooling_mode_lasttoken', 'lasttoken'],
];

async function sentenceTransformers(folder: string, names: readonly string[], count: (bytes: number) => void): Promise<SentenceTransformersInfo | undefined> {
  if (!names.includes('modules.json')) return undefined;
  const modules = await readJson(join(folder, 'modules.json'));
  if (!modules || modules.problem || !Array.isArray(modules.value)) return undefined;
  count(modules.bytes);
  const list = (modules.value as unknown[]).filter((m): m is { path?: unknown; type?: unknown } => typeof m === 'object' && m !== null);
  const typeOf = (m: { type?: unknown }) => (typeof m.type === 'string' ? m.type : '');
  const pathOf = (m: { path?: unknown }) => (typeof m.path === 'string' ? m.path : '');
  const transformer = list.find((m) => /Transformer$/.test(typeOf(m)));
  const poolingModule = list.find((m) => /Pooling$/.test(typeOf(m)));
  const files = ['modules.json'];
  const poolingModes: SentencePoolingMode[] = [];
  if (poolingModule) {
    const path = join(pathOf(poolingModule), 'config.json');
    const pooling = await readJson(join(folder, path));
    if (pooling?.value && typeof pooling.value === 'object') {
      count(pooling.bytes);
      files.push(path);
      for (const [key, mode] of POOLING_KEYS) if ((pooling.value as Record<string, unknown>)[key] === true) poolingModes.push(mode);
      const named = (pooling.value as { pooling_mode?: unknown }).pooling_mode;
      if (poolingModes.length === 0 && typeof named === 'string') {
        const mode = ({ cls: 'cls', mean: 'mean', max: 'max', lasttoken: 'lasttoken', weightedmean: 'weightedmean', mean_sqrt_len_tokens: 'mean_sqrt_len' } as Record<string, SentencePoolingMode>)[named];
        if (mode) poolingModes.push(mode);
      }
    }
  }
  const first = poolingModes[0];
  const pooling: Pooling | undefined = first === 'cls' ? 'cls' : first === 'mean' ? 'mean' : first === 'lasttoken' ? 'last' : undefined;
  return {
    transformerPath: transformer ? pathOf(transformer) : '',
    poolingModes,
    ...(pooling ? { pooling } : {}),
    normalize: list.some((m) => /Normalize$/.test(typeOf(m))),
    files,
  };
}

/** ONNX files at the top level and under onnx/ (relative paths, sorted). */
async function onnxFiles(folder: string, names: readonly string[]): Promise<string[]> {
  const found = names.filter((n) => n.toLowerCase().endsWith('.onnx'));
  if (names.includes('onnx')) for (const n of await listNames(join(folder, 'onnx'))) if (n.toLowerCase().endsWith('.onnx')) found.push(`onnx/${n}`);
  return found.sort();
}

/** The `torch_dtype` / `dtype` config.json declares, as a safetensors dtype. */
function configDtype(config: HfConfig | undefined): string | undefined {
  const declared = config?.torch_dtype ?? config?.dtype;
  return ({ float32: 'F32', float16: 'F16', bfloat16: 'BF16', float64: 'F64' } as Record<string, string>)[typeof declared === 'string' ? declared : ''];
}

/** Describes a model folder from headers and JSON only. Never throws on user input. */
export async function inspectHfSnapshot(folder: string): Promise<HfSnapshotInfo> {
  let bytesRead = 0;
  const count = (bytes: number) => (bytesRead += bytes);
  const names = await listNames(folder);
  const st = await sentenceTransformers(folder, names, count);
  // Older sentence-transformers folders keep the transformer in a subfolder (0_Transformer/).
  let modelFolder = folder;
  let modelNames = names;
  if (st && st.transformerPath && !names.includes('config.json')) {
    modelFolder = join(folder, st.transformerPath);
    modelNames = await listNames(modelFolder);
  }
  const configRead = await readJson(join(modelFolder, 'config.json'));
  let config: HfConfig | undefined;
  let configProblem: string | undefined;
  if (configRead) {
    count(configRead.bytes);
    if (configRead.problem) configProblem = configRead.problem;
    else if (typeof configRead.value !== 'object' || configRead.value === null || Array.isArray(configRead.value)) configProblem = `${join(modelFolder, 'config.json')}: is not a JSON object.`;
    else config = configRead.value as HfConfig;
  }
  const modelType = typeof config?.model_type === 'string' ? config.model_type : undefined;
  const architectures = Array.isArray(config?.architectures) ? (config.architectures as unknown[]).filter((a): a is string => typeof a === 'string') : undefined;

  // Weights, in the order transformers prefers them.
  const has = (name: string) => modelNames.includes(name);
  const present = async (name: string) => has(name) && (await isFile(join(modelFolder, name)));
  let layout: WeightLayout = 'none';
  const files: string[] = [];
  let missing: string[] = [];
  let shards: string[] = [];
  let problem: string | undefined;
  let problemCode: CheckpointError['code'] | undefined;
  let parameters: number | undefined;
  let parametersEstimated = false;
  let storedBytes: number | undefined;
  const dtypes: Record<string, number> = {};
  const addHeader = async (file: string): Promise<boolean> => {
    try {
      const { header, read } = await cachedHeader(file);
      count(read);
      files.push(file);
      for (const t of header.tensors) {
        const elements = t.shape.reduce((a, b) => a * b, 1);
        parameters = (parameters ?? 0) + elements;
        dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + elements;
        storedBytes = (storedBytes ?? 0) + (t.end - t.begin);
      }
      return true;
    } catch (error) {
      problem = message(error);
      problemCode = error instanceof CheckpointError ? error.code : 'checkpoint-invalid';
      return false;
    }
  };
  const readIndex = async (name: string): Promise<WeightIndex | undefined> => {
    const path = join(modelFolder, name);
    try {
      const text = await readFile(path, 'utf8');
      count(Buffer.byteLength(text));
      return parseWeightIndex(text, path);
    } catch (error) {
      problem = error instanceof CheckpointError ? error.message : `${path}: cannot be read (${message(error)}).`;
      problemCode = 'checkpoint-invalid';
      return undefined;
    }
  };
  const hasPytorch = (await present(PYTORCH_FILE)) || (await present(PYTORCH_INDEX_FILE));
  if (await present(SAFETENSORS_FILE)) {
    layout = 'safetensors';
    await addHeader(join(modelFolder, SAFETENSORS_FILE));
  } else if (await present(SAFETENSORS_INDEX_FILE)) {
    layout = 'safetensors-sharded';
    const index = await readIndex(SAFETENSORS_INDEX_FILE);
    if (index) {
      files.push(join(modelFolder, SAFETENSORS_INDEX_FILE));
      shards = [...index.shards];
      missing = await missingShards(modelFolder, index);
      for (const shard of index.shards) if (!missing.includes(shard) && !(await addHeader(join(modelFolder, shard)))) break;
      if (missing.length > 0 && index.totalSize !== undefined) {
        // Shards absent: the index's total size over the declared dtype's width.
        const size = safetensorsDtypeSize(configDtype(config) ?? 'F32') ?? 4;
        parameters = Math.round(index.totalSize / size);
        parametersEstimated = true;
      }
    }
  } else if (hasPytorch) {
    layout = (await present(PYTORCH_FILE)) ? 'pytorch' : 'pytorch-sharded';
    files.push(join(modelFolder, layout === 'pytorch' ? PYTORCH_FILE : PYTORCH_INDEX_FILE));
    if (layout === 'pytorch-sharded') {
      const index = await readIndex(PYTORCH_INDEX_FILE);
      if (index) {
        shards = [...index.shards];
        missing = await missingShards(modelFolder, index);
      }
    }
    if (missing.length === 0 && !problem) {
      // The restricted reader (torchZip.ts) reads the zip directory and data.pkl only: a pickle
      // that is not a plain state dict of tensors is reported here, before anything runs.
      try {
        const source = await openTorchWeights(files[0]!, layout === 'pytorch' ? 'file' : 'index');
        count(source.stats.headerBytes);
        parameters = source.parameters;
        Object.assign(dtypes, source.dtypes);
        storedBytes = Object.entries(source.dtypes).reduce((sum, [dtype, n]) => sum + n * (safetensorsDtypeSize(dtype) ?? 4), 0);
      } catch (error) {
        problem = message(error);
        problemCode = error instanceof CheckpointError ? error.code : 'checkpoint-invalid';
      }
    }
  }
  const onnx = [...new Set([...(await onnxFiles(folder, names)), ...(modelFolder !== folder ? await onnxFiles(modelFolder, modelNames) : [])])];
  const tokenizerFiles = TOKENIZER_FILES.filter((n) => names.includes(n) || modelNames.includes(n));
  let tokenizerProblem: string | undefined;
  if (tokenizerFiles.includes('tokenizer.json')) {
    const path = names.includes('tokenizer.json') ? join(folder, 'tokenizer.json') : join(modelFolder, 'tokenizer.json');
    const checked = await checkTokenizerJson(path);
    count(checked.bytes);
    tokenizerProblem = checked.problem;
  }
  const preprocessor = names.includes('preprocessor_config.json') ? join(folder, 'preprocessor_config.json') : modelNames.includes('preprocessor_config.json') ? join(modelFolder, 'preprocessor_config.json') : undefined;

  let status: SnapshotStatus;
  if (!config && !configProblem) status = 'no-config';
  else if (layout === 'safetensors' || (layout === 'safetensors-sharded' && missing.length === 0 && shards.length > 0)) status = 'runnable';
  else if (layout === 'safetensors-sharded' && problem && shards.length === 0) status = 'runnable'; // unreadable index: reported as a problem
  else if (layout === 'pytorch' || layout === 'pytorch-sharded') status = missing.length > 0 ? 'weights-not-downloaded' : 'pytorch-bin-only';
  else if (layout === 'none' && onnx.length > 0) status = 'onnx-only';
  else status = 'weights-not-downloaded';
  // A sharded safetensors index with absent shards, but pytorch_model.bin present: that can run.
  if (status === 'weights-not-downloaded' && layout === 'safetensors-sharded' && hasPytorch) status = 'pytorch-bin-only';

  return {
    folder,
    modelFolder,
    status,
    ...(config ? { config } : {}),
    ...(configProblem ? { configProblem } : {}),
    ...(modelType ? { modelType } : {}),
    ...(architectures ? { architectures } : {}),
    weights: { layout, files, missingShards: missing, shards, ...(problem ? { problem, problemCode: problemCode ?? 'checkpoint-invalid' } : {}) },
    onnx,
    tokenizer: { files: tokenizerFiles, ...(tokenizerProblem ? { problem: tokenizerProblem } : {}) },
    ...(preprocessor ? { preprocessor } : {}),
    ...(st ? { sentenceTransformers: st } : {}),
    ...(parameters !== undefined ? { parameters, float32Bytes: parameters * 4 } : {}),
    ...(parametersEstimated ? { parametersEstimated } : {}),
    ...(Object.keys(dtypes).length > 0 ? { dtypes } : {}),
    ...(storedBytes !== undefined ? { storedBytes } : {}),
    bytesRead,
  };
}
