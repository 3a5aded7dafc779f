/**
 * LogME: the logarithm of the maximum marginal evidence of a Bayesian linear model on the
 * features (You et al., "LogME: Practical Assessment of Pre-trained Models for Transfer
 * Learning", ICML 2021; fixed-point algorithm of You et al., "Ranking and Tuning Pre-trained
 * Models", JMLR 2022).
 *
 * Model per target column y (N): y = F·w + ε, w ~ N(0, α⁻¹I_D), ε ~ N(0, β⁻¹I_N). With the SVD
 * F = U·diag(s)·Vᵀ (rank k), σ_i = s_i², x = Uᵀy, the fixed point iterates, from α = β = 1 and
 * t = α/β:
 *   γ = Σ σ_i/(σ_i + t),  m² = Σ σ_i x_i²/(t + σ_i)²,  r² = Σ x_i²/(1 + σ_i/t)² + (‖y‖² − ‖x‖²)₊
 *   α = γ/(m² + 1e-5),    β = (N − γ)/(r² + 1e-5)
 * for at most 11 iterations, stopping when |α/β − t|/t ≤ 1e-3. The evidence per sample is
 *   L = [D/2·log α + N/2·log β − ½Σ log(α + βσ_i) − β/2·r² − α/2·m² − N/2·log 2π
 *        − (D − k)/2·log α] / N
 * The last term (absent from the reference code) accounts for the D − k directions with σ = 0,
 * whose log(α + β·0) the sum over k omits; without it scores are inflated when D > N.
 *
 * Shapes: features N×D; classification uses the one-hot columns of the labels (no centring, no
 * intercept), regression the N×K targets. Score = mean over target columns of L. Range: (−∞, ∞),
 * higher is better; typical values lie in about [−2, 2].
 *
 * Numerics: when N > D the spectrum comes from FᵀF (D×D) and x from Vᵀ(Fᵀy)/s, never forming U;
 * directions with s ≤ 1e-10 are dropped as in the reference. When N ≤ D it comes from FFᵀ (N×N).
 * The eigensolver projects the targets directly, so no eigenvector matrix is formed either.
 */
import type { Matrix } from '../linalg/matrix';
import { symmetricEigenProjected } from '../linalg/eigen';
import { crossProduct, gram, outerGram } from '../linalg/products';
import type { ScoreDefinition, ScoreOptions } from './definition';

const EPSILON = 1e-5;
const MAX_ITERATIONS = 11;
const TOLERANCE = 1e-3;
/** Singular values at or below this are treated as zero (the reference's absolute cut-off). */
const SINGULAR_VALUE_CUTOFF = 1e-10;

export interface LogmeTargetResult {
  readonly evidence: number;
  readonly alpha: number;
  readonly beta: number;
  readonly iterations: number;
  /** α/β at the start of the last iteration: m² and r² are evaluated at this ratio. */
  readonly tLast: number;
}

export interface LogmeResult {
  /** Mean evidence per sample over the target columns: the score. */
  readonly score: number;
  readonly perTarget: readonly LogmeTargetResult[];
  /** Rank k actually used. */
  readonly rank: number;
}

/**
 * Fixed-point LogME of one target given the spectrum σ (length k), its projections x² and
 * ‖y‖². Exposed for tests and for callers that reuse one decomposition for many targets.
 */
export function logmeEvidence(
  sigma: Float64Array, projectedSquares: Float64Array, targetSquaredNorm: number, nSamples: number, nFeatures: number,
): LogmeTargetResult {
  const k = sigma.length;
  let projectedTotal = 0;
  for (let i = 0; i < k; i++) projectedTotal += projectedSquares[i]!;
  // Rounding can make ‖y‖² − ‖x‖² slightly negative when y lies in the span: clamp at 0.
  const residualOutsideSpan = Math.max(targetSquaredNorm - projectedTotal, 0);
  let alpha = 1;
  let beta = 1;
  let m2 = 0;
  let res2 = 0;
  let iterations = 0;
  let tLast = 1;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    iterations = iteration + 1;
    const t = alpha / beta;
    tLast = t;
    let gamma = 0;
    m2 = 0;
    res2 = 0;
    for (let i = 0; i < k; i++) {
      const s = sigma[i]!;
      const x2 = projectedSquares[i]!;
      gamma += s / (s + t);
      const shifted = t + s;
      m2 += (s * x2) / (shifted * shifted);
      const shrink = 1 + s / t;
      res2 += x2 / (shrink * shrink);
    }
    res2 += residualOutsideSpan;
    alpha = gamma / (m2 + EPSILON);
    beta = (nSamples - gamma) / (res2 + EPSILON);
    const tNew = alpha / beta;
    if (Math.abs(tNew - t) / t <= TOLERANCE) break;
  }
  let logDeterminant = 0;
  for (let i = 0; i < k; i++) logDeterminant += Math.log(alpha + beta * sigma[i]!);
  const evidence =
    (nFeatures / 2) * Math.log(alpha) +
    (nSamples / 2) * Math.log(beta) -
    0.5 * logDeterminant -
    (beta / 2) * res2 -
    (alpha / 2) * m2 -
    (nSamples / 2) * Math.log(2 * Math.PI) -
    ((nFeatures - k) / 2) * Math.log(alpha);
  return { evidence: evidence / nSamples, alpha, beta, iterations, tLast };
}

/**
 * LogME of features (N×D) for the target columns of `targets` (N×K). See the module comment.
 * `options.gram` replaces the float64 FᵀF (the only O(N·D²) step) when N > D.
 */
export function logme(features: Matrix, targets: Matrix, options: ScoreOptions = {}): LogmeResult {
  const n = features.rows;
  const d = features.cols;
  const nTargets = targets.cols;
  let eigenvalues: Float64Array;
  let projections: Matrix;
  let scaleBySingularValue: boolean;
  if (n > d) {
    const featureGram = (options.gram ?? gram)(features);
    const projected = symmetricEigenProjected(featureGram, crossProduct(features, targets));
    eigenvalues = projected.values;
    projections = projected.projections; // Vᵀ Fᵀ y = s·x
    scaleBySingularValue = true;
  } else {
    const projected = symmetricEigenProjected(outerGram(features), targets);
    eigenvalues = projected.values;
    projections = projected.projections; // Uᵀ y = x
    scaleBySingularValue = false;
  }
  let k = 0;
  while (k < eigenvalues.length && eigenvalues[k]! > SINGULAR_VALUE_CUTOFF * SINGULAR_VALUE_CUTOFF) k++;
  const sigma = eigenvalues.slice(0, k);
  const perTarget: LogmeTargetResult[] = [];
  const squares = new Float64Array(k);
  let total = 0;
  for (let c = 0; c < nTargets; c++) {
    for (let i = 0; i < k; i++) {
      const p = projections.data[i * nTargets + c]!;
      squares[i] = scaleBySingularValue ? (p * p) / sigma[i]! : p * p;
    }
    let norm = 0;
    for (let r = 0; r < n; r++) {
      const v = targets.data[r * nTargets + c]!;
      norm += v * v;
    }
    const result = logmeEvidence(sigma, squares, norm, n, d);
    perTarget.push(result);
    total += result.evidence;
  }
  return { score: total / nTargets, perTarget, rank: k };
}

export const logmeScore: ScoreDefinition = {
  key: 'logme',
  title: 'LogME',
  tasks: ['classification', 'regression'],
  needsSourceProbabilities: false,
  invariant: { classRelabelling: true, sampleOrder: true, featurePermutation: true },
  compute(input, context) {
    return logme(input.features, input.targets, context.options).score;
  },
};

