/**
 * Generates one benchmark case folder with its ground truth, by actually training scratch and
 * transfer on R independent draws of the target training set:
 *  - linear cases: exact float64 solutions (min-norm / least squares: where gradient descent
 *    converges, which is what the theory describes) and exact population risk σ² + ‖β̂ − β_t‖²
 *    (for x ~ N(0, I) that IS the risk on an infinite test set);
 *  - ReLU cases: TF.js training (Adam, the config's learning rate, epochs and batch size) and the
 *    risk on an independent 4,000-row test set.
 * Folder layout: see docs/benchmark.md ("Case folder format").
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createRandom,
  unitVectorPair,
  leastSquaresFrom,
  probeEstimate,
  squaredDistance,
  scratchRiskFinite,
  linearTransferRiskFinite,
  linearProbeRiskFinite,
  fineTuningRiskFinite,
  type RandomSource,
} from '../../src/core/theory';
import type { CaseSpec, LinearCase, ReluCase } from './cases';
import { buildModel, forwardDense, saveCheckpoint, toFloat32Values, type DenseLayerSpec } from './checkpoint';
import { roundForCsv, writeCsv } from './csv';
import { classifyGain, meanAndStandardError, type TrueSign } from './stats';

export const TRUTH_SCHEMA = 1;
const SOURCE_ROWS = 300;
const TEST_ROWS = 4000;
/** Optimiser settings written into linear cases' configs (the truth is the converged solution). */
const LINEAR_NOMINAL = { lr: 0.01, epochs: 200, batch: 32 } as const;

export interface Truth {
  readonly schema: number;
  readonly id: string;
  readonly family: string;
  readonly task: 'regression' | 'classification';
  readonly strategy: 'freeze' | 'full';
  readonly n: number;
  readonly inputDim: number;
  readonly featureDim: number;
  readonly numClasses?: number;
  readonly draws: number;
  /** `mse` (regression, label units²) or `error rate` (classification). */
  readonly riskName: string;
  /** How risks were measured: `exact-population` (linear) or `test-set:<rows>`. */
  readonly riskMeasurement: string;
  readonly scratchRisk: number;
  readonly scratchRiskSE: number;
  readonly transferRisk: number;
  readonly transferRiskSE: number;
  /** Mean over draws of risk(scratch) − risk(transfer): > 0 means transfer helps. */
  readonly gainMean: number;
  readonly gainSE: number;
  /** 95% t-interval of the mean gain. */
  readonly gainLow: number;
  readonly gainHigh: number;
  readonly trueSign: TrueSign;
  readonly minimumEffect: number;
  /** The gain on the very draw written to train.csv. */
  readonly gainOnTrainCsv: number;
  /** Var(y) of the target (for tools that report risks normalised by it). */
  readonly labelVariance: number;
  /** Classification: mean cross-entropy of each arm (nats). */
  readonly crossEntropy?: { readonly scratch: number; readonly transfer: number };
  /** Linear cases: the closed-form expected gain (src/core/theory) for comparison. */
  readonly theoryGain?: number;
  readonly parameters: Readonly<Record<string, number | string>>;
  readonly generationSeconds: number;
}

let replicate = 0;
let poolFactor = 1;
/**
 * Pool mode (`run.ts --pool F`): train.csv holds F·n rows — the n rows of the first draw, then
 * (F − 1)·n more from the same target distribution, drawn from a separate seeded stream so the
 * truth (defined at n = max_train_samples) is the same as without a pool. Models the common case
 * of a dataset larger than the configured n.
 */
export function setPoolFactor(f: number): void {
  poolFactor = Math.max(1, Math.floor(f));
}
function poolRandom(caseId: string): RandomSource {
  return createRandom(seedFromId(caseId) ^ 0x5bd1e995);
}
function withPool(inputs: Float64Array, labels: Float64Array, extra: { inputs: Float64Array; labels: Float64Array } | undefined) {
  if (!extra) return { inputs, labels };
  const allInputs = new Float64Array(inputs.length + extra.inputs.length);
  allInputs.set(inputs);
  allInputs.set(extra.inputs, inputs.length);
  const allLabels = new Float64Array(labels.length + extra.labels.length);
  allLabels.set(labels);
  allLabels.set(extra.labels, labels.length);
  return { inputs: allInputs, labels: allLabels };
}
/**
 * Independent replicate r > 0 of every case (same specs, fresh draws of teachers, data and
 * truth): `run.ts --replicate r`. Replicate 0 is the published set.
 */
export function setReplicate(r: number): void {
  replicate = r;
}

/** A stable 32-bit seed from the case id (and replicate), so each folder is reproducible on its own. */
export function seedFromId(caseId: string): number {
  const id = replicate ? `${caseId}#${replicate}` : caseId;
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619) >>> 0;
  return h;
}

export async function generateCase(spec: CaseSpec, folder: string): Promise<Truth> {
  mkdirSync(folder, { recursive: true });
  const started = Date.now();
  const truth = spec.kind === 'linear' ? await generateLinear(spec, folder) : await generateRelu(spec, folder);
  const withTime = { ...truth, generationSeconds: Math.round((Date.now() - started) / 100) / 10 };
  writeFileSync(join(folder, 'truth.json'), JSON.stringify(withTime, null, 2) + '\n');
  return withTime;
}

function writeConfig(folder: string, spec: CaseSpec, task: 'regression' | 'classification', learningRate: number, epochs: number, batchSize: number): void {
  const lines = [
    `# TransferLens ground-truth benchmark case ${spec.id} (generated by bench/groundtruth; do not edit).`,
    `# Truth: truth.json. Format: docs/benchmark.md.`,
    `model_name_or_path: ./model.json`,
    `train_file: ./train.csv`,
    `label_column_name: label`,
    `problem_type: ${task === 'regression' ? 'regression' : 'single_label_classification'}`,
    `max_train_samples: ${spec.nSamples}`,
    `finetuning_type: ${spec.strategy}`,
    `learning_rate: ${learningRate}`,
    `num_train_epochs: ${epochs}`,
    `per_device_train_batch_size: ${batchSize}`,
    `source_train_file: ./source.csv`,
    `seed: 0`,
  ];
  writeFileSync(join(folder, 'config.yaml'), lines.join('\n') + '\n');
}

function gaussianRows(rows: number, dimension: number, random: RandomSource, shift = 0, scale = 1): Float64Array {
  const values = new Float64Array(rows * dimension);
  for (let i = 0; i < values.length; i++) values[i] = roundForCsv(shift + scale * random.normal());
  return values;
}

function writeSource(folder: string, spec: CaseSpec, random: RandomSource): void {
  const inputs = gaussianRows(SOURCE_ROWS, spec.dimension, random, spec.sourceShift, spec.sourceScale);
  const header = Array.from({ length: spec.dimension }, (_, j) => `x${j}`);
  writeCsv(join(folder, 'source.csv'), header, SOURCE_ROWS, (r) => Array.from(inputs.subarray(r * spec.dimension, (r + 1) * spec.dimension)));
}

function writeTrain(folder: string, dimension: number, inputs: Float64Array, labels: Float64Array): void {
  const header = [...Array.from({ length: dimension }, (_, j) => `x${j}`), 'label'];
  writeCsv(join(folder, 'train.csv'), header, labels.length, (r) => [...Array.from(inputs.subarray(r * dimension, (r + 1) * dimension)), labels[r]!]);
}

// ---------------------------------------------------------------- linear teacher–student

/** Orthonormal d × k basis (row-major) whose first column is `first`. */
function spanContaining(first: Float64Array, features: number, random: RandomSource): Float64Array {
  const dimension = first.length;
  const columns: Float64Array[] = [Float64Array.from(first)];
  while (columns.length < features) {
    const v = new Float64Array(dimension);
    for (let j = 0; j < dimension; j++) v[j] = random.normal();
    for (const c of columns) {
      let dot = 0;
      for (let j = 0; j < dimension; j++) dot += v[j]! * c[j]!;
      for (let j = 0; j < dimension; j++) v[j] = v[j]! - dot * c[j]!;
    }
    let norm = 0;
    for (let j = 0; j < dimension; j++) norm += v[j]! * v[j]!;
    for (let j = 0; j < dimension; j++) v[j] = v[j]! / Math.sqrt(norm);
    columns.push(v);
  }
  const basis = new Float64Array(dimension * features);
  for (let j = 0; j < dimension; j++) for (let f = 0; f < features; f++) basis[j * features + f] = columns[f]![j]!;
  return basis;
}

async function generateLinear(spec: LinearCase, folder: string): Promise<Truth> {
  const random = createRandom(seedFromId(spec.id));
  const d = spec.dimension;
  const k = spec.features;
  const noiseVariance = spec.noiseStd ** 2;
  const cosTheta = Math.cos(spec.theta);
  const pair = unitVectorPair(d, cosTheta, random);
  // The checkpoint stores float32: the truth uses exactly those values.
  const basis = toFloat32Values(spanContaining(pair.source, k, random));
  const head = new Float64Array(k);
  head[0] = 1;
  const sourceEndToEnd = new Float64Array(d);
  for (let j = 0; j < d; j++) sourceEndToEnd[j] = basis[j * k]!;
  const target = pair.target;
  const layers: DenseLayerSpec[] = [
    { name: 'features', units: k, activation: 'linear', kernel: basis },
    { name: 'head', units: 1, activation: 'linear', kernel: head },
  ];
  await saveCheckpoint(folder, d, layers, `linear teacher-student checkpoint: Dense(${k}) features spanning the source direction, head on feature 0`);

  const scratch: number[] = [];
  const transfer: number[] = [];
  const gains: number[] = [];
  for (let draw = 0; draw < spec.draws; draw++) {
    const inputs = gaussianRows(spec.nSamples, d, random);
    const labels = new Float64Array(spec.nSamples);
    for (let r = 0; r < spec.nSamples; r++) {
      let value = 0;
      for (let j = 0; j < d; j++) value += inputs[r * d + j]! * target[j]!;
      labels[r] = roundForCsv(value + spec.noiseStd * random.normal());
    }
    if (draw === 0) {
      let extra: { inputs: Float64Array; labels: Float64Array } | undefined;
      if (poolFactor > 1) {
        const pr = poolRandom(spec.id);
        const rows = (poolFactor - 1) * spec.nSamples;
        const xs = gaussianRows(rows, d, pr);
        const ys = new Float64Array(rows);
        for (let r = 0; r < rows; r++) {
          let value = 0;
          for (let j = 0; j < d; j++) value += xs[r * d + j]! * target[j]!;
          ys[r] = roundForCsv(value + spec.noiseStd * pr.normal());
        }
        extra = { inputs: xs, labels: ys };
      }
      const all = withPool(inputs, labels, extra);
      writeTrain(folder, d, all.inputs, all.labels);
    }
    const scratchRisk = noiseVariance + squaredDistance(leastSquaresFrom(inputs, labels, d), target);
    const transferEstimate =
      spec.strategy === 'freeze' ? probeEstimate(inputs, labels, d, basis, k) : leastSquaresFrom(inputs, labels, d, sourceEndToEnd);
    const transferRisk = noiseVariance + squaredDistance(transferEstimate, target);
    scratch.push(scratchRisk);
    transfer.push(transferRisk);
    gains.push(scratchRisk - transferRisk);
  }
  writeSource(folder, spec, random);

  // Closed-form expectation for comparison (not used for the truth).
  let overlap = 0;
  for (let f = 0; f < k; f++) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += basis[j * k + f]! * target[j]!;
    overlap += dot * dot;
  }
  const scratchTheory = scratchRiskFinite(spec.nSamples, d, noiseVariance);
  const transferTheory =
    spec.strategy === 'freeze'
      ? k === 1
        ? linearTransferRiskFinite(spec.nSamples, cosTheta, noiseVariance)
        : linearProbeRiskFinite(spec.nSamples, k, Math.max(0, Math.min(1, 1 - overlap)), noiseVariance)
      : fineTuningRiskFinite(spec.nSamples, d, cosTheta, noiseVariance);
  const labelVariance = 1 + noiseVariance;
  return summarise(spec, {
    task: 'regression',
    featureDim: k,
    riskName: 'mse',
    riskMeasurement: 'exact-population',
    scratch,
    transfer,
    gains,
    minimumEffect: 0.02 * labelVariance,
    labelVariance,
    theoryGain: scratchTheory - transferTheory,
    parameters: {
      theta: spec.theta,
      cosTheta,
      overlap,
      noiseVariance,
      gamma: spec.nSamples / d,
      features: k,
      sourceShift: spec.sourceShift,
      sourceScale: spec.sourceScale,
    },
  });
}

// ---------------------------------------------------------------- nonlinear ReLU teacher–student

interface Teacher {
  readonly first: DenseLayerSpec;
  readonly head: DenseLayerSpec;
}

function randomMatrix(rows: number, cols: number, scale: number, random: RandomSource): Float64Array {
  const m = new Float64Array(rows * cols);
  for (let i = 0; i < m.length; i++) m[i] = scale * random.normal();
  return m;
}

/** Glorot-uniform kernels and zero biases: tfjs-layers' default initialisation, drawn from our seeded source. */
function defaultInitialisation(spec: ReluCase, random: RandomSource): Float64Array[] {
  const glorot = (fanIn: number, fanOut: number): Float64Array => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const m = new Float64Array(fanIn * fanOut);
    for (let i = 0; i < m.length; i++) m[i] = (2 * random.uniform() - 1) * limit;
    return m;
  };
  return [glorot(spec.dimension, spec.hidden), new Float64Array(spec.hidden), glorot(spec.hidden, spec.outputs), new Float64Array(spec.outputs)];
}

/**
 * Centres (and for regression scales) a head so the teacher's outputs on N(0, I) inputs have
 * mean 0 (balanced classes) and, for regression, unit variance.
 */
function calibrateHead(first: DenseLayerSpec, headKernel: Float64Array, outputs: number, regression: boolean, random: RandomSource, dimension: number): DenseLayerSpec {
  const rows = 20000;
  const inputs = new Float64Array(rows * dimension);
  for (let i = 0; i < inputs.length; i++) inputs[i] = random.normal();
  const hidden = forwardDense(inputs, rows, dimension, [first]).values;
  const units = first.units;
  const means = new Float64Array(outputs);
  const squares = new Float64Array(outputs);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outputs; o++) {
      let s = 0;
      for (let u = 0; u < units; u++) s += hidden[r * units + u]! * headKernel[u * outputs + o]!;
      means[o] = means[o]! + s / rows;
      squares[o] = squares[o]! + (s * s) / rows;
    }
  }
  const kernel = Float64Array.from(headKernel);
  const bias = new Float64Array(outputs);
  for (let o = 0; o < outputs; o++) {
    const std = regression ? Math.sqrt(Math.max(1e-12, squares[o]! - means[o]! ** 2)) : 1;
    for (let u = 0; u < units; u++) kernel[u * outputs + o] = kernel[u * outputs + o]! / std;
    bias[o] = -means[o]! / std;
  }
  return { name: 'head', units: outputs, activation: regression ? 'linear' : 'softmax', kernel: toFloat32Values(kernel), bias: toFloat32Values(bias) };
}

function makeTeachers(spec: ReluCase, random: RandomSource): { source: Teacher; target: Teacher } {
  const d = spec.dimension;
  const h = spec.hidden;
  const regression = spec.task === 'regression';
  const sourceKernel = randomMatrix(d, h, 1 / Math.sqrt(d), random);
  const sourceBias = randomMatrix(1, h, 0.5, random);
  const targetKernel = Float64Array.from(sourceKernel);
  const targetBias = Float64Array.from(sourceBias);
  const shared = Math.round(spec.sharedFraction * h);
  for (let u = shared; u < h; u++) {
    for (let j = 0; j < d; j++) targetKernel[j * h + u] = random.normal() / Math.sqrt(d);
    targetBias[u] = 0.5 * random.normal();
  }
  const sourceFirst: DenseLayerSpec = { name: 'features', units: h, activation: 'relu', kernel: toFloat32Values(sourceKernel), bias: toFloat32Values(sourceBias) };
  const targetFirst: DenseLayerSpec = { name: 'features', units: h, activation: 'relu', kernel: targetKernel, bias: targetBias };
  // Teacher heads scaled so classification logits are fairly confident (scale 3).
  const headScale = regression ? 1 / Math.sqrt(h) : 3 / Math.sqrt(h);
  const sourceHead = calibrateHead(sourceFirst, randomMatrix(h, spec.outputs, headScale, random), spec.outputs, regression, random, d);
  const targetHead = calibrateHead(targetFirst, randomMatrix(h, spec.outputs, headScale, random), spec.outputs, regression, random, d);
  return { source: { first: sourceFirst, head: sourceHead }, target: { first: targetFirst, head: targetHead } };
}

/** Target rows: inputs ~ N(0, I) (rounded like the CSV), labels from the target teacher plus noise. */
function sampleTarget(spec: ReluCase, teacher: Teacher, rows: number, random: RandomSource): { inputs: Float64Array; labels: Float64Array } {
  const inputs = gaussianRows(rows, spec.dimension, random);
  const outputs = forwardDense(inputs, rows, spec.dimension, [teacher.first, { ...teacher.head, activation: 'linear' }]).values;
  const labels = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    if (spec.task === 'regression') {
      labels[r] = roundForCsv(outputs[r]! + spec.noise * random.normal());
    } else {
      let best = 0;
      for (let o = 1; o < spec.outputs; o++) if (outputs[r * spec.outputs + o]! > outputs[r * spec.outputs + best]!) best = o;
      labels[r] = random.uniform() < spec.noise ? random.integer(spec.outputs) : best;
    }
  }
  return { inputs, labels };
}

interface ArmResult {
  readonly risk: number;
  readonly crossEntropy: number;
}

async function trainAndEvaluate(
  spec: ReluCase,
  initialWeights: Float64Array[],
  trainableFirstLayer: boolean,
  train: { inputs: Float64Array; labels: Float64Array },
  test: { inputs: Float64Array; labels: Float64Array },
): Promise<ArmResult> {
  const regression = spec.task === 'regression';
  const layers: DenseLayerSpec[] = [
    { name: 'features', units: spec.hidden, activation: 'relu', kernel: initialWeights[0]!, bias: initialWeights[1]!, trainable: trainableFirstLayer },
    { name: 'head', units: spec.outputs, activation: regression ? 'linear' : 'softmax', kernel: initialWeights[2]!, bias: initialWeights[3]! },
  ];
  const model = buildModel(spec.dimension, layers, true);
  model.compile({ optimizer: tf.train.adam(spec.learningRate), loss: regression ? 'meanSquaredError' : 'categoricalCrossentropy' });
  const toTargets = (labels: Float64Array): tf.Tensor =>
    regression ? tf.tensor2d(Float32Array.from(labels), [labels.length, 1]) : tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), spec.outputs), 'float32'));
  const x = tf.tensor2d(Float32Array.from(train.inputs), [train.labels.length, spec.dimension]);
  const y = toTargets(train.labels);
  // shuffle: false keeps the run deterministic (tfjs shuffles with Math.random); draws are i.i.d. already.
  await model.fit(x, y, { epochs: spec.epochs, batchSize: spec.batchSize, shuffle: false, verbose: 0 });
  const testX = tf.tensor2d(Float32Array.from(test.inputs), [test.labels.length, spec.dimension]);
  const predictions = (model.predict(testX) as tf.Tensor).dataSync();
  let risk = 0;
  let crossEntropy = 0;
  const rows = test.labels.length;
  for (let r = 0; r < rows; r++) {
    if (regression) {
      risk += (predictions[r]! - test.labels[r]!) ** 2 / rows;
    } else {
      let best = 0;
      for (let o = 1; o < spec.outputs; o++) if (predictions[r * spec.outputs + o]! > predictions[r * spec.outputs + best]!) best = o;
      risk += (best === test.labels[r] ? 0 : 1) / rows;
      crossEntropy -= Math.log(Math.max(1e-7, predictions[r * spec.outputs + test.labels[r]!]!)) / rows;
    }
  }
  tf.dispose([x, y, testX]);
  model.dispose();
  return { risk, crossEntropy };
}

async function generateRelu(spec: ReluCase, folder: string): Promise<Truth> {
  const random = createRandom(seedFromId(spec.id));
  const { source, target } = makeTeachers(spec, random);
  await saveCheckpoint(
    folder,
    spec.dimension,
    [source.first, source.head],
    `ReLU source teacher (constructed): Dense(${spec.hidden}, relu) features, ${spec.task} head; the target shares ${Math.round(spec.sharedFraction * spec.hidden)} of ${spec.hidden} first-layer units`,
  );
  const test = sampleTarget(spec, target, TEST_ROWS, random);
  const checkpointWeights = [source.first.kernel, source.first.bias!, source.head.kernel, source.head.bias!];
  const scratch: number[] = [];
  const transfer: number[] = [];
  const gains: number[] = [];
  let scratchCe = 0;
  let transferCe = 0;
  for (let draw = 0; draw < spec.draws; draw++) {
    const train = sampleTarget(spec, target, spec.nSamples, random);
    if (draw === 0) {
      const extra = poolFactor > 1 ? sampleTarget(spec, target, (poolFactor - 1) * spec.nSamples, poolRandom(spec.id)) : undefined;
      const all = withPool(train.inputs, train.labels, extra);
      writeTrain(folder, spec.dimension, all.inputs, all.labels);
    }
    const scratchArm = await trainAndEvaluate(spec, defaultInitialisation(spec, random), true, train, test);
    const transferArm = await trainAndEvaluate(spec, checkpointWeights, spec.strategy === 'full', train, test);
    scratch.push(scratchArm.risk);
    transfer.push(transferArm.risk);
    gains.push(scratchArm.risk - transferArm.risk);
    scratchCe += scratchArm.crossEntropy / spec.draws;
    transferCe += transferArm.crossEntropy / spec.draws;
  }
  writeSource(folder, spec, random);
  const regression = spec.task === 'regression';
  const labelMean = test.labels.reduce((a, b) => a + b, 0) / test.labels.length;
  const labelVariance = regression ? test.labels.reduce((a, b) => a + (b - labelMean) ** 2, 0) / (test.labels.length - 1) : 1;
  return summarise(spec, {
    task: spec.task,
    featureDim: spec.hidden,
    riskName: regression ? 'mse' : 'error rate',
    riskMeasurement: `test-set:${TEST_ROWS}`,
    scratch,
    transfer,
    gains,
    minimumEffect: regression ? 0.02 * labelVariance : 0.01,
    labelVariance,
    ...(regression ? {} : { crossEntropy: { scratch: scratchCe, transfer: transferCe }, numClasses: spec.outputs }),
    parameters: {
      sharedFraction: spec.sharedFraction,
      sharedUnits: Math.round(spec.sharedFraction * spec.hidden),
      hidden: spec.hidden,
      noise: spec.noise,
      learningRate: spec.learningRate,
      epochs: spec.epochs,
      batchSize: spec.batchSize,
      sourceShift: spec.sourceShift,
      sourceScale: spec.sourceScale,
    },
  });
}

// ---------------------------------------------------------------- shared

interface Measurements {
  readonly task: 'regression' | 'classification';
  readonly featureDim: number;
  readonly riskName: string;
  readonly riskMeasurement: string;
  readonly scratch: number[];
  readonly transfer: number[];
  readonly gains: number[];
  readonly minimumEffect: number;
  readonly labelVariance: number;
  readonly theoryGain?: number;
  readonly crossEntropy?: { scratch: number; transfer: number };
  readonly numClasses?: number;
  readonly parameters: Record<string, number | string>;
}

function summarise(spec: CaseSpec, m: Measurements): Truth {
  const classified = classifyGain(m.gains, m.minimumEffect);
  const scratch = meanAndStandardError(m.scratch);
  const transfer = meanAndStandardError(m.transfer);
  // The linear cases' optimiser settings are nominal: their truth is the converged solution.
  const learning = spec.kind === 'relu' ? { lr: spec.learningRate, epochs: spec.epochs, batch: spec.batchSize } : LINEAR_NOMINAL;
  return {
    schema: TRUTH_SCHEMA,
    id: spec.id,
    family: spec.family,
    task: m.task,
    strategy: spec.strategy,
    n: spec.nSamples,
    inputDim: spec.dimension,
    featureDim: m.featureDim,
    ...(m.numClasses !== undefined ? { numClasses: m.numClasses } : {}),
    draws: spec.draws,
    riskName: m.riskName,
    riskMeasurement: m.riskMeasurement,
    scratchRisk: scratch.mean,
    scratchRiskSE: scratch.se,
    transferRisk: transfer.mean,
    transferRiskSE: transfer.se,
    gainMean: classified.mean,
    gainSE: classified.se,
    gainLow: classified.low,
    gainHigh: classified.high,
    trueSign: classified.sign,
    minimumEffect: m.minimumEffect,
    gainOnTrainCsv: m.gains[0]!,
    labelVariance: m.labelVariance,
    ...(m.crossEntropy ? { crossEntropy: m.crossEntropy } : {}),
    ...(m.theoryGain !== undefined ? { theoryGain: m.theoryGain } : {}),
    parameters: { ...m.parameters, learningRate: learning.lr, epochs: learning.epochs, batchSize: learning.batch },
    generationSeconds: 0,
  };
}

/** Writes config.yaml (called after the truth, so an interrupted case has no config and is regenerated). */
export function writeCaseConfig(spec: CaseSpec, folder: string): void {
  if (spec.kind === 'relu') writeConfig(folder, spec, spec.task, spec.learningRate, spec.epochs, spec.batchSize);
  else writeConfig(folder, spec, 'regression', LINEAR_NOMINAL.lr, LINEAR_NOMINAL.epochs, LINEAR_NOMINAL.batch);
}
