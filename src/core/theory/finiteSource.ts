/**
 * A finite source: the checkpoint's direction is itself an estimate β̂_s, the min-norm fit of
 * n_s = γ_s·d noisy source samples (noise variance σ_s²), not the true β_s. Derived here (see
 * docs/theory.md) from two asymptotic moments of β̂_s:
 *   γ_s < 1: β̂_s = P β_s + noise in the row space, so β̂_sᵀβ_t → γ_s cos θ and
 *            ‖β̂_s‖² → γ_s + σ_s² γ_s/(1 − γ_s);
 *   γ_s > 1: β̂_s = β_s + noise, so β̂_sᵀβ_t → cos θ and ‖β̂_s‖² → 1 + σ_s²/(γ_s − 1).
 * Fine-tuning keeps β̂_s in the d − n_t unconstrained directions, so (noise-free target, c = 1)
 * `T_ft = (1 − γ_t)(2 β̂_sᵀβ_t − ‖β̂_s‖²)`; a linear probe on z = β̂_sᵀx reaches
 * `R_lt = 1 − (β̂_sᵀβ_t)²/‖β̂_s‖²` as n_t → ∞. All values of paper-test-vectors.md table D follow.
 */
import { requireCosine, requireNonNegative, requirePositive } from './validate';

export interface SourceEstimateMoments {
  /** β̂_sᵀβ_t. */
  readonly alignment: number;
  /** ‖β̂_s‖². */
  readonly squaredNorm: number;
}

/** Asymptotic moments of the min-norm source estimate (γ_s = 1 with noise: +∞ norm). */
export function sourceEstimateMoments(sourceGamma: number, cosTheta: number, sourceNoiseVariance: number): SourceEstimateMoments {
  requirePositive(sourceGamma, 'sourceGamma');
  requireCosine(cosTheta, 'cosTheta');
  requireNonNegative(sourceNoiseVariance, 'sourceNoiseVariance');
  if (sourceGamma < 1) {
    const noise = sourceNoiseVariance === 0 ? 0 : (sourceNoiseVariance * sourceGamma) / (1 - sourceGamma);
    return { alignment: sourceGamma * cosTheta, squaredNorm: sourceGamma + noise };
  }
  if (sourceGamma > 1) return { alignment: cosTheta, squaredNorm: 1 + sourceNoiseVariance / (sourceGamma - 1) };
  return { alignment: cosTheta, squaredNorm: sourceNoiseVariance > 0 ? Number.POSITIVE_INFINITY : 1 };
}

/**
 * cos θ*: full fine-tuning from a finite source beats scratch iff cos θ > cos θ*, where
 * `cos θ* = ½ + σ_s²/(2(1 − γ_s))` for γ_s < 1 and `½(1 + σ_s²/(γ_s − 1))` for γ_s > 1.
 * (From 2β̂_sᵀβ_t > ‖β̂_s‖²; the alignment is linear in cos θ.) May exceed 1: then FT never helps.
 */
export function fineTuningThresholdFiniteSource(sourceGamma: number, sourceNoiseVariance: number): number {
  // cos θ enters the alignment linearly with slope s, so the threshold is ‖β̂_s‖²/(2s).
  const unit = sourceEstimateMoments(sourceGamma, 1, sourceNoiseVariance);
  return unit.squaredNorm / (2 * unit.alignment);
}

/** Fine-tuning gain from a finite source: `(1 − γ_t)(2 β̂_sᵀβ_t − ‖β̂_s‖²)`, 0 for γ_t ≥ 1. */
export function fineTuningGainFiniteSource(targetGamma: number, sourceGamma: number, cosTheta: number, sourceNoiseVariance: number): number {
  requirePositive(targetGamma, 'targetGamma');
  const moments = sourceEstimateMoments(sourceGamma, cosTheta, sourceNoiseVariance);
  if (targetGamma >= 1) return 0;
  return (1 - targetGamma) * (2 * moments.alignment - moments.squaredNorm);
}

/** Linear-probe risk (n_t → ∞) on the finite-source feature: `1 − (β̂_sᵀβ_t)²/‖β̂_s‖²`. */
export function linearTransferRiskFiniteSource(sourceGamma: number, cosTheta: number, sourceNoiseVariance: number): number {
  const moments = sourceEstimateMoments(sourceGamma, cosTheta, sourceNoiseVariance);
  if (!Number.isFinite(moments.squaredNorm)) return 1;
  return 1 - (moments.alignment * moments.alignment) / moments.squaredNorm;
}
