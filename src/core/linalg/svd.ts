/**
 * Thin singular value decomposition X = U·diag(s)·Vᵀ through the eigendecomposition of the
 * smaller Gram matrix (XᵀX when N ≥ D, XXᵀ when N < D). Squaring the matrix halves the relative
 * precision of tiny singular values, so directions with s ≤ tolerance·s_max are dropped; that is
 * exactly what the transferability scores need (they use s² and the span), and it never forms
 * an N×N matrix when N is large.
 */
import { assertFinite, matrix, type Matrix } from './matrix';
import { symmetricEigen } from './eigen';
import { gram, matMul, outerGram, transpose } from './products';

export interface ThinSvd {
  /** N×k, orthonormal columns. */
  readonly u: Matrix;
  /** k singular values, descending, all > the cut-off. */
  readonly singularValues: Float64Array;
  /** D×k, orthonormal columns. */
  readonly v: Matrix;
}

export interface ThinSvdOptions {
  /** Relative cut-off on s / s_max (default 10·sqrt(max(N, D)·2⁻⁵²), what squaring can resolve). */
  readonly relativeTolerance?: number;
  /** Absolute cut-off on s (default 0). Both cut-offs apply. */
  readonly absoluteTolerance?: number;
}

/**
 * Thin SVD via the Gram trick. Default cut-off: s > 10·sqrt(max(N, D)·2⁻⁵²)·s_max (rounding in
 * the squared matrix leaves eigenvalues of about max(N, D)·2⁻⁵²·s_max² on null directions) and
 * s > absoluteTolerance.
 */
export function thinSvd(x: Matrix, options: ThinSvdOptions = {}): ThinSvd {
  assertFinite(x, 'thinSvd: x');
  const n = x.rows;
  const d = x.cols;
  const tallOrSquare = n >= d;
  const eigen = symmetricEigen(tallOrSquare ? gram(x) : outerGram(x));
  const size = eigen.values.length;
  const sMax = size ? Math.sqrt(Math.max(eigen.values[0]!, 0)) : 0;
  const relative = options.relativeTolerance ?? 10 * Math.sqrt(Math.max(n, d) * 2 ** -52);
  const cutOff = Math.max(relative * sMax, options.absoluteTolerance ?? 0);
  let k = 0;
  while (k < size && Math.sqrt(Math.max(eigen.values[k]!, 0)) > cutOff) k++;
  const singularValues = new Float64Array(k);
  for (let i = 0; i < k; i++) singularValues[i] = Math.sqrt(eigen.values[i]!);
  // The kept eigenvectors give one side; the other is X·v/s (or Xᵀ·u/s).
  const kept = matrix(size, k);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < k; j++) kept.data[i * k + j] = eigen.vectors.data[i * size + j]!;
  }
  const other = tallOrSquare ? matMul(x, kept) : matMul(transpose(x), kept);
  for (let i = 0; i < other.rows; i++) {
    for (let j = 0; j < k; j++) other.data[i * k + j] /= singularValues[j]!;
  }
  return tallOrSquare
    ? { u: other, singularValues, v: kept }
    : { u: kept, singularValues, v: other };
}
