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
 *   probe (LS head, k):   ρ + (σ² + ρ)·k/(n − k − 1)  (n > k + 1),  ρ = ‖β_t‖² − ‖Qᵀβ_t‖²;
 *                         min-norm head below its own threshold (n < k − 1): the scratch form in the
 *                         k whitened features with noise σ² + ρ: ρ + (1 − n/k)‖Qᵀβ_t‖² + (σ² + ρ)·n/(k − n − 1)
 *                         — with whitened features only: on generic features (BᵀB not ∝ I) the min-norm head
 *                         lives in the metric BᵀB and its bias and variance come from minNormRisk.ts (a
 *                         seeded Monte Carlo of three design averages per n; prior on β_t's in-span
 *                         direction: the energy (β_sᵀβ_t)²/‖Qᵀβ_s‖² along the pretrained head, the rest
 *                         isotropic — an isotropic prior alone was measured wrong, docs/benchmark.md)
 *   full FT (min-norm from β_s): (1 − n/d)‖β_s − β_t‖² + σ²n/(d − n − 1) (n < d − 1); = scratch (n > d + 1)
 * The interval comes from a seeded bootstrap of the rows (re-estimating every moment), so the
 * noise/signal split — poorly identified when n < d — is propagated into the gain.
 *
 * Where an expectation is infinite (|n − d| ≤ 1 for scratch, |n − k| ≤ 1 for the probe, with noise)
 * the risk is +∞ and `gain` says so (`finite: false`); it never turns ∞ − ∞ into a number.
 * Bootstrap draws whose signal estimate hit its floor (an estimate ≤ 0 clamped to ≈ 0) never decide
 * the sign through the clamp (see `gain`): with least squares or REML, whose noise is estimated from
 * the residuals, they stand for the boundary, zero signal, and their gain is taken there exactly —
 * an atom at zero when the arms differ only through the signal, evidence when the noise separates
 * them; with the moment estimates (noise = S − signal, so the clamp sets the whole split) they
 * widen the interval to zero on both sides.
 */
import { matrix, type Matrix } from '../linalg/matrix';
import { columnVariances, identity } from '../linalg/products';
import { symmetricEigen } from '../linalg/eigen';
import { cholesky, choleskySolveFactor } from '../linalg/solve';
import { gaussian, makeRng } from './random';
import { normalQuantile } from './stats';
import { minNormFactors, type MinNormFactors } from './minNormRisk';

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
  /** True when the signal estimate was ≤ 0 and clamped to its floor (≈ 0): a boundary atom. */
  readonly atFloor?: boolean;
}

/** The closed-form gain of one arm at n, with everything the verdict needs to decide honestly. */
export interface ClosedFormGain {
  /** Point estimate (scratch − arm, units of Var(y)); ±Infinity or NaN when an expectation is infinite. */
  readonly mean: number;
  readonly low: number;
  readonly high: number;
  /** False when the point gain or a bound is not a finite number (an expected risk is infinite at n). */
  readonly finite: boolean;
  /** Which expected risk is infinite at n (point estimates), if any. */
  readonly infinite?: 'scratch' | 'transfer' | 'both';
  /** Bootstrap draws (and REML profile points) whose signal estimate sat at its floor. */
  readonly clamped: number;
  /**
   * Draws that count as no evidence about the sign (see `gain`): clamped moment draws, clamped
   * least-squares / REML draws whose gain at zero signal is zero up to GAIN_NUMERIC_MARGIN (the
   * clamp's atom), and undefined (∞ − ∞) gains.
   */
  readonly atoms: number;
  readonly draws: number;
  /** The sign the interval supports: it clears zero by more than GAIN_NUMERIC_MARGIN. */
  readonly supports?: 'positive' | 'negative';
  /** True when the probe's risk on non-whitened features at n could not be modelled (cost cap, or no pretrained head direction): no commit. */
  readonly unmodelled?: boolean;
}

/**
 * Gains closer to zero than this (units of Var(y)) are numerical noise — round-off of two equal
 * risks (≈ 1e-15) or the signal floors (1e-9·Var(y), 1e-12): a verdict never commits on them.
 */
export const GAIN_NUMERIC_MARGIN = 1e-6;

export type LinearArm = 'scratch' | 'probe' | 'full';

export interface LinearClosedForm {
  readonly estimates: LinearEstimates;
  /** How the estimates were made: least squares (n > d + OLS_MIN_DF) or moments (any n). */
  readonly method: 'least-squares' | 'reml' | 'moments';
  /** Relative bootstrap spread of the estimates, for notes. */
  readonly draws: number;
  /** k: the rank of the feature map (the probe's feature count). */
  readonly featureRank: number;
  /** Risk of an arm at n (excess risk, in units of Var(y) = S). */
  risk(arm: LinearArm, n: number, e?: LinearEstimates): number;
  /** Gain (scratch − arm) at n with a bootstrap percentile interval, in units of Var(y). */
  gain(arm: Exclude<LinearArm, 'scratch'>, n: number, level?: number): ClosedFormGain;
}

/** Sizes of the linear model for `expectedRisk`. */
export interface LinearDims {
  /** Input dimension (scratch's parameter count). */
  readonly d: number;
  /** Rank of the feature map (the probe's feature count). */
  readonly k: number;
  /** ‖β_s‖²: squared norm of the pretrained head's end-to-end map (full fine-tune only). */
  readonly headNorm2: number;
  /** Variances at or below this count as zero (round-off); default 0. */
  readonly negligible?: number;
  /**
   * Design averages of the min-norm probe on the actual (non-whitened) features at m < k rows
   * (minNormRisk.ts); absent or undefined at m: the whitened forms.
   */
  readonly minNorm?: (m: number) => MinNormFactors | undefined;
  /**
   * ‖Qᵀβ_s‖² (the pretrained head's map inside the span): when > 0, the in-span target energy along
   * β_s, (β_sᵀβ_t)²/‖Qᵀβ_s‖² (capped at the in-span energy), gets the bias of that direction and
   * the rest an isotropic prior on its complement; otherwise the whole in-span part is isotropic.
   */
  readonly sourceInSpan2?: number;
}

/**
 * Exact expected excess risk E‖β̂ − β_t‖² of an arm trained to convergence on m Gaussian rows
 * (file comment; paper-test-vectors.md "finite-size exact"), in the units of the estimates.
 * +∞ where the expectation diverges: scratch (and full below d) with |m − d| ≤ 1 and noise; the
 * probe with |m − k| ≤ 1 and any noise the head sees (label noise or signal outside the span).
 */
export function expectedRisk(arm: LinearArm, m: number, dims: LinearDims, e: LinearEstimates): number {
  const { d, k, headNorm2 } = dims;
  const negligible = dims.negligible ?? 0;
  const noisy = e.noise > negligible;
  const scratchNoise = !noisy ? 0 : m < d - 1 ? (e.noise * m) / (d - m - 1) : m > d + 1 ? (e.noise * d) / (m - d - 1) : Infinity;
  const bias = Math.max(0, 1 - m / d);
  if (arm === 'scratch') return bias * e.signal + scratchNoise;
  if (arm === 'probe') {
    // The head sees k whitened features; the signal outside their span (ρ) acts as extra noise.
    const rho = Math.max(0, e.signal - e.inside);
    const headNoise = e.noise + rho;
    const inside = Math.max(0, e.inside);
    if (m > k + 1) return rho + (headNoise * k) / (m - k - 1);
    const f = m < k ? dims.minNorm?.(m) : undefined;
    if (f && f.draws > 0) {
      // Non-whitened features (minNormRisk.ts): bias of the in-span part in the metric BᵀB.
      const src = dims.sourceInSpan2 && dims.sourceInSpan2 > 0 && k > 1 ? Math.min(inside, e.crossTerm ** 2 / dims.sourceInSpan2) : 0;
      const bias = src > 0 ? src * f.sourceBias + ((inside - src) * (f.traceBias - f.sourceBias)) / (k - 1) : (inside * f.traceBias) / k;
      return rho + Math.max(0, bias) + (headNoise > negligible ? headNoise * f.variance : 0);
    }
    // Below its own threshold the least-squares head is the min-norm interpolant in the k
    // features: the scratch form in k dimensions (finite; the probe's double descent).
    if (m < k - 1) return rho + (1 - m / k) * inside + (headNoise > negligible ? (headNoise * m) / (k - m - 1) : 0);
    // |m − k| ≤ 1: E[1/χ²] diverges, so the risk is infinite unless the head sees no noise at all.
    return headNoise > negligible ? Infinity : Math.max(0, 1 - m / k) * inside;
  }
  // Full fine-tune: the min-norm fit from β_s; at and above d it is the least-squares fit, as scratch.
  if (m >= d) return expectedRisk('scratch', m, dims, e);
  return bias * Math.max(0, headNorm2 + e.signal - 2 * e.crossTerm) + scratchNoise;
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

/**
 * `estimator`: 'auto' (least squares above d + OLS_MIN_DF rows, REML below when it has enough
 * contrasts, else moments) or 'moments' (Dicker's estimates at every n; for the comparison in
 * bench/closed-form-estimators.ts).
 */
export function linearClosedForm(x: Matrix, y: Float64Array, maps: LinearCheckpointMaps, seed: number, draws = 400, estimator: 'auto' | 'moments' = 'auto'): LinearClosedForm {
  const { rows: n, cols: d } = x;
  const q = orthonormalBasis(maps.featureMap);
  const k = q.cols;
  const headNorm2 = maps.headMap ? maps.headMap.reduce((s, v) => s + v * v, 0) : 0;
  const yMean = y.reduce((s, v) => s + v, 0) / n;
  const means = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) means[j]! += x.data[i * d + j]! / n;
  const xc = new Float64Array(n * d);
  const yc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    yc[i] = y[i]! - yMean;
    for (let j = 0; j < d; j++) xc[i * d + j] = x.data[i * d + j]! - means[j]!;
  }
  const input: EstimatorInput = { xc, yc, n, d, q, headMap: maps.headMap, rng: makeRng(seed ^ 0x2545f491), draws };
  // With enough residual degrees of freedom, least squares identifies the noise directly
  // (RSS/(n − d − 1), a χ² with n − d − 1 df) and the moment estimates are far noisier than
  // needed: use the OLS estimates with a parametric bootstrap conditional on X.
  const auto = estimator === 'auto';
  const ols = auto && n - d - 1 >= OLS_MIN_DF ? olsEstimates(input) : undefined;
  const reml = auto && !ols ? remlEstimates(input) : undefined;
  const { point, boot } = ols ?? reml ?? momentEstimates(input);
  const scale = point.signal + point.noise || 1;
  // Variances below this are zero up to round-off (REML's noise estimate on noiseless targets is
  // ≈ 1e-31): they must not turn a finite risk into an infinite one at an interpolation threshold.
  const negligible = 1e-12 * scale;

  const geometry = probeGeometry(maps, q, seed);
  const risk = (arm: LinearArm, m: number, e: LinearEstimates = point): number => expectedRisk(arm, m, { d, k, headNorm2, negligible, minNorm: geometry.factors, sourceInSpan2: geometry.sourceInSpan2 }, e) / scale;

  const method = ols ? 'least-squares' : reml ? 'reml' : 'moments';
  return {
    estimates: point,
    method,
    draws: boot.length,
    featureRank: k,
    risk,
    gain(arm, m, level = 0.95) {
      // ∞ − ∞ is NaN on purpose: an undefined gain is never read as 0.
      const g = (e: LinearEstimates) => risk('scratch', m, e) - risk(arm, m, e);
      // A draw whose signal sat at its floor must not decide the sign through the clamp.
      // - Least squares and REML estimate the noise from the residuals (RSS/(n − d − 1); σ² profiled
      //   from the contrasts, h = 0 being the likelihood's own maximum), independently of the signal
      //   estimate: such a draw estimates the boundary, zero signal, with its own noise. Its gain is
      //   taken there exactly — no signal, nothing inside the span, no overlap with the pretrained
      //   head (|β_sᵀβ_t| ≤ ‖β_s‖‖β_t‖ = 0) — so the floor's value never enters it. When that gain is
      //   zero up to GAIN_NUMERIC_MARGIN (the arms differ only through the signal) the draw is the
      //   clamp's atom and counts as 0 in both bounds; otherwise the noise separates the arms at the
      //   boundary (e.g. scratch interpolating noise near n ≈ d), which is evidence, and it enters
      //   with that gain.
      // - The moment estimates set the noise to S − signal: at the floor the whole split (all of
      //   Var(y) noise) is the clamp's, so the draw is evidence of nothing about the sign and enters
      //   the lower bound as min(g, 0) and the upper as max(g, 0).
      // Either way, when at least a tail's worth of draws are atoms the interval reaches zero and the
      // verdict cannot commit. Undefined gains (∞ − ∞) count as atoms at 0. (Until the ground-truth
      // re-run after issue #17 every estimator used the moment rule: docs/benchmark.md, "Clamped
      // draws at the boundary".)
      const noiseOwnEstimate = method !== 'moments';
      const lows: number[] = [];
      const highs: number[] = [];
      let clamped = 0;
      let atoms = 0;
      const add = (e: LinearEstimates) => {
        if (e.atFloor) clamped++;
        const v = e.atFloor && noiseOwnEstimate ? g({ ...e, signal: 0, inside: 0, crossTerm: 0 }) : g(e);
        if (Number.isNaN(v) || (e.atFloor && Math.abs(v) <= GAIN_NUMERIC_MARGIN)) {
          atoms++;
          lows.push(0);
          highs.push(0);
        } else if (e.atFloor && !noiseOwnEstimate) {
          atoms++;
          lows.push(Math.min(v, 0));
          highs.push(Math.max(v, 0));
        } else {
          lows.push(v);
          highs.push(v);
        }
      };
      boot.forEach(add);
      const pick = (values: number[], p: number) => {
        const sorted = [...values].sort((a, b) => a - b);
        return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(p * sorted.length)))]!;
      };
      const tail = (1 - level) / 2;
      let low = pick(lows, tail);
      let high = pick(highs, 1 - tail);
      // REML: the bootstrap around the fitted split under-covers when the likelihood in h is flat
      // (n ≪ d); the interval also spans the gains over the profile-likelihood set of h.
      if (reml?.profile) {
        const cut = normalQuantile(1 - tail) ** 2;
        for (const pt of reml.profile) {
          if (pt.deviance > cut) continue;
          lows.length = 0;
          highs.length = 0;
          add(pt.est);
          low = Math.min(low, lows[0]!);
          high = Math.max(high, highs[0]!);
        }
      }
      const mean = g(point);
      const rs = risk('scratch', m);
      const ra = risk(arm, m);
      const infinite = rs === Infinity && ra === Infinity ? 'both' : rs === Infinity ? 'scratch' : ra === Infinity ? 'transfer' : undefined;
      const finite = Number.isFinite(mean) && Number.isFinite(low) && Number.isFinite(high);
      // Non-whitened features below the probe's threshold whose design average was too costly to
      // simulate: the whitened numbers are shown but the verdict does not commit on them.
      // Likewise without the pretrained head's direction (a multi-output head): the isotropic prior
      // alone was measured biased towards "negative" (docs/benchmark.md), so it never commits.
      const unmodelled = arm === 'probe' && m < k && geometry.anisotropic && (!geometry.factors(m) || (PROBE_DIRECTION_PRIOR === 'source' && geometry.sourceInSpan2 <= 0));
      const supports = !finite || unmodelled ? undefined : low > GAIN_NUMERIC_MARGIN ? 'positive' : high < -GAIN_NUMERIC_MARGIN ? 'negative' : undefined;
      return { mean, low, high, finite, infinite, clamped, atoms, draws: boot.length, supports, ...(unmodelled ? { unmodelled: true } : {}) };
    },
  };
}

/** Centred data and the checkpoint's maps, shared by the three estimators below. */
interface EstimatorInput {
  /** Centred inputs, n×d row-major. */
  readonly xc: Float64Array;
  /** Centred targets. */
  readonly yc: Float64Array;
  readonly n: number;
  readonly d: number;
  /** Orthonormal basis (d×k) of the feature span. */
  readonly q: Matrix;
  readonly headMap: Float64Array | undefined;
  readonly rng: () => number;
  readonly draws: number;
}

interface Estimated {
  readonly point: LinearEstimates;
  readonly boot: LinearEstimates[];
}

/** Dicker's moment estimates (any n), with a row bootstrap: see the file comment. */
function momentEstimates({ xc, yc, n, d, q, headMap, rng, draws }: EstimatorInput): Estimated {
  const k = q.cols;
  // Per-row pieces so a bootstrap resample is a weighted sum: xy_i = x_i·y_i (d-vector) etc.
  const fs = new Float64Array(n);
  if (headMap) for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) fs[i]! += xc[i * d + j]! * headMap[j]!;

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
    const raw = (a2 - diag) / pairs;
    const signal = Math.min(s, Math.max(1e-9 * s, raw));
    const inside = Math.min(signal, Math.max(0, (q2 - diagQ) / pairs));
    return { signal, noise: Math.max(0, s - signal), inside, crossTerm: c, ...(raw <= 1e-9 * s ? { atFloor: true } : {}) };
  };

  const boot: LinearEstimates[] = [];
  const weights = new Float64Array(n);
  for (let b = 0; b < draws; b++) {
    weights.fill(0);
    for (let i = 0; i < n; i++) weights[Math.floor(rng() * n)]! += 1;
    boot.push(estimate(weights));
  }
  return { point: estimate(undefined), boot };
}

/** Residual degrees of freedom from which least squares replaces the moment estimates. */
export const OLS_MIN_DF = 4;

/**
 * Least-squares estimates for n > d + 1 (centred X, y): β̂ = G⁻¹Xᵀy with G = XᵀX, σ̂² = RSS/(n − d − 1)
 * and the unbiased corrections E‖Aβ̂‖² = ‖Aβ‖² + σ² tr(A G⁻¹ Aᵀ):
 *   signal = ‖β̂‖² − σ̂² tr G⁻¹,  inside = ‖Qᵀβ̂‖² − σ̂² tr(Qᵀ G⁻¹ Q),  crossTerm = β_sᵀβ̂.
 * The interval draws (β̂*, σ̂²*) from their exact Gaussian/χ² sampling law given X, around a β̃
 * whose inside and outside parts are shrunk to the estimated energies (β̂ itself is too long).
 */
function olsEstimates({ xc, yc, n, d, q, headMap, rng, draws }: EstimatorInput): Estimated {
  const k = q.cols;
  const g = matrix(d, d);
  const xty = matrix(d, 1);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let a = 0; a < d; a++) {
      const xa = xc[row + a]!;
      if (xa === 0) continue;
      xty.data[a]! += xa * yc[i]!;
      const ga = a * d;
      for (let b = 0; b <= a; b++) g.data[ga + b]! += xa * xc[row + b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) g.data[b * d + a] = g.data[a * d + b]!;
  const l = cholesky(g);
  const beta = choleskySolveFactor(l, xty).data;
  let rss = 0;
  for (let i = 0; i < n; i++) {
    let fit = 0;
    for (let a = 0; a < d; a++) fit += xc[i * d + a]! * beta[a]!;
    rss += (yc[i]! - fit) ** 2;
  }
  const df = n - d - 1;
  const noise = rss / df;
  // tr G⁻¹ and tr(Qᵀ G⁻¹ Q) = ‖L⁻¹Q‖²_F.
  const ginvQ = choleskySolveFactor(l, q);
  let trInside = 0;
  for (let a = 0; a < d; a++) for (let b = 0; b < k; b++) trInside += q.data[a * k + b]! * ginvQ.data[a * k + b]!;
  const ginv = choleskySolveFactor(l, identity(d));
  let trAll = 0;
  for (let a = 0; a < d; a++) trAll += ginv.data[a * d + a]!;
  const project = (v: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(k);
    for (let a = 0; a < d; a++) for (let b = 0; b < k; b++) out[b]! += q.data[a * k + b]! * v[a]!;
    return out;
  };
  const norm2 = (v: ArrayLike<number>): number => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! ** 2;
    return s;
  };
  const estimatesOf = (b: ArrayLike<number>, s2: number): LinearEstimates => {
    const total = norm2(b) - s2 * trAll;
    const signal = Math.max(1e-12, total);
    const inside = Math.min(signal, Math.max(0, norm2(project(b)) - s2 * trInside));
    let cross = 0;
    if (headMap) for (let a = 0; a < d; a++) cross += headMap[a]! * b[a]!;
    return { signal, noise: s2, inside, crossTerm: cross, ...(total <= 1e-12 ? { atFloor: true } : {}) };
  };
  const point = estimatesOf(beta, noise);
  // β̃: inside part (QQᵀβ̂) and outside part rescaled to the estimated energies.
  const insidePart = new Float64Array(d);
  const coeffs = project(beta);
  for (let a = 0; a < d; a++) for (let b = 0; b < k; b++) insidePart[a]! += q.data[a * k + b]! * coeffs[b]!;
  const outsidePart = Float64Array.from(beta, (v, a) => v - insidePart[a]!);
  const shrink = (v: Float64Array, target: number) => {
    const e = norm2(v);
    const f = e > 0 ? Math.sqrt(Math.max(0, target) / e) : 0;
    return v.map((x) => x * f);
  };
  const tildeIn = shrink(insidePart, point.inside);
  const tildeOut = shrink(outsidePart, point.signal - point.inside);
  const sigma = Math.sqrt(noise);
  const boot: LinearEstimates[] = [];
  const z = new Float64Array(d);
  const bStar = new Float64Array(d);
  for (let r = 0; r < draws; r++) {
    for (let a = 0; a < d; a++) z[a] = gaussian(rng);
    // β̂* − β̃ = σ L⁻ᵀ z has covariance σ² G⁻¹ (G = LLᵀ): back substitution.
    for (let a = d - 1; a >= 0; a--) {
      let s = z[a]!;
      for (let b = a + 1; b < d; b++) s -= l.data[b * d + a]! * bStar[b]!;
      bStar[a] = s / l.data[a * d + a]!;
    }
    const b = Float64Array.from(bStar, (v, a) => tildeIn[a]! + tildeOut[a]! + sigma * v);
    let chi = 0;
    if (df > 200) chi = df + Math.sqrt(2 * df) * gaussian(rng);
    else for (let i = 0; i < df; i++) chi += gaussian(rng) ** 2;
    boot.push(estimatesOf(b, (noise * Math.max(0, chi)) / df));
  }
  return { point, boot };
}

/**
 * Fewest error contrasts (n − 1 − k) for REML; below, the moment estimates are used. The
 * outside-span variance s_b is then a χ²-like estimate with few degrees of freedom, and the
 * parametric bootstrap's percentile interval of a variance is too narrow on the side away from
 * zero (its upper bound vs the pivotal one at 80%: 1.95·ŝ vs 3.8·ŝ with 4 contrasts, 1.7·ŝ vs
 * 2.3·ŝ with 8) — and the probe multiplies ρ by k/(n − k − 1), large just above its threshold.
 * At 4 contrasts this committed to the wrong sign on the deep-linear check (issue #17,
 * docs/benchmark.md: d = 60, k = 40, n = 45); from 8 on no verdict of either benchmark changed.
 */
export const REML_MIN_CONTRASTS = 8;

/** Largest n for the REML estimates (two n×n eigen-decompositions: ≈ 3 s at 500 rows and d = 1,000). */
export const REML_MAX_ROWS = 500;

/**
 * Restricted maximum likelihood for n ≤ d + OLS_MIN_DF, where least squares cannot separate
 * signal from noise. Model (centred X, y): y = XQa + XQ⊥b + ε with a = Qᵀβ_t fixed (k values),
 * b treated as N(0, s_b I) — for isotropic Gaussian X and any fixed b this gives the right
 * second moments, as in variance-component ("heritability") estimation (Jiang et al. 2016) — and
 * ε ~ N(0, σ²). With K = M·X Q⊥Q⊥ᵀXᵀ·M = Σ λ_j u_j u_jᵀ (M removes XQ), the error contrasts
 * c_j = u_jᵀy have variance s_b λ_j + σ² and the rest of ‖My‖² is noise alone; σ² is profiled out
 * and h = s_b/σ² maximised on a log grid. Then ρ = (d − k)·s_b, noise = σ², a by GLS and
 * inside = ‖â‖² − tr Cov(â). Dicker's moments use the same information (the spread of λ_j) far
 * less efficiently: measured on the benchmark in docs/benchmark.md. Interval: parametric bootstrap
 * given X around the fitted model.
 */
function remlEstimates({ xc, yc, n, d, q, headMap, rng, draws }: EstimatorInput): (Estimated & { profile?: ProfilePoint[] }) | undefined {
  const k = q.cols;
  const rEff = n - 1 - k;
  if (k >= d || rEff < REML_MIN_CONTRASTS || n > REML_MAX_ROWS) return undefined;
  // F = XQ (n×k); A = XXᵀ − FFᵀ = X Q⊥Q⊥ᵀ Xᵀ.
  const f = matrix(n, k);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
    const v = xc[i * d + j]!;
    if (v !== 0) for (let a = 0; a < k; a++) f.data[i * k + a]! += v * q.data[j * k + a]!;
  }
  const amat = matrix(n, n);
  for (let i = 0; i < n; i++) for (let l = 0; l <= i; l++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += xc[i * d + j]! * xc[l * d + j]!;
    for (let a = 0; a < k; a++) s -= f.data[i * k + a]! * f.data[l * k + a]!;
    amat.data[i * n + l] = s;
    amat.data[l * n + i] = s;
  }
  // M = I − F(FᵀF)⁻¹Fᵀ via an orthonormal basis of F's columns.
  const fBasis = orthonormalBasis(f);
  const kf = fBasis.cols;
  const projectOut = (v: Float64Array): Float64Array => {
    const out = Float64Array.from(v);
    for (let a = 0; a < kf; a++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += fBasis.data[i * kf + a]! * v[i]!;
      for (let i = 0; i < n; i++) out[i]! -= dot * fBasis.data[i * kf + a]!;
    }
    return out;
  };
  const kmat = matrix(n, n);
  const tmp = matrix(n, n);
  for (let l = 0; l < n; l++) {
    const col = projectOut(Float64Array.from({ length: n }, (_, i) => amat.data[i * n + l]!));
    for (let i = 0; i < n; i++) tmp.data[i * n + l] = col[i]!;
  }
  for (let i = 0; i < n; i++) {
    const row = projectOut(tmp.data.slice(i * n, i * n + n));
    for (let l = 0; l < n; l++) kmat.data[i * n + l] = row[l]!;
  }
  for (let i = 0; i < n; i++) for (let l = 0; l < i; l++) {
    const s = (kmat.data[i * n + l]! + kmat.data[l * n + i]!) / 2;
    kmat.data[i * n + l] = s;
    kmat.data[l * n + i] = s;
  }
  const ek = symmetricEigen(kmat);
  const lmax = Math.max(ek.values[0]!, 1e-300);
  const p = Math.min(rEff, ek.values.filter((v) => v > 1e-9 * lmax).length);
  const lambdas = ek.values.slice(0, p);
  const meanLambda = lambdas.reduce((s, v) => s + v, 0) / Math.max(1, p);
  const ea = symmetricEigen(amat);
  // Vᵀ F for the GLS: row j = eigenvector j of A.
  const vtf = new Float64Array(n * k);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
    const v = ea.vectors.data[i * n + j]!;
    if (v !== 0) for (let a = 0; a < k; a++) vtf[j * k + a]! += v * f.data[i * k + a]!;
  }
  const qHead = headMap ? new Float64Array(k) : undefined;
  if (headMap && qHead) for (let j = 0; j < d; j++) for (let a = 0; a < k; a++) qHead[a]! += q.data[j * k + a]! * headMap[j]!;

  const fit = (y: Float64Array, withProfile = false): { est: LinearEstimates; a: Float64Array; sb: number; s2: number; profile?: ProfilePoint[] } => {
    const my = projectOut(y);
    let total = 0;
    for (let i = 0; i < n; i++) total += my[i]! ** 2;
    const c2 = new Float64Array(p);
    let explained = 0;
    for (let j = 0; j < p; j++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += ek.vectors.data[i * n + j]! * y[i]!;
      c2[j] = dot * dot;
      explained += dot * dot;
    }
    const rest = Math.max(0, total - explained);
    const profile = (h: number): { ll: number; s2: number } => {
      let quad = rest;
      let logdet = 0;
      for (let j = 0; j < p; j++) {
        const w = h * lambdas[j]! + 1;
        quad += c2[j]! / w;
        logdet += Math.log(w);
      }
      const s2 = Math.max(quad / rEff, 1e-300);
      return { ll: -0.5 * (logdet + rEff * Math.log(s2)), s2 };
    };
    // log-grid over h·mean λ ∈ [1e-4, 1e6], then golden-section refinement, plus h = 0.
    let bestT = -Infinity;
    let bestLl = profile(0).ll;
    const t0 = Math.log(1e-4 / meanLambda);
    const t1 = Math.log(1e6 / meanLambda);
    const steps = 48;
    for (let s = 0; s <= steps; s++) {
      const t = t0 + ((t1 - t0) * s) / steps;
      const ll = profile(Math.exp(t)).ll;
      if (ll > bestLl) {
        bestLl = ll;
        bestT = t;
      }
    }
    let h = 0;
    if (bestT > -Infinity) {
      let lo = bestT - (t1 - t0) / steps;
      let hi = bestT + (t1 - t0) / steps;
      for (let it = 0; it < 30; it++) {
        const m1 = hi - 0.618 * (hi - lo);
        const m2 = lo + 0.618 * (hi - lo);
        if (profile(Math.exp(m1)).ll > profile(Math.exp(m2)).ll) hi = m2;
        else lo = m1;
      }
      h = Math.exp((lo + hi) / 2);
      if (profile(h).ll < bestLl) h = Math.exp(bestT);
    }
    const best = gls(y, h, profile(h).s2);
    if (!withProfile) return best;
    const points: ProfilePoint[] = [];
    for (let s = 0; s <= steps; s++) {
      const hs = Math.exp(t0 + ((t1 - t0) * s) / steps);
      const pr = profile(hs);
      points.push({ deviance: 2 * (profile(h).ll - pr.ll), est: gls(y, hs, pr.s2).est });
    }
    return { ...best, profile: points };
  };
  const gls = (y: Float64Array, h: number, s2: number): { est: LinearEstimates; a: Float64Array; sb: number; s2: number } => {
    const sb = h * s2;
    // GLS for a with V = s_b A + σ² I = Σ (s_b Λ_j + σ²) v_j v_jᵀ.
    const info = matrix(k, k);
    const rhs = matrix(k, 1);
    for (let j = 0; j < n; j++) {
      const lam = Math.max(0, ea.values[j]!);
      const w = 1 / (sb * lam + s2);
      let vy = 0;
      for (let i = 0; i < n; i++) vy += ea.vectors.data[i * n + j]! * y[i]!;
      for (let a = 0; a < k; a++) {
        const fa = vtf[j * k + a]!;
        if (fa === 0) continue;
        rhs.data[a]! += w * fa * vy;
        for (let b = 0; b < k; b++) info.data[a * k + b]! += w * fa * vtf[j * k + b]!;
      }
    }
    let a: Float64Array;
    let trCov = 0;
    try {
      const l = cholesky(info);
      a = choleskySolveFactor(l, rhs).data;
      const cov = choleskySolveFactor(l, identity(k));
      for (let b = 0; b < k; b++) trCov += cov.data[b * k + b]!;
    } catch {
      a = new Float64Array(k);
    }
    const inside = Math.max(0, a.reduce((s, v) => s + v * v, 0) - trCov);
    const rho = sb * (d - k);
    let cross = 0;
    if (qHead) for (let b = 0; b < k; b++) cross += qHead[b]! * a[b]!;
    return { est: { signal: Math.max(1e-12, inside + rho), noise: s2, inside, crossTerm: cross, ...(inside + rho <= 1e-12 ? { atFloor: true } : {}) }, a, sb, s2 };
  };

  const first = fit(yc, true);
  const point = first.est;
  // Parametric bootstrap given X: y* = XQã + XQ⊥b* + σ̂ε, b* ~ N(0, ŝ_b I), ã shrunk to ‖ã‖² = inside.
  const aNorm2 = first.a.reduce((s, v) => s + v * v, 0);
  const shrinkA = aNorm2 > 0 ? Math.sqrt(point.inside / aNorm2) : 0;
  const fa = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let b = 0; b < k; b++) fa[i]! += f.data[i * k + b]! * first.a[b]! * shrinkA;
  const sdB = Math.sqrt(first.sb);
  const sigma = Math.sqrt(first.s2);
  const boot: LinearEstimates[] = [];
  const g = new Float64Array(d);
  const ystar = new Float64Array(n);
  // Each draw costs ≈ n·(n + d + k²) operations: at most ≈ 4·10⁸ in all (≈ 1 s), at least 100 draws.
  const affordable = Math.max(100, Math.floor(4e8 / (n * (n + d + k * k))));
  for (let r = 0; r < Math.min(draws, affordable); r++) {
    for (let j = 0; j < d; j++) g[j] = sdB * gaussian(rng);
    for (let b = 0; b < k; b++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += q.data[j * k + b]! * g[j]!;
      for (let j = 0; j < d; j++) g[j]! -= dot * q.data[j * k + b]!;
    }
    let mean = 0;
    for (let i = 0; i < n; i++) {
      let s = fa[i]!;
      for (let j = 0; j < d; j++) s += xc[i * d + j]! * g[j]!;
      const e = sigma * gaussian(rng);
      ystar[i] = s + e;
      mean += e / n;
    }
    for (let i = 0; i < n; i++) ystar[i]! -= mean;
    boot.push(fit(ystar).est);
  }
  return { point, boot, profile: first.profile };
}

/** One point of the REML profile over h = s_b/σ²: its deviance from the maximum and the estimates there. */
interface ProfilePoint {
  readonly deviance: number;
  readonly est: LinearEstimates;
}

/** Prior on the target's direction inside the feature span for the non-whitened probe (minNormRisk.ts). */
export type ProbeDirectionPrior = 'isotropic' | 'source';

/** Which prior the closed form uses; 'source' splits off the energy along the pretrained head. */
export let PROBE_DIRECTION_PRIOR: ProbeDirectionPrior = 'source';
/** For benchmarks comparing the priors. */
export function setProbeDirectionPrior(prior: ProbeDirectionPrior): void {
  PROBE_DIRECTION_PRIOR = prior;
}

/**
 * The feature metric S = QᵀB BᵀQ (r×r, eigenvalues = the non-zero ones of BᵀB), the pretrained
 * head's direction in its eigenbasis, and a per-n cache of the min-norm design averages.
 */
function probeGeometry(maps: LinearCheckpointMaps, q: Matrix, seed: number): { anisotropic: boolean; sourceInSpan2: number; factors: (m: number) => MinNormFactors | undefined } {
  const b = maps.featureMap;
  const { rows: d, cols: kb } = b;
  const r = q.cols;
  const c = new Float64Array(r * kb);
  for (let j = 0; j < d; j++) for (let a = 0; a < r; a++) {
    const qa = q.data[j * r + a]!;
    if (qa !== 0) for (let t = 0; t < kb; t++) c[a * kb + t]! += qa * b.data[j * kb + t]!;
  }
  const sm = matrix(r, r);
  for (let a = 0; a < r; a++) for (let a2 = 0; a2 <= a; a2++) {
    let v = 0;
    for (let t = 0; t < kb; t++) v += c[a * kb + t]! * c[a2 * kb + t]!;
    sm.data[a * r + a2] = v;
    sm.data[a2 * r + a] = v;
  }
  const eig = symmetricEigen(sm);
  const spectrum = Float64Array.from(eig.values, (v) => Math.max(0, v));
  const top = Math.max(...spectrum, 1e-300);
  const anisotropic = Math.min(...spectrum) < top * (1 - 1e-9);
  let sourceInSpan2 = 0;
  let u: Float64Array | undefined;
  if (maps.headMap && PROBE_DIRECTION_PRIOR === 'source') {
    const qs = new Float64Array(r);
    for (let j = 0; j < d; j++) for (let a = 0; a < r; a++) qs[a]! += q.data[j * r + a]! * maps.headMap[j]!;
    sourceInSpan2 = qs.reduce((x, v) => x + v * v, 0);
    if (sourceInSpan2 > 0) {
      const norm = Math.sqrt(sourceInSpan2);
      u = new Float64Array(r);
      for (let col = 0; col < r; col++) {
        let v = 0;
        for (let a = 0; a < r; a++) v += eig.vectors.data[a * r + col]! * qs[a]!;
        u[col] = v / norm;
      }
    }
  }
  const cache = new Map<number, MinNormFactors | undefined>();
  const factors = (m: number): MinNormFactors | undefined => {
    if (!anisotropic) return undefined;
    if (!cache.has(m)) cache.set(m, minNormFactors(spectrum, m, seed + m, u));
    return cache.get(m);
  };
  return { anisotropic, sourceInSpan2: u ? sourceInSpan2 : 0, factors };
}
