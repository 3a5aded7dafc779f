/**
 * Generates the bundled example projects (deterministic, seeded; outputs are committed so the demo
 * needs no training). Run: `node --import tsx scripts/make-examples.ts` (≈1 minute).
 *
 * The story: two pretrained "sensor" checkpoints (small TF.js MLPs, 32 inputs) trained on source
 * regression tasks that depend on different 8-dimensional subspaces of the inputs:
 *   checkpoints/sensor-a — source task on input dims 0–7
 *   checkpoints/sensor-b — source task on input dims 16–23
 * and two target tasks (CSV, same 32 inputs):
 *   helps/  — 3-class target read off sensor-a's own source teacher (dims 0–7): its features carry
 *             it; 150 samples
 *   hurts/  — regression target on dims 16–23 with 2,000 samples: sensor-a's features carry almost
 *             none of it, so reusing sensor-a loses to training from scratch (sensor-b would help:
 *             `transferlens rank` shows it).
 * Both targets draw x from the SAME input distribution as the source tasks: dataset similarity is
 * perfect in both, yet one transfers and one does not (method.md §1).
 * Ground truth (truth.json) comes from actually training both arms on fresh draws of n samples.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/node/backend';
import { makeRng, gaussian, type Rng } from '../src/core/analysis/random';

const ROOT = join(__dirname, '..', 'examples');
const D = 32;

function inputs(rng: Rng, n: number): Float32Array {
  const x = new Float32Array(n * D);
  for (let i = 0; i < x.length; i++) x[i] = gaussian(rng);
  return x;
}

/** A fixed random nonlinear teacher on 8 input dims starting at `offset`: y = Σ a_j tanh(w_jᵀx_S). */
function teacher(seed: number, offset: number, outputs: number) {
  const rng = makeRng(seed);
  const hidden = 6;
  const w = Array.from({ length: hidden }, () => Array.from({ length: 8 }, () => gaussian(rng) / Math.sqrt(8) * 1.5));
  const a = Array.from({ length: outputs }, () => Array.from({ length: hidden }, () => gaussian(rng)));
  return (x: Float32Array, i: number) => {
    const h = w.map((wj) => Math.tanh(wj.reduce((s, v, k) => s + v * x[i * D + offset + k]!, 0)));
    return a.map((ao) => ao.reduce((s, v, j) => s + v * h[j]!, 0));
  };
}

function mlp(seed: number, outputs: number, activation: 'linear' | 'softmax'): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [D], units: 48, activation: 'relu', name: 'block1', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }));
  m.add(tfl.layers.dense({ units: 16, activation: 'relu', name: 'features', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }));
  m.add(tfl.layers.dense({ units: outputs, activation, name: 'head', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }) }));
  return m;
}

async function saveModel(model: tfl.LayersModel, dir: string, description: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      writeFileSync(join(dir, 'weights.bin'), weights);
      const json = {
        format: 'layers-model',
        generatedBy: 'TransferLens scripts/make-examples.ts',
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        userDefinedMetadata: { description },
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
}

async function loadSaved(dir: string): Promise<tfl.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const weights = readFileSync(join(dir, 'weights.bin'));
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) }));
}

async function trainSource(name: string, offset: number, seed: number): Promise<tfl.Sequential> {
  const rng = makeRng(seed);
  const n = 6000;
  const x = inputs(rng, n);
  const f = teacher(seed + 100, offset, 4);
  const y = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) f(x, i).forEach((v, c) => (y[i * 4 + c] = v + 0.05 * gaussian(rng)));
  const model = mlp(seed, 4, 'linear');
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'meanSquaredError' });
  const xt = tf.tensor2d(x, [n, D]);
  const yt = tf.tensor2d(y, [n, 4]);
  const h = await model.fit(xt, yt, { epochs: 40, batchSize: 64, verbose: 0, shuffle: true });
  console.log(`${name}: source MSE ${(h.history.loss!.at(-1) as number).toFixed(4)}`);
  xt.dispose();
  yt.dispose();
  await saveModel(model, join(ROOT, 'checkpoints', name), `Pretrained on a 4-output sensor regression task over input dims ${offset}-${offset + 7}.`);
  return model;
}

function csv(x: Float32Array, labels: (string | number)[], n: number): string {
  const header = [...Array.from({ length: D }, (_, j) => `x${j}`), 'label'].join(',');
  const rows = [header];
  for (let i = 0; i < n; i++) rows.push([...Array.from(x.subarray(i * D, (i + 1) * D), (v) => v.toFixed(4)), labels[i]].join(','));
  return rows.join('\n') + '\n';
}

interface TargetSpec {
  readonly dir: string;
  readonly offset: number;
  readonly task: 'classification' | 'regression';
  readonly rows: number;
  readonly plannedN: number;
  readonly seed: number;
  /** Seed of the teacher the labels come from (the source teachers are 111 for sensor-a, 123 for sensor-b). */
  readonly teacherSeed: number;
  /** A second teacher mixed into regression labels (label = main + weight·mix), on other inputs. */
  readonly mix?: { readonly teacherSeed: number; readonly offset: number; readonly weight: number };
  /** Extra training sizes at which the ground truth is measured (the verdict flips between them). */
  readonly extraTruthSizes?: readonly number[];
  /** Fresh training draws for the ground truth (default 5). */
  readonly draws?: number;
  readonly config: string;
}

function makeTargetData(spec: TargetSpec, rng: Rng, n: number): { x: Float32Array; labels: (string | number)[]; y: number[][] } {
  const x = inputs(rng, n);
  const f = teacher(spec.teacherSeed, spec.offset, 4);
  const g = spec.mix ? teacher(spec.mix.teacherSeed, spec.mix.offset, 4) : undefined;
  const names = ['idle', 'walking', 'running'];
  const labels: (string | number)[] = [];
  const y: number[][] = [];
  for (let i = 0; i < n; i++) {
    const out = f(x, i);
    if (spec.task === 'classification') {
      const scores = out.slice(0, 3);
      const best = scores.indexOf(Math.max(...scores));
      labels.push(names[best]!);
      y.push(scores.map((_, c) => (c === best ? 1 : 0)));
    } else {
      const extra = g ? spec.mix!.weight * (g(x, i)[0]! + g(x, i)[1]!) : 0;
      const v = out[0]! + out[1]! + extra + 0.1 * gaussian(rng);
      labels.push(Number(v.toFixed(4)));
      y.push([v]);
    }
  }
  return { x, labels, y };
}

/** Ground truth: train a linear probe on the checkpoint's features and the architecture from scratch, R draws. */
async function groundTruth(spec: TargetSpec, checkpoint: tfl.LayersModel): Promise<Record<string, unknown>> {
  const rng = makeRng(spec.seed + 999);
  const test = makeTargetData(spec, rng, 4000);
  const featureModel = tfl.model({ inputs: checkpoint.inputs, outputs: checkpoint.getLayer('features').output as tfl.SymbolicTensor });
  const risk = (pred: Float32Array, y: number[][]) => {
    if (spec.task === 'classification') {
      let err = 0;
      y.forEach((row, i) => {
        const p = [pred[i * 3]!, pred[i * 3 + 1]!, pred[i * 3 + 2]!];
        if (row[p.indexOf(Math.max(...p))] !== 1) err++;
      });
      return err / y.length;
    }
    const mean = y.reduce((s, r) => s + r[0]!, 0) / y.length;
    const v = y.reduce((s, r) => s + (r[0]! - mean) ** 2, 0) / y.length;
    return y.reduce((s, r, i) => s + (pred[i]! - r[0]!) ** 2, 0) / y.length / v;
  };
  const outputs = spec.task === 'classification' ? 3 : 1;
  const act = spec.task === 'classification' ? 'softmax' : 'linear';
  const loss = spec.task === 'classification' ? 'categoricalCrossentropy' : 'meanSquaredError';
  const gains: number[] = [];
  const scratchRisks: number[] = [];
  const transferRisks: number[] = [];
  const xTest = tf.tensor2d(test.x, [4000, D]);
  const fTest = featureModel.predict(xTest) as tf.Tensor;
  for (let r = 0; r < (spec.draws ?? 5); r++) {
    const train = makeTargetData(spec, rng, spec.plannedN);
    const xt = tf.tensor2d(train.x, [spec.plannedN, D]);
    const yt = tf.tensor2d(train.y);
    const fit = { epochs: 60, batchSize: 32, verbose: 0 as const, validationSplit: 0.1, callbacks: [tfl.callbacks.earlyStopping({ monitor: 'val_loss', patience: 5 })] };
    const scratch = mlp(1000 + r, outputs, act);
    scratch.compile({ optimizer: tf.train.adam(1e-3), loss });
    await scratch.fit(xt, yt, fit);
    const ps = (await (scratch.predict(xTest) as tf.Tensor).data()) as Float32Array;
    const probe = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [16], units: outputs, activation: act })] });
    probe.compile({ optimizer: tf.train.adam(1e-2), loss });
    const probeFit = { ...fit, epochs: 300, callbacks: [tfl.callbacks.earlyStopping({ monitor: 'val_loss', patience: 20 })] };
    const ft = featureModel.predict(xt) as tf.Tensor;
    await probe.fit(ft, yt, probeFit);
    const pt = (await (probe.predict(fTest) as tf.Tensor).data()) as Float32Array;
    const rs = risk(ps, test.y);
    const rt = risk(pt, test.y);
    scratchRisks.push(rs);
    transferRisks.push(rt);
    gains.push(rs - rt);
    tf.dispose([xt, yt, ft]);
    scratch.dispose();
    probe.dispose();
  }
  tf.dispose([xTest, fTest]);
  const mean = gains.reduce((a, b) => a + b, 0) / gains.length;
  const sd = Math.sqrt(gains.reduce((a, b) => a + (b - mean) ** 2, 0) / (gains.length - 1));
  return {
    n: spec.plannedN,
    draws: gains.length,
    testRows: 4000,
    riskName: spec.task === 'classification' ? 'error rate' : 'MSE / Var(y)',
    scratchRisk: scratchRisks.reduce((a, b) => a + b, 0) / gains.length,
    transferRisk: transferRisks.reduce((a, b) => a + b, 0) / gains.length,
    gainMean: mean,
    gainSE: sd / Math.sqrt(gains.length),
    trueSign: mean - 2 * sd / Math.sqrt(gains.length) > 0 ? 'positive' : mean + 2 * sd / Math.sqrt(gains.length) < 0 ? 'negative' : 'within-noise',
    method: `linear probe on the checkpoint features (frozen) vs the same MLP trained from scratch (Adam 1e-3, early stopping), ${gains.length} fresh draws of n training rows, 4,000 test rows`,
  };
}

async function main(): Promise<void> {
  await initBackend('auto');
  // --targets-only keeps the committed checkpoints (TF.js training is not bit-reproducible) and
  // only (re)writes the target datasets, configs and truth; --only <dir> restricts to one example.
  const targetsOnly = process.argv.includes('--targets-only');
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  const a = targetsOnly ? await loadSaved(join(ROOT, 'checkpoints', 'sensor-a')) : await trainSource('sensor-a', 0, 11);
  if (!targetsOnly) await trainSource('sensor-b', 16, 23);
  const specs: TargetSpec[] = [
    {
      dir: 'helps', offset: 0, task: 'classification', rows: 1000, plannedN: 150, seed: 31, teacherSeed: 111,
      config: `# TransferLens example: reusing sensor-a helps.
# The activity labels depend on the same input directions sensor-a was trained on,
# and 150 labelled samples are few: a frozen probe on its features beats training from scratch.
model_name_or_path: ../checkpoints/sensor-a/model.json
train_file: data/train.csv
label_column_name: label
problem_type: single_label_classification
max_train_samples: 150
finetuning_type: freeze        # frozen backbone ...
freeze_trainable_layers: 0     # ... and only a new linear head is trained
learning_rate: 1.0e-3
num_train_epochs: 30
`,
    },
    {
      dir: 'hurts', offset: 16, task: 'regression', rows: 2000, plannedN: 2000, seed: 47, teacherSeed: 123,
      config: `# TransferLens example: reusing sensor-a hurts.
# Same input distribution as sensor-a's pretraining data, but the target depends on input
# directions sensor-a's features never learned. With 2,000 samples, scratch wins.
model_name_or_path: ../checkpoints/sensor-a/model.json
train_file: data/train.csv
label_column_name: label
problem_type: regression
max_train_samples: 2000
finetuning_type: freeze        # frozen backbone ...
freeze_trainable_layers: 0     # ... and only a new linear head is trained
learning_rate: 1.0e-3
num_train_epochs: 30
`,
    },
    {
      dir: 'flips', offset: 0, task: 'regression', rows: 4000, plannedN: 60, seed: 59, teacherSeed: 111,
      mix: { teacherSeed: 123, offset: 16, weight: 0.3 }, extraTruthSizes: [3000], draws: 12,
      config: `# TransferLens example: the verdict flips with the sample count.
# Most of the target is what sensor-a's features encode (input dims 0-7), a smaller part lies on
# dims 16-23 that they never learned. With 60 samples the frozen probe wins; with a few thousand,
# a model trained from scratch learns both parts and wins. Raise max_train_samples to see it flip.
model_name_or_path: ../checkpoints/sensor-a/model.json
train_file: data/train.csv
label_column_name: label
problem_type: regression
max_train_samples: 60
finetuning_type: freeze        # frozen backbone ...
freeze_trainable_layers: 0     # ... and only a new linear head is trained
learning_rate: 1.0e-3
num_train_epochs: 30
`,
    },
  ];
  for (const spec of specs) {
    if (only && spec.dir !== only) continue;
    const rng = makeRng(spec.seed);
    const data = makeTargetData(spec, rng, spec.rows);
    mkdirSync(join(ROOT, spec.dir, 'data'), { recursive: true });
    writeFileSync(join(ROOT, spec.dir, 'data', 'train.csv'), csv(data.x, data.labels, spec.rows));
    writeFileSync(join(ROOT, spec.dir, 'config.yaml'), spec.config);
    const truth: Record<string, unknown> = await groundTruth(spec, a);
    for (const n of spec.extraTruthSizes ?? []) truth[`atN${n}`] = await groundTruth({ ...spec, plannedN: n }, a);
    writeFileSync(join(ROOT, spec.dir, 'truth.json'), JSON.stringify(truth, null, 2) + '\n');
    console.log(spec.dir, JSON.stringify(truth));
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
