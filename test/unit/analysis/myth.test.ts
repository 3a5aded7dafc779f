import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../../src/core/linalg/matrix';
import { inputDistances } from '../../../src/core/analysis/myth';
import { makeRng, gaussian } from '../../../src/core/analysis/random';

function sample(n: number, d: number, shift: number, scale: number, seed: number) {
  const rng = makeRng(seed);
  const m = matrix(n, d);
  for (let i = 0; i < m.data.length; i++) m.data[i] = shift + scale * gaussian(rng);
  return m;
}

test('two samples of one distribution read as similar; a shifted, wider one as distant', () => {
  const same = inputDistances(sample(300, 8, 0, 1, 1), sample(200, 8, 0, 1, 2));
  assert.equal(same.naiveReading, 'similar');
  assert.ok(Math.abs(same.mmd) < 0.02, `mmd ${same.mmd}`);
  const shifted = inputDistances(sample(300, 8, 1.5, 2, 3), sample(200, 8, 0, 1, 4));
  assert.equal(shifted.naiveReading, 'distant');
  assert.ok(shifted.mmd > same.mmd + 0.05);
  assert.ok(shifted.slicedWasserstein > 2 * same.slicedWasserstein);
  assert.ok(shifted.gaussianKl > same.gaussianKl);
});
