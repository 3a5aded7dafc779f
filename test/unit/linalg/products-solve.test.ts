/**
 * Tests of the products, column statistics, Cholesky solves, ridge regression and thin SVD,
 * each against an independent computation (naive triple loops, hand-derived values, or the
 * defining equations).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromRows, matrix, type Matrix } from '../../../src/core/linalg/matrix';
import {
  centerColumns, columnVariances, crossProduct, gram, matMul, outerGram, transpose,
} from '../../../src/core/linalg/products';
import { cholesky, choleskySolve, logDeterminantSpd, ridgeSolve, solveSymmetric } from '../../../src/core/linalg/solve';
import { thinSvd } from '../../../src/core/linalg/svd';
import { assertClose, randomMatrix } from './helpers';

function naiveProduct(a: Matrix, b: Matrix, transposeA: boolean): Float64Array {
  const rows = transposeA ? a.cols : a.rows;
  const inner = transposeA ? a.rows : a.cols;
  const out = new Float64Array(rows * b.cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < b.cols; j++) {
    let s = 0;
    for (let k = 0; k < inner; k++) s += (transposeA ? a.data[k * a.cols + i]! : a.data[i * a.cols + k]!) * b.data[k * b.cols + j]!;
    out[i * b.cols + j] = s;
  }
  return out;
}

test('gram, crossProduct, outerGram, matMul and transpose match naive loops', () => {
  const x = randomMatrix(300, 37, 1); // 300 > one 256-row block, odd column count
  const y = randomMatrix(300, 4, 2);
  assertClose(gram(x).data, naiveProduct(x, x, true), 1e-13, 'gram');
  assertClose(crossProduct(x, y).data, naiveProduct(x, y, true), 1e-13, 'crossProduct');
  const small = randomMatrix(9, 14, 3);
  assertClose(outerGram(small).data, naiveProduct(small, transpose(small), false), 1e-13, 'outerGram');
  const b = randomMatrix(37, 5, 4);
  assertClose(matMul(x, b).data, naiveProduct(x, b, false), 1e-13, 'matMul');
  const t = transpose(x);
  assert.equal(t.rows, 37);
  assert.equal(t.data[5 * 300 + 123], x.data[123 * 37 + 5]);
  assert.throws(() => matMul(x, y), /a.cols must equal b.rows/);
  assert.throws(() => crossProduct(x, randomMatrix(3, 2, 1)), /one row per sample/);
});

test('centring and variances (hand-derived)', () => {
  const x = fromRows([[1, 10], [2, 20], [3, 60]]);
  const { centered, means } = centerColumns(x);
  assertClose(means, [2, 30], 1e-15);
  assertClose(centered.data, [-1, -20, 0, -10, 1, 30], 1e-15);
  assertClose(columnVariances(x, 0), [2 / 3, 1400 / 3], 1e-15);
  assertClose(columnVariances(x, 1), [1, 700], 1e-15);
  // A large offset must not destroy the variance.
  const shifted = fromRows([[1e9 + 1], [1e9 + 2], [1e9 + 3]]);
  assertClose(columnVariances(shifted, 1), [1], 1e-12);
});

test('Cholesky solve, log-determinant, jitter fallback', () => {
  const a = fromRows([[4, 2], [2, 3]]);
  const l = cholesky(a);
  assertClose(l.data, [2, 0, 1, Math.SQRT2], 1e-15);
  assertClose(choleskySolve(a, fromRows([[2], [1]])).data, [0.5, 0], 1e-15);
  assert.ok(Math.abs(logDeterminantSpd(a) - Math.log(8)) < 1e-14);
  assert.throws(() => cholesky(fromRows([[1, 2], [2, 1]])), /not positive definite/);
  // Singular PSD matrix: the jittered solve still returns a finite solution of the consistent system.
  const singular = fromRows([[1, 1], [1, 1]]);
  const solution = solveSymmetric(singular, fromRows([[2], [2]]));
  assert.ok(Math.abs(solution.data[0]! + solution.data[1]! - 2) < 1e-6);
  assert.throws(() => solveSymmetric(fromRows([[-1, 0], [0, -1]]), fromRows([[1], [1]])), /not positive semi-definite/);
});

test('ridgeSolve: primal and dual forms agree and satisfy the normal equations', () => {
  const lambda = 0.7;
  for (const [n, d] of [[40, 12], [12, 40]] as const) {
    const x = randomMatrix(n, d, n + d);
    const y = randomMatrix(n, 3, 99);
    const w = ridgeSolve(x, y, lambda);
    assert.equal(w.rows, d);
    assert.equal(w.cols, 3);
    // (XᵀX + λI)W = XᵀY
    const left = matMul(gram(x), w);
    for (let i = 0; i < d; i++) for (let j = 0; j < 3; j++) left.data[i * 3 + j] += lambda * w.data[i * 3 + j]!;
    assertClose(left.data, crossProduct(x, y).data, 1e-11, `normal equations ${n}×${d}`);
  }
  assert.throws(() => ridgeSolve(matrix(3, 2), matrix(4, 1), 1), /one row per sample/);
  assert.throws(() => ridgeSolve(matrix(3, 2), matrix(3, 1), -1), /lambda/);
});

test('thinSvd reconstructs tall and wide matrices with orthonormal factors', () => {
  for (const [n, d] of [[50, 8], [8, 50]] as const) {
    const x = randomMatrix(n, d, 17 + n);
    const { u, singularValues, v } = thinSvd(x);
    assert.equal(singularValues.length, 8);
    const us = matrix(u.rows, u.cols, u.data);
    for (let i = 0; i < u.rows; i++) for (let j = 0; j < u.cols; j++) us.data[i * u.cols + j] *= singularValues[j]!;
    assertClose(matMul(us, transpose(v)).data, x.data, 1e-11, `reconstruction ${n}×${d}`);
    const utu = matMul(transpose(u), u);
    const eye = new Float64Array(64);
    for (let i = 0; i < 8; i++) eye[i * 8 + i] = 1;
    assertClose(utu.data, eye, 1e-10, 'UᵀU');
  }
  // Rank 2 in 6 columns: only two singular values survive.
  const basis = randomMatrix(20, 2, 5);
  const mix = randomMatrix(2, 6, 6);
  assert.equal(thinSvd(matMul(basis, mix)).singularValues.length, 2);
});
