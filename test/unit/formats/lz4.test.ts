/**
 * LZ4 frame decoder (src/core/formats/lz4.ts) against an independent encoder (lz4js, a dev
 * dependency): round trips over text, numbers, incompressible bytes and a multi-block input with
 * matches across blocks; concatenated and skippable frames; and clear errors on bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as lz4js from 'lz4js';
import { decodeLz4Frames, Lz4Error } from '../../../src/core/formats/lz4';
import { createRandom } from '../../../src/core/formats/random';

const encode = (bytes: Uint8Array): Uint8Array => Uint8Array.from(lz4js.compress(bytes) as ArrayLike<number>);

function samples(): Record<string, Uint8Array> {
  const random = createRandom(7);
  const text = new TextEncoder().encode('the quick brown fox jumps over the lazy dog; '.repeat(500));
  const floats = new Float32Array(20_000);
  for (let i = 0; i < floats.length; i++) floats[i] = Math.round(random.next() * 8) / 4;
  const noise = Uint8Array.from({ length: 50_000 }, () => Math.floor(random.next() * 256));
  // > 4 MiB (lz4js's block size): several blocks whose matches reach into the previous block.
  const big = new Uint8Array(5 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = i % 4_000_000 < 1000 ? Math.floor(random.next() * 256) : big[i % 1000]!;
  return { empty: new Uint8Array(0), one: Uint8Array.of(42), text, floats: new Uint8Array(floats.buffer), noise, big };
}

test('round trips what an independent LZ4 frame encoder writes', () => {
  for (const [name, data] of Object.entries(samples())) {
    const decoded = decodeLz4Frames(encode(data));
    assert.equal(decoded.length, data.length, name);
    assert.ok(Buffer.from(decoded).equals(Buffer.from(data)), `${name}: bytes differ`);
  }
});

test('concatenated frames decode one after the other; skippable frames are skipped', () => {
  const a = new TextEncoder().encode('alpha '.repeat(100));
  const b = new TextEncoder().encode('beta '.repeat(100));
  const skippable = Uint8Array.of(0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9);
  const joined = Buffer.concat([encode(a), skippable, encode(b)]);
  assert.equal(new TextDecoder().decode(decodeLz4Frames(joined)), 'alpha '.repeat(100) + 'beta '.repeat(100));
});

test('bad input is an Lz4Error that says what is wrong, never a hang or a huge allocation', () => {
  const frame = encode(new TextEncoder().encode('abcabcabc'.repeat(1000)));
  assert.throws(() => decodeLz4Frames(Uint8Array.of(1, 2, 3, 4, 5)), (e: unknown) => e instanceof Lz4Error && /bad magic/.test(e.message));
  assert.throws(() => decodeLz4Frames(frame.subarray(0, frame.length - 6)), (e: unknown) => e instanceof Lz4Error && /truncated/.test(e.message));
  assert.throws(() => decodeLz4Frames(frame, 100), (e: unknown) => e instanceof Lz4Error && /more than 100 bytes/.test(e.message));
  // A block whose first sequence copies from before the start of the output.
  const header = [0x04, 0x22, 0x4d, 0x18, 0x40, 0x70, 0xdf];
  const block = [0x10, 0x61, 0x05, 0x00, 0x00]; // 1 literal 'a', then a match at offset 5
  const bad = Uint8Array.from([...header, block.length, 0, 0, 0, ...block, 0, 0, 0, 0]);
  assert.throws(() => decodeLz4Frames(bad), (e: unknown) => e instanceof Lz4Error && /offset 5/.test(e.message));
});
