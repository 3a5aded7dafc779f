/**
 * inspectHfSnapshot (src/node/hf/snapshot.ts): the status of every kind of folder users have
 * (complete single/sharded safetensors, shards absent, config/tokenizer only, pytorch_model.bin
 * only, ONNX only, no config.json, sentence-transformers, a Hugging Face cache snapshot made of
 * relative symlinks into blobs/), numbers from the headers alone, and damage reported with the
 * file named instead of thrown.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { inspectHfSnapshot } from '../../../src/node/hf/snapshot';
import { openWeights } from '../../../src/node/hf/weights';

const MODELS = join(__dirname, '..', '..', 'fixtures', 'hf-models');
const VARIANTS = join(MODELS, 'variants');
const SHARDS = JSON.parse(readFileSync(join(VARIANTS, 'reference.json'), 'utf8')).shards as string[];
let scratch: string;

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'tl-snapshot-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of a fixture folder, minus `without`, plus `extra` files. */
function copyOf(source: string, name: string, without: readonly string[] = [], extra: Record<string, string | Uint8Array> = {}): string {
  const folder = join(scratch, name);
  mkdirSync(folder, { recursive: true });
  for (const file of readdirSync(source)) if (!without.includes(file) && file !== 'reference.json') copyFileSync(join(source, file), join(folder, file));
  for (const [file, content] of Object.entries(extra)) {
    mkdirSync(join(folder, file, '..'), { recursive: true });
    writeFileSync(join(folder, file), content);
  }
  return folder;
}

test('complete safetensors: runnable, parameters and dtypes from the header, < 64 KB read', async () => {
  const info = await inspectHfSnapshot(join(VARIANTS, 'f32'));
  const weights = await openWeights(join(VARIANTS, 'f32'));
  assert.equal(info.status, 'runnable');
  assert.equal(info.modelType, 'bert');
  assert.deepEqual(info.architectures, ['BertModel']);
  assert.equal(info.weights.layout, 'safetensors');
  assert.equal(info.parameters, weights.parameters);
  assert.deepEqual(info.dtypes, { F32: weights.parameters });
  assert.equal(info.float32Bytes, weights.parameters * 4);
  assert.equal(info.storedBytes, weights.parameters * 4);
  const config = readFileSync(join(VARIANTS, 'f32', 'config.json')).length;
  assert.equal(info.bytesRead, weights.stats.headerBytes + config);
  assert.ok(info.bytesRead < 64 * 1024);
  // The static tier re-inspects on every edit: unchanged weight files are not read again.
  assert.equal((await inspectHfSnapshot(join(VARIANTS, 'f32'))).bytesRead, config);

  const bf16 = await inspectHfSnapshot(join(VARIANTS, 'bf16'));
  assert.deepEqual(bf16.dtypes, { BF16: weights.parameters });
  assert.equal(bf16.float32Bytes, weights.parameters * 4);
  assert.equal(bf16.storedBytes, weights.parameters * 2);

  const sharded = await inspectHfSnapshot(join(VARIANTS, 'sharded'));
  assert.equal(sharded.status, 'runnable');
  assert.equal(sharded.weights.layout, 'safetensors-sharded');
  assert.deepEqual(sharded.weights.shards, SHARDS);
  assert.deepEqual(sharded.weights.missingShards, []);
  assert.equal(sharded.parameters, weights.parameters);
});

test('weights not downloaded: an index whose shards are absent vs. only JSON files', async () => {
  const partial = await inspectHfSnapshot(copyOf(join(VARIANTS, 'sharded'), 'partial', [SHARDS[1]!]));
  assert.equal(partial.status, 'weights-not-downloaded');
  assert.deepEqual(partial.weights.missingShards, [SHARDS[1]]);
  assert.equal(partial.parametersEstimated, true); // from the index's total_size
  const weights = await openWeights(join(VARIANTS, 'f32'));
  assert.equal(partial.parameters, weights.parameters);

  const indexOnly = await inspectHfSnapshot(copyOf(join(VARIANTS, 'sharded'), 'index-only', SHARDS));
  assert.equal(indexOnly.status, 'weights-not-downloaded');
  assert.deepEqual(indexOnly.weights.missingShards, SHARDS);

  const jsonOnly = await inspectHfSnapshot(copyOf(join(MODELS, 'bert'), 'json-only', ['model.safetensors', 'onnx']));
  assert.equal(jsonOnly.status, 'weights-not-downloaded');
  assert.equal(jsonOnly.weights.layout, 'none');
  assert.deepEqual(jsonOnly.tokenizer.files, ['tokenizer.json', 'tokenizer_config.json']);
  assert.equal(jsonOnly.parameters, undefined);
});

test('pytorch_model.bin only, ONNX only, no config.json', async () => {
  const pt = await inspectHfSnapshot(join(VARIANTS, 'pytorch'));
  assert.equal(pt.status, 'pytorch-bin-only');
  assert.equal(pt.weights.layout, 'pytorch');
  assert.equal(pt.parameters, (await openWeights(join(VARIANTS, 'f32'))).parameters);
  assert.equal(pt.weights.problem, undefined);
  const fake = await inspectHfSnapshot(copyOf(join(VARIANTS, 'f32'), 'pt-fake', ['model.safetensors'], { 'pytorch_model.bin': 'PK' }));
  assert.equal(fake.status, 'pytorch-bin-only');
  assert.match(fake.weights.problem!, /pt-fake\/pytorch_model\.bin: /);
  const onnx = await inspectHfSnapshot(join(MODELS, 'onnx-only-bert'));
  assert.equal(onnx.status, 'onnx-only');
  assert.deepEqual(onnx.onnx, ['onnx/model.onnx', 'onnx/model_quantized.onnx']);
  const bare = await inspectHfSnapshot(copyOf(join(VARIANTS, 'f32'), 'no-config', ['config.json']));
  assert.equal(bare.status, 'no-config');
  assert.equal(bare.weights.layout, 'safetensors');
});

test('sentence-transformers: modules.json and 1_Pooling/config.json decide the pooling', async () => {
  const info = await inspectHfSnapshot(join(MODELS, 'sentence-transformers'));
  assert.equal(info.status, 'runnable');
  assert.ok(info.sentenceTransformers);
  const pooling = JSON.parse(readFileSync(join(MODELS, 'sentence-transformers', '1_Pooling', 'config.json'), 'utf8')) as Record<string, unknown>;
  // sentence-transformers ≥ 5 writes "pooling_mode": "mean"; older versions one boolean per mode.
  const expected = pooling.pooling_mode ?? (pooling.pooling_mode_mean_tokens ? 'mean' : pooling.pooling_mode_cls_token ? 'cls' : 'last');
  assert.equal(info.sentenceTransformers.pooling, expected);
  assert.equal(info.sentenceTransformers.normalize, readdirSync(join(MODELS, 'sentence-transformers')).includes('2_Normalize'));
  assert.ok(info.sentenceTransformers.files.includes('1_Pooling/config.json'));
  // An older layout: the transformer in 0_Transformer/, CLS pooling.
  const old = join(scratch, 'st-old');
  copyOf(join(VARIANTS, 'f32'), 'st-old/0_Transformer');
  writeFileSync(join(old, 'modules.json'), JSON.stringify([{ idx: 0, name: '0', path: '0_Transformer', type: 'sentence_transformers.models.Transformer' }, { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' }]));
  mkdirSync(join(old, '1_Pooling'));
  writeFileSync(join(old, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: 32, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }));
  const oldInfo = await inspectHfSnapshot(old);
  assert.equal(oldInfo.status, 'runnable');
  assert.equal(oldInfo.modelFolder, join(old, '0_Transformer'));
  assert.equal(oldInfo.sentenceTransformers?.pooling, 'cls');
  assert.equal(oldInfo.sentenceTransformers?.normalize, false);
});

test('a Hugging Face cache snapshot: relative symlinks into blobs/, a dangling one counts as absent', async () => {
  const repo = join(scratch, 'hub', 'models--acme--tiny');
  const snapshot = join(repo, 'snapshots', 'c0ffee');
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  mkdirSync(snapshot, { recursive: true });
  mkdirSync(join(repo, 'refs'));
  writeFileSync(join(repo, 'refs', 'main'), 'c0ffee');
  for (const file of ['config.json', 'model.safetensors.index.json', ...SHARDS]) {
    const content = readFileSync(join(VARIANTS, 'sharded', file));
    const blob = join(repo, 'blobs', createHash('sha256').update(content).digest('hex'));
    if (file !== SHARDS[2]) writeFileSync(blob, content); // the last shard's blob never arrived
    symlinkSync(relative(snapshot, blob), join(snapshot, file));
  }
  const info = await inspectHfSnapshot(snapshot);
  assert.equal(info.status, 'weights-not-downloaded');
  assert.deepEqual(info.weights.missingShards, [SHARDS[2]]);
  writeFileSync(join(repo, 'blobs', createHash('sha256').update(readFileSync(join(VARIANTS, 'sharded', SHARDS[2]!))).digest('hex')), readFileSync(join(VARIANTS, 'sharded', SHARDS[2]!)));
  const complete = await inspectHfSnapshot(snapshot);
  assert.equal(complete.status, 'runnable');
  const weights = await openWeights(snapshot);
  assert.equal(weights.entries.size, 39);
});

test('damage is described, not thrown: truncated header, bad config.json, tokenizer.json that does not parse', async () => {
  const good = readFileSync(join(VARIANTS, 'f32', 'model.safetensors'));
  const truncated = await inspectHfSnapshot(copyOf(join(VARIANTS, 'f32'), 'trunc', ['model.safetensors'], { 'model.safetensors': good.subarray(0, 300) }));
  assert.equal(truncated.status, 'runnable');
  assert.equal(truncated.weights.problemCode, 'checkpoint-invalid');
  assert.match(truncated.weights.problem!, /trunc\/model\.safetensors: .*truncated/);
  const config = await inspectHfSnapshot(copyOf(join(VARIANTS, 'f32'), 'bad-config', ['config.json'], { 'config.json': '{"model_type": "bert",' }));
  assert.match(config.configProblem!, /bad-config\/config\.json: is not valid JSON/);
  const tokenizer = await inspectHfSnapshot(copyOf(join(MODELS, 'bert'), 'bad-tokenizer', ['onnx'], { 'tokenizer.json': '{"version": "1.0", "model": {"type": "WordPiece", "vocab": {"[UNK]": 0,' }));
  assert.match(tokenizer.tokenizer.problem!, /bad-tokenizer\/tokenizer\.json: is not valid JSON .*tokenizer cannot be loaded/);
  const notTokenizer = await inspectHfSnapshot(copyOf(join(MODELS, 'bert'), 'not-tokenizer', ['onnx'], { 'tokenizer.json': '[1, 2]' }));
  assert.match(notTokenizer.tokenizer.problem!, /not-tokenizer\/tokenizer\.json: has no "model" object/);
  const badIndex = await inspectHfSnapshot(copyOf(join(VARIANTS, 'sharded'), 'bad-index', ['model.safetensors.index.json'], { 'model.safetensors.index.json': '{"weight_map": 7}' }));
  assert.match(badIndex.weights.problem!, /bad-index\/model\.safetensors\.index\.json: has no "weight_map" object/);
  const nothing = await inspectHfSnapshot(join(scratch, 'does-not-exist'));
  assert.equal(nothing.status, 'no-config');
});
