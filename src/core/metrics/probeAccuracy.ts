/**
 * Linear-probe accuracy: the mean 5-fold cross-validated accuracy of a multinomial logistic
 * regression on standardised features — the slow, honest proxy the other scores approximate.
 *
 * Matches scikit-learn's make_pipeline(StandardScaler(), LogisticRegression(C=1.0)) evaluated on
 * StratifiedKFold(5, shuffle=False): objective ½‖W‖² + Σ_i −log p(y_i | x_i), intercept not
 * penalised, fitted to convergence. Shapes: features N×D, labels N (at least 5 samples).
 * Range [0, 1], higher is better. Depends on sample order through the folds. Classification only.
 */
import type { ScoreDefinition } from './definition';
import { requireClassification, ScoreInputError, type PreparedInput } from './input';
import { fitLogistic, PROBE_FOLDS, predictLogistic, splitRows, standardize, stratifiedFolds } from './linearProbe';

export interface ProbeResult {
  readonly mean: number;
  readonly perFold: readonly number[];
  readonly folds: Int32Array;
}

export function probeAccuracyDetails(input: PreparedInput, folds?: Int32Array): ProbeResult {
  requireClassification(input, 'probeAccuracy');
  if (input.nSamples < PROBE_FOLDS) {
    throw new ScoreInputError(`probeAccuracy needs at least ${PROBE_FOLDS} samples for ${PROBE_FOLDS}-fold CV, got ${input.nSamples}`, 'features');
  }
  const assignment = folds ?? stratifiedFolds(input.classes);
  const perFold: number[] = [];
  for (let fold = 0; fold < PROBE_FOLDS; fold++) {
    const { train, test, trainIndex, testIndex } = splitRows(input.features, assignment, fold);
    if (testIndex.length === 0) continue;
    standardize(train, test);
    const weights = fitLogistic(train, Int32Array.from(trainIndex, (i) => input.classes[i]!), input.nClasses);
    const predicted = predictLogistic(test, weights);
    let correct = 0;
    testIndex.forEach((sample, r) => (correct += predicted[r] === input.classes[sample] ? 1 : 0));
    perFold.push(correct / testIndex.length);
  }
  return { mean: perFold.reduce((a, b) => a + b, 0) / perFold.length, perFold, folds: assignment };
}

export const probeAccuracyScore: ScoreDefinition = {
  key: 'probeAccuracy',
  title: 'Linear-probe accuracy (5-fold CV)',
  tasks: ['classification'],
  needsSourceProbabilities: false,
  invariant: { classRelabelling: true, sampleOrder: false, featurePermutation: true },
  compute: (input) => probeAccuracyDetails(input).mean,
};
