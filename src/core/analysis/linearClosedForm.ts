/**
 * Closed-form verdict for linear checkpoints (method.md §3.3: "for linear checkpoints trained to
 * convergence, use the closed forms (§5) on the user's actual X instead of CV near n ≈ d, where CV
 * gains are heavy-tailed and can be confidently wrong; the noise level is the widest uncertainty
 * when n < d — propagate it").
 *
 * Model: x ~ N(0, I_d) (checked: `isotropicEnough`), y = β_tᵀx + ε, a checkpoint whose
 * penultimate features are x·B (B: d×k) and whose head predicts f_s(x) = β_sᵀx. The unknowns are
 * estimated by the method of moments, which works for n < d too (Dicker 2014):
 *   S = ‖y‖²/(n − 1)                          E S = ‖β_t‖² + σ²
 *   T = Σ_{i≠j} (x_i y_i)ᵀ(x_j y_j)/(n(n − 1))  E T = ‖β_t‖²   (E[x y] = β_t when Σ = I)
 *   U = the same with Qᵀx (Q: basis of B)        E U = ‖Qᵀβ_t‖²
 *   C = ⟨f_s(x), y⟩/(n − 1)                      E C = β_sᵀβ_t The exact finite-n expected risks of the
 * three arms trained to convergence then follow (paper-test-vectors.md "finite-size exact"):
 *   scratch (min-norm):   (1 − n/d)‖β_t‖² + σ²n/(d − n − 1)  (n < d − 1);  σ²d/(n − d − 1)  (n > d + 1)
 *   probe (LS head, k):   ρ + (σ² + ρ)·k/(n − k − 1),  ρ = ‖β_t‖² − ‖Qᵀβ_t‖²
 *   full FT (min-norm from β_s): (1 − n/d)‖β_s − β_t‖² + σ²n/(d − n − 1) (n < d − 1); = scratch (n > d + 1)
 * The interval comes from a seeded bootstrap of the rows (re-estimating every moment), so the
 * noise/signal split — poorly identified when n < d — is propagated into the gain.
 */
import { matrix, type Matrix } from '../linalg/matrix';
import { columnVariances } from '../linalg/products';
import { makeRng } from './random';

export interface LinearCheckpointMaps {
  /** d×k map from centred inputs to penultimate features. */
  readonly featureMap: Matrix;
  /** d-vector of the head's end-to-end map (only when the head has one output). */
  readonly headMap?: Float64Array;
}

export interface LinearEstimates {
  readonly signal: number;
  readonly noise: number;
  /** ‖Qᵀβ_t‖²: target energy inside the feature span. */
  readonly inside: number;
  /** β_sᵀβ_t. */
  readonly crossTerm: number;
}

export type LinearArm = 'scratch' | 'probe' | 'full';

export interface LinearClosedForm {
  readonly estimates: LinearEstimates;
  /** Relative bootstrap spread of the estimates, for notes. */
  readonly draws: number;
  /** Risk of an arm at n (excess risk, in units of Var(y) = S). */
  risk(arm: LinearArm, n: number, e?: LinearEstimates): number;
  /** Gain (scratch − arm) at n with a bootstrap percentile interval, in units of Var(y). */
  gain(arm: Exclude<LinearArm, 'scratch'>, n: number, level?: number): { mean: number; low: number; high: number };
}

/** Inputs look like isotropic, centred Gaussians: per-column variances within 2× of each other. */
export function isotropicEnough(x: Matrix): boolean {
  const { rows, cols } = x;
  if (rows < 8 || cols < 2) return false;
  const variances = columnVariances(x);
  const minVar = Math.min(...variances);
  const maxVar = Math.max(...variances);
  // With n rows, sample variances of equal-variance columns spread by up to ≈ ±4·sqrt(2/n)
  // (chi-square with n − 1 degrees of freedom, over many columns); beyond that spread, or a 4×
  // ratio when n is large, the inputs are not isotropic and the closed forms do not apply.
  const a = 4 * Math.sqrt(2 / rows);
  const tolerance = Math.max(4, (1 + a) / Math.max(0.1, 1 - a));
  return minVar > 0 && maxVar / minVar < tolerance;
}

/** Orthonormal basis (d×r) of the column span of a d×k matrix (modified Gram–Schmidt). */
function orthonormalBasis(b: Matrix): Matrix {
  const { rows: d, cols: k } = b;
  const cols: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(d);
    for (let i = 0; i < d; i++) v[i] = b.data[i * k + j]!;
    const norm0 = Math.hypot(...v);
    for (const q of cols) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += q[i]! * v[i]!;
      for (let i = 0; i < d; i++) v[i]! -= dot * q[i]!;
    }
    const norm = Math.hypot(...v);
    if (norm > 1e-8 * Math.max(norm0, 1e-300)) cols.push(v.map((x) => x / norm));
  }
  const q = matrix(d, cols.length);
  cols.forEach((c, j) => c.forEach((v, i) => (q.data[i * cols.length + j] = v)));
  return q;
}

export function linearClosedForm(x: Matrix, y: Float64Array, maps: LinearCheckpointMaps, seed: number, draws = 400): LinearClosedForm {
  const { rows: n, cols: d } = x;
  const q = orthonormalBasis(maps.featureMap);
  const k = q.cols;
  const headNorm2 = maps.headMap ? maps.headMap.reduce((s, v) => s + v * v, 0) : 0;
  const yMean = y.reduce((s, v) => s + v, 0) / n;
  const means = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) means[j]! += x.data[i * d + j]! / n;
  // Per-row pieces so a bootstrap resample is a weighted sum: xy_i = x_i·y_i (d-vector) etc.
  const xc = new Float64Array(n * d);
  const yc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    yc[i] = y[i]! - yMean;
    for (let j = 0; j < d; j++) xc[i * d + j] = x.data[i * d + j]! - means[j]!;
  }
  const fs = new Float64Array(n);
  if (maps.headMap) for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) fs[i]! += xc[i * d + j]! * maps.headMap[j]!;

  // z_i = x_i·y_i has mean β_t (Σ = I); the U-statistic Σ_{i≠j} z_iᵀz_j / #pairs is unbiased for
  // ‖β_t‖², and it stays unbiased under bootstrap weights (repeated rows are excluded as pairs).
  const zNorm2 = new Float64Array(n);
  const qz = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let s2 = 0;
    for (let j = 0; j < d; j++) s2 += (xc[i * d + j]! * yc[i]!) ** 2;
    zNorm2[i] = s2;
    for (let a = 0; a < k; a++) {
      let p = 0;
      for (let j = 0; j < d; j++) p += q.data[j * k + a]! * xc[i * d + j]!;
      qz[i * k + a] = p * yc[i]!;
    }
  }
  const estimate = (weights: Float64Array | undefined): LinearEstimates => {
    const sumZ = new Float64Array(d);
    const sumQz = new Float64Array(k);
    let s = 0;
    let c = 0;
    let diag = 0;
    let diagQ = 0;
    let total = 0;
    let total2 = 0;
    for (let i = 0; i < n; i++) {
      const w = weights ? weights[i]! : 1;
      if (w === 0) continue;
      total += w;
      total2 += w * w;
      s += w * yc[i]! ** 2;
      c += w * fs[i]! * yc[i]!;
      diag += w * w * zNorm2[i]!;
      for (let j = 0; j < d; j++) sumZ[j]! += w * xc[i * d + j]! * yc[i]!;
      for (let a = 0; a < k; a++) {
        sumQz[a]! += w * qz[i * k + a]!;
        diagQ += w * w * qz[i * k + a]! ** 2;
      }
    }
    s /= total - 1;
    c /= total - 1;
    const pairs = total * total - total2;
    let a2 = 0;
    for (let j = 0; j < d; j++) a2 += sumZ[j]! ** 2;
    let q2 = 0;
    for (let a = 0; a < k; a++) q2 += sumQz[a]! ** 2;
    const signal = Math.min(s, Math.max(1e-9 * s, (a2 - diag) / pairs));
    const inside = Math.min(signal, Math.max(0, (q2 - diagQ) / pairs));
    return { signal, noise: Math.max(0, s - signal), inside, crossTerm: c };
  };

  const point = estimate(undefined);
  const scale = point.signal + point.noise || 1;
  const rng = makeRng(seed ^ 0x2545f491);
  const boot: LinearEstimates[] = [];
  const weights = new Float64Array(n);
  for (let b = 0; b < draws; b++) {
    weights.fill(0);
    for (let i = 0; i < n; i++) weights[Math.floor(rng() * n)]! += 1;
    boot.push(estimate(weights));
  }

  const risk = (arm: LinearArm, m: number, e: LinearEstimates = point): number => {
    const spike = Math.abs(m - d) <= 1;
    const scratchNoise = m < d - 1 ? (e.noise * m) / (d - m - 1) : m > d + 1 ? (e.noise * d) / (m - d - 1) : Infinity;
    const bias = Math.max(0, 1 - m / d);
    let r: number;
    if (arm === 'scratch') r = spike && e.noise > 0 ? Infinity : bias * e.signal + (e.noise > 0 ? scratchNoise : 0);
    else if (arm === 'probe') {
      const rho = Math.max(0, e.signal - e.inside);
      r = m <= k + 1 ? Infinity : rho + ((e.noise + rho) * k) / (m - k - 1);
    } else {
      const dist2 = Math.max(0, headNorm2 + e.signal - 2 * e.crossTerm);
      r = m >= d ? risk('scratch', m, e) * scale : bias * dist2 + (e.noise > 0 ? scratchNoise : 0);
      return r / scale;
    }
    return r / scale;
  };

  return {
    estimates: point,
    draws,
    risk,
    gain(arm, m, level = 0.95) {
      const g = (e: LinearEstimates) => {
        const rs = risk('scratch', m, e);
        const ra = risk(arm, m, e);
        if (rs === Infinity && ra === Infinity) return 0;
        return rs - ra;
      };
      const values = boot.map(g).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
      const pick = (p: number) => values[Math.min(values.length - 1, Math.max(0, Math.floor(p * values.length)))]!;
      const tail = (1 - level) / 2;
      return { mean: g(point), low: pick(tail), high: pick(1 - tail) };
    },
  };
}
