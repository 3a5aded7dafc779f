/**
 * Shared machinery of the cross-validated linear-probe scores: fold assignment (scikit-learn's
 * StratifiedKFold / KFold without shuffling, so folds are reproducible and match the golden
 * file), per-fold standardisation, L2-regularised multinomial logistic regression fitted with
 * L-BFGS, and ridge regression with an intercept.
 */
import { matrix, type Matrix } from '../linalg/matrix';
import { ridgeSolve } from '../linalg/solve';

export const PROBE_FOLDS = 5;

/**
 * Test fold of each sample as scikit-learn's StratifiedKFold(n_splits, shuffle=False): classes
 * are ordered by first appearance; sorted class codes are dealt round-robin into the folds to
 * fix how many of each class every fold gets; within a class, samples fill folds in order.
 */
export function stratifiedFolds(classes: Int32Array, nFolds = PROBE_FOLDS): Int32Array {
  const n = classes.length;
  const firstSeen = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!firstSeen.has(classes[i]!)) firstSeen.set(classes[i]!, firstSeen.size);
  const encoded = Int32Array.from(classes, (c) => firstSeen.get(c)!);
  const nClasses = firstSeen.size;
  const order = Int32Array.from(encoded).sort();
  const allocation = new Int32Array(nFolds * nClasses);
  for (let fold = 0; fold < nFolds; fold++) {
    for (let i = fold; i < n; i += nFolds) allocation[fold * nClasses + order[i]!]! += 1;
  }
  const folds = new Int32Array(n);
  const nextFold = new Int32Array(nClasses);
  const usedInFold = new Int32Array(nClasses);
  for (let i = 0; i < n; i++) {
    const c = encoded[i]!;
    while (usedInFold[c]! >= allocation[nextFold[c]! * nClasses + c]!) {
      nextFold[c]! += 1;
      usedInFold[c] = 0;
    }
    folds[i] = nextFold[c]!;
    usedInFold[c]! += 1;
  }
  return folds;
}

/** Test fold of each sample as scikit-learn's KFold(n_splits, shuffle=False): contiguous blocks. */
export function contiguousFolds(nSamples: number, nFolds = PROBE_FOLDS): Int32Array {
  const folds = new Int32Array(nSamples);
  let start = 0;
  for (let fold = 0; fold < nFolds; fold++) {
    const size = Math.floor(nSamples / nFolds) + (fold < nSamples % nFolds ? 1 : 0);
    folds.fill(fold, start, start + size);
    start += size;
  }
  return folds;
}

/** Rows of `x` where folds[i] is (or is not) `fold`. */
export function splitRows(x: Matrix, folds: Int32Array, fold: number): { train: Matrix; test: Matrix; trainIndex: number[]; testIndex: number[] } {
  const trainIndex: number[] = [];
  const testIndex: number[] = [];
  for (let i = 0; i < folds.length; i++) (folds[i] === fold ? testIndex : trainIndex).push(i);
  const pick = (indices: number[]) => {
    const out = matrix(indices.length, x.cols);
    indices.forEach((row, r) => out.data.set(x.data.subarray(row * x.cols, (row + 1) * x.cols), r * x.cols));
    return out;
  };
  return { train: pick(trainIndex), test: pick(testIndex), trainIndex, testIndex };
}

/** Standardises train and test with the train columns' mean and population SD (SD 0 → 1), like StandardScaler. */
export function standardize(train: Matrix, test: Matrix): void {
  const d = train.cols;
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  for (let r = 0; r < train.rows; r++) for (let j = 0; j < d; j++) mean[j] += train.data[r * d + j]!;
  for (let j = 0; j < d; j++) mean[j] /= train.rows;
  for (let r = 0; r < train.rows; r++) {
    for (let j = 0; j < d; j++) {
      const deviation = train.data[r * d + j]! - mean[j]!;
      variance[j] += deviation * deviation;
    }
  }
  const scale = Float64Array.from(variance, (v) => {
    const sd = Math.sqrt(v / train.rows);
    return sd > 0 ? sd : 1;
  });
  for (const m of [train, test]) {
    for (let r = 0; r < m.rows; r++) for (let j = 0; j < d; j++) m.data[r * d + j] = (m.data[r * d + j]! - mean[j]!) / scale[j]!;
  }
}

/**
 * Multinomial logistic regression minimising ½‖W‖² + C·Σ_i −log softmax(x_iW + b)_{y_i}
 * (intercept b not penalised), the objective of scikit-learn's LogisticRegression(lbfgs).
 * Returns weights (D+1)×K with the intercept in the last row.
 */
export function fitLogistic(x: Matrix, classes: Int32Array, nClasses: number, inverseRegularisation = 1): Matrix {
  const n = x.rows;
  const d = x.cols;
  const k = nClasses;
  const size = (d + 1) * k;
  const logits = new Float64Array(k);
  const evaluate = (w: Float64Array, gradient: Float64Array): number => {
    let loss = 0;
    gradient.fill(0);
    for (let i = 0; i < n; i++) {
      const row = i * d;
      for (let c = 0; c < k; c++) logits[c] = w[d * k + c]!;
      for (let j = 0; j < d; j++) {
        const v = x.data[row + j]!;
        if (v === 0) continue;
        for (let c = 0; c < k; c++) logits[c] += v * w[j * k + c]!;
      }
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, logits[c]!);
      let sum = 0;
      for (let c = 0; c < k; c++) {
        logits[c] = Math.exp(logits[c]! - max);
        sum += logits[c]!;
      }
      const y = classes[i]!;
      loss += -Math.log(logits[y]! / sum);
      for (let c = 0; c < k; c++) {
        const residual = (logits[c]! / sum - (c === y ? 1 : 0)) * inverseRegularisation;
        if (residual === 0) continue;
        for (let j = 0; j < d; j++) gradient[j * k + c] += residual * x.data[row + j]!;
        gradient[d * k + c] += residual;
      }
    }
    loss *= inverseRegularisation;
    for (let i = 0; i < d * k; i++) {
      loss += 0.5 * w[i]! * w[i]!;
      gradient[i] += w[i]!;
    }
    return loss;
  };
  const weights = minimizeLbfgs(evaluate, new Float64Array(size));
  return matrix(d + 1, k, weights);
}

/** Predicted class per row for weights from fitLogistic. */
export function predictLogistic(x: Matrix, weights: Matrix): Int32Array {
  const d = x.cols;
  const k = weights.cols;
  const out = new Int32Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let c = 0; c < k; c++) {
      let v = weights.data[d * k + c]!;
      for (let j = 0; j < d; j++) v += x.data[i * d + j]! * weights.data[j * k + c]!;
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * Limited-memory BFGS with a backtracking Armijo line search, for smooth convex objectives.
 * Stops when the largest gradient component is ≤ 1e-9·max(1, |f|) or after 2000 iterations.
 */
export function minimizeLbfgs(evaluate: (w: Float64Array, gradient: Float64Array) => number, start: Float64Array): Float64Array {
  const size = start.length;
  const memory = 10;
  let w = Float64Array.from(start);
  let gradient = new Float64Array(size);
  let value = evaluate(w, gradient);
  const steps: Float64Array[] = [];
  const changes: Float64Array[] = [];
  const rhos: number[] = [];
  const direction = new Float64Array(size);
  const alphas = new Float64Array(memory);
  const candidate = new Float64Array(size);
  const candidateGradient = new Float64Array(size);
  for (let iteration = 0; iteration < 2000; iteration++) {
    let gradientMax = 0;
    for (let i = 0; i < size; i++) gradientMax = Math.max(gradientMax, Math.abs(gradient[i]!));
    if (gradientMax <= 1e-9 * Math.max(1, Math.abs(value))) break;
    // Two-loop recursion: direction = −H·g.
    direction.set(gradient);
    for (let m = steps.length - 1; m >= 0; m--) {
      let dot = 0;
      for (let i = 0; i < size; i++) dot += steps[m]![i]! * direction[i]!;
      alphas[m] = rhos[m]! * dot;
      for (let i = 0; i < size; i++) direction[i] -= alphas[m]! * changes[m]![i]!;
    }
    let scaling = 1 / Math.max(gradientMax, 1);
    if (steps.length) {
      const last = steps.length - 1;
      let sy = 0;
      let yy = 0;
      for (let i = 0; i < size; i++) {
        sy += steps[last]![i]! * changes[last]![i]!;
        yy += changes[last]![i]! * changes[last]![i]!;
      }
      scaling = sy / yy;
    }
    for (let i = 0; i < size; i++) direction[i] *= scaling;
    for (let m = 0; m < steps.length; m++) {
      let dot = 0;
      for (let i = 0; i < size; i++) dot += changes[m]![i]! * direction[i]!;
      const beta = rhos[m]! * dot;
      for (let i = 0; i < size; i++) direction[i] += steps[m]![i]! * (alphas[m]! - beta);
    }
    for (let i = 0; i < size; i++) direction[i] = -direction[i]!;
    let slope = 0;
    for (let i = 0; i < size; i++) slope += gradient[i]! * direction[i]!;
    if (slope >= 0) {
      // Not a descent direction (curvature information went stale): restart from steepest descent.
      steps.length = 0;
      changes.length = 0;
      rhos.length = 0;
      for (let i = 0; i < size; i++) direction[i] = -gradient[i]! / Math.max(gradientMax, 1);
      slope = 0;
      for (let i = 0; i < size; i++) slope += gradient[i]! * direction[i]!;
    }
    let step = 1;
    let candidateValue = Infinity;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < size; i++) candidate[i] = w[i]! + step * direction[i]!;
      candidateValue = evaluate(candidate, candidateGradient);
      if (candidateValue <= value + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(candidateValue < value) && !(candidateValue <= value + 1e-4 * step * slope)) break;
    const s = new Float64Array(size);
    const y = new Float64Array(size);
    let sy = 0;
    for (let i = 0; i < size; i++) {
      s[i] = candidate[i]! - w[i]!;
      y[i] = candidateGradient[i]! - gradient[i]!;
      sy += s[i]! * y[i]!;
    }
    w = Float64Array.from(candidate);
    gradient = Float64Array.from(candidateGradient);
    const improvement = value - candidateValue;
    value = candidateValue;
    if (sy > 1e-16) {
      if (steps.length === memory) {
        steps.shift();
        changes.shift();
        rhos.shift();
      }
      steps.push(s);
      changes.push(y);
      rhos.push(1 / sy);
    }
    if (improvement <= 1e-16 * Math.max(1, Math.abs(value))) break;
  }
  return w;
}

/** Ridge with an unpenalised intercept: returns predictions for `test`. */
export function ridgePredict(train: Matrix, trainTargets: Matrix, test: Matrix, lambda: number): Matrix {
  const k = trainTargets.cols;
  const targetMeans = new Float64Array(k);
  for (let r = 0; r < trainTargets.rows; r++) for (let c = 0; c < k; c++) targetMeans[c] += trainTargets.data[r * k + c]!;
  for (let c = 0; c < k; c++) targetMeans[c] /= trainTargets.rows;
  const centredTargets = matrix(trainTargets.rows, k, trainTargets.data);
  for (let r = 0; r < trainTargets.rows; r++) for (let c = 0; c < k; c++) centredTargets.data[r * k + c] -= targetMeans[c]!;
  // Features are standardised on the train fold, so they are already centred there.
  const coefficients = ridgeSolve(train, centredTargets, lambda);
  const d = train.cols;
  const predictions = matrix(test.rows, k);
  for (let r = 0; r < test.rows; r++) {
    for (let c = 0; c < k; c++) {
      let v = targetMeans[c]!;
      for (let j = 0; j < d; j++) v += test.data[r * d + j]! * coefficients.data[j * k + c]!;
      predictions.data[r * k + c] = v;
    }
  }
  return predictions;
}
