/**
 * TransRate (Huang et al., "Frustratingly Easy Transferability Estimation", ICML 2022).
 *
 *   R(Z, ε) = ½·log det(I + ZᵀZ/(n·ε))          (coding rate of n rows Z)
 *   TransRate = R(Z, ε) − (1/C)·Σ_c R(Z_c, ε),   ε = 1e-4
 * where Z are the features centred once by their global column means and Z_c the rows of class
 * c (not re-centred). Shapes: features N×D, labels N. Range: ≥ 0 in practice, higher is better.
 * The log-determinant uses a Cholesky factor of the smaller of the D×D and n×n forms (equal by
 * Sylvester's identity). Classification only.
 */
import { takeRows, type Matrix } from '../linalg/matrix';
import { centerColumns, gram, outerGram } from '../linalg/products';
import { logDeterminantSpd } from '../linalg/solve';
import type { ScoreDefinition } from './definition';
import { requireClassification, type PreparedInput } from './input';

export const TRANSRATE_EPSILON = 1e-4;

/** ½·log det(I + ZᵀZ/(n·ε)) for the rows of z. */
export function codingRate(z: Matrix, epsilon = TRANSRATE_EPSILON): number {
  const product = z.rows >= z.cols ? gram(z) : outerGram(z);
  const size = product.rows;
  const factor = 1 / (z.rows * epsilon);
  for (let i = 0; i < product.data.length; i++) product.data[i] *= factor;
  for (let i = 0; i < size; i++) product.data[i * size + i] += 1;
  return 0.5 * logDeterminantSpd(product);
}

export function transRate(input: PreparedInput, epsilon = TRANSRATE_EPSILON): number {
  requireClassification(input, 'TransRate');
  const { centered } = centerColumns(input.features);
  const whole = codingRate(centered, epsilon);
  const members: number[][] = Array.from({ length: input.nClasses }, () => []);
  for (let i = 0; i < input.nSamples; i++) members[input.classes[i]!]!.push(i);
  let perClass = 0;
  for (const rows of members) perClass += codingRate(takeRows(centered, rows), epsilon);
  return whole - perClass / input.nClasses;
}

export const transRateScore: ScoreDefinition = {
  key: 'transRate',
  title: 'TransRate',
  tasks: ['classification'],
  needsSourceProbabilities: false,
  invariant: { classRelabelling: true, sampleOrder: true, featurePermutation: true },
  compute: (input) => transRate(input),
};
