/**
 * src/node/hf/weights.ts on the variants fixture (one tiny BertModel saved float32, bfloat16 and
 * sharded by transformers, scripts/hf-fixtures/make_variants.py) and on hand-made broken files:
 * exact float32 values (bf16 bit-identical to torch's bf16 → float32), sharded = single file,
 * header-only opening (a file-handle spy counts the bytes), name resolution under task-head
 * prefixes, and a CheckpointError naming the file for every kind of damage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { openWeights, parseWeightIndex, resolveWeightName } from '../../../src/node/hf/weights';
import { numberToBfloat16Bits, writeSafetensors, toFloat32 } from '../../../src/core/formats/safetensors';
import { float16ToNumber } from '../../../src/core/formats/float16';
import { CheckpointError } from '../../../src/core/formats/errors';
import { fuzzOpenWeights, rejectsWith, seededNext, useScratch, VARIANTS } from './weightsKit';

interface Values { shape: number[]; data: number[] }
const reference = JSON.parse(readFileSync(join(VARIANTS, 'reference.json'), 'utf8')) as { bf16_as_float32: Record<string, Values>; float32: Record<string, Values>; shards: string[] };
const scratch = useScratch('tl-weights-');
const { writeFolder } = scratch;

async function values(source: Awaited<ReturnType<typeof openWeights>>, name: string, shape?: number[]): Promise<{ shape: number[]; data: Float32Array }> {
  const t = await source.tensor(name, shape);
  try {
    assert.equal(t.dtype, 'float32');
    return { shape: t.shape, data: t.dataSync() as Float32Array };
  } finally {
    t.dispose();
  }
}

test('float32 single file: exact values, parameter count and dtypes from the header', async () => {
  const source = await openWeights(join(VARIANTS, 'f32'));
  assert.equal(source.format, 'safetensors');
  assert.equal(source.entries.size, 39);
  assert.deepEqual(Object.keys(source.dtypes), ['F32']);
  assert.equal(source.parameters, source.dtypes.F32);
  for (const [name, ref] of Object.entries(reference.float32)) {
    const got = await values(source, name, ref.shape);
    assert.deepEqual(got.shape, ref.shape);
    assert.deepEqual(Array.from(got.data), Array.from(Float32Array.from(ref.data)), name);
  }
});

test('bfloat16: identical to torch’s bf16 → float32, bit for bit; close to the float32 originals', async () => {
  const source = await openWeights(join(VARIANTS, 'bf16'));
  assert.deepEqual(Object.keys(source.dtypes), ['BF16']);
  for (const [name, ref] of Object.entries(reference.bf16_as_float32)) {
    const got = await values(source, name, ref.shape);
    assert.deepEqual(Array.from(got.data), Array.from(Float32Array.from(ref.data)), name);
    // bf16 keeps 8 significant bits: relative error ≤ 2^-8 of the float32 original.
    const original = reference.float32[name]!.data;
    got.data.forEach((v, i) => assert.ok(Math.abs(v - original[i]!) <= Math.abs(original[i]!) * 2 ** -8 + 1e-30, `${name}[${i}]`));
  }
});

test('sharded: ≥ 3 shards through the index give exactly the single-file tensors', async () => {
  const sharded = await openWeights(join(VARIANTS, 'sharded'));
  const single = await openWeights(join(VARIANTS, 'f32'));
  assert.ok(reference.shards.length >= 3);
  assert.equal(sharded.files.length, 1 + reference.shards.length);
  assert.match(sharded.files[0]!, /model\.safetensors\.index\.json$/);
  assert.deepEqual([...sharded.entries.keys()].sort(), [...single.entries.keys()].sort());
  assert.equal(sharded.parameters, single.parameters);
  const inShards = new Set([...sharded.entries.values()].map((e) => e.file));
  assert.equal(inShards.size, reference.shards.length);
  for (const name of single.entries.keys()) {
    const a = await values(sharded, name);
    const b = await values(single, name);
    assert.deepEqual(a.shape, b.shape);
    assert.deepEqual(Array.from(a.data), Array.from(b.data), name);
  }
});

test('header-only opening: a file-handle spy sees < 64 KB read for a checkpoint with a 1 GB data region', async () => {
  // A valid header followed by a sparse 1 GB data region (no disk used).
  const folder = join(scratch.path, 'sparse');
  mkdirSync(folder);
  const big = 1024 * 1024 * 256; // elements of F32 = 1 GB
  const header = JSON.stringify({ w: { dtype: 'F32', shape: [big], data_offsets: [0, big * 4] }, b: { dtype: 'BF16', shape: [4], data_offsets: [big * 4, big * 4 + 8] } });
  const bytes = Buffer.alloc(8 + header.length);
  bytes.writeBigUInt64LE(BigInt(header.length), 0);
  bytes.write(header, 8);
  const file = join(folder, 'model.safetensors');
  const fd = openSync(file, 'w');
  writeSync(fd, bytes);
  ftruncateSync(fd, bytes.length + big * 4 + 8);
  closeSync(fd);
  const probe = await open(file, 'r');
  const proto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> };
  await probe.close();
  const original = proto.read;
  let read = 0;
  proto.read = async function (this: unknown, ...args: unknown[]) {
    const result = await original.apply(this, args);
    read += result.bytesRead;
    return result;
  };
  try {
    const source = await openWeights(folder);
    assert.equal(source.parameters, big + 4);
    assert.ok(read < 64 * 1024, `${read} bytes read`);
    assert.equal(source.stats.headerBytes, read);
    // Reading the small tensor reads its 8 bytes only.
    const before = read;
    const b = await source.tensor('b');
    b.dispose();
    assert.equal(read - before, 8);
  } finally {
    proto.read = original;
  }
});

test('names resolve under task-head prefixes, without them, and through legacy gamma/beta', async () => {
  const folder = join(scratch.path, 'prefixed');
  mkdirSync(folder);
  writeFileSync(join(folder, 'model.safetensors'), writeSafetensors({
    'bert.embeddings.word_embeddings.weight': { dtype: 'F32', shape: [2, 2], data: [1, 2, 3, 4] },
    'bert.embeddings.LayerNorm.gamma': { dtype: 'F32', shape: [2], data: [5, 6] },
    'classifier.weight': { dtype: 'F16', shape: [3], data: [0.5, -2, 65504] },
  }));
  const source = await openWeights(folder);
  assert.equal(source.resolve('embeddings.word_embeddings.weight'), 'bert.embeddings.word_embeddings.weight');
  assert.equal(source.resolve('roberta.embeddings.word_embeddings.weight'), 'bert.embeddings.word_embeddings.weight');
  assert.equal(source.resolve('embeddings.LayerNorm.weight'), 'bert.embeddings.LayerNorm.gamma');
  assert.equal(source.resolve('model.classifier.weight'), 'classifier.weight');
  assert.equal(source.resolve('pooler.dense.weight'), undefined);
  assert.equal(await source.optionalTensor('pooler.dense.weight'), undefined);
  assert.deepEqual(Array.from((await values(source, 'classifier.weight')).data), [0.5, -2, 65504]);
  assert.equal(resolveWeightName('layers.0.w', (n) => n === 'model.layers.0.w'), 'model.layers.0.w');
  await assert.rejects(source.tensor('pooler.dense.weight'), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-invalid' && /model\.safetensors: has no tensor 'pooler\.dense\.weight'.*same model/.test(e.message));
});

test('toFloat32: every F16 bit pattern through the table equals the scalar decoder; unaligned bytes work', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const got = toFloat32(new Uint8Array(all.buffer), 'F16')!;
  for (let bits = 0; bits < 65536; bits++) {
    const want = Math.fround(float16ToNumber(bits));
    if (Number.isNaN(want)) assert.ok(Number.isNaN(got[bits]!));
    else assert.equal(got[bits], want, `bits ${bits}`);
  }
  const padded = new Uint8Array(9);
  new DataView(padded.buffer).setFloat32(1, 1.5, true);
  new DataView(padded.buffer).setFloat32(5, -3, true);
  assert.deepEqual(Array.from(toFloat32(padded.subarray(1), 'F32')!), [1.5, -3]);
  assert.deepEqual(Array.from(toFloat32(new Uint8Array([0x80, 0x3f, 0x00, 0xc0]), 'BF16')!), [1, -2]);
  assert.deepEqual(Array.from(toFloat32(new Uint8Array(new BigInt64Array([-5n, 7n]).buffer), 'I64')!), [-5, 7]);
  assert.equal(toFloat32(new Uint8Array(2), 'F8_E4M3'), undefined);
  // writeSafetensors BF16 (for fixtures): round to nearest even on the top 16 bits.
  assert.deepEqual([1, -2, 1 + 2 ** -8, 1 + 3 * 2 ** -9, 3.14159].map(numberToBfloat16Bits), [0x3f80, 0xc000, 0x3f80, 0x3f81, 0x4049]);
  const written = writeSafetensors({ w: { dtype: 'BF16', shape: [3], data: [1.5, -0.25, 3.14159] } });
  assert.deepEqual(Array.from(toFloat32(written.subarray(written.length - 6), 'BF16')!), [1.5, -0.25, 3.140625]);
});

// ── Damage: each a CheckpointError that names the file and says what to do. ──

function rawSafetensors(header: Record<string, unknown>, dataBytes: number): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const out = Buffer.alloc(8 + json.length + dataBytes);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  return out;
}

test('truncated file, offsets past the end, unknown dtype, shape mismatch', async () => {
  const good = readFileSync(join(VARIANTS, 'f32', 'model.safetensors'));
  await rejectsWith(openWeights(writeFolder('truncated', { 'model.safetensors': good.subarray(0, good.length - 100) })), 'checkpoint-invalid', /truncated\/model\.safetensors: needs \d+ bytes .* truncated.*Download it again/);
  await rejectsWith(openWeights(writeFolder('cut-header', { 'model.safetensors': good.subarray(0, 500) })), 'checkpoint-invalid', /cut-header\/model\.safetensors: .*truncated/);
  await rejectsWith(openWeights(writeFolder('empty', { 'model.safetensors': new Uint8Array(0) })), 'checkpoint-invalid', /empty\/model\.safetensors: is only 0 bytes/);
  // Offsets that tile correctly but run past the end of the file.
  const lying = rawSafetensors({ w: { dtype: 'F32', shape: [1000], data_offsets: [0, 4000] } }, 16);
  await rejectsWith(openWeights(writeFolder('lying', { 'model.safetensors': lying })), 'checkpoint-invalid', /lying\/model\.safetensors: needs \d+ bytes for its tensors but the file has \d+/);
  // Offsets that overlap or leave holes.
  const overlap = rawSafetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12);
  await rejectsWith(openWeights(writeFolder('overlap', { 'model.safetensors': overlap })), 'checkpoint-invalid', /overlap\/model\.safetensors: has tensor 'b' overlapping/);
  const unknown = rawSafetensors({ w: { dtype: 'Q4_K', shape: [2], data_offsets: [0, 2] } }, 2);
  await rejectsWith(openWeights(writeFolder('unknown-dtype', { 'model.safetensors': unknown })), 'checkpoint-invalid', /unknown-dtype\/model\.safetensors: has tensor 'w' with unknown dtype "Q4_K"/);
  const fp8 = rawSafetensors({ w: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, 2);
  const source = await openWeights(writeFolder('fp8', { 'model.safetensors': fp8 }));
  await rejectsWith(source.tensor('w'), 'checkpoint-invalid', /fp8\/model\.safetensors: tensor 'w' is stored as F8_E4M3.*Re-save/);
  const f32 = await openWeights(join(VARIANTS, 'f32'));
  await rejectsWith(f32.tensor('embeddings.word_embeddings.weight', [100, 64]), 'checkpoint-invalid', /f32\/model\.safetensors: tensor 'embeddings\.word_embeddings\.weight' has shape \[100, 32\] but config\.json implies \[100, 64\]/);
});

test('sharded damage: a missing shard, an index naming tensors a shard lacks, a shard outside the folder', async () => {
  const files = Object.fromEntries(['model.safetensors.index.json', ...reference.shards].map((f) => [f, readFileSync(join(VARIANTS, 'sharded', f))]));
  const missing = { ...files };
  delete missing[reference.shards[1]!];
  await rejectsWith(openWeights(writeFolder('missing-shard', missing)), 'checkpoint-missing', new RegExp(`index\\.json: lists 3 shards but ${reference.shards[1]!.replace(/\./g, '\\.')} is in .*huggingface-cli download`));
  const noShards = writeFolder('no-shards', { 'model.safetensors.index.json': files['model.safetensors.index.json']!, 'config.json': '{}' });
  await rejectsWith(openWeights(noShards), 'checkpoint-missing', /lists 3 shards but none is in/);
  const index = JSON.parse(files['model.safetensors.index.json']!.toString()) as { weight_map: Record<string, string> };
  const swapped = { ...index, weight_map: { ...index.weight_map, 'pooler.dense.bias': reference.shards[0]!, 'embeddings.word_embeddings.weight': reference.shards[2]! } };
  await rejectsWith(openWeights(writeFolder('swapped', { ...files, 'model.safetensors.index.json': JSON.stringify(swapped) })), 'checkpoint-invalid', /index\.json: says model-0000\d-of-00003\.safetensors holds '.*', but that shard does not/);
  await rejectsWith(openWeights(writeFolder('escape', { ...files, 'model.safetensors.index.json': JSON.stringify({ weight_map: { w: '../../etc/passwd' } }) })), 'checkpoint-invalid', /outside the model folder/);
  await rejectsWith(openWeights(writeFolder('bad-index', { 'model.safetensors.index.json': '{"weight_map": ' })), 'checkpoint-invalid', /bad-index\/model\.safetensors\.index\.json: is not valid JSON/);
  assert.throws(() => parseWeightIndex('{"weight_map": {"a": 3}}', 'i.json'), /i\.json: maps tensor 'a' to 3/);
  await rejectsWith(openWeights(writeFolder('nothing', { 'config.json': '{}' })), 'checkpoint-missing', /holds no model\.safetensors.*not downloaded/);
});

test('tensors come back as float32 tf tensors the backend owns (the read bytes are not kept)', async () => {
  const source = await openWeights(join(VARIANTS, 'bf16'));
  const before = tf.memory().numTensors;
  const t = await source.tensor('encoder.layer.0.attention.self.query.weight', [32, 32]);
  assert.equal(tf.memory().numTensors, before + 1);
  assert.equal(source.stats.tensorBytes, 32 * 32 * 2);
  t.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('fuzz: 300 damaged copies of a real checkpoint (truncations, header byte flips) open and read with CheckpointErrors only', async () => {
  const good = readFileSync(join(VARIANTS, 'bf16', 'model.safetensors'));
  const headerEnd = 8 + Number(good.readBigUInt64LE(0));
  const next = seededNext(12345);
  const folder = join(scratch.path, 'fuzz');
  mkdirSync(folder);
  const { opened, refused } = await fuzzOpenWeights(300, (i) => {
    if (i % 3 === 0) return good.subarray(0, next(good.length));
    const bytes = Buffer.from(good);
    for (let k = 0; k <= next(4); k++) bytes[next(headerEnd)] = next(256);
    return bytes;
  }, (_i, bytes) => {
    writeFileSync(join(folder, 'model.safetensors'), bytes);
    return { folder, file: /fuzz\/model\.safetensors/ };
  });
  console.log(`${opened} opened and read, ${refused} refused with a CheckpointError`);
});
