/**
 * The feature cache: extracted features stored on disk so a re-analysis after a config edit
 * (same checkpoint, same images, same preprocessing, same layer) skips decoding and the forward
 * pass entirely.
 *
 * Key = SHA-256 of (checkpoint bytes hash, dataset file list with sizes + mtimes + labels,
 * preprocessing record, layer, caller extras). Any change of an input gives a new key, so stale
 * entries are never returned; they simply age out. The folder is size-bounded: after each write
 * the least recently used entries (by file mtime, refreshed on every hit) are deleted until the
 * total is under `maxBytes`.
 *
 * Layout of the folder (one pair per entry):
 *   <key>.bin   raw little-endian values (float32 when lossless, else float64), rows × cols
 *   <key>.json  {version, rows, cols, dtype, labels, files, problems, meta}; written last, so an
 *               entry without its .json is incomplete and ignored.
 * A damaged entry reads as a miss and is removed; cache I/O errors never fail an analysis.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Matrix } from '../../core/linalg/matrix';

const FORMAT_VERSION = 1;

/** What the cache stores for one key. */
export interface CachedFeatures {
  readonly features: Matrix;
  /** Labels aligned with the feature rows (classification), when the caller has them. */
  readonly labels?: Int32Array;
  /** Files aligned with the feature rows. */
  readonly files?: readonly string[];
  /** Per-file problems met while extracting (re-reported on a hit, so a hit says the same thing). */
  readonly problems?: readonly { readonly file: string; readonly message: string }[];
  /** Free-form facts to keep (e.g. timing of the original extraction, backend). */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** One dataset file as it enters the key. */
export interface CacheKeyFile {
  readonly relativePath: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly label?: number;
}

export interface FeatureCacheKeyInput {
  /** From `hashFiles(checkpoint files)`. */
  readonly checkpointHash: string;
  readonly files: readonly CacheKeyFile[];
  /** The preprocessing record exactly as applied (any JSON value). */
  readonly preprocessing: unknown;
  /** Layer the features come from ('' = default / penultimate). */
  readonly layer: string;
  /** Anything else that changes the features (e.g. backend, batch size if it matters). */
  readonly extra?: unknown;
}

/** JSON with sorted object keys, so equal values always give equal text. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return '[' + value.map((v) => stableStringify(v)).join(',') + ']';
  if (ArrayBuffer.isView(value)) return stableStringify(Array.from(value as unknown as ArrayLike<number>));
  const object = value as Record<string, unknown>;
  return '{' + Object.keys(object).sort().filter((k) => object[k] !== undefined).map((k) => JSON.stringify(k) + ':' + stableStringify(object[k])).join(',') + '}';
}

/** The cache key (64 hex characters) for a set of inputs. */
export function featureCacheKey(input: FeatureCacheKeyInput): string {
  const hash = createHash('sha256');
  hash.update(`transferlens-features-v${FORMAT_VERSION}\n`);
  hash.update(stableStringify({ checkpoint: input.checkpointHash, layer: input.layer, preprocessing: input.preprocessing, extra: input.extra ?? null }));
  hash.update('\n');
  // Files are hashed one line each so a large list does not need one giant string.
  for (const f of input.files) hash.update(`${f.relativePath}\t${f.size}\t${f.mtimeMs}\t${f.label ?? ''}\n`);
  return hash.digest('hex');
}

const fileHashMemo = new Map<string, string>();

/**
 * SHA-256 over the bytes of the given files (in the given order, each prefixed by its length).
 * Memoised per process by (path, size, mtime), so re-analysis does not re-read a large checkpoint.
 */
export async function hashFiles(paths: readonly string[]): Promise<string> {
  const outer = createHash('sha256');
  for (const path of paths) {
    const info = await stat(path);
    const memoKey = `${path}\0${info.size}\0${info.mtimeMs}`;
    let digest = fileHashMemo.get(memoKey);
    if (!digest) {
      const inner = createHash('sha256');
      await new Promise<void>((resolve, reject) => {
        createReadStream(path)
          .on('data', (chunk) => inner.update(chunk))
          .on('error', reject)
          .on('end', () => resolve());
      });
      digest = inner.digest('hex');
      fileHashMemo.set(memoKey, digest);
    }
    outer.update(`${info.size}:${digest}\n`);
  }
  return outer.digest('hex');
}

/** Files up to this size are hashed whole by `fingerprintFiles`; larger ones by size, mtime and head. */
const FINGERPRINT_WHOLE_BYTES = 16 * 1024 * 1024;

/**
 * A cheap key for large checkpoint files (Hugging Face weights, issue #14): per file its size,
 * mtime and the SHA-256 of its head — for `.safetensors` the 8 + N header bytes (every tensor's
 * name, dtype, shape and offsets), for others the first MiB; small files (config.json, tokenizer
 * files) are hashed whole. A changed snapshot revision or a re-downloaded blob changes size, mtime
 * or header; reading gigabytes of weights to key a cache entry is avoided.
 */
export async function fingerprintFiles(paths: readonly string[]): Promise<string> {
  const outer = createHash('sha256');
  for (const path of paths) {
    const info = await stat(path);
    let head: Uint8Array;
    if (info.size <= FINGERPRINT_WHOLE_BYTES) {
      head = await readFile(path);
    } else {
      const handle = await open(path, 'r');
      try {
        let length = 1024 * 1024;
        if (path.toLowerCase().endsWith('.safetensors')) {
          const first8 = Buffer.alloc(8);
          await handle.read(first8, 0, 8, 0);
          const declared = Number(first8.readBigUInt64LE(0));
          if (declared > 0 && declared <= 100_000_000 && declared + 8 <= info.size) length = declared + 8;
        }
        const buffer = Buffer.alloc(Math.min(length, info.size));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        head = buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    }
    outer.update(`${info.size}:${info.mtimeMs}:${createHash('sha256').update(head).digest('hex')}\n`);
  }
  return outer.digest('hex');
}

export interface FeatureCacheOptions {
  /** Upper bound on the folder's total size; default 512 MiB. */
  readonly maxBytes?: number;
}

interface EntryHeader {
  readonly version: number;
  readonly rows: number;
  readonly cols: number;
  readonly dtype: 'float32' | 'float64';
  readonly labels?: number[];
  readonly files?: string[];
  readonly problems?: { file: string; message: string }[];
  readonly meta?: Record<string, unknown>;
}

const KEY_PATTERN = /^[0-9a-f]{64}$/;

export class FeatureCache {
  readonly dir: string;
  readonly maxBytes: number;

  constructor(dir: string, options: FeatureCacheOptions = {}) {
    this.dir = dir;
    this.maxBytes = Math.max(0, options.maxBytes ?? 512 * 1024 * 1024);
  }

  private paths(key: string): { bin: string; json: string } {
    if (!KEY_PATTERN.test(key)) throw new RangeError(`FeatureCache: key must be 64 hex characters, got '${key}'`);
    return { bin: join(this.dir, key + '.bin'), json: join(this.dir, key + '.json') };
  }

  /** The entry for `key`, or undefined (missing, incomplete or damaged entries are misses). */
  async get(key: string): Promise<CachedFeatures | undefined> {
    const { bin, json } = this.paths(key);
    let header: EntryHeader;
    let bytes: Buffer;
    try {
      header = JSON.parse(await readFile(json, 'utf8')) as EntryHeader;
      bytes = await readFile(bin);
    } catch {
      return undefined;
    }
    const width = header.dtype === 'float64' ? 8 : 4;
    const valid =
      header.version === FORMAT_VERSION &&
      Number.isInteger(header.rows) && Number.isInteger(header.cols) &&
      bytes.length === header.rows * header.cols * width &&
      (!header.labels || header.labels.length === header.rows) &&
      (!header.files || header.files.length === header.rows);
    if (!valid) {
      await this.delete(key);
      return undefined;
    }
    // Copy into aligned memory: a Buffer's offset into its pool is not necessarily 8-aligned.
    const aligned = new Uint8Array(bytes.length);
    aligned.set(bytes);
    const source = header.dtype === 'float64' ? new Float64Array(aligned.buffer) : new Float32Array(aligned.buffer);
    const data = new Float64Array(source.length);
    data.set(source);
    // Touch both files: recency for the LRU eviction.
    const now = new Date();
    await Promise.all([utimes(json, now, now), utimes(bin, now, now)]).catch(() => undefined);
    return {
      features: { rows: header.rows, cols: header.cols, data },
      labels: header.labels ? Int32Array.from(header.labels) : undefined,
      files: header.files,
      problems: header.problems,
      meta: header.meta,
    };
  }

  /**
   * Stores an entry (atomically: the .json appears last) and evicts least recently used entries
   * beyond `maxBytes`. An entry larger than the whole budget is not stored. Returns whether it
   * was stored; I/O errors are swallowed (a cache must never break an analysis) and give false.
   */
  async set(key: string, value: CachedFeatures): Promise<boolean> {
    const { bin, json } = this.paths(key);
    const { rows, cols, data } = value.features;
    if (data.length !== rows * cols) throw new RangeError(`FeatureCache.set: ${data.length} values for ${rows}×${cols}`);
    const asFloat32 = Float32Array.from(data);
    const lossless = asFloat32.every((v, i) => v === data[i] || (Number.isNaN(v) && Number.isNaN(data[i]!)));
    const payload = lossless ? asFloat32 : data;
    const header: EntryHeader = {
      version: FORMAT_VERSION,
      rows,
      cols,
      dtype: lossless ? 'float32' : 'float64',
      labels: value.labels ? Array.from(value.labels) : undefined,
      files: value.files ? [...value.files] : undefined,
      problems: value.problems ? value.problems.map((p) => ({ file: p.file, message: p.message })) : undefined,
      meta: value.meta ? { ...value.meta } : undefined,
    };
    const headerText = JSON.stringify(header);
    if (payload.byteLength + headerText.length > this.maxBytes) return false;
    try {
      await mkdir(this.dir, { recursive: true });
      const unique = `.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      await writeFile(bin + unique, new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
      await rename(bin + unique, bin);
      await writeFile(json + unique, headerText);
      await rename(json + unique, json);
      await this.evict(key);
      return true;
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    const { bin, json } = this.paths(key);
    await rm(json, { force: true }).catch(() => undefined);
    await rm(bin, { force: true }).catch(() => undefined);
  }

  /** Entries with their total size and last use, most recent first. */
  async list(): Promise<{ key: string; bytes: number; lastUsedMs: number }[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const keys = new Set(names.filter((n) => n.endsWith('.json') && KEY_PATTERN.test(n.slice(0, -5))).map((n) => n.slice(0, -5)));
    const entries: { key: string; bytes: number; lastUsedMs: number }[] = [];
    for (const key of keys) {
      try {
        const [j, b] = await Promise.all([stat(join(this.dir, key + '.json')), stat(join(this.dir, key + '.bin'))]);
        entries.push({ key, bytes: j.size + b.size, lastUsedMs: Math.max(j.mtimeMs, b.mtimeMs) });
      } catch {
        // Half-written or half-deleted by another process: not an entry.
      }
    }
    return entries.sort((a, b) => b.lastUsedMs - a.lastUsedMs || (a.key < b.key ? -1 : 1));
  }

  /** Deletes least recently used entries until the total fits `maxBytes`; `keep` is never evicted. */
  private async evict(keep: string): Promise<void> {
    const entries = await this.list();
    let total = entries.reduce((sum, e) => sum + e.bytes, 0);
    for (let i = entries.length - 1; i >= 0 && total > this.maxBytes; i--) {
      const entry = entries[i]!;
      if (entry.key === keep) continue;
      await this.delete(entry.key);
      total -= entry.bytes;
    }
  }
}
