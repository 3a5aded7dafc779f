/**
 * XᵀX through TensorFlow.js on whichever backend the entry point initialised (WASM SIMD in the
 * worker and CLI): the one O(N·D²) step of LogME and the covariance-based scores, ~10–30× faster
 * than the float64 JavaScript loop for large N.
 *
 * Precision trade-off: the product runs in float32 (inputs rounded to 24-bit mantissas, sums
 * accumulated in float32), so entries carry a relative error of roughly 1e-7·sqrt(N) of the
 * largest entry; the result is converted to float64 and symmetrised, and everything after it
 * (eigendecomposition, fixed point) stays float64. Scores then differ from the float64 path by
 * about 1e-5 relative — far below the differences between checkpoints they rank, but above the
 * 1e-9 golden tolerance, which is why the golden path never uses this.
 * `matMul(xᵀ, x)` with a materialised transpose is used instead of `matMul(x, x, true)`: the WASM
 * kernel is much faster on it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matrix, type Matrix } from './matrix';

/** From this many columns on, only the block upper triangle of XᵀX is multiplied (see tensorGram). */
const BLOCKED_MINIMUM_COLUMNS = 256;

/**
 * Column blocks for D columns. Measured with the WASM backend (N = 10,000, same process): three
 * blocks were fastest at D = 512 (−25% against the full product; more blocks make each product
 * too narrow for the kernel), six at D = 2048 (−45%).
 */
function columnBlocks(d: number): number {
  if (d < BLOCKED_MINIMUM_COLUMNS) return 1;
  return d < 1024 ? 3 : 6;
}

/** Row-major N×D values the Gram helpers read: a Matrix's float64 data or a float32 copy of it. */
export type RowMajorValues = Float64Array | Float32Array;

/**
 * Rows r0..r1 of the row-major N×D `data`, transposed and converted to float32 (D×(r1−r0),
 * row-major) in one cache-tiled pass.
 */
function transposedFloat32(data: RowMajorValues, d: number, r0: number, r1: number): Float32Array {
  const n = r1 - r0;
  const out = new Float32Array(d * n);
  const tile = 32;
  for (let t0 = r0; t0 < r1; t0 += tile) {
    const t1 = Math.min(r1, t0 + tile);
    for (let c0 = 0; c0 < d; c0 += tile) {
      const c1 = Math.min(d, c0 + tile);
      for (let r = t0; r < t1; r++) {
        const base = r * d;
        const column = r - r0;
        for (let c = c0; c < c1; c++) out[c * n + column] = data[base + c]!;
      }
    }
  }
  return out;
}

/** Rows r0..r1 of `data` split into column blocks of `width` (the last may be narrower), float32, in one pass. */
function columnBlocksFloat32(data: RowMajorValues, d: number, r0: number, r1: number, width: number): Float32Array[] {
  const n = r1 - r0;
  const blocks: Float32Array[] = [];
  for (let start = 0; start < d; start += width) blocks.push(new Float32Array(n * Math.min(width, d - start)));
  for (let r = r0; r < r1; r++) {
    const base = r * d;
    for (let b = 0; b < blocks.length; b++) {
      const start = b * width;
      const w = Math.min(width, d - start);
      const block = blocks[b]!;
      const outBase = (r - r0) * w;
      for (let c = 0; c < w; c++) block[outBase + c] = data[base + start + c]!;
    }
  }
  return blocks;
}

/**
 * XᵀX in float32 on the active TF.js backend, returned as an exactly symmetric float64 Matrix.
 * From BLOCKED_MINIMUM_COLUMNS columns on, only the block upper triangle is multiplied: block
 * column i is Xᵀ[0..end(i)) · X[:, start(i)..end(i)) — a prefix of Xᵀ's rows times one narrow
 * column block of X — which is (b+1)/(2b) of the full product's multiply-adds; the lower
 * triangle is mirrored. Both operands are prepared here in JavaScript (a prefix is a subarray)
 * rather than with tf.slice / tf.transpose: the WASM backend's slice reads its whole input out of
 * the WASM heap on every call, which cost more than the multiplications saved.
 */
export function tensorGram(x: Matrix): Matrix {
  const out = matrix(x.cols, x.cols);
  tensorGramRows(x.data, x.cols, 0, x.rows, out.data);
  return out;
}

/**
 * The Gram of rows r0..r1 only — Σ_{r0≤r<r1} x_r x_rᵀ — written into `out` (D×D, row-major,
 * exactly symmetric), as tensorGram computes it. The parallel Gram (src/node/parallelGram.ts)
 * runs this on row blocks in worker threads and sums the blocks.
 */
export function tensorGramRows(data: RowMajorValues, d: number, r0: number, r1: number, out: Float64Array | Float32Array): void {
  const n = r1 - r0;
  if (out.length < d * d) throw new RangeError(`tensorGramRows: output holds ${out.length} values, ${d}×${d} needs ${d * d}`);
  if (n <= 0) {
    out.fill(0, 0, d * d);
    return;
  }
  const blocks = columnBlocks(d);
  const width = Math.ceil(d / blocks);
  const transposed = transposedFloat32(data, d, r0, r1);
  const blockData = columnBlocksFloat32(data, d, r0, r1, width);
  for (let start = 0; start < d; start += width) {
    const end = Math.min(d, start + width);
    const w = end - start;
    // Rows 0..end of XᵀX, columns start..end: the blocks above the diagonal and the diagonal block.
    const product = tf.tidy(() => {
      const rows = tf.tensor2d(transposed.subarray(0, end * n), [end, n], 'float32');
      const columns = tf.tensor2d(blockData[start / width]!, [n, w], 'float32');
      return tf.matMul(rows, columns);
    });
    // Read outside tidy: tidy walks a returned container element by element.
    const values = product.dataSync() as Float32Array;
    product.dispose();
    for (let r = 0; r < start; r++) {
      for (let c = 0; c < w; c++) {
        const v = values[r * w + c]!;
        out[r * d + start + c] = v;
        out[(start + c) * d + r] = v;
      }
    }
    // Inside the diagonal block: average the two float32 triangles so the result is exactly symmetric.
    for (let r = start; r < end; r++) {
      for (let c = r - start; c < w; c++) {
        const v = 0.5 * (values[r * w + c]! + values[(start + c) * w + (r - start)]!);
        out[r * d + start + c] = v;
        out[(start + c) * d + r] = v;
      }
    }
  }
}

/** N·D² above which the float64 JavaScript Gram takes around a second or more. */
export const LARGE_GRAM_WORK = 2e8;

/**
 * A gram function for `ScoreOptions.gram`: float32 TF.js above `minimumWork` multiply-adds
 * (N·D², default 2·10⁸, where the float64 loop takes around a second), exact float64 below.
 */
export function adaptiveGram(exact: (x: Matrix) => Matrix, minimumWork = LARGE_GRAM_WORK): (x: Matrix) => Matrix {
  return (x) => (x.rows * x.cols * x.cols >= minimumWork ? tensorGram(x) : exact(x));
}
