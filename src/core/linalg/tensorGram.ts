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

/** XᵀX in float32 on the active TF.js backend, returned as an exactly symmetric float64 Matrix. */
export function tensorGram(x: Matrix): Matrix {
  const d = x.cols;
  const values = tf.tidy(() => {
    const features = tf.tensor2d(Float32Array.from(x.data), [x.rows, d], 'float32');
    return tf.matMul(tf.transpose(features), features).dataSync() as Float32Array;
  });
  const out = matrix(d, d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = 0.5 * (values[i * d + j]! + values[j * d + i]!);
      out.data[i * d + j] = v;
      out.data[j * d + i] = v;
    }
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
