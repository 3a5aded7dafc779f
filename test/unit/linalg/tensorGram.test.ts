/**
 * The float32 TF.js Gram against the exact float64 one: equal within float32 precision, exactly
 * symmetric, and used by adaptiveGram only above its work threshold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/node/backend';
import { gram } from '../../../src/core/linalg/products';
import { adaptiveGram, tensorGram } from '../../../src/core/linalg/tensorGram';
import { assertClose, randomMatrix } from './helpers';

test('tensorGram ≈ gram (float32 precision), symmetric; adaptiveGram switches on work', async () => {
  await initBackend('cpu');
  const x = randomMatrix(300, 17, 8);
  const exact = gram(x);
  const fast = tensorGram(x);
  assertClose(fast.data, exact.data, 1e-5, 'tensorGram');
  for (let i = 0; i < 17; i++) for (let j = 0; j < i; j++) assert.equal(fast.data[i * 17 + j], fast.data[j * 17 + i]);
  let exactCalls = 0;
  const counting = (m: typeof x) => {
    exactCalls++;
    return gram(m);
  };
  adaptiveGram(counting, 1e9)(x);
  assert.equal(exactCalls, 1, 'small input uses the exact path');
  const chosen = adaptiveGram(counting, 10)(x);
  assert.equal(exactCalls, 1, 'large input uses the tensor path');
  assertClose(chosen.data, exact.data, 1e-5);
});

test('tensorGram: the block-upper-triangle paths (3 and 6 column blocks, D not a multiple of either) ≈ gram', async () => {
  await initBackend('cpu');
  for (const [rows, d] of [[40, 301], [6, 1031]] as const) {
    const x = randomMatrix(rows, d, d);
    const exact = gram(x);
    const fast = tensorGram(x);
    assertClose(fast.data, exact.data, 1e-5, `blocked tensorGram D=${d}`);
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) assert.equal(fast.data[i * d + j], fast.data[j * d + i]);
  }
});
