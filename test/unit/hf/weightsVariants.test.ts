/**
 * Issue #14 "Must show": a bf16 and a sharded checkpoint give the same features as the float32
 * single file. One BertModel saved three ways (plus torch.save's pytorch_model.bin) by
 * transformers (scripts/hf-fixtures/make_variants.py), run through openWeights + the bert
 * architecture on WASM with fixed token ids: sharded and pytorch_model.bin give bit-identical
 * hidden states and pooler outputs; bf16 matches transformers running the same bf16 weights widened
 * to float32 at 1e-4, and differs from float32 only by bf16 rounding (and not by zero: the weights
 * really are bf16). The float32 run matches transformers at rtol 1e-4.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/node/backend';
import { openWeights } from '../../../src/node/hf/weights';
import { architectureFor } from '../../../src/node/hf/architectures/registry';
import type { HfConfig, TextBatch } from '../../../src/node/hf/types';

const VARIANTS = join(__dirname, '..', '..', 'fixtures', 'hf-models', 'variants');
interface Values { shape: number[]; data: number[] }
const reference = JSON.parse(readFileSync(join(VARIANTS, 'reference.json'), 'utf8')) as {
  input_ids: number[][]; attention_mask: number[][];
  last_hidden_state_f32: Values; pooler_output_f32: Values; last_hidden_state_bf16_weights: Values;
};

before(async () => {
  await initBackend('wasm');
});

async function features(variant: string): Promise<{ hidden: Float32Array; pooler: Float32Array; shape: number[] }> {
  const config = JSON.parse(readFileSync(join(VARIANTS, variant, 'config.json'), 'utf8')) as HfConfig;
  const architecture = architectureFor('bert');
  assert.ok(architecture, 'the bert architecture is registered');
  const model = await architecture.load(config, await openWeights(join(VARIANTS, variant)));
  try {
    const batch: TextBatch = {
      kind: 'text',
      inputIds: tf.tensor2d(reference.input_ids, undefined, 'int32'),
      attentionMask: tf.tensor2d(reference.attention_mask, undefined, 'int32'),
    };
    const out = model.forward(batch);
    const last = out.hidden.get(model.numLayers)!;
    const result = { hidden: last.dataSync() as Float32Array, pooler: out.pooler!.dataSync() as Float32Array, shape: last.shape };
    tf.dispose([batch.inputIds, batch.attentionMask, ...out.hidden.values(), out.pooler!]);
    return result;
  } finally {
    model.dispose();
  }
}

function maxRelative(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (Math.abs(want[i]!) + 1e-3));
  return worst;
}

test('float32 single file matches transformers; sharded and pytorch_model.bin are bit-identical to it', async () => {
  const f32 = await features('f32');
  assert.deepEqual(f32.shape, reference.last_hidden_state_f32.shape);
  assert.ok(maxRelative(f32.hidden, reference.last_hidden_state_f32.data) < 1e-4);
  assert.ok(maxRelative(f32.pooler, reference.pooler_output_f32.data) < 1e-4);
  for (const variant of ['sharded', 'pytorch']) {
    const other = await features(variant);
    assert.deepEqual(Array.from(other.hidden), Array.from(f32.hidden), variant);
    assert.deepEqual(Array.from(other.pooler), Array.from(f32.pooler), variant);
  }
});

test('bf16 weights: transformers’ result with the same bf16 weights at 1e-4, float32’s within bf16 precision', async () => {
  const f32 = await features('f32');
  const bf16 = await features('bf16');
  assert.ok(maxRelative(bf16.hidden, reference.last_hidden_state_bf16_weights.data) < 1e-4);
  // bf16 keeps 8 significant bits (relative rounding ≤ 2^-9 per weight): after two layers and
  // LayerNorms the features stay within a few percent of float32's, and are not identical to them.
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < f32.hidden.length; i++) {
    diff += (bf16.hidden[i]! - f32.hidden[i]!) ** 2;
    norm += f32.hidden[i]! ** 2;
  }
  const relative = Math.sqrt(diff / norm);
  assert.ok(relative < 0.02, `relative difference ${relative}`);
  console.log(`bf16 vs float32 features: relative L2 difference ${relative.toExponential(2)}`);
  assert.ok(relative > 1e-5, 'bf16 features equal float32 exactly: the bf16 file was not bf16');
});
