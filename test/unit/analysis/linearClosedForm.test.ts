import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../../src/core/linalg/matrix';
import { isotropicEnough, linearClosedForm } from '../../../src/core/analysis/linearClosedForm';
import { scratchRiskFinite, linearProbeRiskFinite } from '../../../src/core/theory';
import { makeRng, gaussian } from '../../../src/core/analysis/random';

/** y = β_tᵀx + ε with ‖β_t‖ = 1, x ~ N(0, I_d); the checkpoint's single feature is e_0. */
function task(n: number, d: number, cosTheta: number, sigma: number, seed: number) {
  const rng = makeRng(seed);
  const x = matrix(n, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = gaussian(rng);
  const beta = new Float64Array(d);
  beta[0] = cosTheta;
  beta[1] = Math.sqrt(1 - cosTheta * cosTheta);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = cosTheta * x.data[i * d]! + beta[1]! * x.data[i * d + 1]! + sigma * gaussian(rng);
  const featureMap = matrix(d, 1);
  featureMap.data[0] = 1;
  const headMap = new Float64Array(d);
  headMap[0] = 1;
  return { x, y, maps: { featureMap, headMap } };
}

test('least-squares estimates recover signal, noise and the in-span energy at large n', () => {
  const t = task(4000, 20, Math.cos(Math.PI / 4), 0.5, 1);
  const cf = linearClosedForm(t.x, t.y, t.maps, 1, 50);
  const e = cf.estimates;
  assert.ok(Math.abs(e.signal - 1) < 0.1, `signal ${e.signal}`);
  assert.ok(Math.abs(e.noise - 0.25) < 0.1, `noise ${e.noise}`);
  assert.ok(Math.abs(e.inside - 0.5) < 0.08, `inside ${e.inside}`);
  assert.ok(Math.abs(e.crossTerm - Math.SQRT1_2) < 0.08, `cross ${e.crossTerm}`);
});

test('risks follow the exact finite-n forms of the theory module given the estimates', () => {
  const t = task(400, 40, Math.cos(Math.PI / 3), 0.2, 2);
  const cf = linearClosedForm(t.x, t.y, t.maps, 2, 10);
  const e = cf.estimates;
  const v = e.signal + e.noise;
  for (const n of [10, 30, 60, 200]) {
    const expectedScratch = (e.signal * scratchRiskFinite(n, 40, e.noise / e.signal)) / v;
    assert.ok(Math.abs(cf.risk('scratch', n) - expectedScratch) < 1e-9, `scratch at ${n}`);
    const expectedProbe = (e.signal * linearProbeRiskFinite(n, 1, 1 - e.inside / e.signal, e.noise / e.signal)) / v;
    assert.ok(Math.abs(cf.risk('probe', n) - expectedProbe) < 1e-9, `probe at ${n}`);
  }
  assert.equal(cf.risk('scratch', 40), Infinity);
});

test('verdicts: aligned feature at few samples helps; orthogonal feature at many samples hurts', () => {
  const helps = task(30, 100, Math.cos(Math.PI / 8), 0.2, 3);
  const g1 = linearClosedForm(helps.x, helps.y, helps.maps, 3).gain('probe', 30, 0.8);
  assert.ok(g1.low > 0, JSON.stringify(g1));
  const hurts = task(300, 50, 0, 0.3, 4);
  const g2 = linearClosedForm(hurts.x, hurts.y, hurts.maps, 4).gain('probe', 300, 0.8);
  assert.ok(g2.high < 0, JSON.stringify(g2));
});

test('isotropy check rejects strongly scaled columns', () => {
  const t = task(500, 10, 1, 0.1, 5);
  assert.equal(isotropicEnough(t.x), true);
  for (let i = 0; i < 500; i++) t.x.data[i * 10 + 3]! *= 5;
  assert.equal(isotropicEnough(t.x), false);
});

test('estimator choice: least squares above d + OLS_MIN_DF rows, REML below, moments when REML has too few contrasts', () => {
  assert.equal(linearClosedForm(task(60, 40, 0.7, 0.5, 6).x, task(60, 40, 0.7, 0.5, 6).y, task(60, 40, 0.7, 0.5, 6).maps, 1, 5).method, 'least-squares');
  const mid = task(30, 40, 0.7, 0.5, 7);
  assert.equal(linearClosedForm(mid.x, mid.y, mid.maps, 1, 5).method, 'reml');
  const tiny = task(5, 40, 0.7, 0.5, 8);
  assert.equal(linearClosedForm(tiny.x, tiny.y, tiny.maps, 1, 5).method, 'moments');
});

test('least squares pins the noise at n = 3d: 20 draws, every noise estimate within 0.12 of σ² = 0.25', () => {
  const errors: number[] = [];
  for (let seed = 0; seed < 20; seed++) {
    const t = task(120, 40, Math.cos(Math.PI / 3), 0.5, 100 + seed);
    errors.push(Math.abs(linearClosedForm(t.x, t.y, t.maps, seed, 5).estimates.noise - 0.25));
  }
  assert.ok(Math.max(...errors) < 0.12, errors.map((e) => e.toFixed(3)).join(' '));
  // The 80% interval of the probe gain covers the theory's gain in most draws.
  let covered = 0;
  for (let seed = 0; seed < 20; seed++) {
    const t = task(120, 40, Math.cos(Math.PI / 3), 0.5, 200 + seed);
    const cf = linearClosedForm(t.x, t.y, t.maps, seed, 200);
    const truth = { signal: 1, noise: 0.25, inside: 0.25, crossTerm: 0.5 };
    const v = cf.estimates.signal + cf.estimates.noise;
    const trueGain = ((cf.risk('scratch', 120, truth) - cf.risk('probe', 120, truth)) * v) / 1.25;
    const g = cf.gain('probe', 120, 0.8);
    if (g.low <= trueGain && trueGain <= g.high) covered++;
  }
  assert.ok(covered >= 13, `covered ${covered}/20`);
});

test('REML below d: the signal share is estimated without bias on average (n = 30, d = 60)', () => {
  const shares: number[] = [];
  for (let seed = 0; seed < 30; seed++) {
    const t = task(30, 60, Math.cos(Math.PI / 4), 0.5, 300 + seed);
    const e = linearClosedForm(t.x, t.y, t.maps, seed, 5).estimates;
    shares.push(e.signal / (e.signal + e.noise));
  }
  const mean = shares.reduce((s, v) => s + v, 0) / shares.length;
  assert.ok(Math.abs(mean - 0.8) < 0.12, `mean signal share ${mean.toFixed(3)} (true 0.8)`);
});
