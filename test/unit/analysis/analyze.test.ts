import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../../src/core/linalg/matrix';
import { analyzeTransfer } from '../../../src/core/analysis/analyze';
import { makeTarget, repeatedHoldout } from '../../../src/core/analysis/learners';
import { makeRng, gaussian } from '../../../src/core/analysis/random';
import { task } from './teacherStudent';

async function verdictOf(t: { x: Matrix; phi: Matrix; y: Matrix }, plannedN: number) {
  return analyzeTransfer({
    features: t.phi,
    inputs: t.x,
    target: makeTarget('regression', t.y),
    plannedN,
    nSource: 'test',
    strategy: 'linear-probe',
    backend: 'none',
    seed: 1,
  });
}

test('target inside the feature span with few samples: positive transfer, high overlap', async () => {
  const t = task({ n: 120, d: 60, k: 8, inside: true, noise: 0.3, seed: 3 });
  const a = await verdictOf(t, 120);
  assert.equal(a.verdict, 'positive');
  assert.ok(a.gain!.low > 0);
  assert.ok(a.overlap.value > 0.8, `overlap ${a.overlap.value}`);
  assert.equal(a.spectrum.variance.length, 8);
  assert.ok(a.spectrum.directionsFor90 !== null && a.spectrum.directionsFor90 <= 8);
});

test('target orthogonal to the feature span with many samples: negative transfer, low overlap', async () => {
  const t = task({ n: 400, d: 20, k: 8, inside: false, noise: 0.3, seed: 4 });
  const a = await verdictOf(t, 400);
  assert.equal(a.verdict, 'negative');
  assert.ok(a.gain!.high < 0);
  assert.ok(a.overlap.value < 0.2, `overlap ${a.overlap.value}`);
  assert.equal(a.recommendation.strategy, 'scratch');
});

test('the same pair flips sign as n grows: crossover between', async () => {
  // Half the target inside the span: transfer wins at small n, scratch at large n.
  const rng = makeRng(9);
  const n = 2400;
  const d = 150;
  const k = 10;
  const x = matrix(n, d);
  for (let i = 0; i < x.data.length; i++) x.data[i] = gaussian(rng);
  const phi = matrix(n, k);
  const y = matrix(n, 1);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += 1.0 * x.data[i * d + j]! / Math.sqrt(k);
    for (let j = k; j < d; j++) s += 0.3 * x.data[i * d + j]! / Math.sqrt(d - k);
    y.data[i] = s + 0.3 * gaussian(rng);
    for (let j = 0; j < k; j++) phi.data[i * k + j] = x.data[i * d + j]!;
  }
  const small = await verdictOf({ x, phi, y }, 80);
  const large = await verdictOf({ x, phi, y }, 2400);
  assert.equal(small.verdict, 'positive', `small gain ${JSON.stringify(small.gain)}`);
  assert.equal(large.verdict, 'negative', `large gain ${JSON.stringify(large.gain)}`);
  assert.ok(small.crossoverN !== null && small.crossoverN > 80, `crossover ${small.crossoverN}`);
});

test('cancellation stops the analysis', async () => {
  const t = task({ n: 200, d: 30, k: 8, inside: true, noise: 0.3, seed: 5 });
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(
    analyzeTransfer({ features: t.phi, inputs: t.x, target: makeTarget('regression', t.y), plannedN: 200, nSource: 't', strategy: 'full', backend: 'none', seed: 1 }, { signal: ac.signal }),
    /cancelled/,
  );
});

/**
 * Partial freeze: the lower "block" holds the 12 target directions (times `scale`) plus `extra`
 * pure-noise directions; the top block keeps only `topDims` of the 12; the raw inputs add 300
 * noise columns, so scratch needs many rows.
 */
async function partialFreezeCase(plannedN: number, o: { extra: number; scale: number; topDims: number }, seed: number) {
  const rng = makeRng(seed);
  const n = 2000;
  const d = 12 + o.extra;
  const width = 312;
  const lower = matrix(n, d);
  const top = matrix(n, o.topDims);
  const inputs = matrix(n, width);
  const y = matrix(n, 1);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < width; j++) inputs.data[i * width + j] = gaussian(rng);
    for (let j = 0; j < 12; j++) {
      const v = inputs.data[i * width + j]!;
      lower.data[i * d + j] = o.scale * v;
      if (j < o.topDims) top.data[i * o.topDims + j] = v;
      s += v / Math.sqrt(12);
    }
    for (let j = 12; j < d; j++) lower.data[i * d + j] = gaussian(rng);
    y.data[i] = s + 0.3 * gaussian(rng);
  }
  return analyzeTransfer({
    features: top,
    inputs,
    target: makeTarget('regression', y),
    plannedN,
    nSource: 'test',
    strategy: 'full',
    backend: 'none',
    seed: 1,
    layerFeatures: [
      { layer: 'block1', depth: 1, features: lower },
      { layer: 'block2', depth: 2, features: top },
    ],
  });
}

test('partial freeze is advised when a lower block carries more of the target and a probe on it pays at n', async () => {
  const a = await partialFreezeCase(100, { extra: 8, scale: 2, topDims: 8 }, 21);
  assert.equal(a.recommendation.strategy, 'partial-freeze', a.recommendation.reason);
  assert.equal(a.recommendation.freezeUpTo, 'block1');
});

test('partial freeze is not advised at an n where a probe on the richer lower block does worse', async () => {
  const a = await partialFreezeCase(14, { extra: 110, scale: 1, topDims: 11 }, 22);
  assert.ok(a.perLayer && a.perLayer[0]!.overlap.low > a.perLayer[1]!.overlap.high, 'the lower block has clearly more overlap');
  assert.notEqual(a.recommendation.strategy, 'partial-freeze', a.recommendation.reason);
  assert.ok(a.notes.some((n) => /partial freeze is not advised at this n/.test(n)), a.notes.join('\n'));
});

test('repeated hold-out: disjoint train/test draws of exactly n rows, capped test sets, fresh draws per repeat', async () => {
  const y = matrix(500, 1);
  for (let i = 0; i < 500; i++) y.data[i] = i % 7;
  const seen: { train: Int32Array; test: Int32Array }[] = [];
  const recorder = {
    id: 'rec',
    label: 'records its rows',
    expensive: false,
    async fitPredict(train: Int32Array, test: Int32Array) {
      seen.push({ train, test });
      return matrix(test.length, 1);
    },
  };
  const result = await repeatedHoldout([recorder], 500, 40, 6, 300, makeTarget('regression', y), 3);
  assert.equal(seen.length, 6);
  for (const { train, test } of seen) {
    assert.equal(train.length, 40);
    assert.equal(test.length, 300);
    const inTrain = new Set(train);
    assert.ok(test.every((i) => !inTrain.has(i)), 'test rows are outside the training draw');
  }
  assert.notDeepEqual([...seen[0]!.train], [...seen[1]!.train]);
  const r = result.get('rec')!;
  assert.equal(r.kind, 'holdout');
  assert.equal(r.losses.length, 6);
  assert.equal(r.trainSize, 40);
});

test('with many more rows than n, the verdict uses repeated hold-out, its interval floored at the width of CV on n rows', async () => {
  const t = task({ n: 2000, d: 60, k: 8, inside: true, noise: 0.5, seed: 31 });
  const pooled = await verdictOf(t, 40);
  assert.ok(pooled.notes.some((n) => /repeated hold-out/.test(n)), pooled.notes.join('\n'));
  assert.equal(pooled.verdict, 'positive');
  // The same first 40 rows alone: k-fold CV inside n.
  const first = { x: matrix(40, 60, t.x.data.subarray(0, 40 * 60)), phi: matrix(40, 8, t.phi.data.subarray(0, 40 * 8)), y: matrix(40, 1, t.y.data.subarray(0, 40)) };
  const alone = await verdictOf(first, 40);
  assert.ok(!alone.notes.some((n) => /repeated hold-out/.test(n)));
  const width = (a: { gain?: { low: number; high: number } }) => a.gain!.high - a.gain!.low;
  // The t interval over repeats alone is far narrower; the proxy floor keeps the CV width.
  assert.ok(width(pooled) > 0.6 * width(alone) && width(pooled) < 1.6 * width(alone), `hold-out width ${width(pooled).toFixed(3)} vs CV ${width(alone).toFixed(3)}`);
});

test('linear checkpoint with a dataset larger than n: the closed form estimates the task from every sampled row', async () => {
  const t = task({ n: 1500, d: 40, k: 4, inside: false, noise: 0.5, seed: 41 });
  const featureMap = matrix(40, 4);
  for (let j = 0; j < 4; j++) featureMap.data[j * 4 + j] = 1;
  const a = await analyzeTransfer({
    features: t.phi,
    inputs: t.x,
    target: makeTarget('regression', t.y),
    plannedN: 30,
    nSource: 'test',
    strategy: 'linear-probe',
    backend: 'none',
    seed: 1,
    linearMaps: { featureMap },
  });
  const note = a.notes.find((n) => /exact finite-n risks/.test(n));
  assert.ok(note && /estimated from 1,500 rows/.test(note) && /least-squares/.test(note), a.notes.join('\n'));
  // Target orthogonal to the features: at n = 30 < d the probe still loses (scratch learns 30/40 of it).
  assert.equal(a.verdict, 'negative');
});

test('closed form: a REML fit at the boundary (no noise left) takes the 95% interval, an interior one 80%', async () => {
  const run = async (noise: number, seed: number) => {
    const t = task({ n: 24, d: 40, k: 4, inside: false, noise, seed });
    const featureMap = matrix(40, 4);
    for (let j = 0; j < 4; j++) featureMap.data[j * 4 + j] = 1;
    return analyzeTransfer({ features: t.phi, inputs: t.x, target: makeTarget('regression', t.y), plannedN: 24, nSource: 'test', strategy: 'linear-probe', backend: 'none', seed: 1, linearMaps: { featureMap } });
  };
  const boundary = await run(0, 51);
  assert.ok(boundary.notes.some((n) => /REML estimates/.test(n) && /noise 0\.0\d of Var\(y\)/.test(n)), boundary.notes.join('\n'));
  assert.equal(boundary.gainLevel, 0.95);
  const interior = await run(1, 52);
  assert.ok(interior.notes.some((n) => /REML estimates/.test(n)), interior.notes.join('\n'));
  assert.equal(interior.gainLevel, 0.8);
});
