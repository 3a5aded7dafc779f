/**
 * Tests of the symmetric eigensolver against matrices whose spectra are known in closed form or
 * by construction (random orthogonal Q with a chosen spectrum), plus reconstruction and
 * orthogonality checks and the projected variant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromRows, matrix } from '../../../src/core/linalg/matrix';
import { symmetricEigen, symmetricEigenProjected, symmetricEigenvalues } from '../../../src/core/linalg/eigen';
import { matMul, transpose } from '../../../src/core/linalg/products';
import { assertClose, randomMatrix, randomOrthogonal } from './helpers';

function withSpectrum(q: ReturnType<typeof matrix>, spectrum: number[]) {
  const n = spectrum.length;
  const scaled = matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) scaled.data[i * n + j] = q.data[i * n + j]! * spectrum[j]!;
  const a = matMul(scaled, transpose(q));
  // Exact symmetry: average the triangles.
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) {
    const v = 0.5 * (a.data[i * n + j]! + a.data[j * n + i]!);
    a.data[i * n + j] = v;
    a.data[j * n + i] = v;
  }
  return a;
}

test('2×2 hand-derived eigenpairs', () => {
  const { values, vectors } = symmetricEigen(fromRows([[2, 1], [1, 2]]));
  assertClose(values, [3, 1], 1e-15);
  // First eigenvector is ±(1,1)/√2.
  assert.ok(Math.abs(Math.abs(vectors.data[0]!) - Math.SQRT1_2) < 1e-15);
  assert.ok(Math.abs(vectors.data[0]! - vectors.data[2]!) < 1e-15);
});

test('tridiagonal Toeplitz matrix has eigenvalues a + 2b·cos(kπ/(n+1))', () => {
  const n = 40;
  const a = matrix(n, n);
  for (let i = 0; i < n; i++) {
    a.data[i * n + i] = 2;
    if (i + 1 < n) {
      a.data[i * n + i + 1] = -1;
      a.data[(i + 1) * n + i] = -1;
    }
  }
  const expected = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort((x, y) => y - x);
  assertClose(symmetricEigenvalues(a), expected, 1e-13);
});

test('random orthogonal reconstruction with a chosen spectrum (n = 60, including repeated values)', () => {
  const n = 60;
  const spectrum = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 3 : 10 * Math.exp(-i / 8) - 0.5));
  const q = randomOrthogonal(n, 7);
  const a = withSpectrum(q, spectrum);
  const { values, vectors } = symmetricEigen(a);
  assertClose(values, [...spectrum].sort((x, y) => y - x), 1e-12, 'eigenvalues');
  // V·Λ·Vᵀ = A and VᵀV = I.
  const rebuilt = withSpectrum(vectors, Array.from(values));
  assertClose(rebuilt.data, a.data, 1e-12, 'reconstruction');
  const vtv = matMul(transpose(vectors), vectors);
  const identity = new Float64Array(n * n);
  for (let i = 0; i < n; i++) identity[i * n + i] = 1;
  assertClose(vtv.data, identity, 1e-12, 'orthogonality');
});

test('Gram matrix of a random tall matrix: A·v = λ·v for every pair', () => {
  const x = randomMatrix(80, 25, 3);
  const a = matMul(transpose(x), x);
  const { values, vectors } = symmetricEigen(a);
  const av = matMul(a, vectors);
  for (let j = 0; j < 25; j++) {
    for (let i = 0; i < 25; i++) {
      assert.ok(Math.abs(av.data[i * 25 + j]! - values[j]! * vectors.data[i * 25 + j]!) < 1e-10 * values[0]!);
    }
  }
  for (let j = 1; j < 25; j++) assert.ok(values[j - 1]! >= values[j]!, 'descending');
});

test('rank-deficient and diagonal inputs', () => {
  const diagonal = matrix(4, 4);
  [5, -1, 0, 2].forEach((v, i) => (diagonal.data[i * 4 + i] = v));
  assertClose(symmetricEigenvalues(diagonal), [5, 2, 0, -1], 0);
  const x = randomMatrix(3, 10, 11); // rank 3 in 10 dimensions
  const values = symmetricEigenvalues(matMul(transpose(x), x));
  for (let i = 3; i < 10; i++) assert.ok(Math.abs(values[i]!) < 1e-12 * values[0]!);
});

test('projected variant equals Vᵀ·B from the full decomposition (up to eigenvector sign)', () => {
  const n = 30;
  const x = randomMatrix(50, n, 5);
  const a = matMul(transpose(x), x);
  const b = randomMatrix(n, 3, 6);
  const full = symmetricEigen(a);
  const projected = symmetricEigenProjected(a, b);
  assertClose(projected.values, full.values, 1e-13);
  const expected = matMul(transpose(full.vectors), b);
  // Compare squares: eigenvector signs are arbitrary.
  assertClose(projected.projections.data.map((v) => v * v), expected.data.map((v) => v * v), 1e-11);
});

test('bad input is rejected with a message naming the problem', () => {
  assert.throws(() => symmetricEigen(matrix(2, 3)), /square/);
  assert.throws(() => symmetricEigen(fromRows([[1, 2], [0, 1]])), /not symmetric/);
  assert.throws(() => symmetricEigen(fromRows([[1, NaN], [NaN, 1]])), /non-finite/);
  assert.equal(symmetricEigen(matrix(0, 0)).values.length, 0);
  assertClose(symmetricEigen(fromRows([[4]])).values, [4], 0);
});
