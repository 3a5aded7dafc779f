/**
 * Parity of the text encoders (bert, roberta, xlm-roberta, distilbert incl. sinusoidal positions,
 * electra with embedding_size ≠ hidden_size — src/node/hf/architectures/) with transformers 5 in
 * PyTorch, on the fixtures scripts/hf-fixtures/make_text_encoders.py saved: last hidden state,
 * intermediate hidden states and every pooled output (cls, mean, pooler) at rtol 1e-4 + atol 1e-5,
 * fed the tokenizer's own batch (tokenizer.ts) — which equals the reference input ids. The
 * sentence-transformers folders (v6 and v2 layouts) reproduce SentenceTransformer.encode from
 * their modules.json + pooling config. Negative tests show the comparison can fail: a transposed
 * attention weight, a wrong LayerNorm epsilon, gelu_new instead of gelu, plain positions for
 * RoBERTa; a config that disagrees with the weights is a CheckpointError naming the tensor.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/node/backend';
import { openWeights } from '../../../src/node/hf/weights';
import { pool } from '../../../src/node/hf/pooling';
import { architectureFor } from '../../../src/node/hf/architectures/registry';
import { loadTokenizer, toTextBatch } from '../../../src/node/hf/tokenizer';
import { sentenceTransformerPooling } from '../../../src/node/hf/sentenceTransformers';
import { sinusoidalTable } from '../../../src/node/hf/architectures/distilbert';
import { CheckpointError } from '../../../src/core/formats/errors';
import type { HfConfig, HfModel, Pooling, WeightSource } from '../../../src/node/hf/types';
import { excess as parityExcess, readJson, type Values } from './parity';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'hf-models');
const RTOL = 1e-4;
const ATOL = 1e-5;

interface Reference {
  model_type: string;
  inputs: string[];
  pairs?: string[];
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][];
  last_hidden_state: Values;
  hidden_states: Record<string, Values>;
  pooled: Record<string, Values>;
  default_pooling: Pooling;
  sentence_embedding?: Values;
  sentence_pooling?: string;
  sentence_normalize?: boolean;
}

const FOLDERS = ['bert', 'roberta', 'xlm-roberta', 'distilbert', 'distilbert-sinusoidal', 'electra', 'sentence-transformers'];

before(async () => {
  const info = await initBackend('wasm');
  assert.equal(info.name, 'wasm', JSON.stringify(info.tried));
});


/** Distance from transformers' values at this file's tolerance (test/unit/hf/parity.ts). */
function excess(actual: ArrayLike<number>, expected: Values): { excess: number; worst: number } {
  return parityExcess(actual, expected, RTOL, ATOL);
}

interface Run { hidden: Map<number, { data: Float32Array; shape: number[] }>; pooled: Record<string, Float32Array> }

/** Tokenises the reference texts with tokenizer.ts, runs the model, pools; returns plain arrays. */
async function run(folder: string, ref: Reference, config: HfConfig, weights: WeightSource): Promise<{ out: Run; model: HfModel }> {
  const arch = architectureFor(config.model_type as string);
  assert.ok(arch, `no architecture for ${String(config.model_type)}`);
  const model = await arch.load(config, weights);
  const tok = await loadTokenizer(folder);
  const encoded = tok.encodeBatch(ref.inputs, ref.pairs);
  assert.deepEqual(encoded.inputIds, ref.input_ids, 'tokenizer ids');
  const batch = toTextBatch(encoded);
  const layers = Object.keys(ref.hidden_states).map(Number);
  const tensors = tf.tidy(() => {
    const output = model.forward(batch, { layers });
    const last = output.hidden.get(model.numLayers)!;
    const result: Record<string, tf.Tensor> = { cls: pool('cls', last), mean: pool('mean', last, batch.attentionMask) };
    if (output.pooler) result.pooler = output.pooler;
    for (const l of layers) result[`h${l}`] = output.hidden.get(l)!;
    result.last = last;
    return result;
  });
  const out: Run = { hidden: new Map(), pooled: {} };
  for (const [k, t] of Object.entries(tensors)) {
    const data = (await t.data()) as Float32Array;
    if (k.startsWith('h')) out.hidden.set(Number(k.slice(1)), { data, shape: t.shape });
    else if (k === 'last') out.hidden.set(model.numLayers, { data, shape: t.shape });
    else out.pooled[k] = data;
  }
  tf.dispose([...Object.values(tensors), batch.inputIds, batch.attentionMask, batch.tokenTypeIds!]);
  return { out, model };
}

function assertParity(name: string, out: Run, ref: Reference, numLayers: number): void {
  const last = out.hidden.get(numLayers)!;
  assert.deepEqual(last.shape, ref.last_hidden_state.shape, `${name}: last hidden shape`);
  const checks: [string, ArrayLike<number>, Values][] = [['last_hidden_state', last.data, ref.last_hidden_state]];
  for (const [k, v] of Object.entries(ref.hidden_states)) checks.push([`hidden_states[${k}]`, out.hidden.get(Number(k))!.data, v]);
  for (const [k, v] of Object.entries(ref.pooled)) {
    assert.ok(out.pooled[k], `${name}: no ${k} pooling`);
    checks.push([`pooled.${k}`, out.pooled[k], v]);
  }
  for (const [what, actual, expected] of checks) {
    const e = excess(actual, expected);
    assert.ok(e.excess <= 0, `${name} ${what}: worst abs error ${e.worst.toExponential(2)} exceeds atol ${ATOL} + rtol ${RTOL}`);
  }
}

/** Worst excess of the last hidden state (for negative tests). */
function lastExcess(out: Run, ref: Reference, numLayers: number): number {
  return excess(out.hidden.get(numLayers)!.data, ref.last_hidden_state).excess;
}

/** A WeightSource that returns one tensor transposed (same shape when square). */
function transposing(inner: WeightSource, name: string): WeightSource {
  return {
    entries: inner.entries,
    resolve: (n) => inner.resolve(n),
    has: (n) => inner.has(n),
    async tensor(n, shape) {
      const t = await inner.tensor(n, shape);
      if (n !== name) return t;
      const tr = tf.transpose(t);
      t.dispose();
      return tr;
    },
    optionalTensor: (n, shape) => inner.optionalTensor(n, shape),
  };
}

for (const name of FOLDERS) {
  test(`${name}: TF.js forward equals transformers (hidden states, pooled) at rtol 1e-4`, async () => {
    const folder = join(FIXTURES, name);
    const ref = readJson<Reference>(join(folder, 'reference.json'));
    const config = readJson<HfConfig>(join(folder, 'config.json'));
    const weights = await openWeights(folder);
    const { out, model } = await run(folder, ref, config, weights);
    try {
      assert.equal(model.modelType, ref.model_type);
      assert.equal(model.defaultPooling, ref.default_pooling);
      assert.ok(model.poolings.includes(ref.default_pooling));
      assert.equal(model.parameters, weights.parameters, 'parameters = stored element count');
      const estimate = architectureFor(ref.model_type)!.estimateParameters!(config);
      assert.equal(estimate, model.parameters, 'estimateParameters from config.json');
      assertParity(name, out, ref, model.numLayers);
    } finally {
      model.dispose();
    }
  });
}

test('sentence-transformers folders: pooling from modules.json reproduces SentenceTransformer.encode', async () => {
  for (const name of ['sentence-transformers', 'sentence-transformers-v2']) {
    const folder = join(FIXTURES, name);
    const ref = readJson<Reference>(join(folder, 'reference.json'));
    const st = await sentenceTransformerPooling(folder);
    assert.ok(st, `${name}: not recognised`);
    assert.equal(st.pooling, ref.sentence_pooling);
    assert.equal(st.normalize, ref.sentence_normalize);
    assert.equal(st.transformerFolder, folder);
    assert.equal(st.warning, undefined);
    assert.equal(st.dimension, 32);
    const config = readJson<HfConfig>(join(st.transformerFolder, 'config.json'));
    const { out, model } = await run(folder, ref, config, await openWeights(st.transformerFolder));
    model.dispose();
    let emb = out.pooled[st.pooling]!;
    if (st.normalize) {
      const d = 32;
      emb = Float32Array.from(emb);
      for (let r = 0; r < emb.length / d; r++) {
        let n = 0;
        for (let j = 0; j < d; j++) n += emb[r * d + j] ** 2;
        n = Math.max(Math.sqrt(n), 1e-12);
        for (let j = 0; j < d; j++) emb[r * d + j] /= n;
      }
    }
    const e = excess(emb, ref.sentence_embedding!);
    assert.ok(e.excess <= 0, `${name}: sentence embedding worst error ${e.worst}`);
  }
  assert.equal(await sentenceTransformerPooling(join(FIXTURES, 'bert')), undefined);
});

test('negative: a transposed (square) attention weight breaks parity', async () => {
  const folder = join(FIXTURES, 'bert');
  const ref = readJson<Reference>(join(folder, 'reference.json'));
  const config = readJson<HfConfig>(join(folder, 'config.json'));
  const weights = transposing(await openWeights(folder), 'encoder.layer.1.attention.self.query.weight');
  const { out, model } = await run(folder, ref, config, weights);
  model.dispose();
  assert.ok(lastExcess(out, ref, 2) > 0, 'transposed query weight still within tolerance');
});

test('negative: a transposed non-square weight is a CheckpointError naming the tensor', async () => {
  const folder = join(FIXTURES, 'bert');
  const config = readJson<HfConfig>(join(folder, 'config.json'));
  const inner = await openWeights(folder);
  const bad: WeightSource = { ...transposing(inner, 'x'), entries: inner.entries, has: (n) => inner.has(n), resolve: (n) => inner.resolve(n),
    // Ask for the intermediate weight with its shape reversed, as a transposing bug would.
    tensor: (n, shape) => inner.tensor(n, n.endsWith('intermediate.dense.weight') && shape ? [...shape].reverse() : shape),
    optionalTensor: (n, shape) => inner.optionalTensor(n, shape) };
  await assert.rejects(architectureFor('bert')!.load(config, bad), (e: unknown) => e instanceof CheckpointError && /intermediate\.dense\.weight/.test(e.message));
});

test('negative: wrong epsilon, wrong activation, plain RoBERTa positions break parity', async () => {
  const cases: [string, (c: Record<string, unknown>) => void][] = [
    ['bert', (c) => { c.layer_norm_eps = 1e-2; }],
    ['bert', (c) => { c.hidden_act = 'gelu_new'; }],
    ['electra', (c) => { c.hidden_act = 'gelu'; }],
    ['distilbert', (c) => { c.activation = 'relu'; }],
    // pad_token_id 0 instead of 1: every position id shifts by −1 (and padding positions change).
    ['roberta', (c) => { c.pad_token_id = 0; }],
  ];
  for (const [name, mutate] of cases) {
    const folder = join(FIXTURES, name);
    const ref = readJson<Reference>(join(folder, 'reference.json'));
    const config = { ...readJson<Record<string, unknown>>(join(folder, 'config.json')) };
    mutate(config);
    const { out, model } = await run(folder, ref, config, await openWeights(folder));
    model.dispose();
    assert.ok(lastExcess(out, ref, model.numLayers) > 0, `${name} with ${JSON.stringify(config).slice(0, 0)}mutated config still within tolerance`);
  }
});

test('a config that disagrees with the weights is a CheckpointError naming the tensor', async () => {
  const folder = join(FIXTURES, 'electra');
  const config = { ...readJson<Record<string, unknown>>(join(folder, 'config.json')), embedding_size: 32 };
  await assert.rejects(architectureFor('electra')!.load(config, await openWeights(folder)), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-invalid' && /word_embeddings/.test(e.message));
  const bad = { ...readJson<Record<string, unknown>>(join(FIXTURES, 'bert', 'config.json')), hidden_act: 'no_such_act' };
  await assert.rejects(architectureFor('bert')!.load(bad, await openWeights(join(FIXTURES, 'bert'))), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-unsupported' && /hidden_act/.test(e.message));
});

test('LayerNorm weights stored as gamma/beta (TF-converted BERT) load and keep parity', async () => {
  const folder = join(FIXTURES, 'bert');
  const ref = readJson<Reference>(join(folder, 'reference.json'));
  const config = readJson<HfConfig>(join(folder, 'config.json'));
  const inner = await openWeights(folder);
  const toStored = (n: string): string => n.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
  const renamed = (n: string): boolean => /LayerNorm\.(weight|bias)$/.test(n);
  const source: WeightSource = {
    entries: inner.entries,
    resolve: (n) => (renamed(n) ? undefined : inner.resolve(toStored(n))),
    has: (n) => !renamed(n) && inner.has(toStored(n)),
    tensor: (n, shape) => (renamed(n) ? Promise.reject(new CheckpointError('checkpoint-invalid', `${n} missing`)) : inner.tensor(toStored(n), shape)),
    optionalTensor: (n, shape) => (renamed(n) ? Promise.resolve(undefined) : inner.optionalTensor(toStored(n), shape)),
  };
  const { out, model } = await run(folder, ref, config, source);
  model.dispose();
  assertParity('bert gamma/beta', out, ref, 2);
});

test('distilbert sinusoidal table equals the stored one transformers wrote', async () => {
  const folder = join(FIXTURES, 'distilbert-sinusoidal');
  const weights = await openWeights(folder);
  const stored = await weights.tensor('embeddings.position_embeddings.weight', [64, 32]);
  const data = await stored.data();
  stored.dispose();
  const table = sinusoidalTable(64, 32);
  let worst = 0;
  for (let i = 0; i < table.length; i++) worst = Math.max(worst, Math.abs(table[i] - data[i]));
  assert.ok(worst < 1e-6, `sinusoid differs by ${worst}`);
});

test('over-long input and token ids outside the vocabulary are shape-mismatch errors', async () => {
  const folder = join(FIXTURES, 'bert');
  const config = readJson<HfConfig>(join(folder, 'config.json'));
  const model = await architectureFor('bert')!.load(config, await openWeights(folder));
  try {
    const long = { kind: 'text' as const, inputIds: tf.zeros([1, 65], 'int32') as tf.Tensor2D, attentionMask: tf.ones([1, 65], 'int32') as tf.Tensor2D };
    assert.throws(() => tf.tidy(() => { model.forward(long); }), (e: unknown) => e instanceof CheckpointError && e.code === 'shape-mismatch' && /64/.test(e.message));
    const oov = { kind: 'text' as const, inputIds: tf.tensor2d([[2, 300, 3]], [1, 3], 'int32'), attentionMask: tf.ones([1, 3], 'int32') as tf.Tensor2D };
    assert.throws(() => tf.tidy(() => { model.forward(oov); }), (e: unknown) => e instanceof CheckpointError && /vocab/.test(e.message));
    tf.dispose([long.inputIds, long.attentionMask, oov.inputIds, oov.attentionMask]);
  } finally {
    model.dispose();
  }
});
