/**
 * LEEP: Log Expected Empirical Prediction (Nguyen et al., "LEEP: A New Measure to Evaluate
 * Transferability of Learned Representations", ICML 2020).
 *
 * With θ_i the source head's softmax output on target sample i (Cs source classes) and y_i its
 * target class (Ct classes):
 *   P(y, z) = (1/N) Σ_i θ_iz·[y_i = y],   P(y | z) = P(y, z) / Σ_y' P(y', z)
 *   LEEP = (1/N) Σ_i log Σ_z P(y_i | z)·θ_iz
 * Shapes: sourceProbabilities N×Cs (rows sum to 1), labels N. Range (−∞, 0], higher is better;
 * 0 means the source outputs determine the target label.
 *
 * A source class that no sample gives mass to has an undefined P(y | z); its θ_iz are all 0, so
 * it contributes nothing and is skipped (the reference code divides 0 by 0 and returns NaN on
 * one-hot predictions). Classification only; needs the source head's probabilities.
 */
import type { ScoreDefinition } from './definition';
import { requireClassification, requireSourceProbabilities, type PreparedInput } from './input';

export function leep(input: PreparedInput): number {
  requireClassification(input, 'LEEP');
  const theta = requireSourceProbabilities(input, 'LEEP');
  const n = input.nSamples;
  const sourceClasses = theta.cols;
  const targetClasses = input.nClasses;
  const joint = new Float64Array(targetClasses * sourceClasses);
  for (let i = 0; i < n; i++) {
    const base = input.classes[i]! * sourceClasses;
    for (let z = 0; z < sourceClasses; z++) joint[base + z] += theta.data[i * sourceClasses + z]! / n;
  }
  const conditional = new Float64Array(targetClasses * sourceClasses);
  for (let z = 0; z < sourceClasses; z++) {
    let marginal = 0;
    for (let y = 0; y < targetClasses; y++) marginal += joint[y * sourceClasses + z]!;
    if (marginal === 0) continue;
    for (let y = 0; y < targetClasses; y++) conditional[y * sourceClasses + z] = joint[y * sourceClasses + z]! / marginal;
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const base = input.classes[i]! * sourceClasses;
    let expected = 0;
    for (let z = 0; z < sourceClasses; z++) expected += conditional[base + z]! * theta.data[i * sourceClasses + z]!;
    total += Math.log(expected);
  }
  return total / n;
}

export const leepScore: ScoreDefinition = {
  key: 'leep',
  title: 'LEEP',
  tasks: ['classification'],
  needsSourceProbabilities: true,
  invariant: { classRelabelling: true, sampleOrder: true, featurePermutation: true },
  compute: (input) => leep(input),
};
