/**
 * NCE: Negative Conditional Entropy (Tran et al., "Transferability and Hardness of Supervised
 * Classification Tasks", ICCV 2019).
 *
 * With z_i = argmax of the source head's output on target sample i (first maximum on ties) and
 * y_i its target class: P(y, z) = (1/N)·#{i : y_i = y, z_i = z}, and
 *   NCE = −H(Y | Z) = Σ_{y,z} P(y, z)·log P(y | z)
 * Source classes never predicted are masked out (0·log 0 = 0). Shapes: sourceProbabilities
 * N×Cs (or any scores whose argmax is the hard prediction), labels N. Range [−log Ct, 0],
 * higher is better. Classification only; needs the source head's outputs.
 */
import type { ScoreDefinition } from './definition';
import { requireClassification, requireSourceProbabilities, type PreparedInput } from './input';

export function nce(input: PreparedInput): number {
  requireClassification(input, 'NCE');
  const theta = requireSourceProbabilities(input, 'NCE');
  const n = input.nSamples;
  const sourceClasses = theta.cols;
  const targetClasses = input.nClasses;
  const counts = new Float64Array(targetClasses * sourceClasses);
  const sourceCounts = new Float64Array(sourceClasses);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestValue = theta.data[i * sourceClasses]!;
    for (let z = 1; z < sourceClasses; z++) {
      const v = theta.data[i * sourceClasses + z]!;
      if (v > bestValue) {
        bestValue = v;
        best = z;
      }
    }
    counts[input.classes[i]! * sourceClasses + best] += 1;
    sourceCounts[best] += 1;
  }
  let total = 0;
  for (let y = 0; y < targetClasses; y++) {
    for (let z = 0; z < sourceClasses; z++) {
      const count = counts[y * sourceClasses + z]!;
      if (count === 0) continue;
      total += (count / n) * Math.log(count / sourceCounts[z]!);
    }
  }
  return total;
}

export const nceScore: ScoreDefinition = {
  key: 'nce',
  title: 'NCE',
  tasks: ['classification'],
  needsSourceProbabilities: true,
  invariant: { classRelabelling: true, sampleOrder: true, featurePermutation: true },
  compute: (input) => nce(input),
};
