/**
 * Ground truth for the vision example (issue #10, docs/vision.md): does a linear probe on the
 * pretrained MobileNetV2 features beat a small CNN trained from scratch on real mnist digits, at
 * several training-set sizes and seeds? Both arms are trained with TF.js and scored on the same
 * held-out digits (test accuracy). The verdict TransferLens gives for examples/vision/config.yaml
 * must agree with this table.
 *
 * Data: `mnist` digits written as PNGs into a temp folder (train pool: the first --pool per
 * digit; test: the next --test per digit), read back through readImageFolder, so the benchmark
 * exercises the same decode/preprocess path as the product. Backbone features (layer flatten_1,
 * the global-pooled 1280-d MobileNetV2 output) are cached in examples/vision/.cache.
 *
 * Arms, per (n, seed) with a stratified subsample of n training digits:
 *  - probe:   softmax regression on standardized backbone features, Adam lr 1e-2, L2 1e-3, 150 epochs full batch
 *  - scratch: CNN conv(8,3×3)-maxpool-conv(16,3×3)-maxpool-dense(10) on 28×28×1 pixels in [0,1],
 *             default initialisation, Adam lr 1e-3, batch 16, 40 epochs
 * Everything runs on the chosen backend (WASM by default); the WASM backend's missing
 * Conv2DBackpropFilter kernel is bridged by registerWasmConv2dFilterGradient (bench/images-common.ts).
 * Usage: node --import tsx bench/images-groundtruth.ts [--sizes 20,50,100,300] [--seeds 3] [--pool 50] [--test 30] [--backend wasm]
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, type BackendPreference } from '../src/node/backend';
import { FeatureCache } from '../src/node/cache/featureCache';
import { defaultPreprocessing } from '../src/core/formats/imagePreprocess';
import { stratifiedAllocation, readImageFolder, type ImageFolderResult } from '../src/node/readers/images/folder';
import { extractImageFeatures } from '../src/node/readers/images/features';
import { resolveImagePreprocessing } from '../src/node/readers/images/preprocessing';
import { createRandom } from '../src/core/formats/random';
import { loadLayersExtractor, registerWasmConv2dFilterGradient } from './images-common';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

/** All pixels of a folder sample as one [N, h, w, c] array (small: 28×28 digits). */
async function pixels(folder: ImageFolderResult): Promise<{ x: Float32Array; labels: Int32Array }> {
  const parts: Float32Array[] = [];
  const labels: number[] = [];
  for await (const batch of folder.batches(256)) {
    parts.push((await batch.images.data()) as Float32Array);
    labels.push(...batch.labels);
    batch.images.dispose();
  }
  const x = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    x.set(p, o);
    o += p.length;
  }
  return { x, labels: Int32Array.from(labels) };
}

function subsample(labels: Int32Array, n: number, seed: number): number[] {
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  labels.forEach((l, i) => byClass[l]!.push(i));
  const take = stratifiedAllocation(byClass.map((c) => c.length), n);
  const random = createRandom(seed);
  const chosen: number[] = [];
  byClass.forEach((list, c) => {
    const pool = [...list];
    for (let i = 0; i < take[c]!; i++) {
      const j = i + random.nextInt(pool.length - i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      chosen.push(pool[i]!);
    }
  });
  return chosen;
}

function gatherRows(data: ArrayLike<number>, width: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => {
    for (let j = 0; j < width; j++) out[i * width + j] = data[r * width + j]!;
  });
  return out;
}

async function accuracy(model: tfl.LayersModel, x: tf.Tensor, labels: Int32Array): Promise<number> {
  const predicted = tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor, 1));
  const values = await predicted.data();
  predicted.dispose();
  let correct = 0;
  values.forEach((v, i) => (correct += v === labels[i] ? 1 : 0));
  return correct / labels.length;
}

async function probe(trainX: Float32Array, trainY: Int32Array, testX: Float32Array, testY: Int32Array, dim: number): Promise<number> {
  // Standardize with the training subsample's statistics only.
  const n = trainY.length;
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += trainX[i * dim + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) std[j]! += (trainX[i * dim + j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < dim; j++) std[j] = Math.sqrt(std[j]!) + 1e-6;
  const scale = (x: Float32Array): Float32Array => x.map((v, k) => (v - mean[k % dim]!) / std[k % dim]!);
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [dim], units: 10, activation: 'softmax', kernelRegularizer: tfl.regularizers.l2({ l2: 1e-3 }) })] });
  model.compile({ optimizer: tf.train.adam(1e-2), loss: 'sparseCategoricalCrossentropy' });
  const xs = tf.tensor2d(scale(trainX), [n, dim]);
  const ys = tf.tensor1d(Float32Array.from(trainY));
  await model.fit(xs, ys, { epochs: 150, batchSize: n, verbose: 0 });
  const tx = tf.tensor2d(scale(testX), [testY.length, dim]);
  const acc = await accuracy(model, tx, testY);
  tf.dispose([xs, ys, tx]);
  model.dispose();
  return acc;
}

async function scratch(trainX: Float32Array, trainY: Int32Array, testX: Float32Array, testY: Int32Array): Promise<number> {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const n = trainY.length;
  const xs = tf.tensor4d(trainX, [n, 28, 28, 1]);
  const ys = tf.tensor1d(Float32Array.from(trainY));
  await model.fit(xs, ys, { epochs: 40, batchSize: 16, shuffle: true, verbose: 0 });
  const tx = tf.tensor4d(testX, [testY.length, 28, 28, 1]);
  const acc = await accuracy(model, tx, testY);
  tf.dispose([xs, ys, tx]);
  model.dispose();
  return acc;
}

async function main(): Promise<void> {
  const sizes = arg('sizes', '20,50,100,300').split(',').map(Number);
  const seeds = Number(arg('seeds', '3'));
  const poolPerClass = Number(arg('pool', '50'));
  const testPerClass = Number(arg('test', '30'));
  const backend = await initBackend(arg('backend', 'wasm') as BackendPreference);
  const repo = join(__dirname, '..');
  const modelJson = join(repo, 'examples', 'vision', 'checkpoint', 'model.json');
  const extractor = await loadLayersExtractor(modelJson, 'flatten_1');
  const { preprocessing } = await resolveImagePreprocessing(modelJson, extractor.inputShape);

  // A stable folder (gitignored) so re-runs hit the feature cache: its key includes file mtimes.
  const cacheDir = join(repo, 'examples', 'vision', '.cache');
  const work = join(cacheDir, `groundtruth-${poolPerClass}-${testPerClass}`);
  if (!existsSync(join(work, 'test', '9'))) {
    // @ts-expect-error -- plain .mjs module without type declarations
    const setup = (await import('../scripts/setup-vision/setup.mjs')) as { writeDigits(root: string, count: number, offset?: number): number };
    setup.writeDigits(join(work, 'train'), poolPerClass, 0);
    setup.writeDigits(join(work, 'test'), testPerClass, 500);
  }
  mkdirSync(cacheDir, { recursive: true });
  const cache = new FeatureCache(cacheDir, { maxBytes: 64 * 1024 * 1024 });

  const features = async (dir: string) => {
    const folder = await readImageFolder(dir, { inputShape: extractor.inputShape, preprocessing, maxImages: 100_000 });
    const started = performance.now();
    const r = await extractImageFeatures(extractor, folder, { batchSize: 16, layer: 'flatten_1', cache: { cache, checkpointFiles: extractor.files } });
    console.error(`features ${dir}: ${r.features.rows}×${r.features.cols} in ${((performance.now() - started) / 1000).toFixed(1)} s (${r.imagesPerSecond.toFixed(1)} images/s)`);
    return r;
  };
  const trainFeatures = await features(join(work, 'train'));
  const testFeatures = await features(join(work, 'test'));
  const rawShape = [28, 28, 1] as const;
  const raw = async (dir: string) => pixels(await readImageFolder(dir, { inputShape: rawShape, preprocessing: defaultPreprocessing(rawShape), maxImages: 100_000 }));
  const trainPixels = await raw(join(work, 'train'));
  const testPixels = await raw(join(work, 'test'));
  // Both readers sort by (class, path): rows line up.
  if (trainPixels.labels.join() !== Array.from(trainFeatures.labels).join()) throw new Error('pixel and feature rows are not aligned');

  // The WASM backend lacks Conv2DBackpropFilter; bridge it through Conv3DBackpropFilterV2.
  if (tf.getBackend() === 'wasm') registerWasmConv2dFilterGradient();
  const dim = trainFeatures.features.cols;
  const rows: { n: number; seed: number; probe: number; scratch: number }[] = [];
  for (const n of sizes) {
    for (let seed = 1; seed <= seeds; seed++) {
      const chosen = subsample(trainFeatures.labels, n, seed);
      const y = Int32Array.from(chosen.map((i) => trainFeatures.labels[i]!));
      const p = await probe(gatherRows(trainFeatures.features.data, dim, chosen), y, Float32Array.from(testFeatures.features.data), testFeatures.labels, dim);
      const s = await scratch(gatherRows(trainPixels.x, 784, chosen), y, testPixels.x, testPixels.labels);
      rows.push({ n, seed, probe: p, scratch: s });
      console.log(JSON.stringify({ bench: 'images-groundtruth', featureBackend: backend.name, trainBackend: tf.getBackend(), n, seed, probeAccuracy: p, scratchAccuracy: s, gain: Number((p - s).toFixed(4)) }));
    }
  }
  console.log('\n| n | seeds | linear probe acc. (mean ± sd) | scratch CNN acc. (mean ± sd) | gain (probe − scratch) | sign |');
  console.log('|---|---|---|---|---|---|');
  const stats = (v: number[]): [number, number] => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return [m, Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1))];
  };
  for (const n of sizes) {
    const r = rows.filter((x) => x.n === n);
    const [pm, ps] = stats(r.map((x) => x.probe));
    const [sm, ss] = stats(r.map((x) => x.scratch));
    const [gm, gs] = stats(r.map((x) => x.probe - x.scratch));
    const sign = gm - 2 * gs / Math.sqrt(r.length) > 0 ? 'transfer wins' : gm + 2 * gs / Math.sqrt(r.length) < 0 ? 'scratch wins' : 'too close';
    console.log(`| ${n} | ${r.length} | ${pm.toFixed(3)} ± ${ps.toFixed(3)} | ${sm.toFixed(3)} ± ${ss.toFixed(3)} | ${gm >= 0 ? '+' : ''}${gm.toFixed(3)} ± ${gs.toFixed(3)} | ${sign} |`);
  }
  console.log(`\ntest set: ${testPixels.labels.length} digits; train pool: ${trainPixels.labels.length}; features on ${backend.name}, training on ${tf.getBackend()}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
