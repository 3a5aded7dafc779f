/**
 * The Hugging Face runner (src/node/hf/checkpoint.ts) on fake models whose features can be computed
 * by hand: pooling (default, override, sentence-transformers normalisation), layer choice
 * (index, −k, out of range), padding and input order after length-sorted batching, async engines,
 * progress and cancellation, image sources, and loadHfCheckpoint's errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/node/backend';
import { CheckpointError } from '../../../src/core/formats/errors';
import { CancelledError } from '../../../src/core/model/progress';
import { loadHfCheckpoint, makeCheckpoint, padEncodings, resolveLayerIndex, snapshotIdentity, type HfCheckpointInfo } from '../../../src/node/hf/checkpoint';
import type { HfArchitecture, HfModel } from '../../../src/node/hf/types';
import { CLS, SEP, embed, fakeImageModel, fakeTextModel, fakeTokenizer, wordId } from './fakeModel';

const ready = initBackend('wasm');

function info(model: HfModel, extra: Partial<HfCheckpointInfo> = {}): HfCheckpointInfo {
  return {
    folder: '/fake', modelType: model.modelType, modality: model.modality, parameters: model.parameters, numLayers: model.numLayers, hiddenSize: model.hiddenSize,
    defaultPooling: model.defaultPooling, poolings: model.poolings, poolingReason: 'test', normalize: false, engine: model.engine ?? 'tfjs', files: [],
    ...(model.modality === 'text' ? { tokenizer: { model: 'WordPiece', vocabSize: 200, byteLevel: false, paddingSide: 'right' as const, truncationSide: 'right' as const, maxLength: 64, maxLengthSource: 'test', files: [] } } : {}),
    ...extra,
  };
}

function rowsOf(m: { rows: number; cols: number; data: Float64Array }): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

function close(actual: number[][], expected: number[][], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i]![j]!) <= tol * Math.max(1, Math.abs(expected[i]![j]!)), `[${i}][${j}] ${v} vs ${expected[i]![j]}`)));
}

const texts = ['a much longer sentence with many words here', 'hi', 'three word text'];
const idsOf = (text: string) => [CLS, ...text.split(' ').map(wordId), SEP];
const meanOf = (ids: number[], scale: number) => [0, 1, 2].map((j) => ids.reduce((s, id) => s + embed(id)[j]!, 0) * scale / ids.length);

test('cls at the last layer (default), rows in input order although batches are length-sorted', async () => {
  await ready;
  const calls = { n: 0, batchSizes: [] as number[] };
  const model = fakeTextModel({ calls });
  const ck = makeCheckpoint(info(model), model, fakeTokenizer());
  const m = await ck.extract({ texts }, { batchSize: 2 });
  assert.equal(m.rows, 3);
  assert.equal(m.cols, 3);
  close(rowsOf(m), texts.map(() => embed(CLS).map((v) => v * 4)));
  assert.deepEqual(calls.batchSizes, [2, 1]);
});

test('mean pooling ignores padding; layer −2 and layer 2 are the same hidden state', async () => {
  await ready;
  const model = fakeTextModel();
  const ck = makeCheckpoint(info(model), model, fakeTokenizer());
  const last = await ck.extract({ texts }, { pooling: 'mean', batchSize: 3 });
  close(rowsOf(last), texts.map((t) => meanOf(idsOf(t), 4)));
  const minus2 = await ck.extract({ texts }, { pooling: 'mean', layer: -2, batchSize: 2 });
  const two = await ck.extract({ texts }, { pooling: 'mean', layer: '2', batchSize: 1 });
  close(rowsOf(minus2), texts.map((t) => meanOf(idsOf(t), 3)));
  close(rowsOf(two), rowsOf(minus2));
  // last non-padding token: [SEP] for every row, whatever the padding.
  const lastTok = await ck.extract({ texts }, { pooling: 'last', batchSize: 3 });
  close(rowsOf(lastTok), texts.map(() => embed(SEP).map((v) => v * 4)));
});

test('left padding (decoders) keeps the last real token and the mean', async () => {
  await ready;
  const model = fakeTextModel({ defaultPooling: 'last' });
  const ck = makeCheckpoint(info(model), model, fakeTokenizer({ paddingSide: 'left', padTokenId: undefined, eosTokenId: 7 }));
  const padded = padEncodings(ck.tokenize(['a b c', 'a']), { paddingSide: 'left', eosTokenId: 7 });
  assert.deepEqual(padded.inputIds[1], [7, 7, CLS, wordId('a'), SEP]);
  assert.deepEqual(padded.attentionMask[1], [0, 0, 1, 1, 1]);
  const m = await ck.extract({ texts: ['a b c', 'a'] }, { pooling: 'mean', batchSize: 2 });
  close(rowsOf(m), [meanOf(idsOf('a b c'), 4), meanOf(idsOf('a'), 4)]);
});

test('pooler: default at the last layer; cls stands in at an intermediate layer; an explicit pooler there is refused', async () => {
  await ready;
  const model = fakeTextModel({ defaultPooling: 'pooler' });
  const ck = makeCheckpoint(info(model), model, fakeTokenizer());
  const m = await ck.extract({ texts: ['x'] });
  close(rowsOf(m), [embed(CLS).map((v) => Math.tanh(v * 4))]);
  const at1 = ck.resolve({ layer: 1 });
  assert.equal(at1.pooling, 'cls');
  assert.match(at1.poolingReason, /pooler head reads only the last layer/);
  close(rowsOf(await ck.extract({ texts: ['x'] }, { layer: 1 })), [embed(CLS).map((v) => v * 2)]);
  assert.throws(() => ck.resolve({ layer: 1, pooling: 'pooler' }), (e: unknown) => e instanceof CheckpointError && /last layer only/.test(e.message));
  assert.throws(() => ck.resolve({ pooling: 'gap' }), (e: unknown) => e instanceof CheckpointError && /does not apply/.test(e.message));
});

test('layer indices: integers, −k from the end, and clear errors otherwise', () => {
  assert.equal(resolveLayerIndex(undefined, 12), 12);
  assert.equal(resolveLayerIndex(-1, 12), 12);
  assert.equal(resolveLayerIndex('-4', 12), 9);
  assert.equal(resolveLayerIndex(0, 12), 0);
  assert.throws(() => resolveLayerIndex(13, 12), /out of range: this model has hidden states 0 … 12/);
  assert.throws(() => resolveLayerIndex(-14, 12), /out of range/);
  assert.throws(() => resolveLayerIndex('flatten_1', 12), /not a hidden-state index/);
  assert.throws(() => resolveLayerIndex('1.5', 12), CheckpointError);
});

test('sentence-transformers normalisation gives unit rows; truncation respects maxLength', async () => {
  await ready;
  const model = fakeTextModel({ defaultPooling: 'cls' });
  const ck = makeCheckpoint(info(model, { defaultPooling: 'mean', normalize: true, poolingReason: 'mean, L2-normalised: st' }), model, fakeTokenizer());
  const m = await ck.extract({ texts });
  for (const row of rowsOf(m)) assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-6);
  const expected = meanOf(idsOf(texts[2]!), 4);
  const norm = Math.hypot(...expected);
  close([rowsOf(m)[2]!], [expected.map((v) => v / norm)]);
  const enc = ck.tokenize([texts[0]!], undefined, 4);
  assert.equal(enc[0]!.ids.length, 4);
});

test('an async engine (forwardAsync) gives the same features and leaks no tensors', async () => {
  await ready;
  const sync = makeCheckpoint(info(fakeTextModel()), fakeTextModel(), fakeTokenizer());
  const asyncModel = fakeTextModel({ async: true });
  const asy = makeCheckpoint(info(asyncModel), asyncModel, fakeTokenizer());
  const before = tf.memory().numTensors;
  const a = await asy.extract({ texts }, { pooling: 'mean', layer: 1 });
  assert.equal(tf.memory().numTensors, before);
  close(rowsOf(a), rowsOf(await sync.extract({ texts }, { pooling: 'mean', layer: 1 })));
});

test('progress reports samples/s and ETA; cancellation between batches throws CancelledError', async () => {
  await ready;
  const model = fakeTextModel();
  const ck = makeCheckpoint(info(model), model, fakeTokenizer());
  const many = Array.from({ length: 10 }, (_, i) => 'w '.repeat(i + 1).trim());
  const messages: string[] = [];
  let clock = 0;
  await ck.extract({ texts: many }, { batchSize: 4, onProgress: (e) => messages.push(`${e.fraction?.toFixed(1)} ${e.message}`), now: () => (clock += 500) });
  assert.equal(messages.length, 3);
  assert.match(messages[0]!, /^0\.4 extracting fakebert features \(4\/10 texts, [\d.]+ samples\/s, ETA \d+ s\)/);
  assert.match(messages[2]!, /^1\.0 .*10\/10 texts/);
  const controller = new AbortController();
  const calls = { n: 0, batchSizes: [] as number[] };
  const counted = fakeTextModel({ calls });
  const ck2 = makeCheckpoint(info(counted), counted, fakeTokenizer());
  const before = tf.memory().numTensors;
  await assert.rejects(ck2.extract({ texts: many }, { batchSize: 2, signal: controller.signal, onProgress: () => controller.abort() }), CancelledError);
  assert.equal(calls.n, 1, 'stops after the batch in flight');
  assert.equal(tf.memory().numTensors, before);
});

test('images: an ImageBatch source through gap at a chosen layer, tensors disposed', async () => {
  await ready;
  const model = fakeImageModel();
  const ck = makeCheckpoint(info(model), model);
  const pixels = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
  const source = {
    count: 3,
    async *batches(size: number) {
      for (let i = 0; i < 3; i += size) {
        const rows = pixels.slice(i, i + size);
        yield { kind: 'image' as const, pixelValues: tf.tensor4d(rows.map((p) => [[p, p], [p, p]])) };
      }
    },
  };
  const before = tf.memory().numTensors;
  const m = await ck.extract({ images: source }, { batchSize: 2, layer: 1 });
  assert.equal(tf.memory().numTensors, before);
  close(rowsOf(m), pixels.map((p) => p.map((v) => v * 2)));
  assert.throws(() => ck.tokenize(['x']), /takes images, not texts/);
});

test('loadHfCheckpoint: unknown model_type names it, lists the supported ones and both ways out; missing config.json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-hf-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'mamba' }));
  const deps = { openWeights: async () => { throw new Error('not reached'); }, architectureFor: () => undefined, supportedModelTypes: () => ['bert', 'vit'] };
  await assert.rejects(loadHfCheckpoint(dir, { deps }), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-unsupported' && /'mamba'/.test(e.message) && /bert, vit/.test(e.message) && /features_file/.test(e.message) && /onnx/i.test(e.message));
  await assert.rejects(loadHfCheckpoint(join(dir, 'nope'), { deps }), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-missing');
  writeFileSync(join(dir, 'config.json'), '{ broken');
  await assert.rejects(loadHfCheckpoint(dir, { deps }), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-invalid' && e.message.includes('config.json'));
});

test('loadHfCheckpoint: info from the model, tokenizer and snapshot path; a text model without tokenizer.json is refused', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tl-hf-'));
  const dir = join(root, 'models--org--tiny', 'snapshots', 'abc123');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'fakebert' }));
  const model = fakeTextModel();
  const architecture: HfArchitecture = { modelTypes: ['fakebert'], modality: 'text', load: async () => model };
  const weights = { entries: new Map([['w', { name: 'w', dtype: 'BF16', shape: [10, 3], file: join(dir, 'model.safetensors') }]]), resolve: () => undefined, has: () => false, tensor: async () => tf.zeros([1]), optionalTensor: async () => undefined };
  const deps = { openWeights: async () => weights, architectureFor: (t?: string) => (t === 'fakebert' ? architecture : undefined), supportedModelTypes: () => ['fakebert'], loadTokenizer: async () => fakeTokenizer({ modelMaxLength: 32 }) };
  const ck = await loadHfCheckpoint(dir, { deps });
  assert.equal(ck.info.revision, 'abc123');
  assert.equal(ck.info.hubId, 'org/tiny');
  assert.equal(ck.info.dtype, 'BF16');
  assert.equal(ck.info.tokenizer?.maxLength, 32);
  assert.match(ck.info.tokenizer!.maxLengthSource, /model_max_length/);
  assert.match(ck.info.poolingReason, /^cls: the first token/);
  assert.ok(ck.info.files.includes(join(dir, 'config.json')));
  await assert.rejects(loadHfCheckpoint(dir, { deps: { ...deps, loadTokenizer: async () => undefined } }), /no tokenizer\.json/);
  assert.deepEqual(snapshotIdentity('/x/y'), {});
});

test('extractLayers: several hidden states from one forward pass, split per layer; pooler at extra layers becomes cls', async () => {
  await ready;
  const calls = { n: 0, batchSizes: [] as number[] };
  const model = fakeTextModel({ defaultPooling: 'pooler', calls });
  const ck = makeCheckpoint(info(model), model, fakeTokenizer());
  const out = await ck.extractLayers({ texts }, { batchSize: 8, extraLayers: [0, -2] });
  assert.equal(calls.n, 1, 'one forward pass');
  close(rowsOf(out.features), texts.map(() => embed(CLS).map((v) => Math.tanh(v * 4))));
  close(rowsOf(out.layers.get(0)!), texts.map(() => embed(CLS)));
  close(rowsOf(out.layers.get(2)!), texts.map(() => embed(CLS).map((v) => v * 3)));
});

// ── Real fixtures (test/fixtures/hf-models, saved by transformers) through the real dependencies. ──

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'hf-models');

interface RefTensor { shape: number[]; data: number[] }

function nchwToNhwc(ref: RefTensor): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(ref.data, ref.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D);
}

function assertClose(actual: { rows: number; cols: number; data: Float64Array }, ref: RefTensor, what: string): void {
  assert.deepEqual([actual.rows, actual.cols], ref.shape, what);
  let worst = 0;
  ref.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(actual.data[i]! - v) / (1e-4 + Math.abs(v)))));
  assert.ok(worst <= 1e-4 * 50, `${what}: worst relative error ${worst}`);
  ref.data.forEach((v, i) => assert.ok(Math.abs(actual.data[i]! - v) <= 1e-4 * Math.abs(v) + 1e-5, `${what}[${i}]: ${actual.data[i]} vs ${v}`));
}

for (const engine of ['tfjs', 'onnx'] as const) {
  test(`vit fixture on ${engine}: the default pooling (cls), mean and pooler equal transformers' outputs`, async () => {
    await ready;
    const folder = join(FIXTURES, 'vit');
    const ref = JSON.parse(readFileSync(join(folder, 'reference.json'), 'utf8')) as { pixel_values: RefTensor; pooled: Record<string, RefTensor>; default_pooling: string };
    const ck = await loadHfCheckpoint(folder, { engine });
    try {
      if (engine === 'onnx' && ck.info.engine !== 'onnx') return; // onnxruntime-node absent on this platform: the TF.js run covers it
      assert.equal(ck.info.modelType, 'vit');
      assert.equal(ck.info.defaultPooling, ref.default_pooling);
      const source = { count: ref.pixel_values.shape[0]!, async *batches() { yield nchwToNhwc(ref.pixel_values); } };
      assertClose(await ck.extract({ images: source }), ref.pooled.cls!, 'cls');
      assertClose(await ck.extract({ images: source }, { pooling: 'mean' }), ref.pooled.mean!, 'mean');
      assertClose(await ck.extract({ images: source }, { pooling: 'pooler' }), ref.pooled.pooler!, 'pooler');
    } finally {
      ck.dispose();
    }
  });
}

for (const name of ['sentence-transformers', 'sentence-transformers-v2']) {
  test(`${name} fixture: the folder's own pooling and normalisation give SentenceTransformer's embeddings`, async () => {
    await ready;
    const folder = join(FIXTURES, name);
    const ref = JSON.parse(readFileSync(join(folder, 'reference.json'), 'utf8')) as { inputs: string[]; sentence_embedding: RefTensor; sentence_pooling: string; sentence_normalize: boolean };
    const ck = await loadHfCheckpoint(folder, { engine: 'tfjs' });
    try {
      assert.equal(ck.info.defaultPooling, ref.sentence_pooling);
      assert.equal(ck.info.normalize, ref.sentence_normalize);
      assert.match(ck.info.poolingReason, /sentence-transformers folder \(modules\.json, 1_Pooling\/config\.json/);
      assertClose(await ck.extract({ texts: ref.inputs }), ref.sentence_embedding, 'sentence embedding');
    } finally {
      ck.dispose();
    }
  });
}
