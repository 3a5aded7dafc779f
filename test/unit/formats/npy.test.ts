/** Tests of the pure .npy parser and writer: every dtype and byte order, and broken files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNpy, writeNpy, parseNpyHeader, type NpyDtype } from '../../../src/core/formats/npy';
import { FormatError } from '../../../src/core/formats/errors';

const cases: { dtype: NpyDtype; values: number[] }[] = [
  { dtype: 'float16', values: [0, 1.5, -2.25, 65504, 2 ** -14, 2 ** -24, -(2 ** -20)] },
  { dtype: 'float32', values: [0.5, -1.25, 3.140000104904175, Math.fround(1e-8), 0] },
  { dtype: 'float64', values: [Math.PI, -Math.E, 1e-300, 12345.678, 0] },
  { dtype: 'int8', values: [-128, 127, 0, -1, 5] },
  { dtype: 'int16', values: [-32768, 32767, 0, -1, 300] },
  { dtype: 'int32', values: [-2147483648, 2147483647, 0, -1, 70000] },
  { dtype: 'int64', values: [-(2 ** 53) + 1, 2 ** 53 - 1, 0, -1, 1e12] },
  { dtype: 'uint8', values: [0, 255, 1, 128, 7] },
  { dtype: 'uint16', values: [0, 65535, 1, 40000, 7] },
  { dtype: 'uint32', values: [0, 4294967295, 1, 3e9, 7] },
  { dtype: 'bool', values: [1, 0, 1, 1, 0] },
];

for (const { dtype, values } of cases) {
  for (const littleEndian of [true, false]) {
    test(`npy round trip ${dtype} ${littleEndian ? 'little' : 'big'} endian`, () => {
      const bytes = writeNpy({ shape: [values.length], dtype, data: values, littleEndian });
      const parsed = parseNpy(bytes, 'x.npy');
      assert.equal(parsed.dtype, dtype);
      assert.deepEqual(parsed.shape, [values.length]);
      assert.equal(parsed.fortranOrder, false);
      assert.deepEqual([...parsed.data], values);
    });
  }
}

test('npy header is padded to 64 bytes and version 2 works', () => {
  const bytes = writeNpy({ shape: [2, 3], dtype: 'float32', data: [1, 2, 3, 4, 5, 6] });
  assert.equal(parseNpyHeader(bytes).dataOffset % 64, 0);
  const v2 = writeNpy({ shape: [2, 3], dtype: 'float64', data: [1, 2, 3, 4, 5, 6], version: 2 });
  const parsed = parseNpy(v2);
  assert.deepEqual(parsed.shape, [2, 3]);
  assert.deepEqual([...parsed.data], [1, 2, 3, 4, 5, 6]);
});

test('a scalar (shape ()) has one value', () => {
  const parsed = parseNpy(writeNpy({ shape: [], dtype: 'float64', data: [7] }));
  assert.deepEqual(parsed.shape, []);
  assert.deepEqual([...parsed.data], [7]);
});

/** Builds an npy file with an arbitrary header dict text (what numpy would write). */
function withHeader(dict: string, dataBytes: number): Uint8Array {
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - 11, ' ') + '\n';
  const out = new Uint8Array(total + dataBytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

function assertFormatError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected FormatError, got ${String(e)}`);
    assert.match(e.message, /^bad\.npy: /);
    assert.match(e.message, pattern);
    return true;
  });
}

test('Fortran order, object arrays and structured dtypes are refused with advice', () => {
  assertFormatError(() => parseNpy(withHeader("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", 32), 'bad.npy'), /Fortran.*ascontiguousarray/);
  assertFormatError(() => parseNpy(withHeader("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16), 'bad.npy'), /object.*astype/);
  assertFormatError(() => parseNpy(withHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8), 'bad.npy'), /structured/);
  assertFormatError(() => parseNpy(withHeader("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", 32), 'bad.npy'), /dtype '<c16'/);
});

test('a header that claims more data than the file holds is a lying header', () => {
  assertFormatError(() => parseNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (10, 3), }", 100), 'bad.npy'), /\(10, 3\).*120 bytes.*only 100/);
});

test('truncated files, bad magic and absurd header lengths', () => {
  const good = writeNpy({ shape: [4], dtype: 'float32', data: [1, 2, 3, 4] });
  assertFormatError(() => parseNpy(good.subarray(0, 5), 'bad.npy'), /too short/);
  assertFormatError(() => parseNpy(good.subarray(0, 40), 'bad.npy'), /truncated/);
  assertFormatError(() => parseNpy(good.subarray(0, good.length - 3), 'bad.npy'), /truncated or its header is wrong/);
  const notNpy = new TextEncoder().encode('a,b,c\n1,2,3\n');
  assertFormatError(() => parseNpy(notNpy, 'bad.npy'), /magic/);
  const absurd = Uint8Array.from(good);
  absurd[6] = 2;
  new DataView(absurd.buffer).setUint32(8, 0x7fffffff, true);
  assertFormatError(() => parseNpy(absurd, 'bad.npy'), /header of 2147483647 bytes/);
  assertFormatError(() => parseNpy(withHeader("{'descr': '<f4', 'shape': (2,), }", 8), 'bad.npy'), /missing or unreadable fortran_order/);
});

test('int64 beyond 2^53 is an error, not a silent rounding', () => {
  const bytes = writeNpy({ shape: [1], dtype: 'int64', data: [0] });
  new DataView(bytes.buffer).setBigInt64(bytes.length - 8, 2n ** 60n, true);
  assertFormatError(() => parseNpy(bytes, 'bad.npy'), /beyond ±2\^53/);
});
