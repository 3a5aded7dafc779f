/**
 * Small statistics used by the verdict: means, the Nadeau–Bengio corrected cross-validation
 * standard error, normal/t quantiles, and a robust power-law learning-curve fit.
 */

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return values.length ? s / values.length : NaN;
}

export function variance(values: ArrayLike<number>, ddof = 1): number {
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i]! - m) ** 2;
  return values.length - ddof > 0 ? s / (values.length - ddof) : NaN;
}

/**
 * Nadeau & Bengio (2003) corrected standard error of a k-fold CV mean difference. Their
 * correction applies to the J = k per-fold means: Var ≈ (1/J + nTest/nTrain)·s²_fold. The
 * per-fold mean variance is estimated from the per-sample values (s²_fold ≈ s²·J/N, steadier than
 * the spread of five fold means), so Var ≈ (1/J + 1/(J − 1))·J·s²/N = (1 + J/(J − 1))·s²/N:
 * about 1.5× the naive s/√N at five folds, which keeps the intervals roughly calibrated.
 */
export function nadeauBengioSe(perSample: ArrayLike<number>, folds: number, repeats = 1): number {
  const s2 = variance(perSample, 1);
  // Repeated k-fold CV (Bouckaert & Frank, 2004): r runs of k folds give J = r·k fold means of the
  // same N rows (`perSample` holds the r·N per-row values, run after run): Var ≈ (1/(r·k) +
  // 1/(k − 1))·k·s²/N. At r = 1 this is the formula above.
  const r = Math.max(1, Math.round(repeats));
  const n = perSample.length / r;
  const j = Math.max(2, folds);
  return Math.sqrt(((1 / (r * j) + 1 / (j - 1)) * j * s2) / n);
}

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

export interface PowerLawFit {
  /** risk(n) = a·n^(−nu) + floor */
  readonly a: number;
  readonly nu: number;
  readonly floor: number;
}

/**
 * Fits risk(n) = a·n^(−ν) + floor to measured points by a grid over the floor (0 … min risk)
 * with log-log least squares for (a, ν) at each floor; ν is clamped to [0.05, 2] so a noisy
 * three-point curve cannot extrapolate absurdly. Falls back to a flat curve when the points
 * do not decrease.
 */
export function fitPowerLaw(ns: readonly number[], risks: readonly number[]): PowerLawFit {
  const pts = ns.map((n, i) => [n, risks[i]!] as const).filter(([n, r]) => n > 0 && Number.isFinite(r));
  const minRisk = Math.min(...pts.map((p) => p[1]));
  if (pts.length < 2 || !(minRisk > 0)) return { a: 0, nu: 0.5, floor: Math.max(0, mean(pts.map((p) => p[1]))) };
  let best: PowerLawFit = { a: 0, nu: 0.5, floor: mean(pts.map((p) => p[1])) };
  let bestErr = pts.reduce((s, [, r]) => s + (r - best.floor) ** 2, 0);
  for (let g = 0; g < 40; g++) {
    const floor = (minRisk * g) / 40;
    const xs = pts.map(([n]) => Math.log(n));
    const ys = pts.map(([, r]) => Math.log(Math.max(r - floor, 1e-12)));
    const mx = mean(xs);
    const my = mean(ys);
    let sxy = 0;
    let sxx = 0;
    xs.forEach((x, i) => {
      sxy += (x - mx) * (ys[i]! - my);
      sxx += (x - mx) ** 2;
    });
    if (sxx === 0) continue;
    const nu = Math.min(2, Math.max(0.05, -sxy / sxx));
    const logA = my + nu * mx;
    const a = Math.exp(logA);
    const err = pts.reduce((s, [n, r]) => s + (a * n ** -nu + floor - r) ** 2, 0);
    if (err < bestErr) {
      bestErr = err;
      best = { a, nu, floor };
    }
  }
  return best;
}

export function evalPowerLaw(fit: PowerLawFit, n: number): number {
  return fit.a * n ** -fit.nu + fit.floor;
}

/**
 * Student-t quantile with `df` degrees of freedom at the same probability as the standard normal
 * quantile `z` (Abramowitz & Stegun 26.7.5 series; error < 0.01 for df ≥ 3 at the 90–95% levels).
 */
export function tQuantileFromZ(z: number, df: number): number {
  if (!(df > 0)) return Infinity;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}
