/**
 * Property tests of the closed forms behind the linear-checkpoint verdict (issue #17): the exact
 * finite-n risks of `expectedRisk` (src/core/analysis/linearClosedForm.ts) against a seeded
 * Monte-Carlo simulation of the arms trained to convergence (min-norm / least squares, the same
 * solvers the ground-truth benchmark uses), for n from 2 to 4·k (probe) and 4·d (scratch, full
 * fine-tune) across each interpolation threshold, with and without noise; plus the paper's
 * finite-size test vectors (../shared/docs/paper-test-vectors.md, table C).
 *
 * Near a threshold the risk has heavy tails (inverse-Wishart moments), so noisy cases keep
 * |n − threshold| ≥ 5 where the variance is finite and the Monte-Carlo mean is tested against
 * the formula within 5 standard errors; noiseless cases are tested at every n, including the
 * threshold itself, where the expectation stays finite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedRisk, linearClosedForm, type LinearEstimates } from '../../../src/core/analysis/linearClosedForm';
import { createRandom, leastSquaresFrom, probeEstimate, squaredDistance, type RandomSource } from '../../../src/core/theory';
import { matrix } from '../../../src/core/linalg/matrix';

interface Task {
  readonly d: number;
  readonly k: number;
  /** β_t: `inside` energy spread over the first k coordinates (the feature span), the rest outside. */
  readonly beta: Float64Array;
  readonly source: Float64Array;
  readonly sigma: number;
  readonly estimates: LinearEstimates;
}

function makeTask(d: number, k: number, inside: number, outside: number, sigma: number, cross: number): Task {
  const beta = new Float64Array(d);
  for (let j = 0; j < k; j++) beta[j] = Math.sqrt(inside / k);
  for (let j = k; j < d; j++) beta[j] = Math.sqrt(outside / (d - k));
  // β_s: unit vector with β_sᵀβ_t = cross (β_t has norm sqrt(inside + outside)).
  const norm = Math.sqrt(inside + outside);
  const c = cross / norm;
  const ortho = new Float64Array(d);
  ortho[0] = 1;
  let dot = 0;
  for (let j = 0; j < d; j++) dot += ortho[j]! * beta[j]! / norm;
  for (let j = 0; j < d; j++) ortho[j] = ortho[j]! - (dot * beta[j]!) / norm;
  const on = Math.hypot(...ortho);
  const source = Float64Array.from(beta, (b, j) => (c * b) / norm + Math.sqrt(1 - c * c) * (ortho[j]! / on));
  return { d, k, beta, source, sigma, estimates: { signal: inside + outside, noise: sigma * sigma, inside, crossTerm: cross } };
}

function draw(t: Task, n: number, random: RandomSource): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(n * t.d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let j = 0; j < t.d; j++) {
      const xv = random.normal();
      x[i * t.d + j] = xv;
      v += xv * t.beta[j]!;
    }
    y[i] = v + t.sigma * random.normal();
  }
  return { x, y };
}

/** Basis of the first k coordinates (row-major d × k). */
function coordinateBasis(d: number, k: number): Float64Array {
  const b = new Float64Array(d * k);
  for (let j = 0; j < k; j++) b[j * k + j] = 1;
  return b;
}

function simulate(t: Task, arm: 'scratch' | 'probe' | 'full', n: number, draws: number, seed: number): { mean: number; se: number } {
  const random = createRandom(seed);
  const basis = coordinateBasis(t.d, t.k);
  const risks: number[] = [];
  for (let r = 0; r < draws; r++) {
    const { x, y } = draw(t, n, random);
    const est = arm === 'scratch' ? leastSquaresFrom(x, y, t.d) : arm === 'full' ? leastSquaresFrom(x, y, t.d, t.source) : probeEstimate(x, y, t.d, basis, t.k);
    risks.push(squaredDistance(est, t.beta));
  }
  const mean = risks.reduce((s, v) => s + v, 0) / draws;
  const sd = Math.sqrt(risks.reduce((s, v) => s + (v - mean) ** 2, 0) / (draws - 1));
  return { mean, se: sd / Math.sqrt(draws) };
}

function check(t: Task, arm: 'scratch' | 'probe' | 'full', sizes: readonly number[], draws: number, seed: number): void {
  const dims = { d: t.d, k: t.k, headNorm2: 1 };
  const failures: string[] = [];
  for (const n of sizes) {
    const formula = expectedRisk(arm, n, dims, t.estimates);
    assert.ok(Number.isFinite(formula), `${arm} at n = ${n}: formula ${formula}`);
    const mc = simulate(t, arm, n, draws, seed + n);
    const tolerance = 5 * mc.se + 1e-9 + 0.01 * formula * (mc.se === 0 ? 0 : 1);
    if (Math.abs(mc.mean - formula) > tolerance) failures.push(`n = ${n}: formula ${formula.toFixed(4)}, simulation ${mc.mean.toFixed(4)} ± ${mc.se.toFixed(4)}`);
  }
  assert.deepEqual(failures, [], `${arm} (d = ${t.d}, k = ${t.k}, σ = ${t.sigma}):\n${failures.join('\n')}`);
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('probe, noisy (label noise and signal outside the span): min-norm below k, least squares above, n = 2 … 4k', () => {
  const t = makeTask(20, 10, 0.6, 0.4, 0.5, 0.5);
  check(t, 'probe', [2, 3, 4, 5, 15, 16, 20, 30, 40], 800, 13);
});

test('probe, noiseless and fully inside the span: finite at every n, the threshold included', () => {
  const t = makeTask(30, 10, 1, 0, 0, 0.5);
  check(t, 'probe', range(2, 40).filter((n) => n % 4 === 0 || Math.abs(n - 10) <= 1), 150, 12);
  // Exactly: (1 − n/k)·inside below k, 0 from k on.
  assert.equal(expectedRisk('probe', 10, { d: 30, k: 10, headNorm2: 1 }, t.estimates), 0);
  assert.ok(Math.abs(expectedRisk('probe', 9, { d: 30, k: 10, headNorm2: 1 }, t.estimates) - 0.1) < 1e-12);
});

test('probe: infinite only within one of k when the head sees noise (label noise or outside signal)', () => {
  const dims = { d: 30, k: 10, headNorm2: 1 };
  for (const [noise, inside] of [[0.25, 1], [0, 0.6]] as const) {
    const e = { signal: 1, noise, inside, crossTerm: 0 };
    for (const n of [9, 10, 11]) assert.equal(expectedRisk('probe', n, dims, e), Infinity, `n = ${n}, σ² = ${noise}, inside ${inside}`);
    for (const n of [2, 8, 12, 40]) assert.ok(Number.isFinite(expectedRisk('probe', n, dims, e)), `n = ${n}`);
  }
});

test('scratch (min-norm), noisy, n = 2 … 4d on both sides of the threshold', () => {
  check(makeTask(20, 5, 0.5, 0.5, 0.5, 0.5), 'scratch', [2, 6, 10, 14, 26, 30, 40, 80], 800, 23);
});

test('scratch (min-norm), noiseless, n = 2 … 4d through the threshold', () => {
  check(makeTask(20, 5, 0.5, 0.5, 0, 0.5), 'scratch', [2, 6, 10, 15, 19, 20, 21, 30, 80], 150, 22);
  const dims = { d: 20, k: 5, headNorm2: 1 };
  for (const n of [19, 20, 21]) assert.equal(expectedRisk('scratch', n, dims, { signal: 1, noise: 0.1, inside: 0.5, crossTerm: 0 }), Infinity);
});

test('full fine-tune (min-norm from β_s), noisy, n = 2 … 4d', () => {
  check(makeTask(20, 5, 0.5, 0.5, 0.5, 0.7), 'full', [2, 6, 10, 14, 26, 40, 80], 800, 33);
});

test('full fine-tune (min-norm from β_s), noiseless, through the threshold', () => {
  check(makeTask(20, 5, 0.5, 0.5, 0, -0.3), 'full', [2, 6, 10, 15, 19, 20, 21, 30, 80], 150, 32);
});

test('paper finite-size test vectors (table C) to 1e-4', () => {
  const rows: [number, number, number, number, number, number, number][] = [
    // d, n, θ, σ, R_sc, R_lt, R_ft
    [20, 5, Math.PI / 4, 0.2, 0.7643, 0.68, 0.4536],
    [20, 10, Math.PI / 8, 0, 0.5, 0.1648, 0.0761],
    [40, 10, Math.PI / 4, 0.2, 0.7638, 0.5675, 0.4531],
    [40, 30, Math.PI / 3, 0.2, 0.3833, 0.7782, 0.3833],
    [100, 25, Math.PI / 4, 0.2, 0.7635, 0.5235, 0.4529],
    [100, 50, Math.PI / 4, 0.2, 0.5408, 0.5112, 0.3337],
    [100, 90, Math.PI / 8, 0.2, 0.5, 0.1486, 0.4152],
    [100, 150, Math.PI / 4, 0.2, 0.0816, 0.5036, 0.0816],
    [200, 100, Math.PI / 3, 0.5, 0.7525, 0.7602, 0.7525],
    [500, 250, Math.PI / 4, 0.2, 0.5402, 0.5022, 0.3331],
  ];
  for (const [d, n, theta, sigma, rsc, rlt, rft] of rows) {
    const c = Math.cos(theta);
    // One feature along β_s: inside = cos²θ; ‖β_s‖ = ‖β_t‖ = 1, β_sᵀβ_t = cos θ.
    const e = { signal: 1, noise: sigma * sigma, inside: c * c, crossTerm: c };
    const dims = { d, k: 1, headNorm2: 1 };
    const label = `d = ${d}, n = ${n}`;
    assert.ok(Math.abs(expectedRisk('scratch', n, dims, e) - rsc) < 1e-4, `${label}: R_sc ${expectedRisk('scratch', n, dims, e)}`);
    assert.ok(Math.abs(expectedRisk('probe', n, dims, e) - rlt) < 1e-4, `${label}: R_lt ${expectedRisk('probe', n, dims, e)}`);
    assert.ok(Math.abs(expectedRisk('full', n, dims, e) - rft) < 1e-4, `${label}: R_ft ${expectedRisk('full', n, dims, e)}`);
  }
});

test('gain: not finite (and no supported sign) where an expected risk is infinite; finite below the probe threshold', () => {
  const random = createRandom(5);
  const d = 30;
  const k = 10;
  const rows = 60;
  const x = matrix(rows, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = random.normal();
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) y[i] = x.data[i * d]! + 0.5 * x.data[i * d + 15]! + 0.5 * random.normal();
  const featureMap = matrix(d, k);
  for (let j = 0; j < k; j++) featureMap.data[j * k + j] = 1;
  const cf = linearClosedForm(x, y, { featureMap }, 1, 100);
  for (const n of [9, 10, 11]) {
    const g = cf.gain('probe', n, 0.8);
    assert.equal(g.finite, false, `n = ${n}`);
    assert.equal(g.infinite, 'transfer');
    assert.equal(g.supports, undefined);
  }
  for (const n of [29, 30, 31]) assert.equal(cf.gain('probe', n, 0.8).infinite, 'scratch');
  for (const n of [2, 5, 8, 12, 20, 40]) {
    const g = cf.gain('probe', n, 0.8);
    assert.ok(g.finite && Number.isFinite(g.low) && Number.isFinite(g.high), `n = ${n}: ${JSON.stringify(g)}`);
  }
});

test('gain: equal risks (a probe on a full-rank feature map is scratch) never support a sign', () => {
  const random = createRandom(6);
  const d = 12;
  const rows = 40;
  const x = matrix(rows, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = random.normal();
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) y[i] = x.data[i * d]! + 0.3 * random.normal();
  // A full-rank, non-orthogonal d × d map: its span is every input direction.
  const featureMap = matrix(d, d);
  for (let i = 0; i < featureMap.data.length; i++) featureMap.data[i] = random.normal();
  // Least squares is invariant to invertible maps of the features, so at n ≥ d the probe is scratch
  // for any full-rank map; below d the min-norm head depends on the metric BᵀB (minNormRisk.ts) and
  // only an orthogonal map (here a signed permutation) leaves it equal to scratch.
  const orthogonal = matrix(d, d);
  for (let i = 0; i < d; i++) orthogonal.data[i * d + ((i + 5) % d)] = i % 2 ? -2 : 2;
  for (const [map, sizes] of [[featureMap, [20, 40]], [orthogonal, [6, 20, 40]]] as const) {
    const cf = linearClosedForm(x, y, { featureMap: map }, 2, 200);
    for (const n of sizes) {
      const g = cf.gain('probe', n, 0.8);
      assert.ok(Math.abs(g.mean) < 1e-9 && Math.abs(g.low) < 1e-9 && Math.abs(g.high) < 1e-9, `n = ${n}: ${JSON.stringify(g)}`);
      assert.equal(g.supports, undefined);
    }
  }
});

test('gain: draws with the signal at its floor widen the interval to zero (moment estimates on a pure-noise target)', () => {
  // The moment estimates set the noise to S − signal, so at the floor the whole split is the clamp's.
  let sawAtom = false;
  for (let seed = 0; seed < 8; seed++) {
    const random = createRandom(100 + seed);
    const d = 20;
    const rows = 10;
    const x = matrix(rows, d);
    for (let i = 0; i < x.data.length; i++) x.data[i] = random.normal();
    const y = new Float64Array(rows);
    for (let i = 0; i < rows; i++) y[i] = 0.2 * x.data[i * d]! + random.normal();
    const featureMap = matrix(d, 12);
    for (let j = 0; j < 12; j++) featureMap.data[j * 12 + j] = 1;
    const head = new Float64Array(d);
    head[0] = 1;
    const cf = linearClosedForm(x, y, { featureMap, headMap: head }, seed, 400);
    assert.equal(cf.method, 'moments');
    for (const arm of ['probe', 'full'] as const) {
      const g = cf.gain(arm, rows, 0.8);
      assert.equal(g.atoms, g.clamped, `${arm}, seed ${seed}: every clamped moment draw is an atom`);
      if (g.clamped >= 0.1 * g.draws) {
        sawAtom = true;
        assert.ok(g.low <= 0 && g.high >= 0, `${arm}, seed ${seed}: ${g.clamped} clamped draws, interval [${g.low}, ${g.high}]`);
        assert.equal(g.supports, undefined);
      }
      if (g.supports === 'positive') assert.ok(g.low > 1e-6);
      if (g.supports === 'negative') assert.ok(g.high < -1e-6);
    }
  }
  assert.ok(sawAtom, 'no draw set had a clamp atom: the test did not exercise it');
});

test('gain: REML draws at the floor are atoms at zero where only the signal separates the arms', () => {
  // d = 45, k = 3, n = 12 (REML: n − 1 − k = 8 contrasts): at zero signal the scratch noise term
  // σ²·n/(d − n − 1) = 0.375σ² equals the probe's σ²·k/(n − k − 1), so a draw at the floor says
  // nothing about the sign. A weak-signal target puts many draws there.
  let sawAtom = false;
  for (let seed = 0; seed < 8; seed++) {
    const random = createRandom(300 + seed);
    const d = 45;
    const k = 3;
    const rows = 12;
    const x = matrix(rows, d);
    for (let i = 0; i < x.data.length; i++) x.data[i] = random.normal();
    const y = new Float64Array(rows);
    for (let i = 0; i < rows; i++) y[i] = 0.1 * x.data[i * d + 10]! + random.normal();
    const featureMap = matrix(d, k);
    for (let j = 0; j < k; j++) featureMap.data[j * k + j] = 1;
    const cf = linearClosedForm(x, y, { featureMap }, seed, 400);
    assert.equal(cf.method, 'reml');
    const g = cf.gain('probe', rows, 0.8);
    assert.equal(g.atoms, g.clamped, `seed ${seed}: every clamped draw is an atom here`);
    if (g.atoms >= 0.1 * g.draws) {
      sawAtom = true;
      assert.ok(g.low <= 0 && g.high >= 0, `seed ${seed}: ${g.atoms} atoms, interval [${g.low}, ${g.high}]`);
      assert.equal(g.supports, undefined);
    }
  }
  assert.ok(sawAtom, 'no draw set had a clamp atom: the test did not exercise it');
});

test('gain: REML draws at the floor enter at their zero-signal gain when the noise separates the arms', () => {
  // d = 40, k = 4, n = 36 (the ground-truth case linear-freeze-pi3-g0.9-s1-d40-k4's shape), weak
  // signal outside the span and unit noise: scratch near its threshold pays σ²·n/(d − n − 1) = 12σ²,
  // the probe σ²·k/(n − k − 1) ≈ 0.13σ². Draws at the floor carry REML's own noise estimate, so they
  // are evidence of a positive gain, not atoms: the verdict commits (to the true sign) even when
  // more than a tail of draws hit the floor, where counting them as no gain could not.
  let sawCommitOverFloor = false;
  const dims = { d: 40, k: 4, headNorm2: 0 };
  const truth: LinearEstimates = { signal: 0.25, noise: 1, inside: 0, crossTerm: 0 };
  assert.ok(expectedRisk('scratch', 36, dims, truth) - expectedRisk('probe', 36, dims, truth) > 5);
  for (let seed = 0; seed < 8; seed++) {
    const random = createRandom(500 + seed);
    const { d, k } = dims;
    const rows = 36;
    const x = matrix(rows, d);
    for (let i = 0; i < x.data.length; i++) x.data[i] = random.normal();
    const y = new Float64Array(rows);
    for (let i = 0; i < rows; i++) y[i] = 0.5 * x.data[i * d + 20]! + random.normal();
    const featureMap = matrix(d, k);
    for (let j = 0; j < k; j++) featureMap.data[j * k + j] = 1;
    const cf = linearClosedForm(x, y, { featureMap }, seed, 400);
    assert.equal(cf.method, 'reml');
    for (const level of [0.8, 0.95]) {
      const g = cf.gain('probe', rows, level);
      assert.equal(g.atoms, 0, `seed ${seed}: the noise separates the arms at zero signal`);
      assert.notEqual(g.supports, 'negative', `seed ${seed}: [${g.low}, ${g.high}]`);
      if (g.clamped >= ((1 - level) / 2) * g.draws && g.supports === 'positive') sawCommitOverFloor = true;
    }
  }
  assert.ok(sawCommitOverFloor, 'no seed committed with a tail of draws at the floor: the test did not exercise the rule');
});
