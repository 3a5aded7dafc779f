/**
 * Feature-space overlap Ω (method.md §3.1) and the overlap spectrum (§3.2).
 *
 * Ω is the share of the target signal inside span(Φ). It is estimated from the residual of a
 * least-squares fit of y on Φ, never from the in-sample R² (biased up by ≈ (k/n)(1 − R²)):
 *   s²_res = RSS/(n − k − 1), Var(y) = TSS/(n − 1), adjusted R² = 1 − s²_res/Var(y),
 * which is a lower bound on Ω when the labels are noisy; with a noise estimate σ̂² (as a share of
 * Var(y)) the noise-corrected Ω̂ = 1 − (s²_res/Var(y) − σ̂²)/(1 − σ̂²). When k is not ≪ n the
 * fit is made on the top r principal directions (r ≤ n/4) instead.
 */
import { matrix, type Matrix } from '../linalg/matrix';
import { symmetricEigen } from '../linalg/eigen';
import type { OverlapEstimate, OverlapSpectrum } from '../model/analysis';

export interface Pca {
  /** Column means of the input. */
  readonly means: Float64Array;
  /** Eigenvalues of the covariance (descending), all of them. */
  readonly variances: Float64Array;
  /** Projected, centred data: rows × r. */
  readonly scores: Matrix;
  /** p × r loading vectors. */
  readonly components: Matrix;
}

/**
 * Principal components of x (rows = samples), keeping at most `maxComponents` and dropping
 * directions with variance below 1e-10 of the largest. Uses the p×p covariance when p ≤ n,
 * the n×n Gram matrix otherwise.
 */
export function pca(x: Matrix, maxComponents: number): Pca {
  const { rows: n, cols: p } = x;
  const means = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) means[j]! += x.data[i * p + j]!;
  means.forEach((v, j) => (means[j] = v / n));
  const xc = matrix(n, p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) xc.data[i * p + j] = x.data[i * p + j]! - means[j]!;
  let variances: Float64Array;
  let components: Matrix;
  if (p <= n) {
    const cov = matrix(p, p);
    for (let i = 0; i < n; i++) {
      const o = i * p;
      for (let a = 0; a < p; a++) {
        const va = xc.data[o + a]!;
        if (va === 0) continue;
        for (let b = a; b < p; b++) cov.data[a * p + b]! += va * xc.data[o + b]!;
      }
    }
    for (let a = 0; a < p; a++) for (let b = a; b < p; b++) {
      const v = cov.data[a * p + b]! / Math.max(1, n - 1);
      cov.data[a * p + b] = v;
      cov.data[b * p + a] = v;
    }
    const e = symmetricEigen(cov);
    variances = Float64Array.from(e.values, (v) => Math.max(v, 0));
    components = e.vectors;
  } else {
    const gram = matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) {
      let s = 0;
      for (let a = 0; a < p; a++) s += xc.data[i * p + a]! * xc.data[j * p + a]!;
      gram.data[i * n + j] = s;
      gram.data[j * n + i] = s;
    }
    const e = symmetricEigen(gram);
    variances = Float64Array.from(e.values, (v) => Math.max(v, 0) / Math.max(1, n - 1));
    // loadings v = Xcᵀu / ‖Xcᵀu‖
    components = matrix(p, n);
    for (let k = 0; k < n; k++) {
      const sv = Math.sqrt(Math.max(e.values[k]!, 0));
      if (sv === 0) continue;
      for (let a = 0; a < p; a++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += xc.data[i * p + a]! * e.vectors.data[i * n + k]!;
        components.data[a * n + k] = s / sv;
      }
    }
  }
  const top = variances[0] ?? 0;
  let r = 0;
  while (r < Math.min(maxComponents, variances.length) && variances[r]! > top * 1e-10) r++;
  const comp = matrix(p, r);
  const cc = components.cols;
  for (let a = 0; a < p; a++) for (let k = 0; k < r; k++) comp.data[a * r + k] = components.data[a * cc + k]!;
  const scores = matrix(n, r);
  for (let i = 0; i < n; i++) for (let k = 0; k < r; k++) {
    let s = 0;
    for (let a = 0; a < p; a++) s += xc.data[i * p + a]! * comp.data[a * r + k]!;
    scores.data[i * r + k] = s;
  }
  return { means, variances, scores, components: comp };
}

/**
 * Overlap spectrum: for each principal direction its variance and the share of the (centred)
 * target energy it carries, ‖uᵢᵀy‖²/‖y‖² with uᵢ the unit score vector of direction i.
 */
export function overlapSpectrum(p: Pca, y: Matrix): OverlapSpectrum {
  const n = p.scores.rows;
  const r = p.scores.cols;
  const q = y.cols;
  const ym = new Float64Array(q);
  for (let i = 0; i < n; i++) for (let c = 0; c < q; c++) ym[c]! += y.data[i * q + c]! / n;
  let total = 0;
  for (let i = 0; i < n; i++) for (let c = 0; c < q; c++) total += (y.data[i * q + c]! - ym[c]!) ** 2;
  const share: number[] = [];
  for (let k = 0; k < r; k++) {
    let norm2 = 0;
    for (let i = 0; i < n; i++) norm2 += p.scores.data[i * r + k]! ** 2;
    let e = 0;
    for (let c = 0; c < q; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += p.scores.data[i * r + k]! * (y.data[i * q + c]! - ym[c]!);
      e += (s * s) / (norm2 || 1);
    }
    share.push(total > 0 ? e / total : 0);
  }
  const cumulative: number[] = [];
  share.reduce((acc, s) => {
    const v = Math.min(1, acc + s);
    cumulative.push(v);
    return v;
  }, 0);
  const lambdas = Array.from(p.variances);
  const sum = lambdas.reduce((a, b) => a + b, 0);
  const sumSq = lambdas.reduce((a, b) => a + b * b, 0);
  const final = cumulative[cumulative.length - 1] ?? 0;
  const idx90 = cumulative.findIndex((c) => c >= 0.9 * final && final > 0);
  return {
    variance: lambdas.slice(0, r),
    targetShare: share,
    cumulativeShare: cumulative,
    effectiveRank: sumSq > 0 ? (sum * sum) / sumSq : 0,
    directionsFor90: idx90 >= 0 ? idx90 + 1 : null,
  };
}

/**
 * Ω̂ with an interval from the first `k` principal scores (a least-squares fit with intercept).
 * `noiseShare` is σ̂²/Var(y) when an estimate exists (0 → the adjusted-R² lower bound).
 */
export function estimateOverlap(p: Pca, y: Matrix, k: number, noiseShare = 0, z = 1.645): OverlapEstimate {
  const n = p.scores.rows;
  const r = p.scores.cols;
  const kk = Math.max(0, Math.min(k, r, n - 3));
  const q = y.cols;
  // Scores are centred and mutually orthogonal, so the LS fit decomposes per direction.
  const ym = new Float64Array(q);
  for (let i = 0; i < n; i++) for (let c = 0; c < q; c++) ym[c]! += y.data[i * q + c]! / n;
  let tss = 0;
  for (let i = 0; i < n; i++) for (let c = 0; c < q; c++) tss += (y.data[i * q + c]! - ym[c]!) ** 2;
  let explained = 0;
  for (let j = 0; j < kk; j++) {
    let norm2 = 0;
    for (let i = 0; i < n; i++) norm2 += p.scores.data[i * r + j]! ** 2;
    if (norm2 <= 0) continue;
    for (let c = 0; c < q; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += p.scores.data[i * r + j]! * (y.data[i * q + c]! - ym[c]!);
      explained += (s * s) / norm2;
    }
  }
  const rss = Math.max(tss - explained, 0);
  if (!(tss > 0)) return { value: 0, low: 0, high: 0, method: 'degenerate-target' };
  const residualShare = rss / (n - kk - 1) / (tss / (n - 1));
  let rho: number;
  let method: string;
  if (noiseShare > 0 && noiseShare < residualShare) {
    rho = (residualShare - noiseShare) / (1 - noiseShare);
    method = 'noise-corrected';
  } else {
    rho = residualShare;
    method = 'adjusted-r2';
  }
  const sd = Math.min(1, residualShare) * Math.sqrt(2 / Math.max(1, n - kk));
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const value = clamp(1 - rho);
  return { value, low: clamp(1 - rho - z * sd), high: clamp(1 - rho + z * sd), method };
}
