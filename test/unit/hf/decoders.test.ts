/**
 * Parity of the decoder architectures (gpt2, llama, qwen2, mistral — src/node/hf/architectures/)
 * with `transformers` 5 in PyTorch, on the tiny fixtures scripts/hf-fixtures/make_decoders.py
 * saved (test/fixtures/hf-models/<type>/): last hidden state, an intermediate hidden state and the
 * 'last' / 'mean' pooled features at rtol 1e-4 from the reference input_ids / attention_mask
 * (left padding for llama/mistral, right for gpt2/qwen2; RoPE types llama3, yarn, linear; GQA;
 * a sliding window shorter than the text). Negative tests show the comparison can fail: a wrong
 * rope_theta, a dropped sliding window, a wrong RMS epsilon, a transposed Conv1D weight; a config
 * that disagrees with the weights (no GQA: kv heads = heads) is a CheckpointError naming the
 * tensor. estimateParameters is checked on real-size configs (Llama-2-7B, Mistral-7B-v0.1,
 * Qwen2-0.5B, GPT-2 124M) against their published parameter counts.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/node/backend';
import { openWeights } from '../../../src/node/hf/weights';
import { pool } from '../../../src/node/hf/pooling';
import { architectureFor } from '../../../src/node/hf/architectures/registry';
import { gpt2Architecture } from '../../../src/node/hf/architectures/gpt2';
import { llamaArchitecture, ropeFor } from '../../../src/node/hf/architectures/llama';
import { qwen2Architecture } from '../../../src/node/hf/architectures/qwen2';
import { mistralArchitecture } from '../../../src/node/hf/architectures/mistral';
import { CheckpointError } from '../../../src/core/formats/errors';
import type { HfArchitecture, HfConfig, WeightSource } from '../../../src/node/hf/types';
import { excess as parityExcess, readJson, type Values } from './parity';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'hf-models');
const RTOL = 1e-4;
const ATOL = 2e-5;

interface Reference {
  model_type: string;
  input_ids: number[][];
  attention_mask: number[][];
  last_hidden_state: Values;
  hidden_states: Record<string, Values>;
  pooled: Record<string, Values>;
  default_pooling: string;
}

const ARCHES: Record<string, HfArchitecture> = {
  gpt2: gpt2Architecture,
  llama: llamaArchitecture,
  qwen2: qwen2Architecture,
  mistral: mistralArchitecture,
};

before(async () => {
  const info = await initBackend('wasm');
  assert.equal(info.name, 'wasm', JSON.stringify(info.tried));
});


/** Distance from transformers' values at this file's tolerance (test/unit/hf/parity.ts). */
function excess(actual: ArrayLike<number>, expected: Values): { excess: number; worst: number } {
  return parityExcess(actual, expected, RTOL, ATOL);
}

interface Outputs { last: Float32Array; lastShape: number[]; layer1: Float32Array; pooledLast: Float32Array; pooledMean: Float32Array }

async function run(type: string, config: HfConfig, weights: WeightSource, ref: Reference): Promise<Outputs> {
  const model = await ARCHES[type]!.load(config, weights);
  try {
    const ids = tf.tensor2d(ref.input_ids, undefined, 'int32');
    const mask = tf.tensor2d(ref.attention_mask, undefined, 'int32');
    const out = tf.tidy(() => {
      const { hidden } = model.forward({ kind: 'text', inputIds: ids, attentionMask: mask }, { layers: [1] });
      const last = hidden.get(model.numLayers)!;
      return {
        last: last.dataSync() as Float32Array,
        lastShape: last.shape,
        layer1: hidden.get(1)!.dataSync() as Float32Array,
        pooledLast: pool('last', last, mask).dataSync() as Float32Array,
        pooledMean: pool('mean', last, mask).dataSync() as Float32Array,
      };
    });
    tf.dispose([ids, mask]);
    return out;
  } finally {
    model.dispose();
  }
}

function fixture(type: string): { dir: string; config: HfConfig; ref: Reference } {
  const dir = join(FIXTURES, type);
  return { dir, config: readJson<HfConfig>(join(dir, 'config.json')), ref: readJson<Reference>(join(dir, 'reference.json')) };
}

for (const type of ['gpt2', 'llama', 'qwen2', 'mistral']) {
  test(`${type}: last hidden state, hidden state 1 and pooled last/mean match transformers at rtol 1e-4`, async () => {
    const { dir, config, ref } = fixture(type);
    assert.equal(ref.model_type, type);
    assert.equal(ref.default_pooling, 'last');
    assert.equal(architectureFor(type), ARCHES[type], 'registered under its model_type');
    const weights = await openWeights(dir);
    const model = await ARCHES[type]!.load(config, weights);
    assert.equal(model.defaultPooling, 'last');
    assert.deepEqual([...model.poolings], ['last', 'mean']);
    assert.equal(model.parameters, weights.parameters, 'every stored tensor is used once');
    model.dispose();
    const out = await run(type, config, weights, ref);
    assert.deepEqual(out.lastShape, ref.last_hidden_state.shape);
    for (const [name, actual, expected] of [
      ['last_hidden_state', out.last, ref.last_hidden_state],
      ['hidden_states[1]', out.layer1, ref.hidden_states['1']!],
      ['pooled last', out.pooledLast, ref.pooled.last!],
      ['pooled mean', out.pooledMean, ref.pooled.mean!],
    ] as const) {
      const { excess: ex, worst } = excess(actual, expected);
      assert.ok(ex <= 0, `${type} ${name}: worst abs error ${worst.toExponential(2)} exceeds atol ${ATOL} + rtol ${RTOL}`);
    }
  });
}

test('the fixtures cover padding on both sides and texts longer than the sliding window', () => {
  const sides = (ref: Reference): string[] => ref.attention_mask.map((row) => (row[0] === 0 ? 'left' : row[row.length - 1] === 0 ? 'right' : 'none'));
  assert.ok(sides(fixture('llama').ref).includes('left'));
  assert.ok(sides(fixture('mistral').ref).includes('left'));
  assert.ok(sides(fixture('gpt2').ref).includes('right'));
  assert.ok(sides(fixture('qwen2').ref).includes('right'));
  const mistral = fixture('mistral');
  assert.ok(mistral.ref.input_ids[0]!.length > (mistral.config.sliding_window as number));
  assert.equal((fixture('llama').config.rope_parameters as Record<string, unknown>).rope_type, 'llama3');
  assert.equal((fixture('qwen2').config.rope_parameters as Record<string, unknown>).rope_type, 'yarn');
  assert.equal((mistral.config.rope_parameters as Record<string, unknown>).rope_type, 'linear');
  assert.notEqual(mistral.config.head_dim, (mistral.config.hidden_size as number) / (mistral.config.num_attention_heads as number));
});

/** Max excess of the last hidden state when the config or weights are altered. */
async function alteredExcess(type: string, alterConfig: (c: Record<string, unknown>) => void, wrap?: (w: WeightSource) => WeightSource): Promise<number> {
  const { dir, config, ref } = fixture(type);
  const altered = structuredClone(config) as Record<string, unknown>;
  alterConfig(altered);
  const weights = await openWeights(dir);
  const out = await run(type, altered, wrap ? wrap(weights) : weights, ref);
  return excess(out.last, ref.last_hidden_state).excess;
}

test('parity fails with a wrong rope_theta (llama), no sliding window (mistral), a wrong RMS eps (qwen2)', async () => {
  assert.ok(await alteredExcess('llama', (c) => { (c.rope_parameters as Record<string, unknown>).rope_theta = 500000; }) > 1e-3, 'rope_theta');
  assert.ok(await alteredExcess('llama', (c) => { (c.rope_parameters as Record<string, unknown>).rope_type = 'default'; }) > 1e-3, 'llama3 scaling ignored');
  assert.ok(await alteredExcess('mistral', (c) => { c.sliding_window = null; }) > 1e-3, 'sliding window');
  assert.ok(await alteredExcess('qwen2', (c) => { c.rms_norm_eps = 1e-2; }) > 1e-3, 'rms eps');
  assert.ok(await alteredExcess('qwen2', (c) => { (c.rope_parameters as Record<string, unknown>).rope_type = 'default'; }) > 1e-3, 'yarn ignored');
});

test('parity fails with a transposed GPT-2 Conv1D weight (c_proj is square, so the shape check cannot catch it)', async () => {
  const transposeCProj = (w: WeightSource): WeightSource => ({
    ...w,
    entries: w.entries,
    resolve: (n) => w.resolve(n),
    has: (n) => w.has(n),
    optionalTensor: (n, s) => w.optionalTensor(n, s),
    tensor: async (n, s) => {
      const t = await w.tensor(n, s);
      if (!n.endsWith('attn.c_proj.weight')) return t;
      const tt = tf.transpose(t);
      t.dispose();
      return tt;
    },
  });
  assert.ok(await alteredExcess('gpt2', () => undefined, transposeCProj) > 1e-3);
});

test('a config that disagrees with the weights is a CheckpointError naming the tensor (no GQA: kv heads = heads)', async () => {
  const { dir, config } = fixture('llama');
  const weights = await openWeights(dir);
  await assert.rejects(
    llamaArchitecture.load({ ...config, num_key_value_heads: config.num_attention_heads }, weights),
    (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-invalid' && /k_proj\.weight/.test(e.message),
  );
  await assert.rejects(
    mistralArchitecture.load({ ...fixture('mistral').config, head_dim: null }, await openWeights(join(FIXTURES, 'mistral'))),
    (e: unknown) => e instanceof CheckpointError && /q_proj\.weight/.test(e.message),
  );
  await assert.rejects(
    llamaArchitecture.load({ ...config, num_key_value_heads: 3 }, weights),
    (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-invalid' && /num_key_value_heads/.test(e.message),
  );
});

test('unsupported RoPE types and bad inputs are typed errors', async () => {
  for (const type of ['longrope', 'proportional']) {
    assert.throws(
      () => ropeFor({ hidden_size: 32, num_attention_heads: 4, rope_parameters: { rope_type: type, rope_theta: 10000, factor: 2 } }, 'llama', 8),
      (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-unsupported' && e.message.includes(`'${type}'`),
    );
  }
  // 4.x configs: rope_theta at top level, rope_scaling {type: ...}.
  const legacy = ropeFor({ rope_theta: 500000, rope_scaling: { type: 'linear', factor: 4 } }, 'llama', 8);
  assert.equal(legacy.type, 'linear');
  assert.equal(legacy.theta, 500000);
  assert.ok(Math.abs(legacy.invFreq(10)[0]! - 0.25) < 1e-7);
  // dynamic NTK: default frequencies up to max_position_embeddings, a larger base beyond.
  const dynamic = ropeFor({ max_position_embeddings: 64, rope_parameters: { rope_type: 'dynamic', factor: 2, rope_theta: 10000 } }, 'llama', 8);
  assert.deepEqual([...dynamic.invFreq(64)], [...ropeFor({ rope_theta: 10000 }, 'llama', 8).invFreq(64)]);
  assert.ok(dynamic.invFreq(128)[1]! < dynamic.invFreq(64)[1]!);

  const { dir, config, ref } = fixture('qwen2');
  const model = await qwen2Architecture.load(config, await openWeights(dir));
  try {
    const ids = tf.tensor2d([[1, 2, (config.vocab_size as number) + 5]], undefined, 'int32');
    const mask = tf.tensor2d([[1, 1, 1]], undefined, 'int32');
    assert.throws(() => tf.tidy(() => { model.forward({ kind: 'text', inputIds: ids, attentionMask: mask }); }),
      (e: unknown) => e instanceof CheckpointError && e.code === 'shape-mismatch' && /vocab/.test(e.message));
    const ok = tf.tensor2d([ref.input_ids[0]!], undefined, 'int32');
    const okMask = tf.tensor2d([ref.attention_mask[0]!], undefined, 'int32');
    assert.throws(() => tf.tidy(() => { model.forward({ kind: 'text', inputIds: ok, attentionMask: okMask }, { layers: [7] }); }),
      (e: unknown) => e instanceof CheckpointError && /hidden state 7/.test(e.message));
    tf.dispose([ids, mask, ok, okMask]);
  } finally {
    model.dispose();
  }
});

test('a batch row gives the same features alone and padded in a batch (right padding; left padding with RoPE)', async () => {
  // Right padding leaves the real tokens' positions unchanged. Left padding shifts them by the
  // pad count (positions are arange(T), as transformers computes them); RoPE attention depends
  // only on position differences, so llama/mistral features are unchanged too (GPT-2's learned
  // absolute positions would not be: its fixture pads on the right).
  for (const type of ['gpt2', 'qwen2', 'llama', 'mistral']) {
    const { dir, config, ref } = fixture(type);
    const model = await ARCHES[type]!.load(config, await openWeights(dir));
    try {
      const row = 2;
      const maskRow = ref.attention_mask[row]!;
      const length = maskRow.reduce((a, b) => a + b, 0);
      const start = maskRow[0] === 0 ? maskRow.length - length : 0;
      const ids = tf.tensor2d([ref.input_ids[row]!.slice(start, start + length)], undefined, 'int32');
      const mask = tf.tensor2d([maskRow.slice(start, start + length)], undefined, 'int32');
      assert.ok(length < maskRow.length, `${type}: row ${row} is padded in the batch`);
      const alone = tf.tidy(() => pool('last', model.forward({ kind: 'text', inputIds: ids, attentionMask: mask }).hidden.get(model.numLayers)!, mask).dataSync());
      const h = ref.pooled.last!.shape[1]!;
      const expected = { shape: [h], data: ref.pooled.last!.data.slice(row * h, (row + 1) * h) };
      assert.ok(excess(alone, expected).excess <= 0, `${type}: unpadded row = padded row (worst ${excess(alone, expected).worst})`);
      tf.dispose([ids, mask]);
    } finally {
      model.dispose();
    }
  }
});

test('estimateParameters: published counts of real-size configs within 1%, without weights', () => {
  const llama2_7b = { model_type: 'llama', hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 32, vocab_size: 32000, max_position_embeddings: 4096, rms_norm_eps: 1e-5, tie_word_embeddings: false, hidden_act: 'silu', rope_theta: 10000, rope_scaling: null };
  const mistral_7b = { model_type: 'mistral', hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8, vocab_size: 32000, max_position_embeddings: 32768, rms_norm_eps: 1e-5, sliding_window: 4096, tie_word_embeddings: false, rope_theta: 10000 };
  const qwen2_05b = { model_type: 'qwen2', hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, vocab_size: 151936, max_position_embeddings: 131072, rms_norm_eps: 1e-6, tie_word_embeddings: true, use_sliding_window: false, sliding_window: 131072, max_window_layers: 24, rope_theta: 1000000 };
  const gpt2_124m = { model_type: 'gpt2', n_embd: 768, n_head: 12, n_layer: 12, n_positions: 1024, n_ctx: 1024, vocab_size: 50257, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5 };
  const cases: [HfArchitecture, HfConfig, number][] = [
    [llamaArchitecture, llama2_7b, 6_738_415_616],
    [mistralArchitecture, mistral_7b, 7_241_732_096],
    [qwen2Architecture, qwen2_05b, 494_032_768],
    [gpt2Architecture, gpt2_124m, 124_439_808],
  ];
  for (const [arch, config, known] of cases) {
    const estimate = arch.estimateParameters!(config)!;
    assert.ok(Math.abs(estimate - known) / known < 0.01, `${String(config.model_type)}: ${estimate} vs ${known}`);
  }
  assert.ok(Math.abs(llamaArchitecture.estimateParameters!(llama2_7b)! - 6.7e9) / 6.7e9 < 0.01);
  assert.equal(llamaArchitecture.estimateParameters!({ hidden_size: 'big' }), undefined, 'unusable config → undefined (the header count is used)');
});

test('estimateParameters equals the stored element count of every fixture (+ the lm_head a base model does not store when untied)', async () => {
  for (const type of ['gpt2', 'llama', 'qwen2', 'mistral']) {
    const { dir, config } = fixture(type);
    const weights = await openWeights(dir);
    const tied = config.tie_word_embeddings === true;
    const hidden = (config.hidden_size ?? config.n_embd) as number;
    const lmHead = tied ? 0 : (config.vocab_size as number) * hidden;
    assert.equal(ARCHES[type]!.estimateParameters!(config), weights.parameters + lmHead, type);
  }
});
