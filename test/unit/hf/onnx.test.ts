/**
 * The ONNX engine (src/node/hf/onnx.ts) against the PyTorch reference outputs of every parity
 * fixture that has an ONNX export (test/fixtures/hf-models/<name>/onnx/model.onnx, written by
 * scripts/hf-fixtures/export_onnx.py) and of the ONNX-only snapshots (onnx-only-bert, -vit, and
 * -mpnet, an architecture TF.js does not implement): last hidden state, intermediate hidden states
 * and every pooled output at rtol 1e-4 (+ atol 1e-5), fed with the reference input ids / masks or
 * pixel values. Also: the graph-mapping errors, variant choice, the int8 graph, and that a
 * corrupted input layout (NHWC fed as NCHW) fails parity.
 *
 * Skipped (with the reason) when onnxruntime-node does not load here; engine.test.ts checks the
 * fallback on such machines.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/node/backend';
import { loadOnnxRuntime } from '../../../src/node/hf/engine';
import { loadOnnxModel, planGraph, type OnnxModel } from '../../../src/node/hf/onnx';
import { pool } from '../../../src/node/hf/pooling';
import type { ModelBatch, Pooling } from '../../../src/node/hf/types';
import { CheckpointError } from '../../../src/core/formats/errors';
import { architectureFor } from '../../../src/node/hf/architectures/registry';
import { openWeights } from '../../../src/node/hf/weights';
import type { HfConfig } from '../../../src/node/hf/types';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'hf-models');
const runtime = loadOnnxRuntime();
const skip = runtime.ok ? false : `onnxruntime-node unavailable: ${runtime.reason}`;

interface Values { shape: number[]; data: number[] }
interface Reference {
  model_type: string;
  modality: 'text' | 'image';
  input_ids?: number[][];
  attention_mask?: number[][];
  token_type_ids?: number[][];
  pixel_values?: Values;
  last_hidden_state: Values;
  hidden_states?: Record<string, Values>;
  num_layers?: number;
  pooled: Partial<Record<Pooling, Values>>;
  default_pooling: Pooling;
}

function reference(name: string): Reference {
  return JSON.parse(readFileSync(join(FIXTURES, name, 'reference.json'), 'utf8')) as Reference;
}

/** Fixture folders with an ONNX export and a reference. */
const NAMES = existsSync(FIXTURES)
  ? readdirSync(FIXTURES).filter((n) => existsSync(join(FIXTURES, n, 'onnx', 'model.onnx')) && existsSync(join(FIXTURES, n, 'reference.json'))).sort()
  : [];

export function batchOf(ref: Reference, nchwAsNhwc = false): ModelBatch {
  if (ref.modality === 'image') {
    const [b, c, h, w] = ref.pixel_values!.shape as [number, number, number, number];
    const nchw = tf.tensor4d(ref.pixel_values!.data, [b, c, h, w]);
    // The corruption test reinterprets the NCHW bytes as NHWC instead of transposing them.
    const pixelValues = nchwAsNhwc ? tf.reshape(nchw, [b, h, w, c]) as tf.Tensor4D : tf.transpose(nchw, [0, 2, 3, 1]) as tf.Tensor4D;
    if (pixelValues !== nchw) nchw.dispose();
    return { kind: 'image', pixelValues };
  }
  return {
    kind: 'text',
    inputIds: tf.tensor2d(ref.input_ids!, undefined, 'int32'),
    attentionMask: tf.tensor2d(ref.attention_mask!, undefined, 'int32'),
    ...(ref.token_type_ids ? { tokenTypeIds: tf.tensor2d(ref.token_type_ids, undefined, 'int32') } : {}),
  };
}

function disposeBatch(batch: ModelBatch): void {
  if (batch.kind === 'image') batch.pixelValues.dispose();
  else tf.dispose([batch.inputIds, batch.attentionMask, ...(batch.tokenTypeIds ? [batch.tokenTypeIds] : [])]);
}

/**
 * Worst |a − e| − (atol + rtol·|e|) (≤ 0: within tolerance). Text rows are compared only at
 * positions the attention mask keeps (decoder fixtures zero the padded positions of the reference).
 */
export function excess(actual: tf.Tensor, expected: Values, mask?: number[][], rtol = 1e-4, atol = 1e-5): { excess: number; at: number; got: number; want: number } {
  assert.deepEqual(actual.shape, expected.shape, 'shape');
  const a = actual.dataSync();
  const perRow = expected.shape.length === 3 && mask ? expected.shape[2]! : 0;
  let worst = { excess: -Infinity, at: -1, got: NaN, want: NaN };
  for (let i = 0; i < a.length; i++) {
    if (perRow) {
      const token = Math.floor(i / perRow);
      const [row, col] = [Math.floor(token / expected.shape[1]!), token % expected.shape[1]!];
      if (mask![row]![col] === 0) continue;
    }
    const e = expected.data[i]!;
    const x = Math.abs(a[i]! - e) - (atol + rtol * Math.abs(e));
    if (!(x <= worst.excess)) worst = { excess: x, at: i, got: a[i]!, want: e };
  }
  return worst;
}

function assertClose(actual: tf.Tensor, expected: Values, what: string, mask?: number[][]): void {
  const w = excess(actual, expected, mask);
  assert.ok(w.excess <= 0, `${what}: element ${w.at} is ${w.got}, PyTorch ${w.want} (rtol 1e-4, atol 1e-5)`);
}

before(async () => {
  await initBackend('wasm');
});

test('fixtures with ONNX exports are present (export_onnx.py)', { skip }, () => {
  for (const name of ['onnx-only-bert', 'onnx-only-vit', 'onnx-only-mpnet']) assert.ok(NAMES.includes(name), `${name}/onnx/model.onnx`);
  assert.ok(NAMES.length >= 6, `only ${NAMES.join(', ')}`);
});

for (const name of NAMES) {
  test(`${name}: ONNX engine matches transformers (PyTorch) at rtol 1e-4`, { skip }, async () => {
    const ref = reference(name);
    const model = await loadOnnxModel(join(FIXTURES, name), { threads: 1 });
    try {
      assert.equal(model.engine, 'onnx');
      assert.equal(model.modality, ref.modality);
      assert.equal(model.defaultPooling, ref.default_pooling, 'defaultPooling agrees with the family (reference.json)');
      if (ref.num_layers !== undefined) assert.equal(model.numLayers, ref.num_layers, 'numLayers');
      // onnx-only-vit is exported like optimum / Xenova exports (no hidden_states outputs).
      if (name === 'onnx-only-vit') assert.deepEqual(model.availableLayers, [model.numLayers]);
      else assert.deepEqual(model.availableLayers, Array.from({ length: model.numLayers + 1 }, (_, i) => i), 'every hidden state is exported');
      const layers = Object.keys(ref.hidden_states ?? {}).map(Number).filter((i) => model.availableLayers.includes(i));
      const batch = batchOf(ref);
      const out = await model.forwardAsync(batch, { layers });
      try {
        const last = out.hidden.get(model.numLayers)!;
        const mask = ref.modality === 'text' ? ref.attention_mask : undefined;
        assertClose(last, ref.last_hidden_state, `${name} last hidden state`, mask);
        assert.equal(last.shape[last.shape.length - 1], model.hiddenSize, 'hiddenSize');
        for (const i of layers) assertClose(out.hidden.get(i)!, ref.hidden_states![String(i)]!, `${name} hidden state ${i}`, mask);
        for (const [pooling, expected] of Object.entries(ref.pooled) as [Pooling, Values][]) {
          assert.ok(model.poolings.includes(pooling), `${name} offers ${pooling}`);
          const attention = batch.kind === 'text' ? batch.attentionMask : undefined;
          const pooled = pooling === 'pooler' ? out.pooler! : tf.tidy(() => pool(pooling as Exclude<Pooling, 'pooler'>, last, attention));
          assertClose(pooled, expected, `${name} pooled ${pooling}`);
          if (pooled !== out.pooler) pooled.dispose();
        }
      } finally {
        for (const t of out.hidden.values()) t.dispose();
        out.pooler?.dispose();
        disposeBatch(batch);
      }
    } finally {
      model.dispose();
    }
  });
}

/** Fixtures that exist in both forms (safetensors for a TF.js architecture, and onnx/model.onnx). */
const BOTH = NAMES.filter((n) => existsSync(join(FIXTURES, n, 'model.safetensors'))).filter((n) => {
  const config = JSON.parse(readFileSync(join(FIXTURES, n, 'config.json'), 'utf8')) as HfConfig;
  return !!architectureFor(config.model_type as string);
});

for (const name of BOTH) {
  test(`${name}: ONNX and TF.js engines give the same hidden states and pooler at rtol 1e-4`, { skip }, async () => {
    const folder = join(FIXTURES, name);
    const ref = reference(name);
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as HfConfig;
    const tfjs = await architectureFor(config.model_type as string)!.load(config, await openWeights(folder));
    const onnx = await loadOnnxModel(folder, { threads: 1 });
    const batch = batchOf(ref);
    try {
      assert.equal(onnx.numLayers, tfjs.numLayers, 'numLayers');
      assert.equal(onnx.hiddenSize, tfjs.hiddenSize, 'hiddenSize');
      assert.equal(onnx.defaultPooling, tfjs.defaultPooling, 'defaultPooling');
      const layers = Object.keys(ref.hidden_states ?? {}).map(Number).filter((i) => i !== tfjs.numLayers);
      const fromOnnx = await onnx.forwardAsync(batch, { layers });
      const mask = ref.modality === 'text' ? ref.attention_mask : undefined;
      tf.tidy(() => {
        const fromTfjs = tfjs.forward(batch, { layers });
        for (const i of [tfjs.numLayers, ...layers]) {
          const t = fromTfjs.hidden.get(i)!;
          assertClose(fromOnnx.hidden.get(i)!, { shape: t.shape, data: Array.from(t.dataSync()) }, `${name} hidden state ${i}, ONNX vs TF.js`, mask);
        }
        if (fromTfjs.pooler) assertClose(fromOnnx.pooler!, { shape: fromTfjs.pooler.shape, data: Array.from(fromTfjs.pooler.dataSync()) }, `${name} pooler, ONNX vs TF.js`);
      });
      for (const t of fromOnnx.hidden.values()) t.dispose();
      fromOnnx.pooler?.dispose();
    } finally {
      disposeBatch(batch);
      tfjs.dispose();
      onnx.dispose();
    }
  });
}

test('a wrong pixel layout (NCHW bytes read as NHWC) fails parity: the NHWC→NCHW transpose matters', { skip }, async () => {
  const ref = reference('onnx-only-vit');
  const model = await loadOnnxModel(join(FIXTURES, 'onnx-only-vit'), { threads: 1 });
  const batch = batchOf(ref, true);
  const out = await model.forwardAsync(batch);
  const w = excess(out.hidden.get(model.numLayers)!, ref.last_hidden_state);
  assert.ok(w.excess > 1e-3, 'corrupted input must not match');
  for (const t of out.hidden.values()) t.dispose();
  out.pooler?.dispose();
  disposeBatch(batch);
  model.dispose();
});

test('missing token_type_ids are fed as zeros; intermediate layers absent from a graph are a CheckpointError', { skip }, async () => {
  const ref = reference('onnx-only-bert');
  const model = await loadOnnxModel(join(FIXTURES, 'onnx-only-bert'), { threads: 1 });
  const batch = batchOf(ref);
  assert.equal(batch.kind, 'text');
  const withoutTypes: ModelBatch = { kind: 'text', inputIds: batch.kind === 'text' ? batch.inputIds : tf.zeros([1, 1]), attentionMask: batch.kind === 'text' ? batch.attentionMask : tf.zeros([1, 1]) };
  const out = await model.forwardAsync(withoutTypes);
  assertClose(out.hidden.get(model.numLayers)!, ref.last_hidden_state, 'bert without token_type_ids (all zeros in the reference)');
  for (const t of out.hidden.values()) t.dispose();
  out.pooler?.dispose();
  await assert.rejects(model.forwardAsync(batch, { layers: [7] }), (e: unknown) => e instanceof CheckpointError && /not hidden state 7/.test(e.message));
  assert.throws(() => model.forward(batch), /forwardAsync/);
  disposeBatch(batch);
  model.dispose();
});

test('variant: quantized picks onnx/model_quantized.onnx (int8, close to fp32); an absent variant falls back to fp32 with a note', { skip }, async () => {
  const folder = join(FIXTURES, 'onnx-only-bert');
  const ref = reference('onnx-only-bert');
  const quantized: OnnxModel = await loadOnnxModel(folder, { variant: 'quantized', threads: 1 });
  assert.match(quantized.file, /onnx[\\/]model_quantized\.onnx$/);
  assert.equal(quantized.variant, 'quantized');
  const batch = batchOf(ref);
  const out = await quantized.forwardAsync(batch);
  const last = out.hidden.get(quantized.numLayers)!.dataSync();
  let worst = 0;
  for (let i = 0; i < last.length; i++) worst = Math.max(worst, Math.abs(last[i]! - ref.last_hidden_state.data[i]!));
  assert.ok(worst > 1e-6 && worst < 0.5, `int8 graph differs from fp32 a little (max |diff| ${worst})`);
  for (const t of out.hidden.values()) t.dispose();
  out.pooler?.dispose();
  disposeBatch(batch);
  quantized.dispose();
  const fp16 = await loadOnnxModel(folder, { variant: 'fp16', threads: 1 });
  assert.equal(fp16.variant, 'fp32');
  assert.match(fp16.note ?? '', /no model_fp16\.onnx/);
  fp16.dispose();
});

test('decoder-with-past inputs: empty caches, arange position_ids, the mask and use_cache_branch are fed (synthetic graph)', { skip }, async () => {
  // onnx-synthetic-decoder's last_hidden_state is [id + 10·position + 100·mask + Σ past, × 2].
  const model = await loadOnnxModel(join(FIXTURES, 'onnx-synthetic-decoder'), { threads: 1 });
  assert.equal(model.defaultPooling, 'last', 'a graph with a KV cache is a decoder: last-token pooling');
  assert.ok(model.poolings.includes('last'));
  const batch: ModelBatch = { kind: 'text', inputIds: tf.tensor2d([[5, 6, 7], [0, 8, 9]], undefined, 'int32'), attentionMask: tf.tensor2d([[1, 1, 1], [0, 1, 1]], undefined, 'int32') };
  const out = await model.forwardAsync(batch);
  const last = out.hidden.get(model.numLayers)!;
  assert.deepEqual(last.shape, [2, 3, 2]);
  assert.deepEqual(Array.from(last.dataSync()), [105, 210, 116, 232, 127, 254, 0, 0, 118, 236, 129, 258]);
  last.dispose();
  disposeBatch(batch);
  model.dispose();
});

test('planGraph names inputs it does not understand, and task-head graphs without last_hidden_state', () => {
  assert.throws(() => planGraph(['input_ids', 'attention_mask', 'decoder_input_ids'], ['last_hidden_state'], '/m/model.onnx'),
    (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-unsupported' && /decoder_input_ids/.test(e.message) && /\/m\/model\.onnx/.test(e.message));
  assert.throws(() => planGraph(['input_ids', 'pixel_values'], ['last_hidden_state'], 'clip.onnx'), /multimodal/);
  assert.throws(() => planGraph(['input_ids', 'attention_mask'], ['logits'], 'head.onnx'), (e: unknown) => e instanceof CheckpointError && /logits/.test(e.message) && /feature-extraction/.test(e.message));
  const plan = planGraph(['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key', 'past_key_values.0.value', 'use_cache_branch'], ['last_hidden_state', 'hidden_states.1', 'present.0.key'], 'dec.onnx');
  assert.equal(plan.modality, 'text');
  assert.equal(plan.past.length, 2);
  assert.equal(plan.useCacheBranch, true);
  assert.equal(plan.hiddenNames.get(1), 'hidden_states.1');
  assert.equal(planGraph(['pixel_values'], ['last_hidden_state', 'pooler_output'], 'v.onnx').poolerName, 'pooler_output');
});

test('a folder without an ONNX export is a checkpoint-missing CheckpointError', async () => {
  await assert.rejects(loadOnnxModel(join(FIXTURES, 'does-not-exist')), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-missing' && /optimum-cli export onnx/.test(e.message));
});
