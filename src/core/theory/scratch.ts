/**
 * Risk of training from scratch in the linear teacher–student model (method.md §5):
 * x ~ N(0, I_d), y = βᵀx + ε with ‖β‖ = 1 and noise variance σ², the minimum-norm least-squares
 * fit on n samples, risk = excess risk ‖β̂ − β‖². Also the optimally tuned ridge baseline R*
 * (Hastie, Montanari, Rosset, Tibshirani 2022) through the Marchenko–Pastur Stieltjes transform.
 *
 * γ = n/d. The min-norm risk has the double-descent spike at γ = 1 (interpolation threshold):
 * that spike is why transfer can look "anomalously" good near n ≈ d against an unregularised
 * baseline, and why the tuned baseline R* is shown beside it.
 */
import { requireInteger, requireNonNegative, requirePositive } from './validate';

/**
 * Asymptotic (n, d → ∞, n/d = γ) min-norm scratch risk:
 * `(1 − γ) + σ²γ/(1 − γ)` for γ < 1, `σ²/(γ − 1)` for γ > 1, `+∞` at γ = 1 when σ² > 0.
 * Noise-free (σ² = 0) the spike disappears: the risk is `max(0, 1 − γ)`.
 *
 * @example scratchRiskAsymptotic(0.5, 0.04) // 0.54
 */
export function scratchRiskAsymptotic(gamma: number, noiseVariance: number): number {
  requirePositive(gamma, 'gamma');
  requireNonNegative(noiseVariance, 'noiseVariance');
  if (gamma < 1) return 1 - gamma + (noiseVariance === 0 ? 0 : (noiseVariance * gamma) / (1 - gamma));
  if (gamma > 1) return noiseVariance / (gamma - 1);
  return noiseVariance > 0 ? Number.POSITIVE_INFINITY : 0;
}

/**
 * Exact expectation of the min-norm scratch risk for Gaussian data at finite n and d:
 * `(1 − n/d) + σ² n/(d − n − 1)` for n < d − 1 and `σ² d/(n − d − 1)` for n > d + 1 (inverse
 * Wishart means). For |n − d| ≤ 1 the noise term has an infinite expectation, so the result is
 * `+∞` when σ² > 0; noise-free it is the bias `max(0, 1 − n/d)`.
 */
export function scratchRiskFinite(nSamples: number, dimension: number, noiseVariance: number): number {
  requireInteger(nSamples, 'nSamples', 1);
  requireInteger(dimension, 'dimension', 1);
  requireNonNegative(noiseVariance, 'noiseVariance');
  const bias = Math.max(0, 1 - nSamples / dimension);
  if (noiseVariance === 0) return bias;
  if (nSamples < dimension - 1) return bias + (noiseVariance * nSamples) / (dimension - nSamples - 1);
  if (nSamples > dimension + 1) return (noiseVariance * dimension) / (nSamples - dimension - 1);
  return Number.POSITIVE_INFINITY;
}

/**
 * Stieltjes transform m(z) = ∫ dμ(s)/(s − z) of the Marchenko–Pastur law of XᵀX/n
 * (aspect ratio r = d/n, unit variance), evaluated at z = −λ < 0:
 * `m(−λ) = [−(1 − r + λ) + sqrt((1 − r + λ)² + 4rλ)] / (2rλ)`.
 */
export function marchenkoPasturStieltjes(lambda: number, aspectRatio: number): number {
  requirePositive(lambda, 'lambda');
  requirePositive(aspectRatio, 'aspectRatio');
  const shifted = 1 - aspectRatio + lambda;
  // Rationalised form of the same root: avoids cancellation when (1 − r + λ) is large and positive.
  const root = Math.sqrt(shifted * shifted + 4 * aspectRatio * lambda);
  if (shifted > 0) return 2 / (shifted + root);
  return (root - shifted) / (2 * aspectRatio * lambda);
}

/** The optimal ridge penalty of the isotropic model, λ* = σ²/γ (= σ² r with r = d/n, ‖β‖ = 1). */
export function optimalRidgePenalty(gamma: number, noiseVariance: number): number {
  requirePositive(gamma, 'gamma');
  requireNonNegative(noiseVariance, 'noiseVariance');
  return noiseVariance / gamma;
}

/**
 * Asymptotic excess risk of optimally tuned ridge regression from scratch:
 * `R* = σ² (1/γ) m(−λ*)` with λ* = σ²/γ and m the Marchenko–Pastur Stieltjes transform at
 * r = 1/γ. Finite at γ = 1 (no spike). Noise-free it tends to `max(0, 1 − γ)`.
 *
 * @example tunedRidgeScratchRisk(0.5, 0.04) // ≈ 0.5348
 */
export function tunedRidgeScratchRisk(gamma: number, noiseVariance: number): number {
  requirePositive(gamma, 'gamma');
  requireNonNegative(noiseVariance, 'noiseVariance');
  if (noiseVariance === 0) return Math.max(0, 1 - gamma);
  const lambda = optimalRidgePenalty(gamma, noiseVariance);
  return (noiseVariance / gamma) * marchenkoPasturStieltjes(lambda, 1 / gamma);
}
