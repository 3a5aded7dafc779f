/**
 * Linear solves for symmetric positive (semi-)definite systems: Cholesky factorisation, a solver
 * that adds a small diagonal jitter when the matrix is only semi-definite, log-determinants, and
 * multi-output ridge regression that picks the cheaper of the primal (D×D) and dual (N×N) forms.
 */
import { assertFinite, matrix, type Matrix } from './matrix';
import { crossProduct, gram, matMul, outerGram, transpose } from './products';

/** Thrown when a matrix that must be positive definite is not (even after jitter). */
export class NotPositiveDefiniteError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'NotPositiveDefiniteError';
  }
}

/**
 * Lower-triangular L with A = LLᵀ. Throws NotPositiveDefiniteError naming the failing pivot when
 * A is not positive definite. Only the lower triangle of A is read.
 */
export function cholesky(a: Matrix): Matrix {
  if (a.rows !== a.cols) throw new RangeError(`cholesky: matrix must be square, got ${a.rows}×${a.cols}`);
  const n = a.rows;
  const l = matrix(n, n);
  const ld = l.data;
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      let s = a.data[rowI + j]!;
      for (let k = 0; k < j; k++) s -= ld[rowI + k]! * ld[rowJ + k]!;
      if (i === j) {
        if (!(s > 0)) {
          throw new NotPositiveDefiniteError(`cholesky: matrix is not positive definite (pivot ${i} is ${s})`);
        }
        ld[rowI + i] = Math.sqrt(s);
      } else {
        ld[rowI + j] = s / ld[rowJ + j]!;
      }
    }
  }
  return l;
}

/** Solves (LLᵀ)X = B in place of a copy of B, given the Cholesky factor L. */
export function choleskySolveFactor(l: Matrix, b: Matrix): Matrix {
  const n = l.rows;
  if (b.rows !== n) throw new RangeError(`choleskySolve: b has ${b.rows} rows, the matrix is ${n}×${n}`);
  const m = b.cols;
  const x = matrix(b.rows, m, b.data);
  const xd = x.data;
  const ld = l.data;
  // Forward substitution L·Z = B, row by row so the inner loop runs along rows of X.
  for (let i = 0; i < n; i++) {
    const rowI = i * m;
    for (let k = 0; k < i; k++) {
      const lik = ld[i * n + k]!;
      if (lik === 0) continue;
      const rowK = k * m;
      for (let j = 0; j < m; j++) xd[rowI + j] -= lik * xd[rowK + j]!;
    }
    const pivot = ld[i * n + i]!;
    for (let j = 0; j < m; j++) xd[rowI + j] /= pivot;
  }
  // Back substitution Lᵀ·X = Z.
  for (let i = n - 1; i >= 0; i--) {
    const rowI = i * m;
    for (let k = i + 1; k < n; k++) {
      const lki = ld[k * n + i]!;
      if (lki === 0) continue;
      const rowK = k * m;
      for (let j = 0; j < m; j++) xd[rowI + j] -= lki * xd[rowK + j]!;
    }
    const pivot = ld[i * n + i]!;
    for (let j = 0; j < m; j++) xd[rowI + j] /= pivot;
  }
  return x;
}

/** Solves AX = B for symmetric positive definite A (throws NotPositiveDefiniteError otherwise). */
export function choleskySolve(a: Matrix, b: Matrix): Matrix {
  return choleskySolveFactor(cholesky(a), b);
}

function meanDiagonal(a: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.rows; i++) s += Math.abs(a.data[i * a.cols + i]!);
  return a.rows ? s / a.rows : 0;
}

function withJitter(a: Matrix, jitter: number): Matrix {
  const out = matrix(a.rows, a.cols, a.data);
  for (let i = 0; i < a.rows; i++) out.data[i * a.cols + i] += jitter;
  return out;
}

/** Result of a jittered Cholesky: the factor and the diagonal jitter that was needed (0 if none). */
export interface JitteredCholesky {
  readonly factor: Matrix;
  readonly jitter: number;
}

/**
 * Cholesky of a symmetric positive semi-definite matrix. When the plain factorisation fails, a
 * jitter of 1e-12·mean|diag| is added to the diagonal and grown ×10 up to 1e-4·mean|diag|; the
 * jitter used is returned so callers can report it.
 */
export function jitteredCholesky(a: Matrix): JitteredCholesky {
  assertFinite(a, 'jitteredCholesky: matrix');
  try {
    return { factor: cholesky(a), jitter: 0 };
  } catch (error) {
    if (!(error instanceof NotPositiveDefiniteError)) throw error;
  }
  const scale = meanDiagonal(a) || 1;
  for (let jitter = 1e-12 * scale; jitter <= 1e-4 * scale * 1.0001; jitter *= 10) {
    try {
      return { factor: cholesky(withJitter(a, jitter)), jitter };
    } catch (error) {
      if (!(error instanceof NotPositiveDefiniteError)) throw error;
    }
  }
  throw new NotPositiveDefiniteError(
    'jitteredCholesky: matrix is not positive semi-definite (a diagonal jitter of 1e-4·mean|diag| did not help)',
  );
}

/** Solves AX = B for symmetric positive semi-definite A, adding jitter when needed. */
export function solveSymmetric(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== a.cols) throw new RangeError(`solveSymmetric: matrix must be square, got ${a.rows}×${a.cols}`);
  if (b.rows !== a.rows) throw new RangeError(`solveSymmetric: b has ${b.rows} rows, the matrix is ${a.rows}×${a.cols}`);
  assertFinite(b, 'solveSymmetric: b');
  return choleskySolveFactor(jitteredCholesky(a).factor, b);
}

/** log det A for symmetric positive definite A, via Cholesky (2·Σ log L_ii). */
export function logDeterminantSpd(a: Matrix): number {
  const l = cholesky(a);
  let s = 0;
  for (let i = 0; i < a.rows; i++) s += Math.log(l.data[i * a.cols + i]!);
  return 2 * s;
}

/**
 * Ridge coefficients W (x.cols × y.cols) minimising ‖Y − XW‖² + λ‖W‖², no intercept (centre
 * first if you want one). Uses (XᵀX + λI)⁻¹XᵀY when N ≥ D and Xᵀ(XXᵀ + λI)⁻¹Y when N < D, which
 * are equal and cost O(N·D·min(N, D)). λ = 0 gives least squares (minimum norm via jitter).
 */
export function ridgeSolve(x: Matrix, y: Matrix, lambda: number): Matrix {
  if (x.rows !== y.rows) {
    throw new RangeError(`ridgeSolve: x has ${x.rows} rows but y has ${y.rows}; both need one row per sample`);
  }
  if (!(lambda >= 0) || !Number.isFinite(lambda)) {
    throw new RangeError(`ridgeSolve: lambda must be a finite number ≥ 0, got ${lambda}`);
  }
  assertFinite(x, 'ridgeSolve: x');
  assertFinite(y, 'ridgeSolve: y');
  if (x.rows >= x.cols) {
    const a = gram(x);
    for (let i = 0; i < a.rows; i++) a.data[i * a.cols + i] += lambda;
    return solveSymmetric(a, crossProduct(x, y));
  }
  const k = outerGram(x);
  for (let i = 0; i < k.rows; i++) k.data[i * k.cols + i] += lambda;
  return matMul(transpose(x), solveSymmetric(k, y));
}
