/**
 * Shared by the HF parity tests (decoders, text encoders): reading a fixture's reference.json and
 * measuring how far a result is from transformers' values under an rtol/atol tolerance.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/** A flattened tensor as reference.json stores it. */
export interface Values { shape: number[]; data: number[] }

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Worst |a − e| − (atol + rtol·|e|) over all elements (≤ 0: within tolerance) and the worst absolute error. */
export function excess(actual: ArrayLike<number>, expected: Values, rtol: number, atol: number): { excess: number; worst: number } {
  assert.equal(actual.length, expected.data.length, 'element count');
  let ex = -Infinity;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = expected.data[i]!;
    const diff = Math.abs(actual[i]! - e);
    worst = Math.max(worst, diff);
    ex = Math.max(ex, diff - (atol + rtol * Math.abs(e)));
  }
  return { excess: ex, worst };
}
