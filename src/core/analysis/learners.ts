/**
 * Learners: the two arms of the comparison (transfer and scratch) behind one interface, so the
 * verdict can treat a closed-form ridge probe and a TF.js network training alike. Also the loss
 * that turns predictions into per-sample risks and the k-fold evaluation that pairs them.
 */
import { matrix, type Matrix } from '../linalg/matrix';
import type { RunControl } from '../model/progress';
import { throwIfAborted } from '../model/progress';
import type { TaskKind } from '../model/config';
import { fitRidge, predictRidge, subtractStats, sufficientStats, type SufficientStats } from './ridge';
import { foldAssignment, foldIndices, stratifiedSample } from './sampling';
import { ContentHasher, hashMatrix, hashRows } from './contentHash';

/** Target data of the analysis sample. */
export interface Target {
  readonly task: TaskKind;
  /** Regression: N×q values. Classification: N×C one-hot. */
  readonly y: Matrix;
  /** Classification: class index per row. */
  readonly classes?: Int32Array;
  readonly numClasses?: number;
  /** Sum over outputs of the per-output variance of y (regression risk normaliser). */
  readonly totalVariance: number;
}

export interface Learner {
  /** `transfer:linear-probe`, `transfer:full`, `scratch`, `scratch-ridge`, ... */
  readonly id: string;
  readonly label: string;
  /** True when one fit costs seconds (network training) rather than milliseconds. */
  readonly expensive: boolean;
  /**
   * Trains on rows `train` of the analysis sample and returns predictions for rows `test`
   * (regression: values; classification: class scores), shape test.length × outputs.
   */
  fitPredict(train: Int32Array, test: Int32Array, control?: RunControl): Promise<Matrix>;
  /**
   * Content identity of everything `fitPredict` depends on besides the rows: the learner's data,
   * targets, hyper-parameters, seed and a version string. Set it only when fits are deterministic
   * (same key and rows → same predictions, bit for bit): analyzeTransfer then reuses stored
   * predictions through `AnalysisInput.learnerCache` instead of fitting (issue #15).
   */
  readonly cacheKey?: string;
  /**
   * Facts a fit leaves behind that the caller reads (e.g. the tuned λ of the TF-IDF arm): `take`
   * returns those of the last fit, stored with its predictions; `replay` applies them on a cache hit,
   * so a cached run reports the same.
   */
  readonly fitMeta?: { take(): unknown; replay(meta: unknown): void };
}

/** Stored predictions of one fit (see Learner.cacheKey). */
export interface CachedFit {
  readonly predictions: Matrix;
  readonly meta?: unknown;
}

/** Persistent store of fits, injected by the node layer (AnalysisInput.learnerCache). */
export interface LearnerCache {
  get(key: string): Promise<CachedFit | undefined>;
  set(key: string, value: CachedFit): Promise<void>;
}

/** Hits, misses and fitting time of the cached learners of one analysis. */
export interface LearnerCacheStats {
  hits: number;
  misses: number;
  /** Learners without a cacheKey (always fitted). */
  uncached: number;
  /** Time spent in fitPredict on misses and uncached fits (ms, by the injected clock). */
  fitMs: number;
  /** Per learner id: [hits, misses]. */
  readonly byLearner: Record<string, [number, number]>;
}

export function emptyLearnerCacheStats(): LearnerCacheStats {
  return { hits: 0, misses: 0, uncached: 0, fitMs: 0, byLearner: {} };
}

/** The cache key of one fit: the learner's identity plus hashes of its train and test rows. */
export function fitCacheKey(learner: Learner, train: Int32Array, test: Int32Array): string | undefined {
  return learner.cacheKey === undefined ? undefined : `${learner.id}|${learner.cacheKey}|train:${train.length}:${hashRows(train)}|test:${test.length}:${hashRows(test)}`;
}

/**
 * The learner with its fits read from / written to `cache` (learners without a cacheKey are only
 * counted). Everything but `fitPredict` is the learner's own.
 */
export function withLearnerCache(learner: Learner, cache: LearnerCache | undefined, stats: LearnerCacheStats, now: () => number = () => 0): Learner {
  const count = (hit: boolean) => {
    const entry = (stats.byLearner[learner.id] ??= [0, 0]);
    entry[hit ? 0 : 1]++;
    if (hit) stats.hits++;
    else stats.misses++;
  };
  return {
    id: learner.id,
    label: learner.label,
    expensive: learner.expensive,
    ...(learner.cacheKey !== undefined ? { cacheKey: learner.cacheKey } : {}),
    ...(learner.fitMeta ? { fitMeta: learner.fitMeta } : {}),
    async fitPredict(train, test, control) {
      const key = cache ? fitCacheKey(learner, train, test) : undefined;
      if (cache && key !== undefined) {
        const hit = await cache.get(key);
        if (hit && hit.predictions.rows === test.length) {
          if (hit.meta !== undefined) learner.fitMeta?.replay(hit.meta);
          count(true);
          return hit.predictions;
        }
      }
      const t = now();
      const predictions = await learner.fitPredict(train, test, control);
      stats.fitMs += now() - t;
      if (cache && key !== undefined) {
        count(false);
        const meta = learner.fitMeta?.take();
        await cache.set(key, meta === undefined ? { predictions } : { predictions, meta });
      } else {
        stats.uncached++;
      }
      return predictions;
    },
  };
}

/** Content identity of a target (task, values, classes). */
export function targetIdentity(target: Target): string {
  const h = new ContentHasher().string(target.task).matrix(target.y);
  if (target.classes) h.words32(target.classes);
  return `${target.numClasses ?? 0}:${h.digest()}`;
}

export function makeTarget(task: TaskKind, y: Matrix, classes?: Int32Array, numClasses?: number): Target {
  let totalVariance = 0;
  for (let c = 0; c < y.cols; c++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < y.rows; i++) {
      const v = y.data[i * y.cols + c]!;
      s += v;
      s2 += v * v;
    }
    totalVariance += s2 / y.rows - (s / y.rows) ** 2;
  }
  return { task, y, classes, numClasses, totalVariance: totalVariance > 0 ? totalVariance : 1 };
}

/** One-hot encodes class indices. */
export function oneHot(classes: Int32Array, numClasses: number): Matrix {
  const m = matrix(classes.length, numClasses);
  classes.forEach((c, i) => (m.data[i * numClasses + c] = 1));
  return m;
}

/**
 * Per-sample loss of predictions on rows `rows`: regression → squared error summed over outputs
 * divided by the total variance of y (so 1.0 = predicting the mean); classification → 0/1 error.
 */
export function perSampleLoss(target: Target, rows: Int32Array, predictions: Matrix): Float64Array {
  const out = new Float64Array(rows.length);
  const q = target.y.cols;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    if (target.task === 'classification' && target.classes) {
      let best = 0;
      for (let c = 1; c < predictions.cols; c++) if (predictions.data[r * predictions.cols + c]! > predictions.data[r * predictions.cols + best]!) best = c;
      out[r] = best === target.classes[i] ? 0 : 1;
    } else {
      let s = 0;
      for (let c = 0; c < q; c++) s += (predictions.data[r * q + c]! - target.y.data[i * q + c]!) ** 2;
      out[r] = s / target.totalVariance;
    }
  }
  return out;
}

function stableOptions(options: { lambda?: number; minRelativeLambda?: number }): string {
  return `lambda=${options.lambda ?? ''};minRel=${options.minRelativeLambda ?? ''}`;
}

/** Ridge learner on a fixed design matrix (features of the checkpoint, or raw inputs). */
export function ridgeLearner(id: string, label: string, design: Matrix, target: Target, options: { lambda?: number; minRelativeLambda?: number } = {}): Learner & { stats: SufficientStats } {
  // Computed on first use: a re-analysis served from the fit cache never needs them.
  let statsOf: SufficientStats | undefined;
  const allStats = () => (statsOf ??= sufficientStats(design, target.y));
  let key: string | undefined;
  return {
    id,
    label,
    expensive: false,
    get stats() {
      return allStats();
    },
    // The exact design and targets (hashed once, on first use) and the options: fits are closed-form.
    get cacheKey() {
      key ??= `ridge-v1|${stableOptions(options)}|x:${hashMatrix(design)}|y:${targetIdentity(target)}`;
      return key;
    },
    async fitPredict(train, test) {
      // When train and test partition every row, the training statistics are the total minus the
      // held-out rows' (one pass over the small side); otherwise sum the training rows.
      const partition = train.length + test.length === design.rows && train.length > test.length;
      const trainStats = partition ? subtractStats(allStats(), sufficientStats(design, target.y, test)) : sufficientStats(design, target.y, train);
      const model = fitRidge(trainStats, options);
      return predictRidge(model, design, test);
    },
  };
}

export interface CvResult {
  /**
   * `cv` (k-fold): loss per row of `rows`, from the fold where the row was held out.
   * `holdout` (repeated hold-out): mean test loss per repeat, each repeat an independent draw of
   * `trainSize` training rows tested on rows outside it.
   */
  readonly losses: Float64Array;
  /** How `losses` were measured (absent = `cv`). */
  readonly kind?: 'cv' | 'holdout';
  /** Hold-out only: the per-sample test losses of every repeat (same test rows for every learner). */
  readonly testLosses?: readonly Float64Array[];
  readonly meanRisk: number;
  readonly trainSize: number;
  readonly testSize: number;
  readonly folds: number;
  /** Repeated k-fold CV: how many runs `losses` holds (run after run, N per-row values each); absent = 1. */
  readonly repeats?: number;
}

/**
 * K-fold cross-validation of several learners on the same rows and folds, so their per-sample
 * losses can be paired.
 */
export async function crossValidate(
  learners: readonly Learner[],
  rows: Int32Array,
  target: Target,
  folds: number,
  seed: number,
  control?: RunControl,
): Promise<Map<string, CvResult>> {
  const classesOfRows = target.classes ? Int32Array.from(rows, (i) => target.classes![i]!) : undefined;
  const assignment = foldAssignment(rows.length, folds, seed, classesOfRows);
  const losses = new Map(learners.map((l) => [l.id, new Float64Array(rows.length)]));
  for (let f = 0; f < folds; f++) {
    const { train, test } = foldIndices(assignment, f);
    const trainRows = Int32Array.from(train, (i) => rows[i]!);
    const testRows = Int32Array.from(test, (i) => rows[i]!);
    for (const learner of learners) {
      throwIfAborted(control?.signal);
      const pred = await learner.fitPredict(trainRows, testRows, control);
      const l = perSampleLoss(target, testRows, pred);
      const dest = losses.get(learner.id)!;
      test.forEach((pos, j) => (dest[pos] = l[j]!));
    }
  }
  const result = new Map<string, CvResult>();
  for (const learner of learners) {
    const l = losses.get(learner.id)!;
    result.set(learner.id, {
      losses: l,
      meanRisk: l.reduce((s, v) => s + v, 0) / l.length,
      trainSize: Math.round((rows.length * (folds - 1)) / folds),
      testSize: Math.round(rows.length / folds),
      folds,
    });
  }
  return result;
}

/**
 * Repeated k-fold cross-validation (Bouckaert & Frank, 2004): `repeats` runs of crossValidate on
 * the same rows with different fold assignments. Per learner, `losses` holds every run's per-row
 * losses one run after the other (so paired differences stay paired), `meanRisk` their mean and
 * `repeats` the run count, which the corrected standard error (stats.ts nadeauBengioSe) uses.
 */
export async function repeatedCrossValidate(
  learners: readonly Learner[],
  rows: Int32Array,
  target: Target,
  folds: number,
  seed: number,
  repeats: number,
  control?: RunControl,
): Promise<Map<string, CvResult>> {
  if (repeats <= 1) return crossValidate(learners, rows, target, folds, seed, control);
  const runs: Map<string, CvResult>[] = [];
  for (let r = 0; r < repeats; r++) runs.push(await crossValidate(learners, rows, target, folds, seed + 7919 * r, control));
  const result = new Map<string, CvResult>();
  for (const learner of learners) {
    const parts = runs.map((run) => run.get(learner.id)!);
    const losses = new Float64Array(rows.length * repeats);
    parts.forEach((part, r) => losses.set(part.losses, r * rows.length));
    result.set(learner.id, { ...parts[0]!, losses, meanRisk: losses.reduce((s, v) => s + v, 0) / losses.length, repeats });
  }
  return result;
}

/**
 * Repeated hold-out at training size `size`, for when the sample has many more rows than the
 * configured n: each repeat trains every learner on the same fresh stratified draw of `size` rows
 * out of `total` and tests on (at most `testCap` of) the rows outside it. This measures the
 * expected risk at n itself — what training on n rows gives on average — where k-fold CV inside n
 * rows trains on 0.8·n and tests on n rows in all. Losses are per-repeat means, so their spread
 * over repeats carries the training-draw variability directly.
 */
export async function repeatedHoldout(
  learners: readonly Learner[],
  total: number,
  size: number,
  repeats: number,
  testCap: number,
  target: Target,
  seed: number,
  control?: RunControl,
): Promise<Map<string, CvResult>> {
  const losses = new Map(learners.map((l) => [l.id, new Float64Array(repeats)]));
  const perSample = new Map<string, Float64Array[]>(learners.map((l) => [l.id, []]));
  let testSize = 0;
  for (let r = 0; r < repeats; r++) {
    const train = stratifiedSample(total, size, seed + 7919 * (r + 1), target.classes);
    const inTrain = new Uint8Array(total);
    train.forEach((i) => (inTrain[i] = 1));
    const rest = Int32Array.from({ length: total - train.length }, () => 0);
    let k = 0;
    for (let i = 0; i < total; i++) if (!inTrain[i]) rest[k++] = i;
    const restClasses = target.classes ? Int32Array.from(rest, (i) => target.classes![i]!) : undefined;
    const test = rest.length > testCap ? Int32Array.from(stratifiedSample(rest.length, testCap, seed + 104729 * (r + 1), restClasses), (j) => rest[j]!) : rest;
    testSize = test.length;
    for (const learner of learners) {
      throwIfAborted(control?.signal);
      const pred = await learner.fitPredict(train, test, control);
      const l = perSampleLoss(target, test, pred);
      losses.get(learner.id)![r] = l.reduce((a, b) => a + b, 0) / l.length;
      perSample.get(learner.id)!.push(l);
    }
  }
  const result = new Map<string, CvResult>();
  for (const learner of learners) {
    const l = losses.get(learner.id)!;
    result.set(learner.id, { losses: l, kind: 'holdout', testLosses: perSample.get(learner.id)!, meanRisk: l.reduce((a, b) => a + b, 0) / l.length, trainSize: size, testSize, folds: repeats });
  }
  return result;
}
