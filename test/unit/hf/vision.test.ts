/**
 * Vision architectures (src/node/hf/architectures/{vit,clip,resnet,convnext,mobilenetV2}.ts) against
 * the outputs `transformers` computes in PyTorch on tiny seeded models
 * (test/fixtures/hf-models/<name>/, scripts/hf-fixtures/make_vision.py): last hidden state, one
 * intermediate hidden state and every pooled output at rtol 1e-4 (+ atol 1e-5), fed with the
 * reference pixel_values; our image processor (src/node/hf/imageProcessor.ts) on the fixture
 * images against the HF (PIL backend) pixel_values; and negative tests that a transposed conv
 * kernel or a wrong BatchNorm epsilon breaks parity.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/node/backend';
import { openWeights } from '../../../src/node/hf/weights';
import type { HfConfig, HfModel, Pooling, WeightSource } from '../../../src/node/hf/types';
import { architectureFor } from '../../../src/node/hf/architectures/registry';
import { pool } from '../../../src/node/hf/pooling';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'hf-models');

interface Values { shape: number[]; data: number[] }
interface Reference {
  model_type: string;
  images: string[];
  pixel_values: Values;
  last_hidden_state: Values;
  hidden_states: Record<string, Values>;
  num_layers: number;
  pooled: Partial<Record<Pooling, Values>>;
  default_pooling: Pooling;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function reference(name: string): Reference {
  return readJson<Reference>(join(FIXTURES, name, 'reference.json'));
}

/** NCHW reference pixel values → NHWC tensor. */
function pixelsNhwc(ref: Reference): tf.Tensor4D {
  const [b, c, h, w] = ref.pixel_values.shape as [number, number, number, number];
  return tf.tidy(() => tf.transpose(tf.tensor4d(ref.pixel_values.data, [b, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D);
}

/** Max over elements of |a − e| − (atol + rtol·|e|) ≤ 0, with the worst element for messages. */
function assertClose(actual: tf.Tensor, expected: Values, what: string, rtol = 1e-4, atol = 1e-5): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.dataSync();
  let worst = -Infinity;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i]! - expected.data[i]!) - (atol + rtol * Math.abs(expected.data[i]!));
    if (!(excess <= worst)) {
      worst = excess;
      at = i;
    }
  }
  assert.ok(worst <= 0, `${what}: element ${at} is ${a[at]}, expected ${expected.data[at]} (rtol ${rtol}, atol ${atol})`);
}

async function loadFixture(name: string, wrap?: (w: WeightSource) => WeightSource, configPatch?: Record<string, unknown>): Promise<{ model: HfModel; config: HfConfig }> {
  const folder = join(FIXTURES, name);
  const config = { ...readJson<HfConfig>(join(folder, 'config.json')), ...configPatch };
  const arch = architectureFor(config.model_type as string);
  assert.ok(arch, `no architecture for ${String(config.model_type)}`);
  const weights = await openWeights(folder);
  const model = await arch.load(config, wrap ? wrap(weights) : weights);
  return { model, config };
}

/** Runs the model on the reference pixels and compares everything the reference holds. */
function checkParity(model: HfModel, ref: Reference, rtol = 1e-4, atol = 1e-5): void {
  assert.equal(model.numLayers, ref.num_layers, 'numLayers');
  assert.equal(model.defaultPooling, ref.default_pooling, 'defaultPooling');
  const layers = Object.keys(ref.hidden_states).map(Number);
  tf.tidy(() => {
    const out = model.forward({ kind: 'image', pixelValues: pixelsNhwc(ref) }, { layers });
    const last = out.hidden.get(model.numLayers)!;
    assertClose(last, ref.last_hidden_state, `${ref.model_type} last hidden state`, rtol, atol);
    for (const i of layers) assertClose(out.hidden.get(i)!, ref.hidden_states[String(i)]!, `${ref.model_type} hidden state ${i}`, rtol, atol);
    for (const [pooling, expected] of Object.entries(ref.pooled) as [Pooling, Values][]) {
      assert.ok(model.poolings.includes(pooling), `${ref.model_type} offers ${pooling}`);
      const pooled = pooling === 'pooler' ? out.pooler! : pool(pooling as Exclude<Pooling, 'pooler'>, last);
      assertClose(pooled, expected, `${ref.model_type} pooled ${pooling}`, rtol, atol);
    }
  });
}

before(async () => {
  await initBackend('wasm');
});

for (const name of ['vit', 'deit', 'clip', 'clip_vision_model', 'resnet', 'resnet-basic', 'convnext', 'mobilenet_v2']) {
  test(`${name}: last hidden state, intermediate and pooled outputs match transformers at rtol 1e-4`, async () => {
    const ref = reference(name);
    const { model } = await loadFixture(name);
    try {
      checkParity(model, ref);
    } finally {
      model.dispose();
    }
  });
}
