/**
 * Content identities for the analysis' persistent caches (issue #15, cached re-analysis): a
 * 64-bit hash (two independent 32-bit murmur3-style lanes) over typed arrays, strings and
 * matrices. Pure (no node:crypto), deterministic and fast enough to hash a 2,000 × 768 float64
 * feature matrix in a few milliseconds, so learners can key their predictions by the exact data
 * they were fitted on. Not cryptographic: the keys guard against stale entries, not against an
 * adversary (the node layer hashes the full key with SHA-256 for file names).
 */
import type { Matrix } from '../linalg/matrix';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Incremental 64-bit content hash; `update*` calls are order-sensitive and length-prefixed. */
export class ContentHasher {
  private a = 0x9747b28c;
  private b = 0x2545f491;
  private words = 0;

  private word(k: number): void {
    let k1 = Math.imul(k, C1);
    k1 = rotl(k1, 15);
    k1 = Math.imul(k1, C2);
    this.a ^= k1;
    this.a = (Math.imul(rotl(this.a, 13), 5) + 0xe6546b64) | 0;
    let k2 = Math.imul(k ^ 0x5bd1e995, C2);
    k2 = rotl(k2, 17);
    k2 = Math.imul(k2, C1);
    this.b ^= k2;
    this.b = (Math.imul(rotl(this.b, 11), 9) + 0x38495ab5) | 0;
    this.words++;
  }

  /** 32-bit words (Int32Array / Uint32Array), prefixed by their count. */
  words32(values: Int32Array | Uint32Array): this {
    this.word(values.length);
    for (let i = 0; i < values.length; i++) this.word(values[i]!);
    return this;
  }

  /** Exact bits of float64 values (two words each), prefixed by their count. */
  float64(values: Float64Array): this {
    const aligned = values.byteOffset % 4 === 0 ? values : Float64Array.from(values);
    this.word(values.length);
    const view = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length * 2);
    for (let i = 0; i < view.length; i++) this.word(view[i]!);
    return this;
  }

  /** A string's UTF-16 code units, prefixed by its length. */
  string(text: string): this {
    this.word(text.length);
    for (let i = 0; i < text.length; i++) this.word(text.charCodeAt(i));
    return this;
  }

  /** A matrix: its shape and the exact bits of its values. */
  matrix(m: Matrix): this {
    this.word(m.rows);
    this.word(m.cols);
    return this.float64(m.data);
  }

  /** 16 hex characters. */
  digest(): string {
    const a = fmix((this.a ^ this.words) >>> 0);
    const b = fmix((this.b ^ Math.imul(this.words, 0x27d4eb2d)) >>> 0);
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }
}

/** Hash of a row-index list (the train / test rows of one fit). */
export function hashRows(rows: Int32Array): string {
  return new ContentHasher().words32(rows).digest();
}

/** Hash of a matrix's shape and exact values. */
export function hashMatrix(m: Matrix): string {
  return new ContentHasher().matrix(m).digest();
}
