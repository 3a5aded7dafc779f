/**
 * Property test of the probe's risk on NON-whitened features (src/core/analysis/minNormRisk.ts via
 * `linearClosedForm(...).risk('probe', …)`): against a brute-force Monte Carlo of the min-norm
 * least-squares head on Φ = X·B, for B with singular values spread 0.2…3 (a random rotation of
 * its span inside R^d), at n < k, n ≈ k and n > k, noiseless and noisy, for a target direction
 * that is (a) the pretrained head's, (b) drawn isotropically in the span and (c) a mixture.
 * The whitened formula (what the code did before) is asserted to be far off at n < k, so the
 * test fails if the anisotropic path is bypassed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedRisk, linearClosedForm, setProbeDirectionPrior, type LinearEstimates } from '../../../src/core/analysis/linearClosedForm';
import { minNormFactors } from '../../../src/core/analysis/minNormRisk';
import { createRandom, type RandomSource } from '../../../src/core/theory';
import { matrix, type Matrix } from '../../../src/core/linalg/matrix';
import { cholesky, choleskySolveFactor } from '../../../src/core/linalg/solve';

const d = 40;
const k = 24;

function orthonormal(random: RandomSource, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  const vs: Float64Array[] = [];
  for (let c = 0; c < cols; c++) {
    const v = Float64Array.from({ length: rows }, () => random.normal());
    for (const q of vs) {
      const dot = q.reduce((s, x, i) => s + x * v[i]!, 0);
      for (let i = 0; i < rows; i++) v[i]! -= dot * q[i]!;
    }
    const n = Math.hypot(...v);
    vs.push(v.map((x) => x / n));
  }
  vs.forEach((v, c) => v.forEach((x, i) => (out[i * cols + c] = x)));
  return out;
}

/** B = U diag(sv) Vᵀ (d×k), sv spread 0.2…3. */
function makeB(random: RandomSource): { b: Matrix; u: Float64Array } {
  const u = orthonormal(random, d, k);
  const v = orthonormal(random, k, k);
  const b = matrix(d, k);
  for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) {
    let s = 0;
    for (let a = 0; a < k; a++) s += u[i * k + a]! * (0.2 + (2.8 * a) / (k - 1)) * v[j * k + a]!;
    b.data[i * k + j] = s;
  }
  return { b, u };
}

/** Min-norm least-squares w for Φw ≈ y (full rank n×k). */
function minNorm(phi: Matrix, y: Float64Array): Float64Array {
  const { rows: n, cols: kk } = phi;
  if (n < kk) {
    const g = matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let a = 0; a < kk; a++) s += phi.data[i * kk + a]! * phi.data[j * kk + a]!;
      g.data[i * n + j] = s;
    }
    const alpha = choleskySolveFactor(cholesky(g), matrix(n, 1, y)).data;
    const w = new Float64Array(kk);
    for (let i = 0; i < n; i++) for (let a = 0; a < kk; a++) w[a]! += phi.data[i * kk + a]! * alpha[i]!;
    return w;
  }
  const g = matrix(kk, kk);
  const rhs = matrix(kk, 1);
  for (let i = 0; i < n; i++) for (let a = 0; a < kk; a++) {
    rhs.data[a]! += phi.data[i * kk + a]! * y[i]!;
    for (let c = 0; c < kk; c++) g.data[a * kk + c]! += phi.data[i * kk + a]! * phi.data[i * kk + c]!;
  }
  return choleskySolveFactor(cholesky(g), rhs).data;
}

/** Brute force: mean ‖Bw − β‖² over designs (and over β drawn by `beta`), noise σ. */
function bruteForce(b: Matrix, n: number, sigma: number, beta: (r: RandomSource) => Float64Array, draws: number, seed: number): { mean: number; se: number } {
  const random = createRandom(seed);
  const values: number[] = [];
  for (let t = 0; t < draws; t++) {
    const bt = beta(random);
    const x = Float64Array.from({ length: n * d }, () => random.normal());
    const y = new Float64Array(n);
    const phi = matrix(n, k);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x[i * d + j]! * bt[j]!;
      y[i] = s + sigma * random.normal();
      for (let j = 0; j < d; j++) {
        const xv = x[i * d + j]!;
        for (let a = 0; a < k; a++) phi.data[i * k + a]! += xv * b.data[j * k + a]!;
      }
    }
    const w = minNorm(phi, y);
    let e = 0;
    for (let j = 0; j < d; j++) {
      let bw = 0;
      for (let a = 0; a < k; a++) bw += b.data[j * k + a]! * w[a]!;
      e += (bw - bt[j]!) ** 2;
    }
    values.push(e);
  }
  const mean = values.reduce((s, v) => s + v, 0) / draws;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (draws - 1));
  return { mean, se: sd / Math.sqrt(draws) };
}

test('minNormFactors reduce to the whitened forms on a flat spectrum', () => {
  const f = minNormFactors(new Float64Array(20).fill(2), 8, 1, Float64Array.from({ length: 20 }, (_, i) => (i === 0 ? 1 : 0)))!;
  assert.equal(f.draws, 0);
  assert.ok(Math.abs(f.traceBias - 12) < 1e-12 && Math.abs(f.sourceBias - 0.6) < 1e-12 && Math.abs(f.variance - 8 / 11) < 1e-12);
  // A nearly flat spectrum goes through the Monte Carlo and must agree with them too.
  const g = minNormFactors(Float64Array.from({ length: 20 }, (_, i) => 1 + 1e-3 * i), 8, 1)!;
  assert.ok(g.draws > 0);
  assert.ok(Math.abs(g.traceBias - 12) < 0.05, `trace ${g.traceBias}`);
  assert.ok(Math.abs(g.variance - 8 / 11) < 0.01, `variance ${g.variance}`);
});

test('probe risk on non-whitened features matches a brute-force min-norm Monte Carlo (n < k, n ≈ k, n > k)', () => {
  const random = createRandom(20261207);
  const { b } = makeB(random);
  // β_s: a generic head on these features (aligned with B's top directions), unit norm.
  const w2 = Float64Array.from({ length: k }, () => random.normal());
  const source = new Float64Array(d);
  for (let j = 0; j < d; j++) for (let a = 0; a < k; a++) source[j]! += b.data[j * k + a]! * w2[a]!;
  const sn = Math.hypot(...source);
  for (let j = 0; j < d; j++) source[j]! /= sn;
  // Data only to build the closed form (its estimates are replaced below); scale = S.
  const x = matrix(60, d, Float64Array.from({ length: 60 * d }, () => random.normal()));
  const y = Float64Array.from({ length: 60 }, () => random.normal());
  // In-span projector of B (for isotropic draws inside the span and the outside part).
  const proj = (v: Float64Array): Float64Array => {
    // P v = B (BᵀB)⁻¹ Bᵀ v
    const btv = matrix(k, 1);
    const btb = matrix(k, k);
    for (let a = 0; a < k; a++) for (let j = 0; j < d; j++) btv.data[a]! += b.data[j * k + a]! * v[j]!;
    for (let a = 0; a < k; a++) for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) btb.data[a * k + c]! += b.data[j * k + a]! * b.data[j * k + c]!;
    const coef = choleskySolveFactor(cholesky(btb), btv).data;
    const out = new Float64Array(d);
    for (let j = 0; j < d; j++) for (let a = 0; a < k; a++) out[j]! += b.data[j * k + a]! * coef[a]!;
    return out;
  };
  const sourceIn = proj(source); // = source (it lies in the span)
  const orthoIn = (r: RandomSource): Float64Array => {
    // isotropic unit vector in the span, orthogonal to β_s
    const g = proj(Float64Array.from({ length: d }, () => r.normal()));
    const dot = g.reduce((s, v, j) => s + v * sourceIn[j]!, 0);
    for (let j = 0; j < d; j++) g[j]! -= dot * sourceIn[j]!;
    const n = Math.hypot(...g);
    return g.map((v) => v / n);
  };
  const outside = (() => {
    const g = Float64Array.from({ length: d }, () => random.normal());
    const p = proj(g);
    const o = g.map((v, j) => v - p[j]!);
    const n = Math.hypot(...o);
    return o.map((v) => v / n);
  })();
  const cases: { name: string; cosSrc: number; insideE: number; rhoE: number; sigma: number; ns: number[] }[] = [
    { name: 'along β_s, noiseless', cosSrc: 1, insideE: 1, rhoE: 0, sigma: 0, ns: [8, 16, 23, 24, 40] },
    { name: 'isotropic in span, noiseless', cosSrc: 0, insideE: 1, rhoE: 0, sigma: 0, ns: [8, 16, 23, 40] },
    { name: 'mixture, outside energy and noise', cosSrc: 0.8, insideE: 0.8, rhoE: 0.2, sigma: 0.3, ns: [8, 16, 40] },
  ];
  for (const prior of ['source', 'isotropic'] as const) {
    setProbeDirectionPrior(prior);
    const cf = linearClosedForm(x, y, { featureMap: b, headMap: source }, 7);
    const scale = cf.estimates.signal + cf.estimates.noise;
    for (const c of cases) {
      if (prior === 'isotropic' && c.cosSrc !== 0) continue; // the isotropic prior averages over directions
      const srcE = c.insideE * c.cosSrc ** 2;
      const est: LinearEstimates = { signal: c.insideE + c.rhoE, noise: c.sigma ** 2, inside: c.insideE, crossTerm: Math.sqrt(srcE) };
      for (const n of c.ns) {
        const beta = (r: RandomSource) => {
          const o = orthoIn(r);
          return Float64Array.from({ length: d }, (_, j) => Math.sqrt(srcE) * source[j]! + Math.sqrt(c.insideE - srcE) * o[j]! + Math.sqrt(c.rhoE) * outside[j]!);
        };
        const bf = bruteForce(b, n, c.sigma, beta, 1500, 1000 + n);
        const model = cf.risk('probe', n, est) * scale;
        const whitened = expectedRisk('probe', n, { d, k, headNorm2: 1 }, est);
        const tol = 5 * bf.se + 0.03 * bf.mean + 1e-9;
        assert.ok(Math.abs(model - bf.mean) < tol, `${prior} ${c.name} n=${n}: model ${model.toFixed(4)} vs brute force ${bf.mean.toFixed(4)} ± ${bf.se.toFixed(4)} (whitened ${whitened.toFixed(4)})`);
        if (n < k - 1 && c.sigma === 0) assert.ok(Math.abs(whitened - bf.mean) > 2 * tol, `${c.name} n=${n}: whitened ${whitened} is not distinguishable from the truth ${bf.mean}; the test would not catch a bypass`);
      }
    }
  }
  setProbeDirectionPrior('source');
});

test('without the pretrained head direction the non-whitened probe below its rank never commits (and does above it)', () => {
  const random = createRandom(99);
  const { b } = makeB(random);
  const rows = 16;
  const x = matrix(rows, d, Float64Array.from({ length: rows * d }, () => random.normal()));
  // Target inside the span, noiseless: a decisive case the whitened or isotropic forms would sign.
  const beta = new Float64Array(d);
  for (let j = 0; j < d; j++) beta[j] = b.data[j * k]!;
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) y[i]! += x.data[i * d + j]! * beta[j]!;
  const cf = linearClosedForm(x, y, { featureMap: b }, 3, 100);
  const below = cf.gain('probe', 12, 0.8);
  assert.equal(below.unmodelled, true);
  assert.equal(below.supports, undefined);
  const above = cf.gain('probe', 30, 0.8);
  assert.equal(above.unmodelled, undefined);
});
