/** Tests of the .npz (zip of .npy, bounded inflation) and safetensors parsers, including corrupt files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import JSZip from 'jszip';
import { parseNpz, writeNpz } from '../../../src/core/formats/npz';
import { parseSafetensors, parseSafetensorsHeader, safetensorsHeaderLength, writeSafetensors } from '../../../src/core/formats/safetensors';
import { writeNpy } from '../../../src/core/formats/npy';
import { FormatError } from '../../../src/core/formats/errors';

async function rejectsFormat(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => e instanceof FormatError && /^f\.npz/.test(e.message) && pattern.test(e.message));
}

test('npz round trip, stored and deflated, and member selection', async () => {
  for (const compress of [false, true]) {
    const bytes = await writeNpz({
      features: { shape: [2, 3], dtype: 'float32', data: [1, 2, 3, 4, 5, 6] },
      labels: { shape: [2], dtype: 'int64', data: [0, 1] },
    }, compress);
    const arrays = await parseNpz(bytes, { source: 'f.npz' });
    assert.deepEqual([...arrays.keys()].sort(), ['features', 'labels']);
    assert.deepEqual(arrays.get('features')!.shape, [2, 3]);
    assert.deepEqual([...arrays.get('features')!.data], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...arrays.get('labels')!.data], [0, 1]);
    const only = await parseNpz(bytes, { source: 'f.npz', names: ['labels'] });
    assert.deepEqual([...only.keys()], ['labels']);
  }
});

test('npz errors: not a zip, truncated, missing member, bad member, size limits', async () => {
  const bytes = await writeNpz({ x: { shape: [1000], dtype: 'float64', data: new Float64Array(1000) } }, true);
  await rejectsFormat(parseNpz(new TextEncoder().encode('not a zip'), { source: 'f.npz' }), /not a readable \.npz/);
  await rejectsFormat(parseNpz(bytes.subarray(0, bytes.length - 30), { source: 'f.npz' }), /not a readable|truncated/);
  await rejectsFormat(parseNpz(bytes, { source: 'f.npz', names: ['y'] }), /no array 'y'; it holds 'x'/);
  // A bomb: 8 MB of zeros deflates to a few kB; the declared size is checked before inflating.
  const bomb = await writeNpz({ z: { shape: [1 << 20], dtype: 'float64', data: new Float64Array(1 << 20) } }, true);
  assert.ok(bomb.length < 100_000);
  await rejectsFormat(parseNpz(bomb, { source: 'f.npz', maxUncompressedBytes: 1_000_000 }), /would inflate to \d+ bytes, more than the limit/);
  // A lying directory (declared size 10 bytes in the local and central headers) is caught while inflating.
  const lying = Uint8Array.from(bomb);
  const view = new DataView(lying.buffer);
  for (let i = 0; i + 4 <= lying.length; i++) {
    const signature = view.getUint32(i, true);
    if (signature === 0x04034b50) view.setUint32(i + 22, 10, true);
    if (signature === 0x02014b50) view.setUint32(i + 24, 10, true);
  }
  await rejectsFormat(parseNpz(lying, { source: 'f.npz', maxUncompressedBytes: 1_000_000 }), /inflates past the limit/);
  const badMember = new JSZip();
  badMember.file('x.npy', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
  await rejectsFormat(parseNpz(await badMember.generateAsync({ type: 'uint8array' }), { source: 'f.npz' }), /member x\.npy.*magic/);
});

test('safetensors round trip with metadata and all written dtypes', () => {
  const bytes = writeSafetensors(
    {
      w: { dtype: 'F32', shape: [2, 2], data: [1, 2, 3, 4] },
      h: { dtype: 'F16', shape: [3], data: [0.5, -1, 2] },
      d: { dtype: 'F64', shape: [1], data: [Math.PI] },
      i: { dtype: 'I64', shape: [2], data: [-5, 7] },
      b: { dtype: 'BOOL', shape: [2], data: [1, 0] },
    },
    { format: 'pt' },
  );
  const { header, tensors } = parseSafetensors(bytes, 'm.safetensors');
  assert.deepEqual(header.metadata, { format: 'pt' });
  assert.equal((header.dataOffset - 8) % 8, 0);
  assert.deepEqual([...tensors.get('w')!.data], [1, 2, 3, 4]);
  assert.deepEqual([...tensors.get('h')!.data], [0.5, -1, 2]);
  assert.deepEqual([...tensors.get('d')!.data], [Math.PI]);
  assert.deepEqual([...tensors.get('i')!.data], [-5, 7]);
  assert.deepEqual([...tensors.get('b')!.data], [1, 0]);
  // Header-only: the first 8 + N bytes are enough, and fileSize detects truncation.
  const length = safetensorsHeaderLength(bytes.subarray(0, 8));
  const headerOnly = parseSafetensorsHeader(bytes.subarray(0, 8 + length), 'm.safetensors', bytes.length);
  assert.deepEqual(headerOnly.tensors.map((t) => t.name).sort(), ['b', 'd', 'h', 'i', 'w']);
  assert.throws(() => parseSafetensorsHeader(bytes.subarray(0, 8 + length), 'm.safetensors', bytes.length - 1), /needs \d+ bytes.*truncated/);
});

/** safetensors bytes with an arbitrary header text and `dataBytes` zero bytes of data. */
function rawSafetensors(headerText: string, dataBytes: number, declaredLength?: number): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? json.length), true);
  out.set(json, 8);
  return out;
}

test('safetensors corrupt headers are named precisely', () => {
  const check = (bytes: Uint8Array, pattern: RegExp): void =>
    assert.throws(() => parseSafetensors(bytes, 'm.safetensors'), (e: unknown) => e instanceof FormatError && /^m\.safetensors: /.test(e.message) && pattern.test(e.message));
  check(new Uint8Array(4), /too short/);
  check(rawSafetensors('{}', 0, 2 ** 40), /header of 1099511627776 bytes/);
  check(rawSafetensors('{"a":1}', 0, 500), /only 7 follow.*truncated/);
  check(rawSafetensors('[1,2]', 0), /does not start with '\{'/);
  check(rawSafetensors('{"a": ', 0), /not valid JSON/);
  check(rawSafetensors('{"w":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}', 4), /unknown dtype "F99"/);
  check(rawSafetensors('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', 4), /\(8 bytes\) but data_offsets \[0, 4\] span 4/);
  check(rawSafetensors('{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}', 4), /invalid data_offsets/);
  check(rawSafetensors('{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8), /hole/);
  check(rawSafetensors('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8), /overlapping/);
  check(rawSafetensors('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 5), /needs \d+ bytes.*truncated/);
  check(rawSafetensors('{"__metadata__":{"a":1}}', 0), /__metadata__\.a' that is not a string/);
  assert.throws(() => parseSafetensors(writeSafetensors({ w: { dtype: 'F32', shape: [1], data: [1] } }), 'm.safetensors', ['q']), /no tensor 'q'; it holds 'w'/);
});

test('npy inside npz keeps its own error source', async () => {
  const zip = new JSZip();
  const npy = writeNpy({ shape: [4], dtype: 'float32', data: [1, 2, 3, 4] });
  zip.file('t.npy', npy.subarray(0, npy.length - 4));
  await assert.rejects(parseNpz(await zip.generateAsync({ type: 'uint8array' }), { source: 'f.npz' }), /f\.npz \(member t\.npy\).*truncated/);
});
