/**
 * The restricted pytorch_model.bin reader (src/node/hf/torchZip.ts): a torch.save zip written by
 * PyTorch itself gives exactly the float32 tensors of the safetensors copy; hand-built pickles
 * check BF16 storages, offsets into shared storages and every refusal — os.system / eval globals,
 * unknown opcodes, damaged zips, legacy non-zip pickles — as a CheckpointError naming the file,
 * with nothing executed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { openWeights } from '../../../src/node/hf/weights';
import { interpretTorchPickle, PickleRefused, tensorsOfStateDict } from '../../../src/node/hf/torchZip';
import { validTorchPickle } from '../../fuzz/properties';
import { fuzzOpenWeights, rejectsWith, seededNext, useScratch, VARIANTS } from './weightsKit';

const PWNED = join(tmpdir(), 'transferlens-torchzip-pwned');
const scratch = useScratch('tl-torchzip-');

// ── A tiny protocol-2 pickle writer for hand-made state dicts ──
const enc = (s: string): number[] => [...Buffer.from(s, 'utf8')];
const binunicode = (s: string): number[] => { const b = enc(s); return [0x58, b.length & 255, (b.length >> 8) & 255, 0, 0, ...b]; };
const int = (n: number): number[] => (n < 256 ? [0x4b, n] : [0x4a, n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255]);
const tuple = (...parts: number[][]): number[] => [0x28, ...parts.flat(), 0x74];
const global = (module: string, name: string): number[] => [0x63, ...enc(`${module}\n${name}\n`)];
function tensor(storageType: string, key: string, numel: number, offset: number, shape: number[], stride: number[]): number[] {
  return [
    ...global('torch._utils', '_rebuild_tensor_v2'),
    0x28,
    ...tuple(binunicode('storage'), global('torch', storageType), binunicode(key), binunicode('cpu'), int(numel)), 0x51,
    ...int(offset), ...tuple(...shape.map(int)), ...tuple(...stride.map(int)), 0x89,
    ...global('collections', 'OrderedDict'), 0x29, 0x52,
    0x74, 0x52,
  ];
}
function stateDict(entries: [string, number[]][]): Uint8Array {
  return new Uint8Array([0x80, 0x02, 0x7d, 0x28, ...entries.flatMap(([k, v]) => [...binunicode(k), ...v]), 0x75, 0x2e]);
}
async function torchZip(pickle: Uint8Array, storages: Record<string, Uint8Array>): Promise<Uint8Array> {
  const zip = new JSZip();
  zip.file('archive/data.pkl', pickle);
  zip.file('archive/byteorder', 'little');
  for (const [key, bytes] of Object.entries(storages)) zip.file(`archive/data/${key}`, bytes);
  zip.file('archive/version', '3\n');
  return zip.generateAsync({ type: 'uint8array', compression: 'STORE' });
}
const folderWith = (name: string, bin: Uint8Array): string => scratch.writeFolder(name, { 'pytorch_model.bin': bin });

test('pytorch_model.bin written by torch.save: exactly the tensors of the safetensors copy, read lazily', async () => {
  const pt = await openWeights(join(VARIANTS, 'pytorch'));
  const st = await openWeights(join(VARIANTS, 'f32'));
  assert.equal(pt.format, 'pytorch-zip');
  assert.deepEqual([...pt.entries.keys()].sort(), [...st.entries.keys()].sort());
  assert.equal(pt.parameters, st.parameters);
  assert.equal(pt.stats.tensorBytes, 0);
  assert.ok(pt.stats.headerBytes < 80 * 1024, `${pt.stats.headerBytes} bytes read to open`);
  for (const [name, entry] of st.entries) {
    const a = await pt.tensor(name, entry.shape);
    const b = await st.tensor(name);
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()), name);
    a.dispose();
    b.dispose();
  }
});

test('hand-made zips: BF16 storages, tensors at an offset of a shared storage', async () => {
  const bf16 = new Uint8Array([0x80, 0x3f, 0x00, 0xc0, 0x40, 0x40, 0x00, 0x00]); // 1, -2, 3, 0
  const f32 = new Uint8Array(new Float32Array([10, 11, 12, 13, 14, 15]).buffer);
  const pickle = stateDict([
    ['w', tensor('BFloat16Storage', '0', 4, 0, [2, 2], [2, 1])],
    ['tail', tensor('FloatStorage', '1', 6, 2, [4], [1])],
    ['head', tensor('FloatStorage', '1', 6, 0, [2], [1])],
  ]);
  const source = await openWeights(folderWith('hand', await torchZip(pickle, { 0: bf16, 1: f32 })));
  assert.deepEqual(Array.from((await source.tensor('w', [2, 2])).dataSync()), [1, -2, 3, 0]);
  assert.deepEqual(Array.from((await source.tensor('tail')).dataSync()), [12, 13, 14, 15]);
  assert.deepEqual(Array.from((await source.tensor('head')).dataSync()), [10, 11]);
  assert.equal(source.entries.get('w')?.dtype, 'BF16');
});

test('code in the pickle is refused, never run: os.system, builtins.eval via STACK_GLOBAL, INST', async () => {
  rmSync(PWNED, { force: true });
  const system = new Uint8Array(enc(`cos\nsystem\n(S'touch ${PWNED}'\ntR.`));
  await rejectsWith(openWeights(folderWith('system', await torchZip(system, {}))), 'checkpoint-invalid', /system\/pytorch_model\.bin: cannot be read as a state dict of tensors: it references os\.system.*never runs pickled code.*save_pretrained/);
  const evalPickle = new Uint8Array([0x80, 0x04, 0x8c, 8, ...enc('builtins'), 0x8c, 4, ...enc('eval'), 0x93, 0x8c, 4, ...enc('1+1'), 0x85, 0x52, 0x2e]);
  await rejectsWith(openWeights(folderWith('eval', await torchZip(evalPickle, {}))), 'checkpoint-invalid', /references builtins\.eval/);
  const inst = new Uint8Array([0x28, 0x69, ...enc('os\nsystem\n'), 0x2e]);
  await rejectsWith(openWeights(folderWith('inst', await torchZip(inst, {}))), 'checkpoint-invalid', /opcode 0x69/);
  // The same malicious bytes as a legacy (non-zip) file.
  await rejectsWith(openWeights(folderWith('legacy', system)), 'checkpoint-unsupported', /legacy \(pre-1\.6\) PyTorch pickle.*never unpickles/);
  assert.equal(existsSync(PWNED), false);
});

test('damaged files: truncated zip, storage missing, tensor past its storage, non-contiguous strides', async () => {
  const good = readFileSync(join(VARIANTS, 'pytorch', 'pytorch_model.bin'));
  await rejectsWith(openWeights(folderWith('truncated', good.subarray(0, good.length - 5000))), 'checkpoint-invalid', /truncated\/pytorch_model\.bin: cannot be read/);
  await rejectsWith(openWeights(folderWith('cut', good.subarray(0, 100))), 'checkpoint-invalid', /cut\/pytorch_model\.bin: .*not a zip archive|cut\/pytorch_model\.bin: cannot be read/);
  const missing = stateDict([['w', tensor('FloatStorage', '7', 4, 0, [4], [1])]]);
  await rejectsWith(openWeights(folderWith('missing', await torchZip(missing, {}))), 'checkpoint-invalid', /storage 7, which is not in the zip/);
  const past = stateDict([['w', tensor('FloatStorage', '0', 4, 2, [4], [1])]]);
  await rejectsWith(openWeights(folderWith('past', await torchZip(past, { 0: new Uint8Array(16) }))), 'checkpoint-invalid', /'w' reaches past the end of its storage/);
  const transposed = stateDict([['w', tensor('FloatStorage', '0', 6, 0, [2, 3], [1, 2])]]);
  await rejectsWith(openWeights(folderWith('transposed', await torchZip(transposed, { 0: new Uint8Array(24) }))), 'checkpoint-invalid', /non-contiguously/);
});

test('interpretTorchPickle: truncation and stack abuse are PickleRefused, not crashes', () => {
  const valid = stateDict([['w', tensor('FloatStorage', '0', 4, 0, [4], [1])]]);
  for (let n = 0; n < valid.length; n++) assert.throws(() => interpretTorchPickle(valid.subarray(0, n)), PickleRefused);
  assert.throws(() => interpretTorchPickle(new Uint8Array([0x30, 0x2e])), PickleRefused); // POP
  assert.throws(() => interpretTorchPickle(new Uint8Array([0x75, 0x2e])), /MARK it never set/);
  assert.throws(() => interpretTorchPickle(new Uint8Array([0x68, 9, 0x2e])), /memo 9/);
  assert.ok(interpretTorchPickle(valid) instanceof Map);
  // The fuzz target's seed (test/fuzz/properties.ts) is a real state dict, so its mutations reach deep.
  assert.deepEqual([...tensorsOfStateDict(interpretTorchPickle(validTorchPickle)).keys()], ['w']);
});

test('fuzz: 300 damaged copies of a real pytorch_model.bin (truncations, byte flips in data.pkl and the zip directory) give CheckpointErrors only', async () => {
  const good = readFileSync(join(VARIANTS, 'pytorch', 'pytorch_model.bin'));
  const pickleAt = good.indexOf('data.pkl') + 'data.pkl'.length;
  const directoryAt = good.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), good.length - 1) - 2000;
  const next = seededNext(777);
  const { opened, refused } = await fuzzOpenWeights(300, (i) => {
    if (i % 3 === 0) return good.subarray(0, next(good.length));
    const bytes = Buffer.from(good);
    const region = i % 3 === 1 ? [pickleAt, 2000] : [Math.max(0, directoryAt), good.length - Math.max(0, directoryAt)];
    for (let k = 0; k <= next(4); k++) bytes[region[0]! + next(region[1]!)] = next(256);
    return bytes;
  }, (i, bytes) => ({ folder: folderWith(`fuzz-${i}`, bytes), file: new RegExp(`fuzz-${i}/pytorch_model\\.bin`) }));
  console.log(`${opened} opened and read, ${refused} refused with a CheckpointError`);
});

test('sharded pytorch_model-*.bin through pytorch_model.bin.index.json; a missing .bin shard is checkpoint-missing', async () => {
  const folder = join(scratch.path, 'pt-sharded');
  mkdirSync(folder);
  const one = await torchZip(stateDict([['a', tensor('FloatStorage', '0', 2, 0, [2], [1])]]), { 0: new Uint8Array(new Float32Array([1, 2]).buffer) });
  const two = await torchZip(stateDict([['b', tensor('HalfStorage', '0', 1, 0, [1], [1])]]), { 0: new Uint8Array([0x00, 0x3c]) });
  writeFileSync(join(folder, 'pytorch_model-00001-of-00002.bin'), one);
  writeFileSync(join(folder, 'pytorch_model-00002-of-00002.bin'), two);
  writeFileSync(join(folder, 'pytorch_model.bin.index.json'), JSON.stringify({ weight_map: { a: 'pytorch_model-00001-of-00002.bin', b: 'pytorch_model-00002-of-00002.bin' } }));
  const source = await openWeights(folder);
  assert.equal(source.files.length, 3);
  assert.deepEqual(Array.from((await source.tensor('a')).dataSync()), [1, 2]);
  assert.deepEqual(Array.from((await source.tensor('b')).dataSync()), [1]);
  rmSync(join(folder, 'pytorch_model-00002-of-00002.bin'));
  await rejectsWith(openWeights(folder), 'checkpoint-missing', /pytorch_model\.bin\.index\.json lists pytorch_model-00002-of-00002\.bin, which is not in .*download is incomplete/);
});
