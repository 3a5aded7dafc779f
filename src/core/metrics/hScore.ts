/**
 * H-score (Bao et al., "An Information-Theoretic Approach to Transferability in Task Transfer
 * Learning", ICIP 2019).
 *
 *   H = tr(cov(F)⁺ · cov(E[F | y]))
 * where cov uses ddof 1, E[F | y] replaces each sample's features by its class mean, and ⁺ is the
 * pseudo-inverse with relative cut-off 1e-15 on the eigenvalues (numpy pinv's rcond). Shapes:
 * features N×D, labels N. Range [0, min(C − 1, D)]: it saturates at C − 1 when D ≥ N − 1 (the
 * covariance is then singular and every class split looks perfect), which is flagged.
 * Classification only.
 *
 * Computed as Σ_i (1/λ_i)·v_iᵀ cov(E[F|y]) v_i over the eigenpairs of cov(F), with
 * cov(E[F|y]) = (1/(N−1)) Σ_c n_c (μ_c − μ)(μ_c − μ)ᵀ projected without forming it.
 */
import { matrix, type Matrix } from '../linalg/matrix';
import { symmetricEigenProjected } from '../linalg/eigen';
import { centerColumns, gram } from '../linalg/products';
import type { ScoreContext, ScoreDefinition } from './definition';
import { classMeans, requireClassification, type PreparedInput } from './input';

/** D×C matrix whose columns are sqrt(n_c)·(μ_c − μ): its outer product is the between-class scatter. */
export function weightedClassMeanDeviations(input: PreparedInput & { classes: Int32Array; classCounts: Int32Array }, overallMeans: Float64Array): Matrix {
  const means = classMeans(input);
  const d = input.nFeatures;
  const out = matrix(d, input.nClasses);
  for (let c = 0; c < input.nClasses; c++) {
    const weight = Math.sqrt(input.classCounts[c]!);
    for (let j = 0; j < d; j++) out.data[j * input.nClasses + c] = weight * (means.data[c * d + j]! - overallMeans[j]!);
  }
  return out;
}

/**
 * tr(A⁺·B) for symmetric PSD A given as eigenpairs projected onto B's factor: B = (1/scale)·MMᵀ.
 * Eigenvalues ≤ 1e-15·λ_max are treated as zero (pseudo-inverse).
 */
export function tracePseudoInverseProduct(a: Matrix, factor: Matrix, scale: number, eigenvalueShift = 0, eigenvalueScale = 1): number {
  const { values, projections } = symmetricEigenProjected(a, factor);
  const width = factor.cols;
  const shifted = values.map((v) => eigenvalueScale * v + eigenvalueShift);
  const cutoff = 1e-15 * Math.max(...shifted.map(Math.abs), 0);
  let total = 0;
  for (let i = 0; i < shifted.length; i++) {
    const lambda = shifted[i]!;
    if (!(lambda > cutoff)) continue;
    let energy = 0;
    for (let c = 0; c < width; c++) {
      const p = projections.data[i * width + c]!;
      energy += p * p;
    }
    total += energy / lambda;
  }
  return total / scale;
}

export function hScore(input: PreparedInput, context?: ScoreContext): number {
  requireClassification(input, 'H-score');
  const { centered, means } = centerColumns(input.features);
  const covariance = gram(centered);
  const ddof = input.nSamples - 1;
  for (let i = 0; i < covariance.data.length; i++) covariance.data[i] /= ddof;
  if (input.nFeatures >= input.nSamples - 1) {
    context?.warn(`H-score saturates at C − 1 = ${input.nClasses - 1} when D (${input.nFeatures}) ≥ N − 1 (${input.nSamples - 1}); use shrinkageHScore`);
  }
  return tracePseudoInverseProduct(covariance, weightedClassMeanDeviations(input, means), ddof);
}

export const hScoreScore: ScoreDefinition = {
  key: 'hScore',
  title: 'H-score',
  tasks: ['classification'],
  needsSourceProbabilities: false,
  invariant: { classRelabelling: true, sampleOrder: true, featurePermutation: true },
  compute: (input, context) => hScore(input, context),
};
