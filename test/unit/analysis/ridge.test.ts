import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../../src/core/linalg/matrix';
import { solveSymmetric } from '../../../src/core/linalg/solve';
import { fitRidge, predictRidge, sufficientStats, subtractStats } from '../../../src/core/analysis/ridge';
import { makeRng, gaussian } from '../../../src/core/analysis/random';

function data(n: number, p: number, seed: number) {
  const rng = makeRng(seed);
  const x = matrix(n, p);
  const y = matrix(n, 2);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) {
      const v = gaussian(rng) + 0.5;
      x.data[i * p + j] = v;
      s += v * (j % 3 - 1);
    }
    y.data[i * 2] = s + 3 + 0.3 * gaussian(rng);
    y.data[i * 2 + 1] = -s + 0.3 * gaussian(rng);
  }
  return { x, y };
}

test('fitRidge with a fixed λ equals the normal-equation solution on centred data', () => {
  const { x, y } = data(40, 6, 1);
  const lambda = 2.5;
  const model = fitRidge(sufficientStats(x, y), { lambda });
  // Reference: centre, then solve (XcᵀXc + λI)β = Xcᵀyc with the Cholesky solver.
  const n = x.rows, p = x.cols;
  const mx = Array.from({ length: p }, (_, j) => { let s = 0; for (let i = 0; i < n; i++) s += x.data[i * p + j]!; return s / n; });
  const my = [0, 1].map((c) => { let s = 0; for (let i = 0; i < n; i++) s += y.data[i * 2 + c]!; return s / n; });
  const a = matrix(p, p);
  const b = matrix(p, 2);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) {
    for (let k = 0; k < p; k++) a.data[j * p + k]! += (x.data[i * p + j]! - mx[j]!) * (x.data[i * p + k]! - mx[k]!);
    for (let c = 0; c < 2; c++) b.data[j * 2 + c]! += (x.data[i * p + j]! - mx[j]!) * (y.data[i * 2 + c]! - my[c]!);
  }
  for (let j = 0; j < p; j++) a.data[j * p + j]! += lambda;
  const beta = solveSymmetric(a, b);
  for (let i = 0; i < beta.data.length; i++) assert.ok(Math.abs(beta.data[i]! - model.beta.data[i]!) < 1e-9, `beta[${i}]`);
  const pred = predictRidge(model, x);
  // The fitted intercept makes the mean prediction equal the mean label.
  let mean0 = 0;
  for (let i = 0; i < n; i++) mean0 += pred.data[i * 2]! / n;
  assert.ok(Math.abs(mean0 - my[0]!) < 1e-9);
});

test('statistics of a subset equal the total minus the rest', () => {
  const { x, y } = data(30, 4, 2);
  const all = sufficientStats(x, y);
  const test = Int32Array.from([0, 5, 7, 29]);
  const train = Int32Array.from(Array.from({ length: 30 }, (_, i) => i).filter((i) => !test.includes(i)));
  const direct = sufficientStats(x, y, train);
  const diff = subtractStats(all, sufficientStats(x, y, test));
  assert.equal(direct.count, diff.count);
  direct.xx.forEach((v, i) => assert.ok(Math.abs(v - diff.xx[i]!) < 1e-9));
  direct.xy.forEach((v, i) => assert.ok(Math.abs(v - diff.xy[i]!) < 1e-9));
});

test('GCV-tuned ridge never does much worse than predicting the mean on held-out data', () => {
  // Pure noise labels: the tuned penalty must shrink towards the intercept.
  const rng = makeRng(3);
  const n = 60, p = 20;
  const x = matrix(n, p);
  const y = matrix(n, 1);
  for (let i = 0; i < x.data.length; i++) x.data[i] = gaussian(rng);
  for (let i = 0; i < n; i++) y.data[i] = gaussian(rng);
  const train = Int32Array.from({ length: 30 }, (_, i) => i);
  const test = Int32Array.from({ length: 30 }, (_, i) => i + 30);
  const model = fitRidge(sufficientStats(x, y, train));
  const pred = predictRidge(model, x, test);
  let mse = 0, v = 0, m = 0;
  for (let i = 0; i < 30; i++) m += y.data[30 + i]! / 30;
  for (let i = 0; i < 30; i++) { mse += (pred.data[i]! - y.data[30 + i]!) ** 2 / 30; v += (y.data[30 + i]! - m) ** 2 / 30; }
  assert.ok(mse / v < 1.3, `normalised MSE ${mse / v}, λ=${model.lambda}`);
});
