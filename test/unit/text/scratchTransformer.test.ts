/**
 * The text branch's second scratch arm (src/node/scratchTransformer.ts), on the WASM backend the
 * analysis trains it on: a toy task whose label is a marker token is learnt well above chance, the
 * same texts with shuffled labels stay at chance, regression fits a token count, a fit is
 * reproducible for a seed (and differs for another), the hand-written gradients (ScatterNd
 * embedding lookup, plain-product dense layer) equal tfjs' own on the CPU backend, and the size
 * rule / config reading / cache key behave as documented.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../../src/node/backend';
import { makeTarget, oneHot, perSampleLoss, type Target } from '../../../src/core/analysis/learners';
import { matrix } from '../../../src/core/linalg/matrix';
import { createRandom } from '../../../src/core/formats/random';
import {
  RECIPE,
  textScratchTransformer,
  chooseScratchShape,
  denseLayer,
  embeddingLookup,
  familyShape,
  remapTokens,
  scratchTransformerLearner,
  smallShape,
  type TransformerShape,
} from '../../../src/node/scratchTransformer';

const TINY: TransformerShape = { layers: 1, hidden: 16, heads: 2, intermediate: 32, postNorm: true };
const FAST = { ...RECIPE, targetSteps: 150, maxEpochs: 30, learningRate: 3e-3 };

/** Sequences of 6–10 filler ids (100…139) with, for `marked` rows, a marker id (7 or 8) at a random position; [CLS]=1 … [SEP]=2. */
function toyTexts(n: number, seed: number, marker: (i: number) => number | undefined): { ids: number[] }[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const body = Array.from({ length: 6 + random.nextInt(5) }, () => 100 + random.nextInt(40));
    const m = marker(i);
    if (m !== undefined) body.splice(random.nextInt(body.length + 1), 0, m);
    return { ids: [1, ...body, 2] };
  });
}

function classTarget(classes: Int32Array): Target {
  return makeTarget('classification', oneHot(classes, 2), classes, 2);
}

const N = 240;
const train = Int32Array.from({ length: 160 }, (_, i) => i);
const held = Int32Array.from({ length: N - 160 }, (_, i) => 160 + i);

async function errorOf(target: Target, encodings: { ids: number[] }[], seed = 0, shape = TINY): Promise<{ error: number; predictions: Float64Array }> {
  const learner = scratchTransformerLearner(remapTokens(encodings), target, { shape, seed, recipe: FAST });
  const predictions = await learner.fitPredict(train, held);
  const losses = perSampleLoss(target, held, predictions);
  return { error: losses.reduce((a, b) => a + b, 0) / losses.length, predictions: Float64Array.from(predictions.data) };
}

test('a marker-token task is learnt well above chance; the same texts with shuffled labels stay at chance', async () => {
  await initBackend('wasm');
  const classes = Int32Array.from({ length: N }, (_, i) => i % 2);
  const texts = toyTexts(N, 11, (i) => (classes[i] ? 7 : 8));
  const learnt = await errorOf(classTarget(classes), texts);
  assert.ok(learnt.error <= 0.1, `error ${learnt.error} on a task decided by one token`);
  // Shuffled labels: nothing to learn, so held-out error is chance (0.5 ± 3.5 SD on 80 rows).
  const random = createRandom(5);
  const shuffled = Int32Array.from(classes);
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const chance = await errorOf(classTarget(shuffled), texts);
  assert.ok(chance.error >= 0.3 && chance.error <= 0.7, `error ${chance.error} on shuffled labels`);
});

test('regression: the count of a marker token is predicted (MSE well below Var(y))', async () => {
  await initBackend('wasm');
  const random = createRandom(3);
  const counts = Array.from({ length: N }, () => random.nextInt(4));
  const encodings = toyTexts(N, 13, () => undefined).map((e, i) => ({ ids: [1, ...Array(counts[i]!).fill(7), ...e.ids.slice(1)] }));
  const target = makeTarget('regression', matrix(N, 1, Float64Array.from(counts)));
  const learner = scratchTransformerLearner(remapTokens(encodings), target, { shape: TINY, seed: 0, recipe: { ...FAST, targetSteps: 120, maxEpochs: 25 } });
  const predictions = await learner.fitPredict(train, held);
  const mse = perSampleLoss(target, held, predictions).reduce((a, b) => a + b, 0) / held.length;
  assert.ok(mse < 0.35, `MSE / Var(y) ${mse}`);
});

test('seeded: the same seed and rows give the same predictions, another seed others; no tensor leaks', async () => {
  await initBackend('wasm');
  const classes = Int32Array.from({ length: N }, (_, i) => i % 2);
  const texts = toyTexts(N, 17, (i) => (i % 3 === 0 ? (classes[i] ? 7 : 8) : undefined));
  const target = classTarget(classes);
  const quick = { ...FAST, targetSteps: 20, maxEpochs: 3, minEpochs: 1 };
  const run = async (seed: number) => Float64Array.from((await scratchTransformerLearner(remapTokens(texts), target, { shape: TINY, seed, recipe: quick }).fitPredict(train, held)).data);
  const tensors = tf.memory().numTensors;
  const a = await run(4);
  assert.equal(tf.memory().numTensors, tensors, 'a fit leaves no tensor behind (variables, moments, initial values, batches)');
  const b = await run(4);
  const c = await run(5);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('the ScatterNd embedding gradient and the plain-product dense gradient equal tfjs\' own (CPU backend)', async () => {
  const ids = [3, 0, 3, 5, 1, 3, 0];
  const random = createRandom(9);
  const tableData = Float32Array.from({ length: 6 * 4 }, () => random.next() - 0.5);
  const weightData = Float32Array.from({ length: 7 * 4 }, () => random.next() - 0.5);
  const xData = Float32Array.from({ length: 7 * 3 }, () => random.next() - 0.5);
  const wData = Float32Array.from({ length: 3 * 5 }, () => random.next() - 0.5);
  const bData = Float32Array.from({ length: 5 }, () => random.next() - 0.5);
  const upstream = Float32Array.from({ length: 7 * 5 }, () => random.next() - 0.5);
  async function grads(custom: boolean): Promise<Float32Array[]> {
    const table = tf.variable(tf.tensor2d(tableData, [6, 4]));
    const x = tf.variable(tf.tensor2d(xData, [7, 3]));
    const w = tf.variable(tf.tensor2d(wData, [3, 5]));
    const b = tf.variable(tf.tensor1d(bData));
    const idsT = tf.tensor1d(ids, 'int32');
    const { grads: g } = tf.variableGrads(() => {
      const e = custom ? embeddingLookup(table, idsT) : tf.gather(table, idsT);
      const d = custom ? denseLayer(x, w, b) : tf.add(tf.matMul(x, w), b);
      return tf.add(tf.sum(tf.mul(e, tf.tensor2d(weightData, [7, 4]))), tf.sum(tf.mul(d, tf.tensor2d(upstream, [7, 5])))) as tf.Scalar;
    }, [table, x, w, b]);
    const out = await Promise.all([table, x, w, b].map(async (v) => (await g[v.name]!.data()) as Float32Array));
    tf.dispose([table, x, w, b, idsT, ...Object.values(g)]);
    return out;
  }
  await tf.setBackend('cpu');
  const reference = await grads(false);
  const custom = await grads(true);
  await initBackend('wasm');
  await tf.setBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  const onWasm = await grads(true);
  for (const [i, name] of ['table', 'x', 'w', 'b'].entries()) {
    for (let k = 0; k < reference[i]!.length; k++) {
      assert.ok(Math.abs(custom[i]![k]! - reference[i]![k]!) < 1e-5, `${name}[${k}] cpu ${custom[i]![k]} vs ${reference[i]![k]}`);
      assert.ok(Math.abs(onWasm[i]![k]! - reference[i]![k]!) < 1e-5, `${name}[${k}] wasm ${onWasm[i]![k]} vs ${reference[i]![k]}`);
    }
  }
  // Duplicate ids add up (id 3 appears three times): a kernel that kept only one update would fail above.
  assert.ok(ids.filter((id) => id === 3).length === 3);
});

test('remapTokens keeps only the ids that occur, in id order, truncates, and hashes the original ids', () => {
  const t = remapTokens([{ ids: [101, 7, 2000, 102] }, { ids: [101, 2000, 2000, 55, 102, 9] }], 5);
  // Ids within the first 5 tokens: 7, 55, 101, 102, 2000 (the truncated 9 is not kept).
  assert.equal(t.vocabulary, 5);
  assert.deepEqual([...t.ids[0]!], [2, 0, 4, 3]);
  assert.deepEqual([...t.ids[1]!], [2, 4, 4, 1, 3]);
  assert.equal(t.ids[1]!.length, 5, 'truncated at 5');
  assert.equal(t.maxLength, 5);
  assert.equal(t.typeIds, undefined);
  assert.equal(remapTokens([{ ids: [101, 7, 2000, 102] }, { ids: [101, 2000, 2000, 55, 102, 9] }], 5).hash, t.hash);
  assert.notEqual(remapTokens([{ ids: [101, 8, 2000, 102] }, { ids: [101, 2000, 2000, 55, 102, 9] }], 5).hash, t.hash);
  const pairs = remapTokens([{ ids: [1, 5, 2, 6, 2], typeIds: [0, 0, 0, 1, 1] }]);
  assert.deepEqual([...pairs.typeIds![0]!], [0, 0, 0, 1, 1]);
});

test('familyShape reads BERT, DistilBERT, GPT-2 and Llama spellings; the size rule picks own vs small', () => {
  const bert = familyShape({ model_type: 'bert', hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512 })!;
  assert.deepEqual({ ...bert }, { modelType: 'bert', hidden: 768, layers: 12, heads: 12, intermediate: 3072, postNorm: true, maxPositions: 512 });
  assert.deepEqual(familyShape({ model_type: 'distilbert', dim: 768, n_layers: 6, n_heads: 12, hidden_dim: 3072 }), { modelType: 'distilbert', hidden: 768, layers: 6, heads: 12, intermediate: 3072, postNorm: true, maxPositions: undefined });
  assert.equal(familyShape({ model_type: 'gpt2', n_embd: 768, n_layer: 12, n_head: 12 })!.intermediate, 3072);
  assert.equal(familyShape({ model_type: 'gpt2', n_embd: 768, n_layer: 12, n_head: 12 })!.postNorm, false);
  assert.equal(familyShape({ model_type: 'llama', hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 128, rms_norm_eps: 1e-6 })!.postNorm, false);
  assert.equal(familyShape({ model_type: 'bert', hidden_size: 10, num_hidden_layers: 2, num_attention_heads: 4 }), undefined, 'hidden not divisible by heads');
  // BERT-base on 2,000 rows of 128 tokens: far over budget → the small model, never larger than own.
  const big = chooseScratchShape(bert, 2000, 128, 2);
  assert.equal(big.own, false);
  assert.deepEqual(big.shape, smallShape(bert));
  assert.match(big.reason, /small model of the same family/);
  // examples/text's tiny BERT (2 × 64, MLP 128) on 100 rows of ~17 tokens: affordable → own size.
  const tiny = familyShape({ model_type: 'bert', hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 128 })!;
  const own = chooseScratchShape(tiny, 100, 17.4, 2);
  assert.equal(own.own, true);
  assert.equal(own.shape.intermediate, 128);
  assert.ok(own.flops < big.flops);
  // A family smaller than the small model stays its own size when it falls back.
  const small = smallShape({ modelType: 'bert', hidden: 32, layers: 1, heads: 4, intermediate: 64, postNorm: true });
  assert.deepEqual(small, { layers: 1, hidden: 32, heads: 2, intermediate: 64, postNorm: true });
  assert.equal(chooseScratchShape(undefined, 100, 20, 2).own, false);
});

test('cacheKey: same content same key; labels, seed, shape or tokens change it', () => {
  const texts = toyTexts(40, 1, (i) => (i % 2 ? 7 : 8));
  const classes = Int32Array.from({ length: 40 }, (_, i) => i % 2);
  const key = (over: { seed?: number; shape?: TransformerShape; classes?: Int32Array; texts?: { ids: number[] }[] } = {}) =>
    scratchTransformerLearner(remapTokens(over.texts ?? texts), classTarget(over.classes ?? classes), { shape: over.shape ?? TINY, seed: over.seed ?? 0 }).cacheKey;
  assert.equal(key(), key());
  assert.notEqual(key({ seed: 1 }), key());
  assert.notEqual(key({ shape: { ...TINY, hidden: 32 } }), key());
  assert.notEqual(key({ classes: Int32Array.from(classes, (c) => 1 - c) }), key());
  assert.notEqual(key({ texts: toyTexts(40, 2, (i) => (i % 2 ? 7 : 8)) }), key());
});

test('textScratchTransformer: not trained on the cpu backend (note says why); on WASM the note states the size decision', async () => {
  const classes = Int32Array.from({ length: 40 }, (_, i) => i % 2);
  const args = {
    modelType: 'bert',
    folder: `${__dirname}/../../fixtures/hf-models/bert`,
    tokens: () => remapTokens(toyTexts(40, 3, (i) => (classes[i] ? 7 : 8)), 24),
    target: classTarget(classes),
    trainRows: 40,
    seed: 0,
  };
  const cpu = await textScratchTransformer({ ...args, backend: 'cpu' });
  assert.equal(cpu.learner, undefined);
  assert.match(cpu.note, /not trained: the TF\.js backend is the pure-JavaScript cpu one/);
  const wasm = await textScratchTransformer({ ...args, backend: 'wasm', vocabSize: 300 });
  assert.ok(wasm.learner);
  assert.equal(wasm.summary.own, true);
  assert.deepEqual(wasm.summary.shape, { modelType: 'bert', hidden: 32, layers: 2, heads: 4, intermediate: 37, postNorm: true, maxPositions: 64 });
  assert.match(wasm.note, /the checkpoint's own size \(2 layers, hidden 32, 4 heads, MLP 37\) was trained/);
  // Over budget: the small model of the family, and the note says so.
  const small = await textScratchTransformer({ ...args, backend: 'wasm', budget: 1e6 });
  assert.equal(small.summary.own, false);
  assert.match(small.note, /over the .* budget, so a small model of the same family \(2 layers, hidden 32, 2 heads, MLP 37\) was trained/);
});
