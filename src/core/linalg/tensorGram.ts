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
 * `matMul(transpose(x), x)` is used instead of `matMul(x, x, true)`: the WASM kernel is much
 * faster on the materialised transpose.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matrix, type Matrix } from './matrix';

/** Column blocks of XᵀX computed separately from this many columns on (see tensorGram). */
const BLOCKED_MINIMUM_COLUMNS = 256;
const COLUMN_BLOCKS = 3;

/**
 * XᵀX in float32 on the active TF.js backend, returned as an exactly symmetric float64 Matrix.
 * From BLOCKED_MINIMUM_COLUMNS columns on, only the block lower triangle is multiplied: row
 * block i of Xᵀ times the columns 0..end(i) of X, i.e. (b+1)/(2b) of the full product's
 * multiply-adds (2/3 for three blocks; measured 25–35% faster at D = 512 and 2048, N = 10,000,
 * the column slices' copies included); the upper triangle is mirrored.
 */
export function tensorGram(x: Matrix): Matrix {
  const d = x.cols;
  const n = x.rows;
  const out = matrix(d, d);
  const blocks = d >= BLOCKED_MINIMUM_COLUMNS ? COLUMN_BLOCKS : 1;
  const height = Math.ceil(d / blocks);
  const features = tf.tensor2d(Float32Array.from(x.data), [n, d], 'float32');
  const transposed = tf.transpose(features);
  try {
    for (let start = 0; start < d; start += height) {
      const end = Math.min(d, start + height);
      // Rows start..end of XᵀX, columns 0..end (the block lower triangle and its diagonal block).
      const values = tf.tidy(() => {
        const rows = blocks === 1 ? transposed : tf.slice(transposed, [start, 0], [end - start, n]);
        const columns = blocks === 1 ? features : tf.slice(features, [0, 0], [n, end]);
        return tf.matMul(rows, columns).dataSync() as Float32Array;
      });
      for (let i = start; i < end; i++) {
        const base = (i - start) * end;
        // Below the diagonal block: copy and mirror.
        for (let j = 0; j < start; j++) {
          const v = values[base + j]!;
          out.data[i * d + j] = v;
          out.data[j * d + i] = v;
        }
        // Inside the diagonal block: average the two float32 triangles so the result is exactly symmetric.
        for (let j = start; j <= i; j++) {
          const v = 0.5 * (values[base + j]! + values[(j - start) * end + i]!);
          out.data[i * d + j] = v;
          out.data[j * d + i] = v;
        }
      }
    }
  } finally {
    transposed.dispose();
    features.dispose();
  }
  return out;
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
