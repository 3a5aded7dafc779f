/**
 * The input every transferability score takes, its validation, and the typed error a score
 * throws when the input cannot be scored. Validation happens once, at the boundary
 * (`prepareScoreInput`), so each score can assume finite values, matching row counts and
 * dense class indices 0..C−1.
 */
import { matrix, type Matrix } from '../linalg/matrix';

export type ScoreTask = 'classification' | 'regression';

/** What a caller passes in. Exactly one of `labels` (classification) or `targets` (regression). */
export interface ScoreInput {
  /** N×D features of the target samples at the chosen layer. */
  readonly features: Matrix;
  /** N integer class labels (any non-negative integers; they are re-indexed densely). */
  readonly labels?: Int32Array | readonly number[];
  /** N×K real targets (regression, or multi-label as 0/1 columns). */
  readonly targets?: Matrix;
  /** N×Cs source-head softmax probabilities on the target samples (LEEP, NCE). */
  readonly sourceProbabilities?: Matrix;
  /** Defaults to `classification` when labels are given, else `regression`. */
  readonly task?: ScoreTask;
}

/** The validated form the scores work from. */
export interface PreparedInput {
  readonly task: ScoreTask;
  readonly features: Matrix;
  readonly nSamples: number;
  readonly nFeatures: number;
  /** Dense class index per sample (classification only). */
  readonly classes?: Int32Array;
  readonly nClasses: number;
  /** Samples per class (classification only). */
  readonly classCounts?: Int32Array;
  /** N×K targets: the given targets, or the one-hot encoding of the classes. */
  readonly targets: Matrix;
  readonly sourceProbabilities?: Matrix;
}

/** A problem with the input, naming the argument and what to change. Never a programmer error. */
export class ScoreInputError extends Error {
  constructor(
    message: string,
    /** The offending argument: `features`, `labels`, `targets`, `sourceProbabilities`, `task`, `scores`. */
    readonly argument: string,
  ) {
    super(message);
    this.name = 'ScoreInputError';
  }
}

function checkFinite(data: ArrayLike<number>, argument: string, cols: number): void {
  for (let i = 0; i < data.length; i++) {
    const value = data[i]!;
    if (!Number.isFinite(value)) {
      const row = Math.floor(i / Math.max(cols, 1));
      const col = i % Math.max(cols, 1);
      throw new ScoreInputError(
        `${argument} contains ${value} at row ${row}, column ${col}; remove or impute non-finite values`,
        argument,
      );
    }
  }
}

/** One-hot N×C matrix of dense class indices. */
export function oneHot(classes: Int32Array, nClasses: number): Matrix {
  const out = matrix(classes.length, nClasses);
  for (let i = 0; i < classes.length; i++) out.data[i * nClasses + classes[i]!] = 1;
  return out;
}

/**
 * Validates and normalises a score input. Throws ScoreInputError naming the argument when
 * shapes disagree, values are not finite, labels are not non-negative integers, there are
 * fewer than two samples, or source probabilities are not probability rows.
 */
export function prepareScoreInput(input: ScoreInput): PreparedInput {
  const { features } = input;
  if (!features || !(features.data instanceof Float64Array)) {
    throw new ScoreInputError('features must be an N×D float64 Matrix', 'features');
  }
  if (features.data.length !== features.rows * features.cols) {
    throw new ScoreInputError(`features has ${features.data.length} values for shape ${features.rows}×${features.cols}`, 'features');
  }
  const nSamples = features.rows;
  if (nSamples < 2) throw new ScoreInputError(`features has ${nSamples} rows; at least 2 samples are needed`, 'features');
  if (features.cols < 1) throw new ScoreInputError('features has no columns', 'features');
  checkFinite(features.data, 'features', features.cols);

  const task: ScoreTask = input.task ?? (input.labels ? 'classification' : 'regression');
  if (task !== 'classification' && task !== 'regression') {
    throw new ScoreInputError(`task must be 'classification' or 'regression', got '${String(task)}'`, 'task');
  }

  let sourceProbabilities: Matrix | undefined;
  if (input.sourceProbabilities) {
    const p = input.sourceProbabilities;
    if (p.rows !== nSamples) {
      throw new ScoreInputError(`sourceProbabilities has ${p.rows} rows but features has ${nSamples}; give one row per sample`, 'sourceProbabilities');
    }
    if (p.cols < 1) throw new ScoreInputError('sourceProbabilities has no columns', 'sourceProbabilities');
    checkFinite(p.data, 'sourceProbabilities', p.cols);
    for (let i = 0; i < p.rows; i++) {
      let sum = 0;
      for (let j = 0; j < p.cols; j++) {
        const v = p.data[i * p.cols + j]!;
        if (v < 0) {
          throw new ScoreInputError(`sourceProbabilities row ${i} has a negative entry (${v}); pass softmax probabilities, not logits`, 'sourceProbabilities');
        }
        sum += v;
      }
      if (Math.abs(sum - 1) > 1e-6) {
        throw new ScoreInputError(`sourceProbabilities row ${i} sums to ${sum}, not 1; pass softmax probabilities, not logits`, 'sourceProbabilities');
      }
    }
    sourceProbabilities = p;
  }

  if (task === 'classification') {
    const labels = input.labels;
    if (!labels) throw new ScoreInputError('classification needs labels (one integer class per sample)', 'labels');
    if (labels.length !== nSamples) {
      throw new ScoreInputError(`labels has ${labels.length} entries but features has ${nSamples} rows`, 'labels');
    }
    const distinct = new Set<number>();
    for (let i = 0; i < labels.length; i++) {
      const v = labels[i]!;
      if (!Number.isInteger(v) || v < 0) {
        throw new ScoreInputError(`labels[${i}] is ${v}; class labels must be non-negative integers`, 'labels');
      }
      distinct.add(v);
    }
    const sorted = [...distinct].sort((a, b) => a - b);
    if (sorted.length < 2) throw new ScoreInputError('labels has a single class; scores need at least two classes', 'labels');
    const index = new Map(sorted.map((v, i) => [v, i]));
    const classes = new Int32Array(nSamples);
    const classCounts = new Int32Array(sorted.length);
    for (let i = 0; i < nSamples; i++) {
      const c = index.get(labels[i]!)!;
      classes[i] = c;
      classCounts[c]! += 1;
    }
    return {
      task, features, nSamples, nFeatures: features.cols, classes, nClasses: sorted.length, classCounts,
      targets: oneHot(classes, sorted.length), sourceProbabilities,
    };
  }
  const targets = input.targets;
  if (!targets) throw new ScoreInputError('regression needs targets (an N×K matrix)', 'targets');
  if (targets.rows !== nSamples) {
    throw new ScoreInputError(`targets has ${targets.rows} rows but features has ${nSamples}`, 'targets');
  }
  if (targets.cols < 1) throw new ScoreInputError('targets has no columns', 'targets');
  checkFinite(targets.data, 'targets', targets.cols);
  return { task, features, nSamples, nFeatures: features.cols, nClasses: 0, targets, sourceProbabilities };
}

/** For scores that only make sense for classification. */
export function requireClassification(input: PreparedInput, score: string): asserts input is PreparedInput & { classes: Int32Array; classCounts: Int32Array } {
  if (input.task !== 'classification' || !input.classes || !input.classCounts) {
    throw new ScoreInputError(`${score} supports classification only; pass integer labels with task 'classification'`, 'task');
  }
}

/** For scores that need the source head's probabilities. */
export function requireSourceProbabilities(input: PreparedInput, score: string): Matrix {
  if (!input.sourceProbabilities) {
    throw new ScoreInputError(`${score} needs sourceProbabilities (the source head's softmax outputs on the target samples)`, 'sourceProbabilities');
  }
  return input.sourceProbabilities;
}

/** Per-class means (C×D) of the features. */
export function classMeans(input: PreparedInput & { classes: Int32Array; classCounts: Int32Array }): Matrix {
  const d = input.nFeatures;
  const means = matrix(input.nClasses, d);
  const f = input.features.data;
  for (let i = 0; i < input.nSamples; i++) {
    const c = input.classes[i]!;
    for (let j = 0; j < d; j++) means.data[c * d + j] += f[i * d + j]!;
  }
  for (let c = 0; c < input.nClasses; c++) {
    for (let j = 0; j < d; j++) means.data[c * d + j] /= input.classCounts[c]!;
  }
  return means;
}
