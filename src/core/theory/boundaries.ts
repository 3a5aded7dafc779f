/**
 * Where linear transfer turns negative (method.md §5). For γ < 1, T_lt = R_sc − sin²θ < 0 is a
 * quadratic inequality in γ: `γ² − (1 + cos²θ − σ²)γ + cos²θ < 0`, negative between its roots
 * γ± = ½[(1 + cos²θ − σ²) ± sqrt((1 + cos²θ − σ²)² − 4cos²θ)]. The discriminant factors as
 * ((1 − cos θ)² − σ²)((1 + cos θ)² − σ²), so there is no negative window once cos θ ≥ 1 − σ,
 * i.e. for θ below θ_min = arccos(1 − σ). For γ > 1, T_lt < 0 iff γ > 1 + σ²/sin²θ.
 */
import { requireCosine, requireNonNegative, sineSquared } from './validate';

export interface GammaInterval {
  readonly low: number;
  readonly high: number;
}

/**
 * The open interval (γ−, γ+) ∩ (0, 1) of under-parameterised sample ratios where linear
 * transfer loses to min-norm scratch, or null when there is none (discriminant ≤ 0, or both
 * roots outside (0, 1)).
 */
export function linearTransferNegativeInterval(cosTheta: number, noiseVariance: number): GammaInterval | null {
  requireCosine(cosTheta, 'cosTheta');
  requireNonNegative(noiseVariance, 'noiseVariance');
  const alignedSquared = cosTheta * cosTheta;
  const middle = 1 + alignedSquared - noiseVariance;
  const discriminant = middle * middle - 4 * alignedSquared;
  if (discriminant <= 0) return null;
  const root = Math.sqrt(discriminant);
  const low = Math.max(0, (middle - root) / 2);
  const high = Math.min(1, (middle + root) / 2);
  return high > low ? { low, high } : null;
}

/**
 * The over-parameterised boundary: linear transfer is negative for every γ above
 * `1 + σ²/sin²θ` (+∞ when sin θ = 0: a perfectly aligned feature never loses).
 */
export function linearTransferNegativeAbove(cosTheta: number, noiseVariance: number): number {
  requireCosine(cosTheta, 'cosTheta');
  requireNonNegative(noiseVariance, 'noiseVariance');
  const residual = sineSquared(cosTheta);
  if (residual === 0) return Number.POSITIVE_INFINITY;
  return 1 + noiseVariance / residual;
}

/**
 * θ_min = arccos(1 − σ) in radians: below this angle linear transfer is never negative for
 * γ < 1. 0 without noise; π/2 once σ ≥ 1 (clamped: arccos is undefined beyond).
 */
export function minimumNegativeTransferAngle(noiseVariance: number): number {
  requireNonNegative(noiseVariance, 'noiseVariance');
  const sigma = Math.sqrt(noiseVariance);
  return Math.acos(Math.max(0, Math.min(1, 1 - sigma)));
}
