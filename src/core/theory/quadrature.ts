/**
 * Expectations over a chi-squared variable, used by the finite-n ridge-head risk, whose
 * expectation has no elementary closed form. Deterministic (fixed Simpson grid), so the same
 * inputs always give the same number.
 */

/** log Γ(x) for x > 0 (Lanczos, g = 7; relative error ≈ 1e-15). */
export function logGamma(x: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  let series = coefficients[0]!;
  for (let i = 1; i < 9; i++) series += coefficients[i]! / (shifted + i);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(series);
}

/**
 * E[f(S)] for S ~ χ²(degrees). Substituting S = u² turns the density into
 * ∝ u^(k−1) e^(−u²/2), which is smooth at 0 even for k = 1, and composite Simpson on u then
 * converges fast. f must be bounded near S = 0 (the caller handles the ridge-free case, whose
 * integrand 1/S is not, in closed form).
 */
export function chiSquaredExpectation(f: (s: number) => number, degrees: number, intervals = 4000): number {
  if (!(Number.isFinite(degrees) && degrees > 0)) throw new RangeError(`degrees must be > 0, got ${degrees}`);
  const upper = Math.sqrt(degrees) + 14; // the χ tail beyond this carries < 1e-40 of the mass
  const steps = intervals % 2 === 0 ? intervals : intervals + 1;
  const h = upper / steps;
  const logNormaliser = (degrees / 2 - 1) * Math.log(2) + logGamma(degrees / 2);
  const integrand = (u: number): number => {
    if (u === 0) return degrees === 1 ? Math.exp(-logNormaliser) * f(0) : 0;
    const density = Math.exp((degrees - 1) * Math.log(u) - (u * u) / 2 - logNormaliser);
    return density * f(u * u);
  };
  let sum = integrand(0) + integrand(upper);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * integrand(i * h);
  return (sum * h) / 3;
}
