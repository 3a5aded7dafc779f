/**
 * The fit cache (issue #15, cached re-analysis under 5 s): the arms' predictions for given
 * train/test rows, and other results of deterministic analysis steps (the hashed TF-IDF inputs,
 * the classic scores), stored on disk next to the feature cache so a re-analysis of unchanged data
 * and checkpoint — from the CLI or a restarted worker — skips re-training every learner.
 *
 * Keys are strings built by the caller from content identities (core Learner.cacheKey + hashes
 * of the train and test rows, see core/analysis/learners.ts fitCacheKey); any change of data,
 * labels, hyper-parameters, seed or version gives a different key, so stale entries are never
 * returned and simply age out. The file name is the SHA-256 of the key; the key itself is stored
 * in the entry and compared on read (a hash collision reads as a miss).
 *
 * One file per entry, `<sha256>.fit`: "TLFIT1\n", uint32 LE header length, the header JSON
 * {key, rows, cols, meta}, zero padding to 8 bytes, then rows × cols float64 values in the
 * machine's byte order (little-endian wherever Node runs; exact bits: a hit must give
 * bit-identical results). Written to a temporary name and renamed, so readers
 * never see half an entry. The folder is size-bounded like the feature cache: least recently used
 * entries (file mtime, refreshed on hits) are deleted beyond `maxBytes`, checked after every
 * `EVICT_EVERY_BYTES` written and on `flush()`. Cache I/O errors never fail an analysis.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Matrix } from '../../core/linalg/matrix';
import type { CachedFit, LearnerCache } from '../../core/analysis/learners';

const MAGIC = 'TLFIT1\n';
const KEY_VERSION = 'transferlens-fit-cache-v1';
/** Default bound of the folder (predictions are small: a 1,000-row test set of 2 classes is 16 KB). */
export const DEFAULT_FIT_CACHE_BYTES = 256 * 1024 * 1024;
const EVICT_EVERY_BYTES = 8 * 1024 * 1024;

/** Counts of one analysis' lookups (for the report's cache line and the tests). */
export interface FitCacheCounters {
  hits: number;
  misses: number;
  writes: number;
}

export class FitCache implements LearnerCache {
  readonly dir: string;
  readonly maxBytes: number;
  readonly counters: FitCacheCounters = { hits: 0, misses: 0, writes: 0 };
  private writtenSinceEvict = 0;

  constructor(dir: string, options: { maxBytes?: number } = {}) {
    this.dir = dir;
    this.maxBytes = Math.max(0, options.maxBytes ?? DEFAULT_FIT_CACHE_BYTES);
  }

  /** The folder for fits under a feature-cache folder (`<cacheDir>/fits`). */
  static under(cacheDir: string, options: { maxBytes?: number } = {}): FitCache {
    return new FitCache(join(cacheDir, 'fits'), options);
  }

  private fileOf(key: string): string {
    return join(this.dir, createHash('sha256').update(`${KEY_VERSION}\n${key}`).digest('hex') + '.fit');
  }

  async get(key: string): Promise<CachedFit | undefined> {
    const file = this.fileOf(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      this.counters.misses++;
      return undefined;
    }
    const entry = decode(bytes, key);
    if (!entry) {
      // Damaged, from another format version, or a (vanishingly unlikely) hash collision.
      await rm(file, { force: true }).catch(() => undefined);
      this.counters.misses++;
      return undefined;
    }
    const now = new Date();
    await utimes(file, now, now).catch(() => undefined);
    this.counters.hits++;
    return entry;
  }

  async set(key: string, value: CachedFit): Promise<void> {
    const bytes = encode(key, value);
    if (bytes.length > this.maxBytes) return;
    const file = this.fileOf(key);
    try {
      await mkdir(this.dir, { recursive: true });
      const temporary = `${file}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      await writeFile(temporary, bytes);
      await rename(temporary, file);
      this.counters.writes++;
      this.writtenSinceEvict += bytes.length;
      if (this.writtenSinceEvict >= EVICT_EVERY_BYTES) await this.evict();
    } catch {
      // A cache must never break an analysis.
    }
  }

  /** Evicts beyond `maxBytes` when anything was written since the last check. */
  async flush(): Promise<void> {
    if (this.writtenSinceEvict > 0) await this.evict();
  }

  /** Entries with size and last use, most recent first. */
  async list(): Promise<{ file: string; bytes: number; lastUsedMs: number }[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: { file: string; bytes: number; lastUsedMs: number }[] = [];
    for (const name of names.filter((n) => n.endsWith('.fit'))) {
      try {
        const info = await stat(join(this.dir, name));
        out.push({ file: join(this.dir, name), bytes: info.size, lastUsedMs: info.mtimeMs });
      } catch {
        // Deleted meanwhile by another process.
      }
    }
    return out.sort((a, b) => b.lastUsedMs - a.lastUsedMs || (a.file < b.file ? -1 : 1));
  }

  private async evict(): Promise<void> {
    this.writtenSinceEvict = 0;
    const entries = await this.list();
    let total = entries.reduce((s, e) => s + e.bytes, 0);
    for (let i = entries.length - 1; i >= 0 && total > this.maxBytes; i--) {
      await rm(entries[i]!.file, { force: true }).catch(() => undefined);
      total -= entries[i]!.bytes;
    }
  }
}

function encode(key: string, value: CachedFit): Buffer {
  const { rows, cols, data } = value.predictions;
  if (data.length !== rows * cols) throw new RangeError(`FitCache.set: ${data.length} values for ${rows}×${cols}`);
  const header = Buffer.from(JSON.stringify({ key, rows, cols, ...(value.meta !== undefined ? { meta: value.meta } : {}) }), 'utf8');
  const start = MAGIC.length + 4 + header.length;
  const dataOffset = Math.ceil(start / 8) * 8;
  const out = Buffer.alloc(dataOffset + data.length * 8);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, MAGIC.length);
  header.copy(out, MAGIC.length + 4);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dataOffset);
  return out;
}

function decode(bytes: Buffer, key: string): CachedFit | undefined {
  try {
    if (bytes.length < MAGIC.length + 4 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
    const headerLength = bytes.readUInt32LE(MAGIC.length);
    const start = MAGIC.length + 4;
    if (start + headerLength > bytes.length) return undefined;
    const header = JSON.parse(bytes.toString('utf8', start, start + headerLength)) as { key?: unknown; rows?: unknown; cols?: unknown; meta?: unknown };
    if (header.key !== key || !Number.isInteger(header.rows) || !Number.isInteger(header.cols)) return undefined;
    const rows = header.rows as number;
    const cols = header.cols as number;
    const dataOffset = Math.ceil((start + headerLength) / 8) * 8;
    if (bytes.length !== dataOffset + rows * cols * 8) return undefined;
    const data = new Float64Array(rows * cols);
    new Uint8Array(data.buffer).set(bytes.subarray(dataOffset));
    const predictions: Matrix = { rows, cols, data };
    return header.meta !== undefined ? { predictions, meta: header.meta } : { predictions };
  } catch {
    return undefined;
  }
}
