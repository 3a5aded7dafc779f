/**
 * Cheap inspection of a referenced file or folder: its format and what its header or metadata
 * says (rows, columns, input shape), reading only a bounded prefix or footer — never the data.
 * A 1 GB CSV costs one 1 MB read (its row count is then an estimate, marked `rowsExact: false`).
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseCsv, sniffDelimiter } from '../../core/formats/csv';
import { parseNpyHeader } from '../../core/formats/npy';
import { parseSafetensorsHeader, safetensorsHeaderLength } from '../../core/formats/safetensors';
import { parseJsonlLine, flattenJsonRecord } from '../../core/formats/jsonl';
import { parquetFooterLength, parseParquetFooter, summariseModelJson, type FeatureWidth } from './headers';
import { readArrowHeader } from './arrowHeader';
import { datasetShards } from './datasetFolder';
import { inspectHfModelFolder } from './hfModel';
import type { HfSnapshotInfo } from '../hf/snapshot';

export type ResolvedFormat =
  | 'tfjs-layers' | 'tfjs-graph' | 'csv' | 'jsonl' | 'npy' | 'npz' | 'safetensors' | 'parquet' | 'arrow'
  /** A JSON array of records (LLaMA-Factory's default dataset file, `load_dataset("json")`). */
  | 'json'
  | 'image-folder' | 'pytorch' | 'onnx' | 'keras' | 'unknown'
  /** Hugging Face model folders (issue #14, src/node/resolve/hfModel.ts): config.json + safetensors
   *  (single or all shards) / + pytorch_model.bin only / + ONNX exports only / weights never downloaded. */
  | 'hf-safetensors' | 'hf-pytorch' | 'hf-onnx' | 'hf-no-weights';

/** A reference resolved to something on disk. */
export interface Resolved {
  /** Absolute path (for a TF.js folder: its model.json). */
  readonly path: string;
  readonly kind: 'file' | 'folder' | 'hub-cache';
  readonly format: ResolvedFormat;
  /** Data rows (datasets, feature files). */
  readonly rows?: number;
  /** False when `rows` is estimated from the file's first megabyte (large text files). */
  readonly rowsExact?: boolean;
  /** Column names (CSV header, first JSONL record, Parquet schema) or class names (image folders). */
  readonly columns?: string[];
  /** Columns whose value in the first data row is a number (CSV, JSONL): the candidate features. */
  readonly numericColumns?: string[];
  /**
   * Parquet/Arrow (schema in the metadata): the columns the readers take as features, in order,
   * with values per row — 1 for a number or boolean, n for a fixed-size list of n numbers, null
   * for a variable-length list of numbers (its width only the rows tell).
   */
  readonly featureWidths?: readonly FeatureWidth[];
  readonly bytes?: number;
  /** Checkpoint input shape from model.json (batch dimension null); feature-file shape for .npy. */
  readonly shape?: (number | null)[];
  /** The Hub ID when the reference was resolved through the local Hugging Face cache. */
  readonly hubId?: string;
  /** Problem found while reading the header (corrupt or truncated), already phrased for the user. */
  readonly problem?: string;
  /** Data files a columnar dataset folder stands for (Arrow/Parquet shards, concatenated). */
  readonly files?: string[];
  /** The split those files belong to, when the folder holds several. */
  readonly split?: string;
  /** Hugging Face model folder description (config, weight files, parameters, tokenizer …), headers only. */
  readonly hf?: HfSnapshotInfo;
  /** LLaMA-Factory: the dataset_info.json entry the file came from (formatting, columns mapping, tags). */
  readonly datasetInfo?: DatasetInfoEntry;
}

/** One entry of LLaMA-Factory's dataset_info.json, as far as reading the data needs it. */
export interface DatasetInfoEntry {
  readonly name: string;
  /** Absolute path of dataset_info.json. */
  readonly infoPath: string;
  /** `formatting`: alpaca (default) or sharegpt. */
  readonly formatting: 'alpaca' | 'sharegpt';
  /** `columns`: prompt, query, response, history, messages, system, tools, … → field names. */
  readonly columns: Readonly<Record<string, string>>;
  /** `tags` (sharegpt): role_tag, content_tag, user_tag, assistant_tag, … */
  readonly tags: Readonly<Record<string, string>>;
  /** `ranking` (preference data). */
  readonly ranking?: boolean;
}

/** Text files up to this size get an exact row count (a fast newline scan). */
export const EXACT_COUNT_LIMIT_BYTES = 8 * 1024 * 1024;
const HEAD_BYTES = 1024 * 1024;
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.gif', '.webp', '.tif', '.tiff']);
const MAX_IMAGE_FOLDER_ENTRIES = 200_000;

async function readHead(path: string, length: number, position = 0): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Rows of a line-based file: exact when small, else estimated from the head's average line length. */
async function lineRows(path: string, size: number, head: Uint8Array, headerLines: number): Promise<{ rows: number; exact: boolean }> {
  if (size <= EXACT_COUNT_LIMIT_BYTES) {
    const all = head.length === size ? head : await readHead(path, size);
    const bytes = Buffer.from(all.buffer, all.byteOffset, all.length);
    // Count non-blank lines on the bytes (no decoding, no per-line strings): a line counts when
    // it holds more than an optional '\r'.
    let lines = 0;
    let start = 0;
    while (start < bytes.length) {
      let end = bytes.indexOf(10, start);
      if (end === -1) end = bytes.length;
      const length = end - start - (end > start && bytes[end - 1] === 13 ? 1 : 0);
      if (length > 0 && !isBlank(bytes, start, start + length)) lines++;
      start = end + 1;
    }
    return { rows: Math.max(0, lines - headerLines), exact: true };
  }
  let newlines = 0;
  let lastNewline = -1;
  for (let i = 0; i < head.length; i++) if (head[i] === 10) {
    newlines++;
    lastNewline = i;
  }
  if (newlines <= headerLines) return { rows: 0, exact: false };
  const average = (lastNewline + 1) / newlines;
  return { rows: Math.max(0, Math.round(size / average) - headerLines), exact: false };
}

function firstLineOf(head: Uint8Array): string {
  const text = new TextDecoder().decode(head.subarray(0, Math.min(head.length, 256 * 1024)));
  const end = text.indexOf('\n');
  return (end === -1 ? text : text.slice(0, end)).replace(/\r$/, '').replace(/^\uFEFF/, '');
}

/** True when bytes [from, to) are only spaces and tabs (checked only for short lines). */
function isBlank(bytes: Uint8Array, from: number, to: number): boolean {
  if (to - from > 16) return false;
  for (let i = from; i < to; i++) if (bytes[i] !== 32 && bytes[i] !== 9) return false;
  return true;
}

/** The header line and the first data line (CSV records are assumed not to span lines here). */
function firstTwoLines(head: Uint8Array): string {
  const text = new TextDecoder().decode(head.subarray(0, Math.min(head.length, 256 * 1024)));
  const first = text.indexOf('\n');
  if (first === -1) return text;
  const second = text.indexOf('\n', first + 1);
  return second === -1 ? text : text.slice(0, second);
}

/** Format from a file name. */
export function formatOfName(name: string): ResolvedFormat {
  const extension = extname(name).toLowerCase();
  switch (extension) {
    case '.csv':
    case '.tsv':
      return 'csv';
    case '.jsonl':
    case '.ndjson':
      return 'jsonl';
    case '.npy':
      return 'npy';
    case '.npz':
      return 'npz';
    case '.safetensors':
      return 'safetensors';
    case '.parquet':
      return 'parquet';
    case '.arrow':
    case '.feather':
      return 'arrow';
    case '.onnx':
      return 'onnx';
    case '.keras':
    case '.h5':
    case '.hdf5':
      return 'keras';
    case '.pt':
    case '.pth':
    case '.bin':
    case '.ckpt':
      return 'pytorch';
    default:
      return 'unknown';
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Inspects a file that exists. */
export async function inspectFile(path: string, bytes: number): Promise<Resolved> {
  const base = { path, kind: 'file' as const, bytes };
  let format = formatOfName(path);
  try {
    if (extname(path).toLowerCase() === '.json') {
      const head = await readHead(path, Math.min(bytes, HEAD_BYTES));
      const start = new TextDecoder().decode(head.subarray(0, 4096)).trimStart();
      if (start.startsWith('{') && /"(modelTopology|weightsManifest|format)"/.test(new TextDecoder().decode(head))) {
        if (bytes > 64 * 1024 * 1024) return { ...base, format: 'tfjs-layers', problem: `${basename(path)} is over 64 MB; a model.json holds only the topology, so this is not one.` };
        const summary = summariseModelJson(JSON.parse(await readFile(path, 'utf8')));
        return { ...base, format: summary.format, ...(summary.inputShape ? { shape: summary.inputShape } : {}) };
      }
      // HF `datasets` reads .json as JSON Lines when each line is an object.
      const firstLine = firstLineOf(head).trim();
      if (firstLine.startsWith('{') && firstLine.endsWith('}')) format = 'jsonl';
      else if (start.startsWith('[')) return inspectJsonRecords(path, bytes);
      else return { ...base, format: 'unknown' };
    }
    if (format === 'csv' || format === 'jsonl') {
      const head = await readHead(path, Math.min(bytes, HEAD_BYTES));
      const firstLine = firstLineOf(head);
      let columns: string[];
      let numericColumns: string[];
      const isNumber = (text: string) => text.trim() !== '' && Number.isFinite(Number(text));
      if (format === 'csv') {
        const delimiter = path.toLowerCase().endsWith('.tsv') ? '\t' : sniffDelimiter(firstLine);
        const records = parseCsv(firstTwoLines(head), { delimiter, source: basename(path) });
        columns = (records[0]?.fields ?? []).map((c) => c.trim());
        const firstRow = records[1]?.fields ?? [];
        numericColumns = columns.filter((_, index) => isNumber(firstRow[index] ?? ''));
      } else {
        const record = parseJsonlLine(firstLine, 1, basename(path));
        const flat = record ? flattenJsonRecord(record) : new Map();
        columns = [...flat.keys()];
        numericColumns = columns.filter((column) => typeof flat.get(column) === 'number');
      }
      const { rows, exact } = await lineRows(path, bytes, head, format === 'csv' ? 1 : 0);
      return { ...base, format, columns, numericColumns, rows, rowsExact: exact };
    }
    if (format === 'npy') {
      const header = parseNpyHeader(await readHead(path, Math.min(bytes, 64 * 1024)), basename(path));
      return { ...base, format, shape: header.shape, rows: header.shape[0] ?? 1, rowsExact: true };
    }
    if (format === 'safetensors') {
      const first8 = await readHead(path, 8);
      const length = safetensorsHeaderLength(first8, basename(path));
      parseSafetensorsHeader(await readHead(path, 8 + length), basename(path), bytes);
      return { ...base, format };
    }
    if (format === 'parquet') {
      const footer = await parquetHeader(path, bytes);
      if ('problem' in footer) return { ...base, format, problem: footer.problem };
      return { ...base, format, rows: footer.rows, rowsExact: true, columns: footer.columns, featureWidths: footer.featureWidths };
    }
    if (format === 'arrow') {
      const header = await arrowHeaderCached(path, bytes);
      const columns = header.columns.map((c) => c.name);
      const featureWidths = header.columns.flatMap((c) => (c.width !== undefined ? [{ name: c.name, width: c.width }] : []));
      return { ...base, format, rows: header.rows, rowsExact: true, columns, numericColumns: header.columns.filter((c) => c.numeric).map((c) => c.name), featureWidths };
    }
    return { ...base, format };
  } catch (error) {
    return { ...base, format, problem: `${basename(path)} cannot be read: ${message(error)}` };
  }
}

async function parquetHeader(path: string, bytes: number): Promise<ReturnType<typeof parseParquetFooter> | { problem: string }> {
  if (bytes < 12) return { problem: `${basename(path)} is ${bytes} bytes: too short to be a Parquet file.` };
  const length = parquetFooterLength(await readHead(path, 8, bytes - 8));
  if (length === undefined || length + 12 > bytes) return { problem: `${basename(path)} has no valid Parquet footer (truncated or not Parquet).` };
  return parseParquetFooter(await readHead(path, length, bytes - 8 - length));
}

/**
 * Arrow headers by (path, size, mtime): a stream-format file is walked message by message, which
 * static checks on every keystroke should not repeat.
 */
const arrowHeaders = new Map<string, { key: string; header: Awaited<ReturnType<typeof readArrowHeader>> }>();
async function arrowHeaderCached(path: string, bytes: number): Promise<Awaited<ReturnType<typeof readArrowHeader>>> {
  const key = `${bytes}:${(await stat(path)).mtimeMs}`;
  const hit = arrowHeaders.get(path);
  if (hit && hit.key === key) return hit.header;
  const header = await readArrowHeader(path);
  if (arrowHeaders.size > 256) arrowHeaders.clear();
  arrowHeaders.set(path, { key, header });
  return header;
}

/** A folder of Arrow/Parquet shards (HF save_to_disk, datasets cache, Hub snapshot): rows summed over the shards. */
async function inspectShards(path: string): Promise<Resolved | undefined> {
  const shards = await datasetShards(path);
  if (!shards) return undefined;
  const base = { path, kind: 'folder' as const, format: shards.format, files: shards.files, ...(shards.split ? { split: shards.split } : {}) };
  if (shards.files.length === 0) return { ...base, problem: `${path} holds no ${shards.format === 'arrow' ? '.arrow' : '.parquet'} data files.` };
  let rows = 0;
  let columns: string[] | undefined;
  let numericColumns: string[] | undefined;
  let featureWidths: readonly FeatureWidth[] | undefined;
  for (const file of shards.files) {
    const inner = await inspectFile(file, (await stat(file)).size);
    if (inner.problem) return { ...base, problem: inner.problem };
    rows += inner.rows ?? 0;
    columns ??= inner.columns;
    numericColumns ??= inner.numericColumns;
    featureWidths ??= inner.featureWidths;
  }
  return { ...base, rows, rowsExact: true, ...(columns ? { columns } : {}), ...(numericColumns ? { numericColumns } : {}), ...(featureWidths ? { featureWidths } : {}) };
}

/** Inspects a folder: a TF.js model, an HF model/dataset folder, or an image folder. */
export async function inspectFolder(path: string): Promise<Resolved> {
  let names: string[];
  try {
    names = await readdir(path);
  } catch (error) {
    return { path, kind: 'folder', format: 'unknown', problem: `${path} cannot be listed: ${message(error)}` };
  }
  const has = (name: string) => names.includes(name);
  if (has('model.json')) {
    const inner = await inspectFile(join(path, 'model.json'), (await stat(join(path, 'model.json'))).size);
    return { ...inner };
  }
  const hf = await inspectHfModelFolder(path, names);
  if (hf) return hf;
  const byExtension = (extension: string) => names.filter((name) => name.toLowerCase().endsWith(extension));
  if (byExtension('.safetensors').length > 0 || has('model.safetensors.index.json')) return { path, kind: 'folder', format: 'safetensors' };
  if (has('pytorch_model.bin') || byExtension('.pt').length + byExtension('.pth').length + byExtension('.ckpt').length > 0) return { path, kind: 'folder', format: 'pytorch' };
  if (has('tf_model.h5') || byExtension('.keras').length > 0) return { path, kind: 'folder', format: 'keras' };
  if (has('model.onnx')) return { path, kind: 'folder', format: 'onnx' };
  const shards = await inspectShards(path);
  if (shards) return shards;
  // Image folder: class subfolders holding images (optionally under train/).
  const root = has('train') && (await isDirectory(join(path, 'train'))) ? join(path, 'train') : path;
  const classes: string[] = [];
  let images = 0;
  let seen = 0;
  for (const name of (root === path ? names : await readdir(root)).sort()) {
    const classFolder = join(root, name);
    if (name.startsWith('.') || !(await isDirectory(classFolder))) continue;
    let count = 0;
    for (const file of await readdir(classFolder)) {
      if (++seen > MAX_IMAGE_FOLDER_ENTRIES) break;
      if (IMAGE_EXTENSIONS.has(extname(file).toLowerCase())) count++;
    }
    if (count > 0) {
      classes.push(name);
      images += count;
    }
  }
  if (classes.length > 0) return { path, kind: 'folder', format: 'image-folder', rows: images, rowsExact: seen <= MAX_IMAGE_FOLDER_ENTRIES, columns: classes };
  return { path, kind: 'folder', format: 'unknown' };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Inspects whatever is at `path`, or returns undefined when nothing is there. */
export async function inspectPath(path: string): Promise<Resolved | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    // A symlink loop exists but can never be read: say so rather than "does not exist".
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return { path, kind: 'file', format: formatOfName(path), problem: `${basename(path)} is a symbolic link loop; point the config at the real file.` };
    return undefined;
  }
  if (info.isDirectory()) return inspectFolder(path);
  // A FIFO, socket or device would block the read (a FIFO without a writer) or never end
  // (/dev/zero): say what it is instead of opening it.
  if (!info.isFile()) return { path, kind: 'file', format: formatOfName(path), problem: `${basename(path)} is ${specialKind(info)}, not a regular file; point the config at a file on disk.` };
  return inspectFile(path, info.size);
}

/** Words for a non-regular, non-folder file system entry. */
export function specialKind(info: import('node:fs').Stats): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'a special file';
}

/** Largest JSON-array dataset whose rows and columns the static tier counts (it is parsed whole). */
export const JSON_RECORDS_INSPECT_LIMIT = 64 * 1024 * 1024;

/** A `.json` file holding a list of records: rows and the first records' keys (text columns). */
async function inspectJsonRecords(path: string, bytes: number): Promise<Resolved> {
  const base = { path, kind: 'file' as const, bytes, format: 'json' as const };
  if (bytes > JSON_RECORDS_INSPECT_LIMIT) return base;
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    return { ...base, problem: `${basename(path)} is not valid JSON (${(e as Error).message}); a JSON dataset is a list of records [{...}, ...].` };
  }
  if (!Array.isArray(value)) return { ...base, problem: `${basename(path)} is not a list of records.` };
  const columns = new Set<string>();
  for (const record of value.slice(0, 50)) if (record && typeof record === 'object' && !Array.isArray(record)) for (const key of Object.keys(record as object)) columns.add(key);
  const first = value[0] as Record<string, unknown> | undefined;
  const numericColumns = first && typeof first === 'object' ? [...columns].filter((c) => typeof first[c] === 'number') : [];
  return { ...base, rows: value.length, rowsExact: true, columns: [...columns], numericColumns };
}
