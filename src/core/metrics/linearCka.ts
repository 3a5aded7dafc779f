/**
 * Linear CKA: centred kernel alignment with linear kernels (Kornblith et al., "Similarity of
 * Neural Network Representations Revisited", ICML 2019), between the features and the targets
 * (one-hot labels for classification, the target columns for regression).
 *
 *   CKA(X, Y) = ‖XᵀY‖²_F / (‖XᵀX‖_F·‖YᵀY‖_F),   X, Y column-centred
 * Shapes: features N×D, labels N or targets N×K. Range [0, 1], higher is better. Uses the
 * D×D or N×N form of ‖XᵀX‖_F, whichever is smaller (‖XᵀX‖_F = ‖XXᵀ‖_F).
 */
import type { Matrix } from '../linalg/matrix';
import { centerColumns, crossProduct, gram, outerGram } from '../linalg/products';
import type { ScoreDefinition } from './definition';
import type { PreparedInput } from './input';

function frobeniusNorm(m: Matrix): number {
  let s = 0;
  for (let i = 0; i < m.data.length; i++) s += m.data[i]! * m.data[i]!;
  return Math.sqrt(s);
}

function gramNorm(x: Matrix): number {
  return frobeniusNorm(x.rows >= x.cols ? gram(x) : outerGram(x));
}

/** Linear CKA between two representations with the same rows. */
export function linearCkaOf(x: Matrix, y: Matrix): number {
  const xc = centerColumns(x).centered;
  const yc = centerColumns(y).centered;
  const cross = frobeniusNorm(crossProduct(xc, yc));
  const normalisation = gramNorm(xc) * gramNorm(yc);
  return normalisation === 0 ? 0 : (cross * cross) / normalisation;
}

export const linearCkaScore: ScoreDefinition = {
  key: 'linearCka',
  title: 'Linear CKA',
  tasks: ['classification', 'regression'],
  needsSourceProbabilities: false,
  invariant: { classRelabelling: true, sampleOrder: true, featurePermutation: true },
  compute: (input: PreparedInput) => linearCkaOf(input.features, input.targets),
};
