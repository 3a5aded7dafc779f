/**
 * Symmetric eigendecomposition in float64: Householder tridiagonalisation followed by the
 * implicit QL algorithm with Wilkinson-style shifts (the EISPACK tred2/tql2 pair, rearranged for
 * row-major storage). Cost ≈ (4/3)n³ for the reduction plus O(n²) per QL sweep for the values.
 *
 * Besides the full decomposition, `symmetricEigenProjected` returns Vᵀ·B for a few right-hand
 * columns B without ever forming V: the rotations and reflections that would build V are applied
 * to B instead. LogME needs exactly that (the projections of each target onto the eigenvectors),
 * which turns an O(n³) eigenvector accumulation into O(n²·m).
 */
import { assertFinite, matrix, type Matrix } from './matrix';

/** Eigenvalues in descending order and eigenvectors as the columns of `vectors`. */
export interface SymmetricEigen {
  readonly values: Float64Array;
  readonly vectors: Matrix;
}

/** Eigenvalues in descending order and Vᵀ·B (row i = projection onto eigenvector i). */
export interface SymmetricEigenProjection {
  readonly values: Float64Array;
  readonly projections: Matrix;
}

interface Tridiagonal {
  readonly diagonal: Float64Array;
  /** offDiagonal[i] couples i and i+1; the last entry is 0. */
  readonly offDiagonal: Float64Array;
  /** Householder vectors: reflector k acts on indices k+1..n-1, stored from reflectorStart[k]. */
  readonly reflectors: Float64Array;
  readonly reflectorStart: Int32Array;
  readonly tau: Float64Array;
}

function requireSquareSymmetric(a: Matrix, what: string): void {
  if (a.rows !== a.cols) throw new RangeError(`${what}: matrix must be square, got ${a.rows}×${a.cols}`);
  assertFinite(a, what);
  const n = a.rows;
  let scale = 0;
  for (let i = 0; i < a.data.length; i++) scale = Math.max(scale, Math.abs(a.data[i]!));
  const tolerance = 1e-8 * (scale || 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(a.data[i * n + j]! - a.data[j * n + i]!) > tolerance) {
        throw new RangeError(`${what}: matrix is not symmetric (entry ${i},${j} differs from ${j},${i})`);
      }
    }
  }
}

/**
 * Reduces the symmetric matrix (a copy) to tridiagonal form T = QᵀAQ with Q = H₀H₁…H_{n-3}.
 * Only the lower triangle is stored and updated, row by row, so every inner loop is contiguous
 * and the memory traffic (this step is memory-bound for large n) is half that of full storage.
 * Symmetry is exact by construction: the input's two triangles are averaged once.
 */
function tridiagonalize(a: Matrix): Tridiagonal {
  const n = a.rows;
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) w[i * n + j] = 0.5 * (a.data[i * n + j]! + a.data[j * n + i]!);
  }
  const diagonal = new Float64Array(n);
  const offDiagonal = new Float64Array(n);
  const reflectorStart = new Int32Array(Math.max(n, 1));
  const tau = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n - 2; k++) {
    reflectorStart[k] = total;
    total += n - k - 1;
  }
  const reflectors = new Float64Array(total);
  const p = new Float64Array(n);

  for (let k = 0; k < n - 2; k++) {
    const m = n - k - 1; // size of the trailing block
    diagonal[k] = w[k * n + k]!;
    // Column k below the diagonal (lower storage): entries w[(k+1+i)·n + k].
    const alpha = w[(k + 1) * n + k]!;
    let sigma = 0;
    for (let i = 1; i < m; i++) {
      const x = w[(k + 1 + i) * n + k]!;
      sigma += x * x;
    }
    const vStart = reflectorStart[k]!;
    if (sigma === 0) {
      // Already tridiagonal in this column: the reflector is the identity.
      tau[k] = 0;
      offDiagonal[k] = alpha;
      continue;
    }
    const norm = Math.sqrt(alpha * alpha + sigma);
    const beta = alpha <= 0 ? norm : -norm;
    const t = (beta - alpha) / beta;
    const v0 = alpha - beta;
    tau[k] = t;
    offDiagonal[k] = beta;
    reflectors[vStart] = 1;
    for (let i = 1; i < m; i++) reflectors[vStart + i] = w[(k + 1 + i) * n + k]! / v0;

    // p = τ·A₂₂·v from the lower triangle: row i contributes to p_i (row part) and p_j (column part).
    p.fill(0, 0, m);
    for (let i = 0; i < m; i++) {
      const rowBase = (k + 1 + i) * n + k + 1;
      const vi = reflectors[vStart + i]!;
      let s = 0;
      for (let j = 0; j < i; j++) {
        const value = w[rowBase + j]!;
        s += value * reflectors[vStart + j]!;
        p[j] += value * vi;
      }
      p[i] += s + w[rowBase + i]! * vi;
    }
    let pv = 0;
    for (let i = 0; i < m; i++) {
      p[i] = t * p[i]!;
      pv += p[i]! * reflectors[vStart + i]!;
    }
    // w = p − (τ/2)(pᵀv)v, then A₂₂ ← A₂₂ − v wᵀ − w vᵀ on the lower triangle.
    const halfTauPv = 0.5 * t * pv;
    for (let i = 0; i < m; i++) p[i] = p[i]! - halfTauPv * reflectors[vStart + i]!;
    for (let i = 0; i < m; i++) {
      const rowBase = (k + 1 + i) * n + k + 1;
      const vi = reflectors[vStart + i]!;
      const wi = p[i]!;
      for (let j = 0; j <= i; j++) {
        w[rowBase + j] = w[rowBase + j]! - vi * p[j]! - wi * reflectors[vStart + j]!;
      }
    }
  }
  if (n >= 2) {
    diagonal[n - 2] = w[(n - 2) * n + n - 2]!;
    diagonal[n - 1] = w[(n - 1) * n + n - 1]!;
    offDiagonal[n - 2] = w[(n - 1) * n + n - 2]!;
  } else if (n === 1) {
    diagonal[0] = w[0]!;
  }
  offDiagonal[n - 1] = 0;
  return { diagonal, offDiagonal, reflectors, reflectorStart, tau };
}

/** B ← Qᵀ·B for the Q of `tridiagonalize` (B has n rows and `width` columns, row-major). */
function applyReflectorsTransposed(t: Tridiagonal, b: Float64Array, n: number, width: number): void {
  const sums = new Float64Array(width);
  // Qᵀ = H_{n-3}…H₀: H₀ acts first.
  for (let k = 0; k < n - 2; k++) {
    const tk = t.tau[k]!;
    if (tk === 0) continue;
    const vStart = t.reflectorStart[k]!;
    const m = n - k - 1;
    sums.fill(0);
    for (let i = 0; i < m; i++) {
      const vi = t.reflectors[vStart + i]!;
      const rowBase = (k + 1 + i) * width;
      for (let j = 0; j < width; j++) sums[j] += vi * b[rowBase + j]!;
    }
    for (let i = 0; i < m; i++) {
      const factor = tk * t.reflectors[vStart + i]!;
      const rowBase = (k + 1 + i) * width;
      for (let j = 0; j < width; j++) b[rowBase + j] = b[rowBase + j]! - factor * sums[j]!;
    }
  }
}

function hypotenuse(x: number, y: number): number {
  let a = Math.abs(x);
  let b = Math.abs(y);
  if (a < b) {
    const swap = a;
    a = b;
    b = swap;
  }
  if (a === 0) return 0;
  const r = b / a;
  return a * Math.sqrt(1 + r * r);
}

/**
 * Implicit QL on the tridiagonal (d, e), in place: d becomes the eigenvalues (unsorted). Every
 * plane rotation is applied to rows i, i+1 of `rows` (n rows of `width`), so passing Qᵀ·B yields
 * Vᵀ·B and passing Qᵀ yields Vᵀ.
 */
function tridiagonalQl(d: Float64Array, e: Float64Array, rows: Float64Array, width: number): void {
  const n = d.length;
  const eps = 2 ** -52;
  let f = 0;
  let tst1 = 0;
  const maxIterations = 60;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iteration = 0;
      do {
        if (++iteration > maxIterations) {
          throw new Error(`symmetricEigen: QL iteration did not converge for eigenvalue ${l}`);
        }
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypotenuse(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypotenuse(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          // The same rotation on rows i and i+1 of the accumulated transform.
          const baseI = i * width;
          const baseNext = baseI + width;
          for (let k = 0; k < width; k++) {
            const next = rows[baseNext + k]!;
            const current = rows[baseI + k]!;
            rows[baseNext + k] = s * current + c * next;
            rows[baseI + k] = c * current - s * next;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

function descendingOrder(values: Float64Array): Int32Array {
  const order = Int32Array.from(values.keys());
  order.sort((i, j) => values[j]! - values[i]! || i - j);
  return order;
}

/**
 * Eigen-decomposition of a symmetric matrix: A = V·diag(values)·Vᵀ with `values` descending and
 * the eigenvectors as the columns of `vectors` (orthonormal). Throws a RangeError naming the
 * problem when the matrix is not square, not symmetric or not finite.
 *
 * @example symmetricEigen(fromRows([[2, 1], [1, 2]])).values // Float64Array [3, 1]
 */
export function symmetricEigen(a: Matrix): SymmetricEigen {
  requireSquareSymmetric(a, 'symmetricEigen');
  const n = a.rows;
  const t = tridiagonalize(a);
  // rows starts as I and becomes Qᵀ, then the QL rotations turn it into Vᵀ.
  const rows = new Float64Array(n * n);
  for (let i = 0; i < n; i++) rows[i * n + i] = 1;
  applyReflectorsTransposed(t, rows, n, n);
  const d = t.diagonal;
  tridiagonalQl(d, t.offDiagonal, rows, n);
  const order = descendingOrder(d);
  const values = new Float64Array(n);
  const vectors = matrix(n, n);
  for (let j = 0; j < n; j++) {
    const source = order[j]!;
    values[j] = d[source]!;
    const rowBase = source * n;
    for (let i = 0; i < n; i++) vectors.data[i * n + j] = rows[rowBase + i]!;
  }
  return { values, vectors };
}

/**
 * Eigenvalues (descending) of the symmetric matrix `a` and the projections Vᵀ·B of the columns
 * of `b` (a.rows × m) onto its eigenvectors, without forming the eigenvectors. Row i of
 * `projections` belongs to `values[i]`.
 */
export function symmetricEigenProjected(a: Matrix, b: Matrix): SymmetricEigenProjection {
  requireSquareSymmetric(a, 'symmetricEigenProjected');
  if (b.rows !== a.rows) {
    throw new RangeError(`symmetricEigenProjected: b has ${b.rows} rows, the matrix is ${a.rows}×${a.cols}`);
  }
  assertFinite(b, 'symmetricEigenProjected: b');
  const n = a.rows;
  const width = b.cols;
  const t = tridiagonalize(a);
  const rows = new Float64Array(b.data);
  applyReflectorsTransposed(t, rows, n, width);
  const d = t.diagonal;
  tridiagonalQl(d, t.offDiagonal, rows, width);
  const order = descendingOrder(d);
  const values = new Float64Array(n);
  const projections = matrix(n, width);
  for (let j = 0; j < n; j++) {
    const source = order[j]!;
    values[j] = d[source]!;
    projections.data.set(rows.subarray(source * width, source * width + width), j * width);
  }
  return { values, projections };
}

/** Eigenvalues only (descending). */
export function symmetricEigenvalues(a: Matrix): Float64Array {
  return symmetricEigenProjected(a, matrix(a.rows, 0)).values;
}
