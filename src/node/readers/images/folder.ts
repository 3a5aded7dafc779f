/**
 * Image-folder datasets: the torchvision ImageFolder / Hugging Face `imagefolder` layout
 * (`root/<class>/**\/<image>`), or a flat folder with a `metadata.csv` / `metadata.jsonl` that
 * carries `file_name` and a label column.
 *
 * `readImageFolder` scans the folder, takes a stratified, seeded sample of at most `maxImages`
 * images, and returns the sample's files, labels and class names plus `batches()`, an async
 * iterator that decodes and preprocesses one batch at a time (memory stays bounded by the batch
 * size, never by the folder size). Pixels are only touched while iterating, so a cached
 * re-analysis (src/node/cache) can skip decoding altogether.
 *
 * Problems with single files (corrupt, truncated, non-image, unreadable) are collected in
 * `problems`, naming the file, and the file is skipped; nothing throws for them. A folder that
 * cannot be used at all (missing, empty, one class, bad metadata) raises a `DatasetError`
 * whose message names the folder and what to change.
 */
import * as tf from '@tensorflow/tfjs-core';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import { DatasetError } from '../../../core/formats/errors';
import { createRandom } from '../../../core/formats/random';
import {
  applyImagePreprocessing,
  type ImageInputShape,
  type ImagePreprocessing,
} from '../../../core/formats/imagePreprocess';
import { CancelledError, throwIfAborted, yieldToEventLoop, type ProgressEvent } from '../../../core/model/progress';
import { decodeImage, describeNonImage, jpegDecoderName, sniffImageFormat, type JpegDecoderPreference } from './decode';

/** Where labels come from. */
export type LabelSource =
  | { readonly kind: 'folder' }
  | { readonly kind: 'metadata'; readonly file?: string; readonly column?: string };

export interface ImageFolderOptions {
  /** Upper bound on images used (stratified sample); default 2000. */
  readonly maxImages?: number;
  readonly seed?: number;
  /** Default: metadata file when `root/metadata.csv|jsonl` exists, else class folders. */
  readonly labelSource?: LabelSource;
  /** Model input [height, width, channels]. */
  readonly inputShape: ImageInputShape;
  /** The exact preprocessing to apply (see src/node/readers/images/preprocessing.ts to resolve it). */
  readonly preprocessing: ImagePreprocessing;
  /** Images decoded per batch; default 32. */
  readonly batchSize?: number;
  readonly jpegDecoder?: JpegDecoderPreference;
  /** Most files listed while scanning (a guard for huge trees); default 1,000,000. */
  readonly maxFilesScanned?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** One file of the dataset with the facts the feature cache keys on. */
export interface ImageFileEntry {
  /** Absolute path. */
  readonly file: string;
  /** Path relative to the root with '/' separators (stable across machines). */
  readonly relativePath: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly label: number;
}

export interface ImageProblem {
  /** Absolute path of the file (or folder) the problem is about. */
  readonly file: string;
  readonly message: string;
}

export interface ImageBatch {
  /** [batch, height, width, channels] float32, preprocessed. The consumer disposes it. */
  readonly images: tf.Tensor4D;
  readonly labels: Int32Array;
  readonly files: readonly string[];
}

export interface ImageFolderResult {
  readonly root: string;
  /** Sampled files in a deterministic order (class, then path); `labels[i]` belongs to `files[i]`. */
  readonly files: readonly string[];
  readonly entries: readonly ImageFileEntry[];
  readonly labels: Int32Array;
  /** Class index → name (sorted, like ImageFolder). */
  readonly classNames: readonly string[];
  /** Images found per class before sampling. */
  readonly classCounts: readonly number[];
  /** Image files found in the folder (all classes) before sampling. */
  readonly total: number;
  /** Images in the sample. Files that fail to decode are dropped while iterating (see problems). */
  readonly used: number;
  /** How labels were read, e.g. `folder` or `metadata:metadata.csv#label`. */
  readonly labelSource: string;
  /** Problems found so far; decoding problems are appended while `batches()` runs. */
  readonly problems: ImageProblem[];
  /** Exactly what is applied to each image, plus the decoders used. */
  readonly preprocessing: ImagePreprocessing & { readonly decoders: { readonly png: string; readonly jpeg: string } };
  readonly inputShape: ImageInputShape;
  /**
   * Decodes and preprocesses the sample batch by batch. Files that fail to decode are skipped
   * and added to `problems`, so batches can be smaller than `batchSize`; every yielded batch
   * has at least one image. Honours the signal (throws CancelledError between images).
   */
  batches(batchSize?: number): AsyncGenerator<ImageBatch>;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.jpe', '.jfif']);
/** Files that operating systems and tools leave in folders; never reported. */
const IGNORED_FILES = new Set(['.ds_store', 'thumbs.db', 'desktop.ini', '.gitkeep', '.gitignore', 'readme.md', 'license', 'license.txt']);
const METADATA_FILES = ['metadata.csv', 'metadata.jsonl'];

interface ScannedFile {
  readonly file: string;
  readonly relativePath: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Lists files below `dir` recursively (skipping hidden entries), with size and mtime. */
async function listFiles(root: string, dir: string, out: ScannedFile[], problems: ImageProblem[], limit: number, signal?: AbortSignal): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    problems.push({ file: dir, message: `cannot list the folder (${errorText(e)})` });
    return;
  }
  for (const name of names) {
    if (out.length >= limit) return;
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    let info;
    try {
      info = await stat(path);
    } catch (e) {
      problems.push({ file: path, message: `cannot read the file's metadata (${errorText(e)})` });
      continue;
    }
    if (info.isDirectory()) {
      throwIfAborted(signal);
      await listFiles(root, path, out, problems, limit, signal);
    } else if (info.isFile()) {
      out.push({ file: path, relativePath: relative(root, path).split(sep).join('/'), size: info.size, mtimeMs: Math.trunc(info.mtimeMs) });
    }
  }
}

/** Reads the first bytes of a file to tell images from other files without decoding. */
async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(64);
    const { bytesRead } = await handle.read(buffer, 0, 64, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

interface MetadataLabels {
  readonly file: string;
  readonly column: string;
  /** Relative path (with '/') → label text. */
  readonly labels: Map<string, string>;
}

async function readMetadata(root: string, file: string, column: string | undefined, problems: ImageProblem[]): Promise<MetadataLabels> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DatasetError('dataset-missing', `${file}: cannot read the metadata file (${errorText(e)})`);
  }
  const rows: Record<string, unknown>[] = [];
  if (file.endsWith('.jsonl')) {
    text.split(/\r?\n/).forEach((line, index) => {
      if (!line.trim()) return;
      try {
        const value: unknown = JSON.parse(line);
        if (value && typeof value === 'object' && !Array.isArray(value)) rows.push(value as Record<string, unknown>);
        else problems.push({ file, message: `line ${index + 1} is not a JSON object; skipped` });
      } catch {
        problems.push({ file, message: `line ${index + 1} is not valid JSON; skipped` });
      }
    });
  } else {
    const records = parseCsv(text);
    const header = records.shift() ?? [];
    for (const record of records) {
      const row: Record<string, unknown> = {};
      header.forEach((name, i) => (row[name] = record[i]));
      rows.push(row);
    }
  }
  if (rows.length === 0) throw new DatasetError('dataset-invalid', `${file}: the metadata file has no rows; add one row per image with file_name and a label column`);
  const keys = Object.keys(rows[0]!);
  if (!keys.includes('file_name')) {
    throw new DatasetError('dataset-invalid', `${file}: the metadata file has no file_name column (columns: ${keys.join(', ')}); name the image path column file_name`);
  }
  const candidates = keys.filter((k) => k !== 'file_name');
  const chosen = column ?? (['label', 'labels', 'class', 'category'].find((k) => candidates.includes(k)) ?? (candidates.length === 1 ? candidates[0] : undefined));
  if (!chosen || !keys.includes(chosen)) {
    throw new DatasetError(
      'label-column-missing',
      `${file}: ${column ? `label column '${column}' is not in the metadata` : 'cannot tell which column holds the label'} (columns: ${keys.join(', ')}); set label_column_name`,
    );
  }
  const labels = new Map<string, string>();
  for (const row of rows) {
    const name = row.file_name;
    const label = row[chosen];
    if (typeof name !== 'string' || label === undefined || label === null || label === '') continue;
    // file_name is relative to the metadata file's folder, which is the root here.
    labels.set(name.replace(/\\/g, '/').replace(/^\.\//, ''), String(label));
  }
  return { file: relative(root, file) || basename(file), column: chosen, labels };
}

/** A small CSV splitter for metadata files (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && body[i + 1] === '\n') i++;
      record.push(field);
      if (record.some((f) => f !== '')) records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  record.push(field);
  if (record.some((f) => f !== '')) records.push(record);
  return records;
}

/**
 * Proportional allocation of `budget` over classes (largest remainder), at least one image per
 * non-empty class when the budget allows, never more than a class holds.
 */
export function stratifiedAllocation(counts: readonly number[], budget: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (budget >= total) return [...counts];
  const nonEmpty = counts.filter((c) => c > 0).length;
  const floorOne = budget >= nonEmpty;
  const quota = counts.map((c) => (budget * c) / total);
  const take: number[] = counts.map((c, i) => {
    const whole = Math.min(c, Math.floor(quota[i]!));
    return whole === 0 && c > 0 && floorOne ? 1 : whole;
  });
  let sum = take.reduce((a, b) => a + b, 0);
  // The one-per-class floor can overshoot: take back from the classes furthest above their quota.
  while (sum > budget) {
    let worst = -1;
    for (let i = 0; i < take.length; i++) {
      if (take[i]! > 1 && (worst < 0 || take[i]! - quota[i]! > take[worst]! - quota[worst]!)) worst = i;
    }
    if (worst < 0) break;
    take[worst]!--;
    sum--;
  }
  // Hand out the rest by largest shortfall against the quota (ties: lower class index).
  while (sum < budget) {
    let best = -1;
    for (let i = 0; i < take.length; i++) {
      if (take[i]! < counts[i]! && (best < 0 || quota[i]! - take[i]! > quota[best]! - take[best]!)) best = i;
    }
    if (best < 0) break;
    take[best]!++;
    sum++;
  }
  return take;
}

/** Scans, labels and samples an image folder. See the module comment for the contract. */
export async function readImageFolder(root: string, options: ImageFolderOptions): Promise<ImageFolderResult> {
  const { inputShape, preprocessing, signal } = options;
  const maxImages = options.maxImages ?? 2000;
  const seed = options.seed ?? 0;
  const defaultBatchSize = Math.max(1, Math.floor(options.batchSize ?? 32));
  const problems: ImageProblem[] = [];
  if (preprocessing.height !== inputShape[0] || preprocessing.width !== inputShape[1] || preprocessing.channels !== inputShape[2]) {
    throw new RangeError(`readImageFolder: preprocessing ${preprocessing.height}×${preprocessing.width}×${preprocessing.channels} does not match input shape [${inputShape.join(', ')}]`);
  }

  let rootInfo;
  try {
    rootInfo = await stat(root);
  } catch {
    throw new DatasetError('dataset-missing', `${root}: the image folder does not exist; check train_dir`);
  }
  if (!rootInfo.isDirectory()) throw new DatasetError('dataset-invalid', `${root}: is a file, not an image folder; point train_dir at a folder of class subfolders`);

  options.onProgress?.({ step: 'dataset', message: `scanning image folder ${root}` });
  const scanned: ScannedFile[] = [];
  await listFiles(root, root, scanned, problems, options.maxFilesScanned ?? 1_000_000, signal);

  // Decide the label source.
  let labelSource = options.labelSource;
  if (!labelSource) {
    const present = METADATA_FILES.find((name) => scanned.some((f) => f.relativePath === name));
    labelSource = present ? { kind: 'metadata', file: join(root, present) } : { kind: 'folder' };
  }
  let metadata: MetadataLabels | undefined;
  if (labelSource.kind === 'metadata') {
    const file = labelSource.file ?? join(root, METADATA_FILES.find((name) => scanned.some((f) => f.relativePath === name)) ?? 'metadata.csv');
    metadata = await readMetadata(root, file, labelSource.column, problems);
  }

  // Keep images, report everything else that is not a known side file.
  const images: (ScannedFile & { labelName: string })[] = [];
  for (const entry of scanned) {
    const name = basename(entry.file).toLowerCase();
    if (METADATA_FILES.includes(entry.relativePath) || IGNORED_FILES.has(name)) continue;
    const extension = extname(name);
    let head: Buffer;
    try {
      head = await readHead(entry.file);
    } catch (e) {
      problems.push({ file: entry.file, message: `cannot read the file (${errorText(e)}); skipped` });
      continue;
    }
    if (!sniffImageFormat(head)) {
      const what = describeNonImage(head);
      problems.push({
        file: entry.file,
        message: IMAGE_EXTENSIONS.has(extension) ? `has an image extension but is ${what}; skipped` : `is ${what}; skipped`,
      });
      continue;
    }
    let labelName: string | undefined;
    if (metadata) {
      labelName = metadata.labels.get(entry.relativePath);
      if (labelName === undefined) {
        problems.push({ file: entry.file, message: `has no row in ${metadata.file} (file_name ${entry.relativePath}); skipped` });
        continue;
      }
    } else {
      const slash = entry.relativePath.indexOf('/');
      if (slash < 0) {
        problems.push({ file: entry.file, message: 'lies directly in the dataset folder, not in a class subfolder; skipped' });
        continue;
      }
      labelName = entry.relativePath.slice(0, slash);
    }
    images.push({ ...entry, labelName });
  }
  throwIfAborted(signal);

  if (images.length === 0) {
    throw new DatasetError('dataset-invalid', `${root}: no PNG or JPEG images found${problems.length ? ` (${problems.length} files skipped, e.g. ${problems[0]!.file}: ${problems[0]!.message})` : ''}; expected ${metadata ? 'images listed in ' + metadata.file : 'root/<class>/<image>.png'}`);
  }
  const classNames = [...new Set(images.map((i) => i.labelName))].sort();
  if (classNames.length < 2) {
    throw new DatasetError('single-class', `${root}: all ${images.length} images have the label '${classNames[0]}'; a classifier needs at least two classes (one subfolder per class)`);
  }
  const classIndex = new Map(classNames.map((name, i) => [name, i]));
  const byClass: (typeof images)[] = classNames.map(() => []);
  for (const image of images) byClass[classIndex.get(image.labelName)!]!.push(image);
  const classCounts = byClass.map((list) => list.length);

  // Stratified, seeded sample; within a class a partial Fisher–Yates shuffle picks the files.
  const allocation = stratifiedAllocation(classCounts, Math.max(0, Math.floor(maxImages)));
  const random = createRandom(seed);
  const entries: ImageFileEntry[] = [];
  byClass.forEach((list, label) => {
    const pool = [...list];
    const want = allocation[label]!;
    for (let i = 0; i < want; i++) {
      const j = i + random.nextInt(pool.length - i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    pool
      .slice(0, want)
      .sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0))
      .forEach((f) => entries.push({ file: f.file, relativePath: f.relativePath, size: f.size, mtimeMs: f.mtimeMs, label }));
  });

  const labels = Int32Array.from(entries.map((e) => e.label));
  const files = entries.map((e) => e.file);
  const jpegPreference = options.jpegDecoder ?? 'auto';
  const fullPreprocessing = { ...preprocessing, decoders: { png: 'pngjs', jpeg: jpegDecoderName(jpegPreference) } };
  options.onProgress?.({
    step: 'dataset',
    message: `image folder: ${images.length} images in ${classNames.length} classes, using ${entries.length}${problems.length ? `, ${problems.length} files skipped` : ''}`,
  });

  async function* batches(batchSize = defaultBatchSize): AsyncGenerator<ImageBatch> {
    const [height, width, channels] = inputShape;
    const pixelsPerImage = height * width * channels;
    const size = Math.max(1, Math.floor(batchSize));
    for (let start = 0; start < entries.length; start += size) {
      const chunk = entries.slice(start, start + size);
      const buffer = new Float32Array(chunk.length * pixelsPerImage);
      const batchLabels: number[] = [];
      const batchFiles: string[] = [];
      for (const entry of chunk) {
        if (signal?.aborted) throw new CancelledError();
        let bytes: Buffer;
        try {
          bytes = await readFile(entry.file);
        } catch (e) {
          problems.push({ file: entry.file, message: `cannot read the file (${errorText(e)}); skipped` });
          continue;
        }
        const decoded = await decodeImage(bytes, jpegPreference);
        if (!decoded.ok) {
          problems.push({ file: entry.file, message: `${decoded.message}; skipped` });
          continue;
        }
        const values = applyImagePreprocessing(decoded.pixels, preprocessing);
        buffer.set(values, batchFiles.length * pixelsPerImage);
        batchLabels.push(entry.label);
        batchFiles.push(entry.file);
      }
      if (batchFiles.length === 0) continue;
      const used = batchFiles.length === chunk.length ? buffer : buffer.subarray(0, batchFiles.length * pixelsPerImage);
      yield {
        images: tf.tensor4d(used, [batchFiles.length, height, width, channels], 'float32'),
        labels: Int32Array.from(batchLabels),
        files: batchFiles,
      };
      // Let cancel messages in between batches.
      await yieldToEventLoop();
    }
  }

  return {
    root,
    files,
    entries,
    labels,
    classNames,
    classCounts,
    total: images.length,
    used: entries.length,
    labelSource: metadata ? `metadata:${metadata.file}#${metadata.column}` : 'folder',
    problems,
    preprocessing: fullPreprocessing,
    inputShape,
    batches,
  };
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
