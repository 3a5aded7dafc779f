/**
 * Seeded Monte Carlo check of the exact finite-n forms at d = 200 with 200 draws: the sample
 * mean of each simulated risk must lie within 3 standard errors of the closed form. Simulation
 * uses the estimators the forms describe (min-norm scratch, min-norm fine-tuning from β_s,
 * one-feature least-squares probe, one-feature ridge head).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRandom,
  unitVectorPair,
  sampleLinearTask,
  leastSquaresFrom,
  probeEstimate,
  squaredDistance,
  scratchRiskFinite,
  linearTransferRiskFinite,
  fineTuningRiskFinite,
  ridgeHeadRiskFinite,
} from '../../../src/core/theory';

const DIMENSION = 200;
const DRAWS = 200;

function meanAndStandardError(values: number[]): { mean: number; se: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { mean, se: Math.sqrt(variance / values.length) };
}

function assertWithinThreeSe(values: number[], exact: number, what: string): void {
  const { mean, se } = meanAndStandardError(values);
  assert.ok(Math.abs(mean - exact) <= 3 * se, `${what}: MC ${mean.toFixed(4)} ± ${se.toFixed(4)} vs exact ${exact.toFixed(4)}`);
}

test('under-parameterised n = 100: scratch, linear transfer, fine-tuning, ridge head', () => {
  const random = createRandom(20250101);
  const n = 100;
  const cosTheta = Math.cos(Math.PI / 4);
  const noise = 0.25;
  const lambda = 0.5;
  const scratch: number[] = [];
  const transfer: number[] = [];
  const fineTune: number[] = [];
  const ridge: number[] = [];
  for (let draw = 0; draw < DRAWS; draw++) {
    const { source, target } = unitVectorPair(DIMENSION, cosTheta, random);
    const { inputs, labels } = sampleLinearTask(n, target, noise, random);
    scratch.push(squaredDistance(leastSquaresFrom(inputs, labels, DIMENSION), target));
    fineTune.push(squaredDistance(leastSquaresFrom(inputs, labels, DIMENSION, source), target));
    transfer.push(squaredDistance(probeEstimate(inputs, labels, DIMENSION, source, 1), target));
    // Ridge head on z = β_sᵀx with penalty nλ on the summed loss.
    let zz = 0;
    let zy = 0;
    for (let r = 0; r < n; r++) {
      let z = 0;
      for (let j = 0; j < DIMENSION; j++) z += inputs[r * DIMENSION + j]! * source[j]!;
      zz += z * z;
      zy += z * labels[r]!;
    }
    const head = zy / (zz + n * lambda);
    ridge.push((head - cosTheta) ** 2 + (1 - cosTheta * cosTheta));
  }
  assertWithinThreeSe(scratch, scratchRiskFinite(n, DIMENSION, noise), 'R_sc');
  assertWithinThreeSe(transfer, linearTransferRiskFinite(n, cosTheta, noise), 'R_lt');
  assertWithinThreeSe(fineTune, fineTuningRiskFinite(n, DIMENSION, cosTheta, noise), 'R_ft');
  assertWithinThreeSe(ridge, ridgeHeadRiskFinite(n, cosTheta, noise, lambda), 'R_lt ridge');
});

test('over-parameterised n = 300: scratch (= fine-tuning)', () => {
  const random = createRandom(1);
  const n = 300;
  const noise = 0.25;
  const scratch: number[] = [];
  for (let draw = 0; draw < DRAWS; draw++) {
    const { target } = unitVectorPair(DIMENSION, 0.5, random);
    const { inputs, labels } = sampleLinearTask(n, target, noise, random);
    scratch.push(squaredDistance(leastSquaresFrom(inputs, labels, DIMENSION), target));
  }
  assertWithinThreeSe(scratch, scratchRiskFinite(n, DIMENSION, noise), 'R_sc');
});

test('the estimators are what the forms describe (sanity: noise-free interpolation)', () => {
  const random = createRandom(3);
  const { source, target } = unitVectorPair(30, 0.8, random);
  const { inputs, labels } = sampleLinearTask(10, target, 0, random);
  const fit = leastSquaresFrom(inputs, labels, 30, source);
  for (let r = 0; r < 10; r++) {
    let prediction = 0;
    for (let j = 0; j < 30; j++) prediction += inputs[r * 30 + j]! * fit[j]!;
    assert.ok(Math.abs(prediction - labels[r]!) < 1e-9, 'interpolates the training data');
  }
  let dot = 0;
  for (let j = 0; j < 30; j++) dot += source[j]! * target[j]!;
  assert.ok(Math.abs(dot - 0.8) < 1e-12);
});
