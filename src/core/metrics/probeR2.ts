/**
 * Linear-probe R²: the mean 5-fold cross-validated coefficient of determination of a ridge
 * regression (λ = 1, unpenalised intercept) on standardised features.
 *
 *   R²_fold = mean over target columns of 1 − Σ(y − ŷ)²/Σ(y − ȳ_test)²
 * on KFold(5, shuffle=False) contiguous folds (scikit-learn's r2_score, uniform average over
 * outputs). Shapes: features N×D, targets N×K (at least 5 samples). Range (−∞, 1], higher is
 * better. Depends on sample order through the folds. Regression only.
 */
import type { ScoreDefinition } from './definition';
import { ScoreInputError, type PreparedInput } from './input';
import { contiguousFolds, PROBE_FOLDS, ridgePredict, splitRows, standardize } from './linearProbe';

export const PROBE_RIDGE_LAMBDA = 1;

export function probeR2(input: PreparedInput): number {
  if (input.task !== 'regression') {
    throw new ScoreInputError("probeR2 supports regression only (use probeAccuracy for classification)", 'task');
  }
  if (input.nSamples < PROBE_FOLDS) {
    throw new ScoreInputError(`probeR2 needs at least ${PROBE_FOLDS} samples for ${PROBE_FOLDS}-fold CV, got ${input.nSamples}`, 'features');
  }
  const folds = contiguousFolds(input.nSamples);
  const k = input.targets.cols;
  let total = 0;
  for (let fold = 0; fold < PROBE_FOLDS; fold++) {
    const { train, test } = splitRows(input.features, folds, fold);
    const targets = splitRows(input.targets, folds, fold);
    standardize(train, test);
    const predicted = ridgePredict(train, targets.train, test, PROBE_RIDGE_LAMBDA);
    let foldScore = 0;
    for (let c = 0; c < k; c++) {
      let mean = 0;
      for (let r = 0; r < test.rows; r++) mean += targets.test.data[r * k + c]!;
      mean /= test.rows;
      let residual = 0;
      let spread = 0;
      for (let r = 0; r < test.rows; r++) {
        const y = targets.test.data[r * k + c]!;
        residual += (y - predicted.data[r * k + c]!) ** 2;
        spread += (y - mean) ** 2;
      }
      // scikit-learn's convention for a constant test column: 1 if predicted exactly, else 0.
      foldScore += spread > 0 ? 1 - residual / spread : residual === 0 ? 1 : 0;
    }
    total += foldScore / k;
  }
  return total / PROBE_FOLDS;
}

export const probeR2Score: ScoreDefinition = {
  key: 'probeR2',
  title: 'Linear-probe R² (5-fold CV)',
  tasks: ['regression'],
  needsSourceProbabilities: false,
  invariant: { classRelabelling: true, sampleOrder: false, featurePermutation: true },
  compute: (input) => probeR2(input),
};
