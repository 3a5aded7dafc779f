/**
 * GBC: Gaussian Bhattacharyya Coefficient (Pándy et al., "Transferability Estimation using
 * Bhattacharyya Class Separability", CVPR 2022), spherical variant as in the authors' code.
 *
 * Each class c is a Gaussian with mean μ_c and variance σ²_c = mean over dimensions of the
 * per-dimension population variances, each floored at 1e-4. For classes c ≠ c' with
 * σ̄² = (σ²_c + σ²_c')/2:
 *   D_B(c, c') = ‖μ_c − μ_c'‖²/(8σ̄²) + ½·[log σ̄² − ½ log σ²_c − ½ log σ²_c']
 *   GBC = −Σ_{c ≠ c'} exp(−D_B(c, c'))      (ordered pairs: each unordered pair counts twice)
 * When D > 64 the centred features are first projected on their top 64 principal directions.
 * Shapes: features N×D, labels N. Range [−C(C − 1), 0], higher (closer to 0) is better.
 * Classification only.
 */
import { matrix, type Matrix } from '../linalg/matrix';
import { symmetricEigen } from '../linalg/eigen';
import { centerColumns, gram, matMul } from '../linalg/products';
import type { ScoreDefinition } from './definition';
import { requireClassification, type PreparedInput } from './input';

const MAX_DIMENSIONS = 64;
const VARIANCE_FLOOR = 1e-4;

/** The centred features projected on their top `dimensions` principal directions. */
export function principalComponents(features: Matrix, dimensions: number): Matrix {
  const { centered } = centerColumns(features);
  const { vectors } = symmetricEigen(gram(centered));
  const d = features.cols;
  const top = matrix(d, dimensions);
  for (let i = 0; i < d; i++) for (let j = 0; j < dimensions; j++) top.data[i * dimensions + j] = vectors.data[i * d + j]!;
  return matMul(centered, top);
}

export function gbc(input: PreparedInput): number {
  requireClassification(input, 'GBC');
  const features = input.nFeatures > MAX_DIMENSIONS ? principalComponents(input.features, MAX_DIMENSIONS) : input.features;
  const d = features.cols;
  const classes = input.nClasses;
  const means = new Float64Array(classes * d);
  for (let i = 0; i < input.nSamples; i++) {
    const c = input.classes[i]!;
    for (let j = 0; j < d; j++) means[c * d + j] += features.data[i * d + j]!;
  }
  for (let c = 0; c < classes; c++) for (let j = 0; j < d; j++) means[c * d + j] /= input.classCounts[c]!;
  const variances = new Float64Array(classes * d);
  for (let i = 0; i < input.nSamples; i++) {
    const c = input.classes[i]!;
    for (let j = 0; j < d; j++) {
      const deviation = features.data[i * d + j]! - means[c * d + j]!;
      variances[c * d + j] += deviation * deviation;
    }
  }
  const spherical = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    let total = 0;
    for (let j = 0; j < d; j++) total += Math.max(variances[c * d + j]! / input.classCounts[c]!, VARIANCE_FLOOR);
    spherical[c] = total / d;
  }
  let score = 0;
  for (let a = 0; a < classes; a++) {
    for (let b = 0; b < classes; b++) {
      if (a === b) continue;
      const average = (spherical[a]! + spherical[b]!) / 2;
      let distance = 0;
      for (let j = 0; j < d; j++) {
        const difference = means[a * d + j]! - means[b * d + j]!;
        distance += difference * difference;
      }
      const bhattacharyya =
        distance / average / 8 + 0.5 * (Math.log(average) - 0.5 * Math.log(spherical[a]!) - 0.5 * Math.log(spherical[b]!));
      score += Math.exp(-bhattacharyya);
    }
  }
  return -score;
}

export const gbcScore: ScoreDefinition = {
  key: 'gbc',
  title: 'GBC',
  tasks: ['classification'],
  needsSourceProbabilities: false,
  // Above 64 dimensions the PCA step is rotation-invariant; below it, per-dimension variances
  // are only averaged, so permuting columns leaves the score unchanged either way.
  invariant: { classRelabelling: true, sampleOrder: true, featurePermutation: true },
  compute: (input) => gbc(input),
};
