/**
 * Shrinkage H-score (Ibrahim, Ponomareva, Mazumder, "Newer is not always better: Rethinking
 * transferability metrics, their peculiarities, stability and performance", ECML-PKDD 2022).
 *
 *   H_α = (1 − α)·tr(Σ_α⁺ · cov(E[F | y])),   Σ_α = (1 − α)·S + α·(tr S / D)·I
 * where S is the empirical covariance of the centred features (ddof 0), α the Ledoit–Wolf
 * shrinkage intensity (scikit-learn's `ledoit_wolf_shrinkage`) and cov(E[F|y]) the class-mean
 * covariance with ddof 1. Shapes: features N×D, labels N. Range [0, C − 1), higher is better;
 * stays informative when D ≥ N where the plain H-score saturates. Classification only.
 */
import type { Matrix } from '../linalg/matrix';
import { centerColumns, gram } from '../linalg/products';
import type { ScoreDefinition } from './definition';
import { requireClassification, type PreparedInput } from './input';
import { tracePseudoInverseProduct, weightedClassMeanDeviations } from './hScore';

/**
 * Ledoit–Wolf shrinkage intensity of centred data X (N×D) whose Gram XᵀX is given, as in
 * scikit-learn: β = (Σ_n ‖x_n‖⁴/N − ‖XᵀX‖²_F/N)/(N·D), δ = ‖S − μI‖²_F/D, α = min(β, δ)/δ.
 */
export function ledoitWolfShrinkage(centered: Matrix, centeredGram: Matrix): number {
  const n = centered.rows;
  const d = centered.cols;
  let trace = 0;
  for (let j = 0; j < d; j++) trace += centeredGram.data[j * d + j]!;
  const empiricalTrace = trace / n; // Σ_j S_jj
  const mu = empiricalTrace / d;
  let fourthMoments = 0;
  for (let r = 0; r < n; r++) {
    let rowNorm = 0;
    for (let j = 0; j < d; j++) {
      const v = centered.data[r * d + j]!;
      rowNorm += v * v;
    }
    fourthMoments += rowNorm * rowNorm;
  }
  let gramFrobenius = 0;
  for (let i = 0; i < centeredGram.data.length; i++) gramFrobenius += centeredGram.data[i]! * centeredGram.data[i]!;
  const deltaRaw = gramFrobenius / (n * n);
  let beta = (fourthMoments / n - deltaRaw) / (d * n);
  const delta = (deltaRaw - 2 * mu * empiricalTrace + d * mu * mu) / d;
  beta = Math.min(beta, delta);
  return beta === 0 ? 0 : beta / delta;
}

export function shrinkageHScore(input: PreparedInput): number {
  requireClassification(input, 'Shrinkage H-score');
  const { centered, means } = centerColumns(input.features);
  const centeredGram = gram(centered);
  const alpha = ledoitWolfShrinkage(centered, centeredGram);
  const d = input.nFeatures;
  let trace = 0;
  for (let j = 0; j < d; j++) trace += centeredGram.data[j * d + j]!;
  const mu = trace / input.nSamples / d;
  // Σ_α shares S's eigenvectors; its eigenvalues are (1 − α)·λ_gram/N + α·μ, since S = Gram/N.
  const scatter = tracePseudoInverseProduct(
    centeredGram, weightedClassMeanDeviations(input, means), input.nSamples - 1, alpha * mu, (1 - alpha) / input.nSamples,
  );
  return (1 - alpha) * scatter;
}

export const shrinkageHScoreScore: ScoreDefinition = {
  key: 'shrinkageHScore',
  title: 'Shrinkage H-score',
  tasks: ['classification'],
  needsSourceProbabilities: false,
  invariant: { classRelabelling: true, sampleOrder: true, featurePermutation: true },
  compute: (input) => shrinkageHScore(input),
};
