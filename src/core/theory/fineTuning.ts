/**
 * Full fine-tuning in the linear teacher–student model (method.md §5): gradient descent from the
 * source solution β_s converges to the interpolant closest to β_s, so in the d − n directions the
 * target data never constrain the pretrained predictor is kept. FT beats scratch only when β_s is
 * closer to β_t than the zero predictor is, hence the dependence on the SIGNED cos θ: a
 * sign-flipped source is harmful for FT while harmless for a linear probe. For γ ≥ 1 the data
 * pin down every direction and FT equals scratch: T_ft = 0 exactly.
 */
import { scratchRiskFinite } from './scratch';
import { requireCosine, requireInteger, requireNonNegative, requirePositive } from './validate';

/**
 * The paper's noise-free fine-tuning gain: `T_ft = (1 − γ)(2 cos θ − 1)` for γ < 1, exactly 0
 * for γ ≥ 1.
 */
export function fineTuningGainPaper(gamma: number, cosTheta: number): number {
  requirePositive(gamma, 'gamma');
  requireCosine(cosTheta, 'cosTheta');
  if (gamma >= 1) return 0;
  return (1 - gamma) * (2 * cosTheta - 1);
}

/**
 * The noise-corrected scale c: the positive root of `c⁴ − a c² − b = 0` with a = 1 − γ and
 * b = γ + σ²γ/(1 − γ), i.e. `c² = (a + sqrt(a² + 4b))/2`. c = 1 without noise. Defined for
 * γ < 1 only (null for γ ≥ 1, where T_ft = 0 regardless).
 */
export function noiseCorrectedScale(gamma: number, noiseVariance: number): number | null {
  requirePositive(gamma, 'gamma');
  requireNonNegative(noiseVariance, 'noiseVariance');
  if (gamma >= 1) return null;
  const a = 1 - gamma;
  const b = gamma + (noiseVariance * gamma) / (1 - gamma);
  return Math.sqrt((a + Math.sqrt(a * a + 4 * b)) / 2);
}

/**
 * Fine-tuning gain with the noise-corrected c: `T_ft = (1 − γ)(2c·cos θ − c²)` for γ < 1,
 * exactly 0 for γ ≥ 1. FT helps iff cos θ > c/2.
 */
export function fineTuningGain(gamma: number, cosTheta: number, noiseVariance: number): number {
  requireCosine(cosTheta, 'cosTheta');
  const c = noiseCorrectedScale(gamma, noiseVariance);
  if (c === null) return 0;
  return (1 - gamma) * (2 * c * cosTheta - c * c);
}

/**
 * Exact expected risk of min-norm fine-tuning from β_s (c = 1) at finite n, d:
 * `(1 − n/d)(2 − 2 cos θ) + σ² n/(d − n − 1)` for n < d − 1; equal to the scratch risk for
 * n > d + 1; +∞ in between when σ² > 0.
 */
export function fineTuningRiskFinite(nSamples: number, dimension: number, cosTheta: number, noiseVariance: number): number {
  requireInteger(nSamples, 'nSamples', 1);
  requireInteger(dimension, 'dimension', 1);
  requireCosine(cosTheta, 'cosTheta');
  requireNonNegative(noiseVariance, 'noiseVariance');
  if (nSamples >= dimension) return scratchRiskFinite(nSamples, dimension, noiseVariance);
  const bias = (1 - nSamples / dimension) * (2 - 2 * cosTheta);
  if (noiseVariance === 0) return bias;
  if (nSamples < dimension - 1) return bias + (noiseVariance * nSamples) / (dimension - nSamples - 1);
  return Number.POSITIVE_INFINITY;
}

/**
 * Exact finite-n fine-tuning gain (c = 1): `(1 − n/d)(2 cos θ − 1)` for n < d (the noise terms
 * of scratch and FT are identical and cancel, even at the spike), 0 for n ≥ d.
 */
export function fineTuningGainFinite(nSamples: number, dimension: number, cosTheta: number): number {
  requireInteger(nSamples, 'nSamples', 1);
  requireInteger(dimension, 'dimension', 1);
  requireCosine(cosTheta, 'cosTheta');
  if (nSamples >= dimension) return 0;
  return (1 - nSamples / dimension) * (2 * cosTheta - 1);
}
