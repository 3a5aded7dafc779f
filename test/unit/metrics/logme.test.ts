/**
 * LogME beyond the golden file: the D > N path (thin decomposition of FFᵀ plus the
 * −(D−k)/2·log α correction) checked against the evidence evaluated directly from its definition
 * with a D×D log-determinant, and agreement between the N > D and N ≤ D routes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../../src/core/linalg/matrix';
import { crossProduct, gram, matMul } from '../../../src/core/linalg/products';
import { logDeterminantSpd, solveSymmetric } from '../../../src/core/linalg/solve';
import { logme } from '../../../src/core/metrics/logme';
import { assertRelative, randomMatrix } from '../linalg/helpers';

/**
 * log p(y | α, β)/N evaluated from the definition: A = αI + βFᵀF, m = (FᵀF + tI)⁻¹Fᵀy at the
 * ratio t used by the last iteration, with the reference's +1e-5 terms excluded.
 */
function directEvidence(f: Matrix, y: Matrix, alpha: number, beta: number, t: number): number {
  const n = f.rows;
  const d = f.cols;
  const a = gram(f);
  const shifted = matrix(d, d, a.data);
  for (let i = 0; i < d; i++) shifted.data[i * d + i] += t;
  const m = solveSymmetric(shifted, crossProduct(f, y));
  const fitted = matMul(f, m);
  let residual = 0;
  for (let i = 0; i < n; i++) residual += (y.data[i]! - fitted.data[i]!) ** 2;
  let weightNorm = 0;
  for (let i = 0; i < d; i++) weightNorm += m.data[i]! ** 2;
  const precision = matrix(d, d);
  for (let i = 0; i < d * d; i++) precision.data[i] = beta * a.data[i]!;
  for (let i = 0; i < d; i++) precision.data[i * d + i] += alpha;
  const evidence = (d / 2) * Math.log(alpha) + (n / 2) * Math.log(beta) - 0.5 * logDeterminantSpd(precision)
    - (beta / 2) * residual - (alpha / 2) * weightNorm - (n / 2) * Math.log(2 * Math.PI);
  return evidence / n;
}

for (const [n, d] of [[30, 80], [120, 20]] as const) {
  test(`LogME evidence equals its definition (N=${n}, D=${d})`, () => {
    const f = randomMatrix(n, d, n * d);
    const noise = randomMatrix(n, 1, 3);
    const y = matrix(n, 1);
    for (let i = 0; i < n; i++) y.data[i] = f.data[i * d]! - 0.5 * f.data[i * d + 1]! + 0.2 * noise.data[i]!;
    const result = logme(f, y);
    assert.equal(result.rank, Math.min(n, d));
    const target = result.perTarget[0]!;
    assertRelative(target.evidence, directEvidence(f, y, target.alpha, target.beta, target.tLast), 1e-7, 'evidence');
  });
}

test('duplicating a feature column keeps LogME finite and the rank unchanged', () => {
  const base = randomMatrix(50, 6, 21);
  const doubled = matrix(50, 7);
  for (let i = 0; i < 50; i++) {
    doubled.data.set(base.data.subarray(i * 6, i * 6 + 6), i * 7);
    doubled.data[i * 7 + 6] = base.data[i * 6]!;
  }
  const y = randomMatrix(50, 1, 22);
  const result = logme(doubled, y);
  assert.equal(result.rank, 6);
  assert.ok(Number.isFinite(result.score));
});
