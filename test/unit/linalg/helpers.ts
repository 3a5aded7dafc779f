/**
 * Deterministic random matrices for the linear-algebra and metric tests: a seeded generator,
 * Gaussian matrices, random orthogonal matrices (Gram–Schmidt on Gaussian columns) and
 * element-wise comparison with a relative tolerance.
 */
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../../src/core/linalg/matrix';

/** mulberry32: small, fast, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const random = seededRandom(seed);
  const out = matrix(rows, cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = gaussian(random);
  return out;
}

/** A random n×n orthogonal matrix (modified Gram–Schmidt on the columns of a Gaussian matrix). */
export function randomOrthogonal(n: number, seed: number): Matrix {
  const g = randomMatrix(n, n, seed);
  const q = matrix(n, n);
  for (let j = 0; j < n; j++) {
    const column = new Float64Array(n);
    for (let i = 0; i < n; i++) column[i] = g.data[i * n + j]!;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q.data[i * n + k]! * column[i]!;
        for (let i = 0; i < n; i++) column[i] -= dot * q.data[i * n + k]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += column[i]! * column[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q.data[i * n + j] = column[i]! / norm;
  }
  return q;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what = 'value'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    const difference = Math.abs(actual[i]! - expected[i]!);
    assert.ok(
      difference <= tolerance * Math.max(scale, 1e-300),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]} (|diff| ${difference} > ${tolerance}·${scale})`,
    );
  }
}

export function assertRelative(actual: number, expected: number, rtol: number, what = 'value'): void {
  const difference = Math.abs(actual - expected);
  assert.ok(
    difference <= rtol * Math.abs(expected),
    `${what}: ${actual} vs ${expected} (relative difference ${difference / Math.abs(expected)} > ${rtol})`,
  );
}
