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
import { TRIDIAGONAL_KERNELS_BASE64 } from './wasm/tridiagonalKernels';

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

/** Which implementation runs the O(n³) passes of the tridiagonalisation. */
export type EigenKernels = 'auto' | 'javascript' | 'webassembly';

/** Options of the eigensolvers. */
export interface EigenOptions {
  /**
   * 'auto' (default): WebAssembly SIMD kernels from size WASM_MINIMUM_SIZE on when the runtime
   * supports them, else JavaScript. The two agree to rounding (only the order of the additions
   * within a row differs); 'javascript' / 'webassembly' force one (tests, benchmarks).
   */
  readonly kernels?: EigenKernels;
}

/** Below this size the JavaScript loops are as fast and the results stay bit-identical to them. */
const WASM_MINIMUM_SIZE = 64;

/**
 * The two O(m²) passes of a reduction step, on a Float64Array workspace that holds the matrix
 * (n×n, row-major, from element 0), then v and p (n each). Offsets and strides in elements.
 */
interface TridiagonalWorkspace {
  readonly memory: Float64Array;
  readonly vectorOffset: number;
  readonly productOffset: number;
  /** p[0..m) += lower(A)·v for A = the m×m block at `offset` (row stride `stride`). */
  symvLower(offset: number, stride: number, m: number): void;
  /** lower(A) ← lower(A) − v·pᵀ − p·vᵀ on the same block. */
  syr2Lower(offset: number, stride: number, m: number): void;
}

function javascriptWorkspace(n: number): TridiagonalWorkspace {
  const memory = new Float64Array(n * n + 2 * n);
  const vectorOffset = n * n;
  const productOffset = n * n + n;
  return {
    memory,
    vectorOffset,
    productOffset,
    symvLower(offset, stride, m) {
      // Row i contributes to p_i (row part) and p_j (column part).
      for (let i = 0; i < m; i++) {
        const rowBase = offset + i * stride;
        const vi = memory[vectorOffset + i]!;
        let s = 0;
        for (let j = 0; j < i; j++) {
          const value = memory[rowBase + j]!;
          s += value * memory[vectorOffset + j]!;
          memory[productOffset + j] += value * vi;
        }
        memory[productOffset + i] += s + memory[rowBase + i]! * vi;
      }
    },
    syr2Lower(offset, stride, m) {
      for (let i = 0; i < m; i++) {
        const rowBase = offset + i * stride;
        const vi = memory[vectorOffset + i]!;
        const wi = memory[productOffset + i]!;
        for (let j = 0; j <= i; j++) {
          memory[rowBase + j] = memory[rowBase + j]! - vi * memory[productOffset + j]! - wi * memory[vectorOffset + j]!;
        }
      }
    },
  };
}

/**
 * The part of the WebAssembly API used here, typed locally: the core's TypeScript settings carry
 * no DOM library, and the API is a language global in Node, browsers and VS Code alike.
 */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

let compiledKernels: object | null | undefined;

/** The compiled SIMD module, or null when this runtime has no WebAssembly SIMD (compiled once). */
function kernelModule(): object | null {
  if (compiledKernels !== undefined) return compiledKernels;
  const WebAssembly = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (!WebAssembly || typeof atob !== 'function') return (compiledKernels = null);
  try {
    const binary = atob(TRIDIAGONAL_KERNELS_BASE64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    // Synchronous compilation is allowed for a module this small (< 4 KB) everywhere.
    compiledKernels = new WebAssembly.Module(bytes);
  } catch {
    compiledKernels = null;
  }
  return compiledKernels;
}

function webassemblyWorkspace(n: number, module: object): TridiagonalWorkspace | undefined {
  const WebAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
  const bytes = (n * n + 2 * n + 2) * 8;
  let memory: { readonly buffer: ArrayBuffer };
  try {
    memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
  } catch {
    return undefined; // too large for one 32-bit memory: the JavaScript loops still work
  }
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as {
    symvLower(a: number, stride: number, m: number, v: number, p: number): void;
    syr2Lower(a: number, stride: number, m: number, v: number, w: number): void;
  };
  const vectorOffset = n * n;
  const productOffset = n * n + n;
  return {
    memory: new Float64Array(memory.buffer, 0, n * n + 2 * n),
    vectorOffset,
    productOffset,
    symvLower(offset, stride, m) {
      exports.symvLower(offset * 8, stride * 8, m, vectorOffset * 8, productOffset * 8);
    },
    syr2Lower(offset, stride, m) {
      exports.syr2Lower(offset * 8, stride * 8, m, vectorOffset * 8, productOffset * 8);
    },
  };
}

function workspaceFor(n: number, kernels: EigenKernels): TridiagonalWorkspace {
  if (kernels === 'javascript' || (kernels === 'auto' && n < WASM_MINIMUM_SIZE)) return javascriptWorkspace(n);
  const module = kernelModule();
  const workspace = module ? webassemblyWorkspace(n, module) : undefined;
  if (workspace) return workspace;
  if (kernels === 'webassembly') throw new Error('symmetricEigen: WebAssembly SIMD kernels are not available in this runtime');
  return javascriptWorkspace(n);
}

/** Whether the WebAssembly SIMD kernels load in this runtime (tests and benchmarks report it). */
export function webassemblyKernelsAvailable(): boolean {
  return kernelModule() !== null;
}

/**
 * Reduces the symmetric matrix (a copy) to tridiagonal form T = QᵀAQ with Q = H₀H₁…H_{n-3}.
 * Only the lower triangle is stored and updated, row by row, so every inner loop is contiguous
 * and the memory traffic (this step is memory-bound for large n) is half that of full storage.
 * Symmetry is exact by construction: the input's two triangles are averaged once. The two
 * O(m²) passes per step run in the workspace's kernels (WebAssembly SIMD or JavaScript).
 */
function tridiagonalize(a: Matrix, kernels: EigenKernels): Tridiagonal {
  const n = a.rows;
  const workspace = workspaceFor(n, kernels);
  const w = workspace.memory;
  const vOffset = workspace.vectorOffset;
  const pOffset = workspace.productOffset;
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
    w.set(reflectors.subarray(vStart, vStart + m), vOffset);

    // p = τ·A₂₂·v from the lower triangle.
    w.fill(0, pOffset, pOffset + m);
    const blockOffset = (k + 1) * n + k + 1;
    workspace.symvLower(blockOffset, n, m);
    let pv = 0;
    for (let i = 0; i < m; i++) {
      w[pOffset + i] = t * w[pOffset + i]!;
      pv += w[pOffset + i]! * w[vOffset + i]!;
    }
    // p ← p − (τ/2)(pᵀv)v, then A₂₂ ← A₂₂ − v pᵀ − p vᵀ on the lower triangle.
    const halfTauPv = 0.5 * t * pv;
    for (let i = 0; i < m; i++) w[pOffset + i] = w[pOffset + i]! - halfTauPv * w[vOffset + i]!;
    workspace.syr2Lower(blockOffset, n, m);
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
export function symmetricEigen(a: Matrix, options: EigenOptions = {}): SymmetricEigen {
  requireSquareSymmetric(a, 'symmetricEigen');
  const n = a.rows;
  const t = tridiagonalize(a, options.kernels ?? 'auto');
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
export function symmetricEigenProjected(a: Matrix, b: Matrix, options: EigenOptions = {}): SymmetricEigenProjection {
  requireSquareSymmetric(a, 'symmetricEigenProjected');
  if (b.rows !== a.rows) {
    throw new RangeError(`symmetricEigenProjected: b has ${b.rows} rows, the matrix is ${a.rows}×${a.cols}`);
  }
  assertFinite(b, 'symmetricEigenProjected: b');
  const n = a.rows;
  const width = b.cols;
  const t = tridiagonalize(a, options.kernels ?? 'auto');
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
export function symmetricEigenvalues(a: Matrix, options: EigenOptions = {}): Float64Array {
  return symmetricEigenProjected(a, matrix(a.rows, 0), options).values;
}
