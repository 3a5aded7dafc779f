/** Tests of the float16/bfloat16 conversions and the seeded PRNG. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bfloat16ToNumber, float16ToNumber, numberToFloat16 } from '../../../src/core/formats/float16';
import { createRandom } from '../../../src/core/formats/random';

test('float16: every finite half survives number → bits → number, and rounding is to nearest', () => {
  for (let bits = 0; bits < 0x10000; bits++) {
    const value = float16ToNumber(bits);
    if (Number.isNaN(value)) continue;
    assert.equal(numberToFloat16(value), bits, `bits 0x${bits.toString(16)} (${value})`);
  }
  assert.equal(float16ToNumber(numberToFloat16(1 + 1 / 4096)), 1); // below half an ulp rounds down
  assert.equal(float16ToNumber(numberToFloat16(1 + 3 / 4096)), 1 + 2 / 1024 - 1 / 1024); // ties/above round up
  assert.equal(numberToFloat16(70000), 0x7c00); // overflow → +∞
  assert.ok(Number.isNaN(float16ToNumber(numberToFloat16(NaN))));
});

test('bfloat16 is the top half of a float32', () => {
  assert.equal(bfloat16ToNumber(0x3f80), 1);
  assert.equal(bfloat16ToNumber(0xc040), -3);
  assert.equal(bfloat16ToNumber(0x3e20), 0.15625);
});

test('seeded PRNG: reproducible, seed-sensitive, roughly uniform', () => {
  const a = createRandom(42), b = createRandom(42), c = createRandom(43);
  const xs = Array.from({ length: 10000 }, () => a.next());
  assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b.next()));
  assert.notEqual(xs[0], c.next());
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.015, `mean ${mean}`);
  const counts = new Array(10).fill(0);
  const r = createRandom(7);
  for (let i = 0; i < 10000; i++) counts[r.nextInt(10)]++;
  assert.ok(counts.every((n) => n > 850 && n < 1150), String(counts));
});
