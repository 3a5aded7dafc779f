/**
 * Ridge regression with an intercept and the penalty chosen by generalised cross-validation
 * (GCV), computed from sufficient statistics so k-fold CV costs one eigen-decomposition per fold
 * (the training fold's statistics are the total minus the held-out rows').
 *
 * Model: ŷ = b + Xβ, β = (XcᵀXc + λI)⁻¹Xcᵀyc on centred training data. With the eigen-pairs
 * (dᵢ, vᵢ) of XcᵀXc and zᵢ = vᵢᵀXcᵀyc: RSS(λ) = yᶜᵀyᶜ − Σ zᵢ²(dᵢ + 2λ)/(dᵢ + λ)² and
 * tr H(λ) = Σ dᵢ/(dᵢ + λ); GCV(λ) = (RSS/m) / (1 − (trH + 1)/m)².
 */
import { matrix, type Matrix } from '../linalg/matrix';
import { symmetricEigen } from '../linalg/eigen';

/** Uncentred sums over a set of rows: Σxxᵀ, Σx, Σxyᵀ, Σy, Σy², and the count. */
export interface SufficientStats {
  readonly count: number;
  readonly xx: Float64Array; // p×p
  readonly x: Float64Array; // p
  readonly xy: Float64Array; // p×q
  readonly y: Float64Array; // q
  readonly yy: Float64Array; // q (per output)
  readonly p: number;
  readonly q: number;
}

export function sufficientStats(x: Matrix, y: Matrix, rows?: Int32Array): SufficientStats {
  const p = x.cols;
  const q = y.cols;
  const xx = new Float64Array(p * p);
  const sx = new Float64Array(p);
  const xy = new Float64Array(p * q);
  const sy = new Float64Array(q);
  const yy = new Float64Array(q);
  const count = rows ? rows.length : x.rows;
  for (let r = 0; r < count; r++) {
    const i = rows ? rows[r]! : r;
    const xo = i * p;
    const yo = i * q;
    for (let a = 0; a < p; a++) {
      const xa = x.data[xo + a]!;
      if (xa === 0) continue;
      sx[a]! += xa;
      const row = a * p;
      // upper triangle only; mirrored below
      for (let b = a; b < p; b++) xx[row + b]! += xa * x.data[xo + b]!;
      const rowq = a * q;
      for (let c = 0; c < q; c++) xy[rowq + c]! += xa * y.data[yo + c]!;
    }
    for (let c = 0; c < q; c++) {
      const v = y.data[yo + c]!;
      sy[c]! += v;
      yy[c]! += v * v;
    }
  }
  for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) xx[b * p + a] = xx[a * p + b]!;
  return { count, xx, x: sx, xy, y: sy, yy, p, q };
}

export function subtractStats(total: SufficientStats, part: SufficientStats): SufficientStats {
  const sub = (a: Float64Array, b: Float64Array) => a.map((v, i) => v - b[i]!);
  return {
    count: total.count - part.count,
    xx: sub(total.xx, part.xx),
    x: sub(total.x, part.x),
    xy: sub(total.xy, part.xy),
    y: sub(total.y, part.y),
    yy: sub(total.yy, part.yy),
    p: total.p,
    q: total.q,
  };
}

export interface RidgeModel {
  /** p×q coefficients. */
  readonly beta: Matrix;
  /** q intercepts. */
  readonly intercept: Float64Array;
  readonly lambda: number;
  /** Effective degrees of freedom tr H. */
  readonly dof: number;
  /** Training residual sum of squares per output, summed. */
  readonly rss: number;
}

export interface RidgeOptions {
  /** Fixed penalty; when absent, chosen by GCV over a log grid. */
  readonly lambda?: number;
  /** Relative lower end of the grid (× mean eigenvalue). Tiny values approximate min-norm least squares. */
  readonly minRelativeLambda?: number;
}

/** Fits ridge from sufficient statistics (λ by GCV unless fixed). */
export function fitRidge(stats: SufficientStats, options: RidgeOptions = {}): RidgeModel {
  const { p, q, count: m } = stats;
  if (m < 2) throw new RangeError('fitRidge: need at least 2 training rows');
  const mx = stats.x.map((v) => v / m);
  const my = stats.y.map((v) => v / m);
  const cxx = matrix(p, p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) cxx.data[a * p + b] = stats.xx[a * p + b]! - m * mx[a]! * mx[b]!;
  const cxy = new Float64Array(p * q);
  for (let a = 0; a < p; a++) for (let c = 0; c < q; c++) cxy[a * q + c] = stats.xy[a * q + c]! - m * mx[a]! * my[c]!;
  let yyc = 0;
  for (let c = 0; c < q; c++) yyc += stats.yy[c]! - m * my[c]! ** 2;
  const eig = symmetricEigen(cxx);
  const d = Array.from(eig.values, (v) => Math.max(v, 0));
  const V = eig.vectors;
  // z[i][c] = v_iᵀ cxy[:, c]
  const z = new Float64Array(p * q);
  for (let i = 0; i < p; i++) {
    for (let c = 0; c < q; c++) {
      let s = 0;
      for (let a = 0; a < p; a++) s += V.data[a * p + i]! * cxy[a * q + c]!;
      z[i * q + c] = s;
    }
  }
  const z2 = new Float64Array(p);
  for (let i = 0; i < p; i++) for (let c = 0; c < q; c++) z2[i]! += z[i * q + c]! ** 2;
  const meanEig = d.reduce((s, v) => s + v, 0) / Math.max(1, p);
  const scale = meanEig > 0 ? meanEig : 1;
  const rssAt = (lambda: number) => {
    let rss = yyc;
    for (let i = 0; i < p; i++) rss -= (z2[i]! * (d[i]! + 2 * lambda)) / (d[i]! + lambda) ** 2;
    return Math.max(rss, 0);
  };
  const dofAt = (lambda: number) => d.reduce((s, di) => s + di / (di + lambda), 0);
  let lambda = options.lambda;
  if (lambda === undefined) {
    const lo = Math.log10(options.minRelativeLambda ?? 1e-6);
    let best = Infinity;
    for (let g = 0; g <= 48; g++) {
      const l = scale * 10 ** (lo + ((4 - lo) * g) / 48);
      const dof = dofAt(l);
      const denom = 1 - (dof + 1) / m;
      if (denom <= 0.02) continue;
      const gcv = rssAt(l) / m / denom ** 2;
      if (gcv < best) {
        best = gcv;
        lambda = l;
      }
    }
    lambda ??= scale;
  }
  const beta = matrix(p, q);
  for (let i = 0; i < p; i++) {
    if (d[i]! + lambda <= 0) continue;
    for (let c = 0; c < q; c++) {
      const coef = z[i * q + c]! / (d[i]! + lambda);
      if (coef === 0) continue;
      for (let a = 0; a < p; a++) beta.data[a * q + c]! += V.data[a * p + i]! * coef;
    }
  }
  const intercept = new Float64Array(q);
  for (let c = 0; c < q; c++) {
    let s = my[c]!;
    for (let a = 0; a < p; a++) s -= mx[a]! * beta.data[a * q + c]!;
    intercept[c] = s;
  }
  return { beta, intercept, lambda, dof: dofAt(lambda), rss: rssAt(lambda) };
}

/** Predictions for the given rows of x (all rows when omitted): rows × q. */
export function predictRidge(model: RidgeModel, x: Matrix, rows?: Int32Array): Matrix {
  const p = x.cols;
  const q = model.beta.cols;
  const n = rows ? rows.length : x.rows;
  const out = matrix(n, q);
  for (let r = 0; r < n; r++) {
    const i = rows ? rows[r]! : r;
    for (let c = 0; c < q; c++) {
      let s = model.intercept[c]!;
      for (let a = 0; a < p; a++) s += x.data[i * p + a]! * model.beta.data[a * q + c]!;
      out.data[r * q + c] = s;
    }
  }
  return out;
}
