/**
 * Dense float64 matrix products and column statistics used by the metrics and the analysis:
 * XᵀX (gram), XᵀY (crossProduct), AB (matMul), transpose, column centring and variances.
 * Pure and allocation-light; loops run along contiguous rows of the row-major data so that a
 * plain JavaScript engine streams memory instead of striding through it.
 */
import { matrix, type Matrix } from './matrix';

function requireSameRows(x: Matrix, y: Matrix, what: string): void {
  if (x.rows !== y.rows) {
    throw new RangeError(`${what}: x has ${x.rows} rows but y has ${y.rows}; both must have one row per sample`);
  }
}

/** Aᵀ as a new matrix (cols×rows). */
export function transpose(a: Matrix): Matrix {
  const out = matrix(a.cols, a.rows);
  const src = a.data;
  const dst = out.data;
  // Tiles keep both the read and the write side in cache for large matrices.
  const tile = 32;
  for (let i0 = 0; i0 < a.rows; i0 += tile) {
    const i1 = Math.min(a.rows, i0 + tile);
    for (let j0 = 0; j0 < a.cols; j0 += tile) {
      const j1 = Math.min(a.cols, j0 + tile);
      for (let i = i0; i < i1; i++) {
        const rowBase = i * a.cols;
        for (let j = j0; j < j1; j++) dst[j * a.rows + i] = src[rowBase + j]!;
      }
    }
  }
  return out;
}

/** The product AB (a.rows × b.cols). Throws a RangeError when the inner dimensions differ. */
export function matMul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) {
    throw new RangeError(`matMul: a is ${a.rows}×${a.cols} and b is ${b.rows}×${b.cols}; a.cols must equal b.rows`);
  }
  const out = matrix(a.rows, b.cols);
  const ad = a.data;
  const bd = b.data;
  const od = out.data;
  const n = b.cols;
  // i-k-j order: the innermost loop is an axpy along a row of b and a row of the output.
  for (let i = 0; i < a.rows; i++) {
    const outBase = i * n;
    const aBase = i * a.cols;
    for (let k = 0; k < a.cols; k++) {
      const aik = ad[aBase + k]!;
      if (aik === 0) continue;
      const bBase = k * n;
      for (let j = 0; j < n; j++) od[outBase + j] += aik * bd[bBase + j]!;
    }
  }
  return out;
}

/**
 * XᵀY (x.cols × y.cols), accumulated in float64 one sample row at a time (so each entry sums its
 * samples in order). The sums go into a y.cols × x.cols buffer whose rows are contiguous axpys of
 * length x.cols — the usual Y is narrow (a few targets), and an inner loop over its columns would
 * be too short to stream — and zero entries of Y are skipped, which makes one-hot targets cost
 * N·D instead of N·D·C.
 */
export function crossProduct(x: Matrix, y: Matrix): Matrix {
  requireSameRows(x, y, 'crossProduct');
  const xd = x.data;
  const yd = y.data;
  const p = x.cols;
  const q = y.cols;
  const transposed = new Float64Array(q * p);
  for (let r = 0; r < x.rows; r++) {
    const xBase = r * p;
    const yBase = r * q;
    for (let j = 0; j < q; j++) {
      const yj = yd[yBase + j]!;
      if (yj === 0) continue;
      const outBase = j * p;
      for (let i = 0; i < p; i++) transposed[outBase + i] += yj * xd[xBase + i]!;
    }
  }
  const out = matrix(p, q);
  for (let j = 0; j < q; j++) for (let i = 0; i < p; i++) out.data[i * q + j] = transposed[j * p + i]!;
  return out;
}

/**
 * XᵀX (cols × cols), exactly symmetric. Works on a transposed copy in blocks of samples so each
 * entry is a contiguous dot product; only the upper triangle is computed and then mirrored.
 */
export function gram(x: Matrix): Matrix {
  const p = x.cols;
  const out = matrix(p, p);
  const od = out.data;
  const blockRows = 256;
  const block = new Float64Array(p * blockRows);
  for (let r0 = 0; r0 < x.rows; r0 += blockRows) {
    const len = Math.min(blockRows, x.rows - r0);
    // block[i * len + t] = x[r0 + t][i]: column i of this row block, contiguous.
    for (let t = 0; t < len; t++) {
      const base = (r0 + t) * p;
      for (let i = 0; i < p; i++) block[i * len + t] = x.data[base + i]!;
    }
    for (let i = 0; i < p; i++) {
      const bi = i * len;
      let j = i;
      // Two output columns at a time halve the loads of column i.
      for (; j + 1 < p; j += 2) {
        const bj = j * len;
        const bk = bj + len;
        let s0 = 0;
        let s1 = 0;
        for (let t = 0; t < len; t++) {
          const v = block[bi + t]!;
          s0 += v * block[bj + t]!;
          s1 += v * block[bk + t]!;
        }
        od[i * p + j] += s0;
        od[i * p + j + 1] += s1;
      }
      for (; j < p; j++) {
        const bj = j * len;
        let s = 0;
        for (let t = 0; t < len; t++) s += block[bi + t]! * block[bj + t]!;
        od[i * p + j] += s;
      }
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) od[i * p + j] = od[j * p + i]!;
  return out;
}

/** XXᵀ (rows × rows): the sample Gram matrix, used when there are fewer samples than features. */
export function outerGram(x: Matrix): Matrix {
  const n = x.rows;
  const p = x.cols;
  const out = matrix(n, n);
  const d = x.data;
  const od = out.data;
  for (let i = 0; i < n; i++) {
    const bi = i * p;
    for (let j = i; j < n; j++) {
      const bj = j * p;
      let s = 0;
      for (let t = 0; t < p; t++) s += d[bi + t]! * d[bj + t]!;
      od[i * n + j] = s;
      od[j * n + i] = s;
    }
  }
  return out;
}

/** Column means (length cols). */
export function columnMeans(x: Matrix): Float64Array {
  const means = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) {
    const base = r * x.cols;
    for (let j = 0; j < x.cols; j++) means[j] += x.data[base + j]!;
  }
  if (x.rows > 0) for (let j = 0; j < x.cols; j++) means[j] /= x.rows;
  return means;
}

/** X with each column's mean subtracted, and those means. */
export function centerColumns(x: Matrix): { centered: Matrix; means: Float64Array } {
  const means = columnMeans(x);
  const centered = matrix(x.rows, x.cols, x.data);
  for (let r = 0; r < x.rows; r++) {
    const base = r * x.cols;
    for (let j = 0; j < x.cols; j++) centered.data[base + j] -= means[j]!;
  }
  return { centered, means };
}

/**
 * Column variances with `ddof` degrees of freedom removed (0: population, 1: sample), computed
 * two-pass around the mean so large offsets do not cancel catastrophically.
 */
export function columnVariances(x: Matrix, ddof = 0): Float64Array {
  const means = columnMeans(x);
  const out = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) {
    const base = r * x.cols;
    for (let j = 0; j < x.cols; j++) {
      const dev = x.data[base + j]! - means[j]!;
      out[j] += dev * dev;
    }
  }
  const denominator = x.rows - ddof;
  for (let j = 0; j < x.cols; j++) out[j] = denominator > 0 ? out[j]! / denominator : NaN;
  return out;
}

/** Identity matrix of size n. */
export function identity(n: number): Matrix {
  const out = matrix(n, n);
  for (let i = 0; i < n; i++) out.data[i * n + i] = 1;
  return out;
}
