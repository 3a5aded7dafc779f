/**
 * Risk of linear transfer (a frozen feature map plus a trained linear head) in the linear
 * teacher–student model (method.md §5). The source direction β_s defines one feature z = β_sᵀx
 * (or, generally, a k-dimensional feature span); the head is fitted on n target samples.
 * cos θ = β_sᵀβ_t with ‖β_s‖ = ‖β_t‖ = 1. θ enters only through cos²θ: a sign-flipped feature is
 * harmless for a probe.
 */
import { scratchRiskAsymptotic, scratchRiskFinite } from './scratch';
import { chiSquaredExpectation } from './quadrature';
import { requireCosine, requireInteger, requireNonNegative, requirePositive, requireUnitInterval, sineSquared } from './validate';

/** Linear-transfer risk as n → ∞: the part of β_t outside the feature span, sin²θ. */
export function linearTransferRiskAsymptotic(cosTheta: number): number {
  requireCosine(cosTheta, 'cosTheta');
  return sineSquared(cosTheta);
}

/**
 * Exact expected risk of the one-feature least-squares head at finite n (Gaussian data):
 * `E R_lt = sin²θ + (σ² + sin²θ)/(n − 2)`; needs n > 2 (+∞ otherwise: E[1/χ²_n] diverges).
 */
export function linearTransferRiskFinite(nSamples: number, cosTheta: number, noiseVariance: number): number {
  return linearProbeRiskFinite(nSamples, 1, sineSquared(checkedCos(cosTheta)), noiseVariance);
}

/**
 * k-feature version with whitened Gaussian features: a probe on k features whose span misses a
 * share ρ of the (unit-energy) target signal has expected risk
 * `ρ + (σ² + ρ)·k/(n − k − 1)` for n > k + 1, and +∞ otherwise (the probe's own double descent).
 *
 * @param residualShare ρ = 1 − overlap, the share of target signal outside the feature span.
 */
export function linearProbeRiskFinite(nSamples: number, features: number, residualShare: number, noiseVariance: number): number {
  requireInteger(nSamples, 'nSamples', 1);
  requireInteger(features, 'features', 1);
  requireUnitInterval(residualShare, 'residualShare');
  requireNonNegative(noiseVariance, 'noiseVariance');
  if (nSamples <= features + 1) return Number.POSITIVE_INFINITY;
  return residualShare + ((noiseVariance + residualShare) * features) / (nSamples - features - 1);
}

/**
 * Asymptotic k-feature probe risk with k/n = featureRatio < 1 held fixed:
 * `ρ + (σ² + ρ)·q/(1 − q)`, q = k/n (+∞ for q ≥ 1).
 */
export function linearProbeRiskAsymptotic(featureRatio: number, residualShare: number, noiseVariance: number): number {
  requireNonNegative(featureRatio, 'featureRatio');
  requireUnitInterval(residualShare, 'residualShare');
  requireNonNegative(noiseVariance, 'noiseVariance');
  if (featureRatio >= 1) return Number.POSITIVE_INFINITY;
  return residualShare + ((noiseVariance + residualShare) * featureRatio) / (1 - featureRatio);
}

/**
 * Ridge head with penalty λ on the per-sample loss (â = zᵀy/(zᵀz + nλ)), n → ∞:
 * `R_lt = 1 − (1 + 2λ)/(1 + λ)²·cos²θ`. λ = 0 gives sin²θ.
 */
export function ridgeHeadRiskAsymptotic(cosTheta: number, lambda: number): number {
  requireCosine(cosTheta, 'cosTheta');
  requireNonNegative(lambda, 'lambda');
  return 1 - ((1 + 2 * lambda) / ((1 + lambda) * (1 + lambda))) * cosTheta * cosTheta;
}

/**
 * Exact expected risk of the one-feature ridge head at finite n (derived here; see
 * docs/theory.md). With z = β_sᵀx ~ N(0, 1), y = cos θ·z + w where w ~ N(0, v), v = sin²θ + σ²,
 * independent of z, and S = zᵀz ~ χ²_n:
 * `â − cos θ = (zᵀw − cos θ·nλ)/(S + nλ)`, so
 * `E R = sin²θ + E_S[(S·v + cos²θ·(nλ)²)/(S + nλ)²]`, integrated numerically over χ²_n.
 * λ = 0 reduces to linearTransferRiskFinite.
 */
export function ridgeHeadRiskFinite(nSamples: number, cosTheta: number, noiseVariance: number, lambda: number): number {
  requireInteger(nSamples, 'nSamples', 1);
  requireCosine(cosTheta, 'cosTheta');
  requireNonNegative(noiseVariance, 'noiseVariance');
  requireNonNegative(lambda, 'lambda');
  if (lambda === 0) return linearTransferRiskFinite(nSamples, cosTheta, noiseVariance);
  const residual = sineSquared(cosTheta);
  const variance = residual + noiseVariance;
  const penalty = nSamples * lambda;
  const alignedSquared = cosTheta * cosTheta;
  const excess = chiSquaredExpectation((s) => (s * variance + alignedSquared * penalty * penalty) / ((s + penalty) * (s + penalty)), nSamples);
  return residual + excess;
}

/** Asymptotic linear-transfer gain T_lt = R_sc(γ, σ²) − sin²θ (> 0: transfer helps). */
export function linearTransferGainAsymptotic(gamma: number, cosTheta: number, noiseVariance: number): number {
  requirePositive(gamma, 'gamma');
  return scratchRiskAsymptotic(gamma, noiseVariance) - linearTransferRiskAsymptotic(cosTheta);
}

/** Exact finite-n linear-transfer gain: scratchRiskFinite − linearTransferRiskFinite. */
export function linearTransferGainFinite(nSamples: number, dimension: number, cosTheta: number, noiseVariance: number): number {
  return scratchRiskFinite(nSamples, dimension, noiseVariance) - linearTransferRiskFinite(nSamples, cosTheta, noiseVariance);
}

function checkedCos(cosTheta: number): number {
  requireCosine(cosTheta, 'cosTheta');
  return cosTheta;
}
