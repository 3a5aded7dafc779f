/**
 * Repeated k-fold CV (issue #15, the text verdict at small n): repeatedCrossValidate keeps every
 * run's per-row losses paired across learners, and nadeauBengioSe's Bouckaert–Frank correction
 * reduces to the single-run formula at r = 1 and narrows as (1/(r·k) + 1/(k − 1)) at r > 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossValidate, makeTarget, repeatedCrossValidate, ridgeLearner } from '../../../src/core/analysis/learners';
import { nadeauBengioSe, variance } from '../../../src/core/analysis/stats';
import { createRandom, normal } from '../../../src/core/formats/random';

test('nadeauBengioSe: r = 1 is the single-run formula; r runs use 1/(r·k) + 1/(k − 1) on N = values / r', () => {
  const rng = createRandom(3);
  const values = Float64Array.from({ length: 300 }, () => normal(rng));
  const s2 = variance(values, 1);
  assert.ok(Math.abs(nadeauBengioSe(values, 5) - Math.sqrt(((1 / 5 + 1 / 4) * 5 * s2) / 300)) < 1e-12);
  assert.equal(nadeauBengioSe(values, 5, 1), nadeauBengioSe(values, 5));
  // 300 values from 3 runs over 100 rows.
  assert.ok(Math.abs(nadeauBengioSe(values, 5, 3) - Math.sqrt(((1 / 15 + 1 / 4) * 5 * s2) / 100)) < 1e-12);
  // More runs over the same rows: narrower, never below the 1/(k − 1) floor.
  const one = nadeauBengioSe(values.subarray(0, 100), 5, 1);
  assert.ok(nadeauBengioSe(values, 5, 3) < one);
  assert.ok(nadeauBengioSe(values, 5, 3) > Math.sqrt(((1 / 4) * 5 * s2) / 100));
});

test('repeatedCrossValidate: r runs of N paired per-row losses, run 0 = crossValidate, mean over all', async () => {
  const rng = createRandom(5);
  const n = 60;
  const x = { rows: n, cols: 3, data: Float64Array.from({ length: n * 3 }, () => normal(rng)) };
  const y = Float64Array.from({ length: n }, (_, i) => x.data[i * 3]! + 0.5 * normal(rng));
  const target = makeTarget('regression', { rows: n, cols: 1, data: y });
  const a = ridgeLearner('a', 'a', x, target);
  const b = ridgeLearner('b', 'b', { rows: n, cols: 1, data: Float64Array.from({ length: n }, (_, i) => x.data[i * 3 + 1]!) }, target);
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const single = await crossValidate([a, b], rows, target, 5, 11);
  const repeated = await repeatedCrossValidate([a, b], rows, target, 5, 11, 3);
  for (const id of ['a', 'b']) {
    const r = repeated.get(id)!;
    assert.equal(r.losses.length, 3 * n);
    assert.equal(r.repeats, 3);
    assert.deepEqual(Array.from(r.losses.subarray(0, n)), Array.from(single.get(id)!.losses));
    // Other runs use other folds: not a copy of run 0.
    assert.notDeepEqual(Array.from(r.losses.subarray(n, 2 * n)), Array.from(r.losses.subarray(0, n)));
    assert.ok(Math.abs(r.meanRisk - r.losses.reduce((s, v) => s + v, 0) / (3 * n)) < 1e-12);
  }
  // r = 1 is crossValidate itself.
  const once = await repeatedCrossValidate([a, b], rows, target, 5, 11, 1);
  assert.deepEqual(Array.from(once.get('a')!.losses), Array.from(single.get('a')!.losses));
  assert.equal(once.get('a')!.repeats, undefined);
});
