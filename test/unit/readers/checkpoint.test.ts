/**
 * Must-show test of the checkpoint loader: penultimate features extracted by loadCheckpoint equal
 * a reference forward pass computed here in plain JS from the weights read back from the shard
 * files (own byte decoding and dequantisation, no TensorFlow.js), max abs diff < 1e-4 — for a
 * float32 MLP split over two shards, its uint8- and float16-quantised versions, a conv net
 * (global average pooling) and a hand-written graph model. Plus broken checkpoints.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../../src/node/backend';
import { loadCheckpoint } from '../../../src/node/readers/checkpoint';
import { CheckpointError } from '../../../src/core/formats/errors';
import { createRandom, normal } from '../../../src/core/formats/random';
import type { Matrix } from '../../../src/core/linalg/matrix';

const models = join(__dirname, '..', '..', 'fixtures', 'models');

before(async () => {
  await initBackend();
});

// ---- independent reference: weights from the shard bytes ----

/** IEEE half → number by bit fields (written independently of src/core/formats/float16.ts). */
function half(bits: number): number {
  const e = (bits >> 10) & 31;
  const f = bits & 1023;
  const s = bits >> 15 ? -1 : 1;
  if (e === 0) return s * Math.pow(2, -14) * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * Math.pow(2, e - 15) * (1 + f / 1024);
}

function readWeights(folder: string): { json: any; weights: Map<string, { shape: number[]; values: Float64Array }> } {
  const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
  const weights = new Map<string, { shape: number[]; values: Float64Array }>();
  for (const group of json.weightsManifest) {
    const bytes = Buffer.concat(group.paths.map((p: string) => readFileSync(join(folder, p))));
    let offset = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a: number, b: number) => a * b, 1);
      const values = new Float64Array(count);
      const q = w.quantization;
      for (let i = 0; i < count; i++) {
        if (!q) values[i] = bytes.readFloatLE(offset + 4 * i);
        else if (q.dtype === 'uint8') values[i] = bytes[offset + i]! * q.scale + q.min;
        else if (q.dtype === 'float16') values[i] = half(bytes.readUInt16LE(offset + 2 * i));
      }
      offset += count * (!q ? 4 : q.dtype === 'uint8' ? 1 : 2);
      weights.set(w.name, { shape: w.shape, values });
    }
  }
  return { json, weights };
}

function dense(x: number[][], kernel: Float64Array, bias: Float64Array, units: number): number[][] {
  return x.map((row) => Array.from({ length: units }, (_, u) => row.reduce((s, v, i) => s + v * kernel[i * units + u]!, bias[u]!)));
}

const activations: Record<string, (v: number[]) => number[]> = {
  relu: (v) => v.map((x) => Math.max(0, x)),
  tanh: (v) => v.map(Math.tanh),
  linear: (v) => v,
  softmax: (v) => {
    const m = Math.max(...v);
    const e = v.map((x) => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  },
};

/** Runs the Sequential topology's Dense/Dropout layers; returns every layer's output by name. */
function referenceSequential(folder: string, input: number[][]): Map<string, number[][]> {
  const { json, weights } = readWeights(folder);
  const outputs = new Map<string, number[][]>();
  let x = input;
  for (const layer of json.modelTopology.config.layers) {
    const c = layer.config;
    if (layer.class_name === 'Dense') {
      const kernel = weightFor(weights, c.name, 'kernel');
      const bias = weightFor(weights, c.name, 'bias');
      x = dense(x, kernel.values, bias.values, c.units).map(activations[c.activation]!);
    } else if (layer.class_name === 'Conv2D') {
      x = conv2d(x as unknown as number[][], weightFor(weights, c.name, 'kernel'), weightFor(weights, c.name, 'bias').values, c.padding, c.activation) as unknown as number[][];
    } else if (layer.class_name === 'GlobalAveragePooling2D') {
      x = (x as unknown as number[][][][]).map((img) => {
        const channels = img[0]![0]!.length;
        const sums = new Array(channels).fill(0);
        for (const row of img) for (const px of row) px.forEach((v, k) => (sums[k] += v));
        return sums.map((s) => s / (img.length * img[0]!.length));
      });
    } else if (layer.class_name !== 'Dropout') {
      throw new Error(`reference has no ${layer.class_name}`);
    }
    outputs.set(c.name, x);
  }
  return outputs;
}

function weightFor(weights: Map<string, { shape: number[]; values: Float64Array }>, layer: string, kind: string) {
  const key = [...weights.keys()].find((k) => k.startsWith(`${layer}/${kind}`));
  if (!key) throw new Error(`no ${kind} for ${layer}`);
  return weights.get(key)!;
}

/** NHWC conv, stride 1, 'valid' or 'same'; kernel [kh, kw, cin, cout]. Input: images as number[][][][]. */
function conv2d(images: any, kernel: { shape: number[]; values: Float64Array }, bias: Float64Array, padding: string, activation: string): number[][][][] {
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  return (images as number[][][][]).map((img) => {
    const h = img.length, w = img[0]!.length;
    const padTop = padding === 'same' ? Math.floor((kh - 1) / 2) : 0;
    const padLeft = padding === 'same' ? Math.floor((kw - 1) / 2) : 0;
    const oh = padding === 'same' ? h : h - kh + 1;
    const ow = padding === 'same' ? w : w - kw + 1;
    const out: number[][][] = [];
    for (let i = 0; i < oh; i++) {
      const row: number[][] = [];
      for (let j = 0; j < ow; j++) {
        const px: number[] = [];
        for (let o = 0; o < cout; o++) {
          let s = bias[o]!;
          for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
            const y = i + a - padTop, xx = j + b - padLeft;
            if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
            for (let c = 0; c < cin; c++) s += img[y]![xx]![c]! * kernel.values[((a * kw + b) * cin + c) * cout + o]!;
          }
          px.push(activation === 'relu' ? Math.max(0, s) : s);
        }
        row.push(px);
      }
      out.push(row);
    }
    return out;
  });
}

function randomInputs(rows: number, cols: number, seed: number): Matrix {
  const random = createRandom(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => normal(random)) };
}

function toRows(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
}

function maxAbsDiff(m: Matrix, reference: number[][]): number {
  assert.equal(m.rows, reference.length);
  assert.equal(m.cols, reference[0]!.length);
  let worst = 0;
  reference.forEach((row, r) => row.forEach((v, c) => (worst = Math.max(worst, Math.abs(m.data[r * m.cols + c]! - v)))));
  return worst;
}

// ---- tests ----

for (const name of ['mlp', 'mlp-uint8', 'mlp-float16']) {
  test(`${name}: penultimate features and predictions equal the plain-JS reference (< 1e-4)`, async () => {
    const folder = join(models, name);
    const checkpoint = await loadCheckpoint(folder);
    try {
      assert.equal(checkpoint.info.format, 'tfjs-layers');
      assert.deepEqual(checkpoint.info.inputShape, [-1, 4]);
      assert.deepEqual(checkpoint.info.outputShape, [-1, 3]);
      // The dropout layer sits between hidden2 and the head: features are read before it.
      assert.equal(checkpoint.info.penultimateLayer, 'hidden2');
      assert.deepEqual(checkpoint.info.layers.map((l) => [l.name, l.className, l.trainableParams]), [
        ['hidden1', 'Dense', 40], ['hidden2', 'Dense', 54], ['drop', 'Dropout', 0], ['head', 'Dense', 21],
      ]);
      assert.equal(checkpoint.info.parameters, 115);
      const inputs = randomInputs(37, 4, 11);
      const reference = referenceSequential(folder, toRows(inputs));
      const features = await checkpoint.features(inputs, { batchSize: 16 });
      const diff = maxAbsDiff(features, reference.get('hidden2')!);
      assert.ok(diff < 1e-4, `max abs diff ${diff}`);
      const atLayers = await checkpoint.featuresAtLayers(inputs, ['hidden1', 'hidden2']);
      assert.ok(maxAbsDiff(atLayers.get('hidden1')!, reference.get('hidden1')!) < 1e-4);
      assert.ok(maxAbsDiff(atLayers.get('hidden2')!, reference.get('hidden2')!) < 1e-4);
      const probabilities = await checkpoint.predict(inputs, { batchSize: 10 });
      assert.ok(maxAbsDiff(probabilities, reference.get('head')!) < 1e-4);
      await assert.rejects(checkpoint.features(inputs, { layer: 'nope' }), /has no layer 'nope'; its layers are 'hidden1'/);
      await assert.rejects(checkpoint.features(randomInputs(3, 5, 1)), (e: unknown) => e instanceof CheckpointError && e.code === 'shape-mismatch' && /expects 4 input values.*5 columns/.test(e.message));
    } finally {
      checkpoint.dispose();
    }
  });
}

test('quantised checkpoints really hold quantised weights (features close to, not equal to, float32)', async () => {
  const inputs = toRows(randomInputs(20, 4, 5));
  const exact = referenceSequential(join(models, 'mlp'), inputs).get('hidden2')!;
  for (const name of ['mlp-uint8', 'mlp-float16']) {
    const approx = referenceSequential(join(models, name), inputs).get('hidden2')!;
    const diff = Math.max(...exact.flatMap((row, r) => row.map((v, c) => Math.abs(v - approx[r]![c]!))));
    assert.ok(diff > 1e-7 && diff < 0.05, `${name}: diff ${diff}`);
  }
});

test('conv net: 4-D conv activations are global-average-pooled; penultimate = the pooling layer', async () => {
  const folder = join(models, 'conv');
  const checkpoint = await loadCheckpoint(join(folder, 'model.json'));
  try {
    assert.deepEqual(checkpoint.info.inputShape, [-1, 6, 6, 1]);
    assert.equal(checkpoint.info.penultimateLayer, 'pool');
    assert.deepEqual(checkpoint.info.layers.find((l) => l.name === 'conv2')!.outputShape, [-1, 4, 4, 4]);
    const inputs = randomInputs(9, 36, 3);
    const images = toRows(inputs).map((row) => Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => [row[i * 6 + j]!])));
    const reference = referenceSequential(folder, images as unknown as number[][]);
    const features = await checkpoint.features(inputs, { batchSize: 4 });
    assert.ok(maxAbsDiff(features, reference.get('pool')!) < 1e-4);
    // Asking for the conv layer itself pools its 4-D map to the same vectors.
    const conv2 = await checkpoint.features(inputs, { layer: 'conv2' });
    assert.ok(maxAbsDiff(conv2, reference.get('pool')!) < 1e-4);
  } finally {
    checkpoint.dispose();
  }
});

test('hand-written graph model: penultimate node found and its features match the reference', async () => {
  const folder = join(models, 'graph-mlp');
  const checkpoint = await loadCheckpoint(folder);
  try {
    assert.equal(checkpoint.info.format, 'tfjs-graph');
    assert.equal(checkpoint.info.penultimateLayer, 'hidden/Relu');
    assert.deepEqual(checkpoint.info.inputShape, [-1, 4]);
    assert.equal(checkpoint.info.parameters, 43);
    const { weights } = readWeights(folder);
    const inputs = randomInputs(13, 4, 8);
    const hidden = dense(toRows(inputs), weights.get('hidden/kernel')!.values, weights.get('hidden/bias')!.values, 5).map(activations['relu']!);
    const output = dense(hidden, weights.get('head/kernel')!.values, weights.get('head/bias')!.values, 3).map(activations['softmax']!);
    assert.ok(maxAbsDiff(await checkpoint.features(inputs, { batchSize: 5 }), hidden) < 1e-4);
    assert.ok(maxAbsDiff(await checkpoint.predict(inputs), output) < 1e-4);
    const both = await checkpoint.featuresAtLayers(inputs, ['hidden/Relu', 'head/Softmax']);
    assert.ok(maxAbsDiff(both.get('head/Softmax')!, output) < 1e-4);
  } finally {
    checkpoint.dispose();
  }
});

async function rejectsCheckpoint(path: string, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(loadCheckpoint(path), (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `expected CheckpointError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test('broken and foreign checkpoints give typed errors naming the file and the fix', async () => {
  await rejectsCheckpoint(join(models, 'truncated-shard'), 'checkpoint-invalid', /truncated-shard\/model\.json: has weight shards 'group1-shard1of1\.bin' holding 100 bytes, but its 6 weights need 460: a shard is truncated/);
  await rejectsCheckpoint(join(models, 'missing-shard'), 'checkpoint-invalid', /missing-shard\/model\.json: references weight shard 'group1-shard1of1\.bin'.*does not exist/);
  await rejectsCheckpoint(join(models, 'unknown-layer'), 'checkpoint-unsupported', /unknown-layer\/model\.json: uses layer 'FancyAttention'/);
  await rejectsCheckpoint(join(models, 'pytorch', 'model.pt'), 'checkpoint-unsupported', /model\.pt: is a PyTorch checkpoint.*Export it to TF\.js.*features file/);
  await rejectsCheckpoint(join(models, 'pytorch'), 'checkpoint-unsupported', /model\.pt: is a PyTorch checkpoint/);
  await rejectsCheckpoint(join(models, 'nope'), 'checkpoint-missing', /nope: file not found/);
  await rejectsCheckpoint(join(models, '..'), 'checkpoint-missing', /has no model\.json/);
  await assert.rejects(loadCheckpoint(join(models, 'mlp'), { maxBytes: 1000 }), /more than the limit of 1000/);
});
