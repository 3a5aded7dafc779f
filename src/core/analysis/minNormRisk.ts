/**
 * Expected risk of the min-norm least-squares probe on NON-whitened hidden features, below the
 * probe's own interpolation threshold (issue #17, "whitened-feature assumption").
 *
 * Model: x ~ N(0, I_d), features φ = Bᵀx (B: d×k, rank r, Q an orthonormal basis of its span),
 * y = β_tᵀx + ε. Write a = Qᵀβ_t (in-span part), C = QᵀB (r×k), S = CCᵀ (its non-zero eigenvalues
 * are those of Σ_Φ = BᵀB) and G = XQ (n×r, i.i.d. N(0, 1) because x is isotropic). The out-of-span
 * signal (energy ρ) is independent of G and acts as extra label noise, s² = σ² + ρ. The head trained
 * to convergence from zero is w = Φ⁺y with Φ = GC, and its excess risk is
 *   ρ + ‖(CΦ⁺G − I)a‖² + s²‖CΦ⁺‖²_F    (noise averaged out).
 * For n ≥ r, CΦ⁺G = I and ‖CΦ⁺‖² = tr (GᵀG)⁻¹: the whitened formula is exact (least squares is
 * invariant to invertible maps of the features). For n < r, in S's eigenbasis (S = diag(s), G
 * rotated: still i.i.d.), with K = G S Gᵀ (n×n):
 *   M = CΦ⁺G = S Gᵀ K⁻¹ G  (an oblique projection of rank n),   ‖CΦ⁺‖²_F = Σ_i s_i² ‖(K⁻¹G)_{:,i}‖².
 * So the risk is linear in the unknowns once three design averages are known:
 *   traceBias = E‖M − I‖²_F   (bias per unit in-span energy × r, for a direction isotropic in the span)
 *   sourceBias = E‖(M − I)u‖²  (bias for a fixed unit direction u, here the pretrained head's)
 *   variance  = E‖CΦ⁺‖²_F
 * They do not depend on the estimates, so one seeded Monte Carlo over designs G per n serves every
 * bootstrap draw. The variance uses the isotropic design as a control variate (same G, exact mean
 * n/(r − n − 1)): both blow up together when G is nearly rank-deficient, which removes most of
 * the Monte Carlo error of the heavy-tailed inverse. At s ≡ 1 everything reduces to the whitened
 * forms (r − n, 1 − n/r, n/(r − n − 1)). The cost per draw is ≈ 6n²r flops; when fewer than
 * MIN_NORM_MIN_DRAWS draws fit the budget the factors are not computed and the caller must not
 * commit on the probe there.
 */
import { gaussian, makeRng } from './random';

export interface MinNormFactors {
  /** E‖M − I‖²_F (r minus the fitted in-span dimensions, in the metric S). */
  readonly traceBias: number;
  /** E‖(M − I)u‖² for the unit direction u passed in (0 without one). */
  readonly sourceBias: number;
  /** E‖CΦ⁺‖²_F (Infinity when n ≥ r − 1: E tr of an inverse Wishart with too few degrees of freedom). */
  readonly variance: number;
  /** Monte Carlo draws used (0 when the whitened closed forms were exact). */
  readonly draws: number;
}

/** Fewest Monte Carlo designs for the factors; below this (cost cap) the caller does not commit. */
export const MIN_NORM_MIN_DRAWS = 24;
/** Most designs per n. */
export const MIN_NORM_MAX_DRAWS = 240;
/** Flop budget per n (≈ 0.5–1 s in JavaScript). */
export const MIN_NORM_BUDGET = 4e8;

/** In-place lower Cholesky of an n×n SPD matrix (row-major); false when not positive definite. */
function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let diag = a[j * n + j]!;
    for (let p = 0; p < j; p++) diag -= a[j * n + p]! ** 2;
    if (!(diag > 0)) return false;
    const ljj = Math.sqrt(diag);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let p = 0; p < j; p++) s -= a[i * n + p]! * a[j * n + p]!;
      a[i * n + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L·X = B in place for B (n×c, row-major), L lower (n×n). */
function forwardSolve(l: Float64Array, n: number, b: Float64Array, c: number): void {
  for (let i = 0; i < n; i++) {
    const lii = l[i * n + i]!;
    for (let p = 0; p < i; p++) {
      const lip = l[i * n + p]!;
      if (lip === 0) continue;
      for (let j = 0; j < c; j++) b[i * c + j]! -= lip * b[p * c + j]!;
    }
    for (let j = 0; j < c; j++) b[i * c + j]! /= lii;
  }
}

/** Solves Lᵀ·X = B in place for B (n×c, row-major), L lower (n×n). */
function backwardSolveTransposed(l: Float64Array, n: number, b: Float64Array, c: number): void {
  for (let i = n - 1; i >= 0; i--) {
    for (let p = i + 1; p < n; p++) {
      const lpi = l[p * n + i]!;
      if (lpi === 0) continue;
      for (let j = 0; j < c; j++) b[i * c + j]! -= lpi * b[p * c + j]!;
    }
    const lii = l[i * n + i]!;
    for (let j = 0; j < c; j++) b[i * c + j]! /= lii;
  }
}

/**
 * The three design averages at n rows for a spectrum `s` (eigenvalues of S, any scale; r = its
 * length) and an optional unit direction `u` in the same eigenbasis. Returns undefined when the
 * Monte Carlo does not fit the budget.
 */
export function minNormFactors(spectrum: ArrayLike<number>, n: number, seed: number, u?: ArrayLike<number>, budget = MIN_NORM_BUDGET): MinNormFactors | undefined {
  const r = spectrum.length;
  const mean = Array.from(spectrum).reduce((a, v) => a + v, 0) / Math.max(1, r);
  const s = Float64Array.from(spectrum, (v) => Math.max(0, v) / (mean || 1));
  const whitenedVariance = n < r - 1 ? n / (r - n - 1) : Infinity;
  if (n >= r) return { traceBias: 0, sourceBias: 0, variance: n > r + 1 ? r / (n - r - 1) : Infinity, draws: 0 };
  if (n <= 0) return { traceBias: r, sourceBias: u ? 1 : 0, variance: 0, draws: 0 };
  const spread = Math.max(...s) - Math.min(...s);
  if (spread < 1e-9) return { traceBias: r - n, sourceBias: u ? 1 - n / r : 0, variance: whitenedVariance, draws: 0 };
  const draws = Math.min(MIN_NORM_MAX_DRAWS, Math.floor(budget / (6 * n * n * r + 1)));
  if (draws < MIN_NORM_MIN_DRAWS) return undefined;
  const rng = makeRng(seed ^ 0x5bd1e995);
  const g = new Float64Array(n * r);
  const k = new Float64Array(n * n);
  const k0 = new Float64Array(n * n);
  const w = new Float64Array(n * r);
  const wu = new Float64Array(n);
  const mu = new Float64Array(r);
  const withVariance = n < r - 1;
  let traceSum = 0;
  let sourceSum = 0;
  const vAniso: number[] = [];
  const vIso: number[] = [];
  let used = 0;
  for (let t = 0; t < draws; t++) {
    for (let i = 0; i < n * r; i++) g[i] = gaussian(rng);
    // K = G S Gᵀ and K0 = G Gᵀ (lower triangles are enough for the Cholesky).
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
      let sk = 0;
      let s0 = 0;
      for (let c = 0; c < r; c++) {
        const p = g[i * r + c]! * g[j * r + c]!;
        sk += s[c]! * p;
        s0 += p;
      }
      k[i * n + j] = sk;
      k0[i * n + j] = s0;
    }
    if (!choleskyInPlace(k, n) || !choleskyInPlace(k0, n)) continue;
    // W = L⁻¹G; ‖M‖²_F = tr(P S² P) with P = WᵀW equals tr((W S² Wᵀ)(W Wᵀ)).
    w.set(g);
    forwardSolve(k, n, w, r);
    let m2 = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
      let x1 = 0;
      let x2 = 0;
      for (let c = 0; c < r; c++) {
        const p = w[i * r + c]! * w[j * r + c]!;
        x1 += s[c]! * s[c]! * p;
        x2 += p;
      }
      m2 += (i === j ? 1 : 2) * x1 * x2;
    }
    // tr M = n (M is a rank-n projection).
    traceSum += m2 - 2 * n + r;
    if (u) {
      // (M − I)u = S Wᵀ(W u) − u.
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let c = 0; c < r; c++) v += w[i * r + c]! * u[c]!;
        wu[i] = v;
      }
      mu.fill(0);
      for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) mu[c]! += w[i * r + c]! * wu[i]!;
      let e = 0;
      for (let c = 0; c < r; c++) e += (s[c]! * mu[c]! - u[c]!) ** 2;
      sourceSum += e;
    }
    if (withVariance) {
      // K⁻¹G = L⁻ᵀW: variance = Σ_c s_c² ‖(K⁻¹G)_{:,c}‖².
      backwardSolveTransposed(k, n, w, r);
      let v = 0;
      for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) v += s[c]! * s[c]! * w[i * r + c]! ** 2;
      vAniso.push(v);
      // Isotropic control: tr (G Gᵀ)⁻¹ = ‖L0⁻¹‖²_F.
      let v0 = 0;
      const e = new Float64Array(n);
      for (let col = 0; col < n; col++) {
        e.fill(0);
        e[col] = 1;
        forwardSolve(k0, n, e, 1);
        for (let i = col; i < n; i++) v0 += e[i]! ** 2;
      }
      vIso.push(v0);
    }
    used++;
  }
  if (used < MIN_NORM_MIN_DRAWS) return undefined;
  let variance = Infinity;
  if (withVariance) {
    const ma = vAniso.reduce((x, v) => x + v, 0) / used;
    const mi = vIso.reduce((x, v) => x + v, 0) / used;
    let cov = 0;
    let vv = 0;
    for (let t = 0; t < used; t++) {
      cov += (vAniso[t]! - ma) * (vIso[t]! - mi);
      vv += (vIso[t]! - mi) ** 2;
    }
    const beta = vv > 0 ? Math.max(0, cov / vv) : 0;
    variance = Math.max(0, ma - beta * (mi - whitenedVariance));
  }
  return { traceBias: traceSum / used, sourceBias: u ? sourceSum / used : 0, variance, draws: used };
}
