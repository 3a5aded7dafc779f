/**
 * The arms' fit cache (issue #15, cached re-analysis): analyzeTransfer reads every learner's
 * predictions for the same (train, test) rows from AnalysisInput.learnerCache instead of fitting.
 * A second analysis of the same data fits nothing and gives the identical result; changing the
 * labels or the seed misses (new keys), changing the strategy reuses every fit (no learner depends
 * on it) and still gives what an uncached analysis with that strategy gives. Also the pure
 * content hash the keys are built from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../../src/core/linalg/matrix';
import { analyzeTransfer, type AnalysisInput } from '../../../src/core/analysis/analyze';
import { makeTarget, oneHot, ridgeLearner, targetIdentity, type CachedFit, type Learner, type LearnerCache, type Target } from '../../../src/core/analysis/learners';
import { ContentHasher, hashMatrix, hashRows } from '../../../src/core/analysis/contentHash';
import { tfidfLearner, tfidfMatrix } from '../../../src/core/analysis/tfidf';
import { makeRng, gaussian } from '../../../src/core/analysis/random';
import type { TransferAnalysis } from '../../../src/core/model/analysis';

class MemoryCache implements LearnerCache {
  readonly entries = new Map<string, CachedFit>();
  gets = 0;
  async get(key: string): Promise<CachedFit | undefined> {
    this.gets++;
    const e = this.entries.get(key);
    // A copy, as a disk cache returns: the analysis must not depend on object identity.
    return e && { predictions: { rows: e.predictions.rows, cols: e.predictions.cols, data: Float64Array.from(e.predictions.data) }, ...(e.meta !== undefined ? { meta: JSON.parse(JSON.stringify(e.meta)) } : {}) };
  }
  async set(key: string, value: CachedFit): Promise<void> {
    this.entries.set(key, value);
  }
}

/** Two-class task: features carry the class, raw inputs carry it weakly. */
function task(seed: number, n = 240, flip = 0) {
  const rng = makeRng(seed);
  const k = 10;
  const d = 16;
  const classes = new Int32Array(n);
  const features = matrix(n, k);
  const inputs = matrix(n, d);
  for (let i = 0; i < n; i++) {
    classes[i] = i % 2;
    const s = classes[i] ? 1 : -1;
    for (let j = 0; j < k; j++) features.data[i * k + j] = gaussian(rng) + (j < 2 ? 0.8 * s : 0);
    for (let j = 0; j < d; j++) inputs.data[i * d + j] = gaussian(rng) + (j === 0 ? 0.3 * s : 0);
  }
  for (let i = 0; i < flip; i++) classes[i * 7] = 1 - classes[i * 7]!;
  return { features, inputs, target: makeTarget('classification', oneHot(classes, 2), classes, 2) };
}

/** A deterministic "trained" scratch arm that counts its fits (a stand-in for an expensive network). */
function countingLearner(design: Matrix, target: Target, seed: number): Learner & { calls: number } {
  const inner = ridgeLearner('scratch', 'Counting scratch arm', design, target, { lambda: 5 });
  const learner = {
    id: 'scratch',
    label: 'Counting scratch arm',
    expensive: true,
    calls: 0,
    cacheKey: `counting-v1|seed=${seed}|x:${hashMatrix(design)}|y:${targetIdentity(target)}`,
    async fitPredict(train: Int32Array, test: Int32Array) {
      learner.calls++;
      return inner.fitPredict(train, test);
    },
  };
  return learner;
}

function input(t: ReturnType<typeof task>, over: Partial<AnalysisInput> & { seed?: number } = {}): AnalysisInput {
  return { features: t.features, inputs: t.inputs, target: t.target, plannedN: 48, nSource: 'test', strategy: 'linear-probe', backend: 'none', seed: 3, ...over };
}

/** The parts of an analysis that must not depend on the cache. */
function result(a: TransferAnalysis): string {
  return JSON.stringify({ verdict: a.verdict, gain: a.gain, crossoverN: a.crossoverN, curves: a.curves, overlap: a.overlap, recommendation: a.recommendation, notes: a.notes });
}

test('second analysis: every fit comes from the cache (no fitPredict call), identical result', async () => {
  const t = task(1);
  const cache = new MemoryCache();
  const scratch1 = countingLearner(t.inputs, t.target, 3);
  const first = await analyzeTransfer(input(t, { scratchLearner: scratch1, learnerCache: cache }));
  assert.ok(scratch1.calls > 0);
  assert.equal(first.cache?.arms?.hits, 0);
  assert.equal(first.cache?.arms?.uncached, 0, 'every learner here has a cache key');
  assert.equal(first.cache?.arms?.misses, [...cache.entries.keys()].filter((k) => !k.startsWith('budget-') && !k.startsWith('pca-')).length, 'one entry per fit (besides the time-budget decisions and the PCA)');
  const scratch2 = countingLearner(t.inputs, t.target, 3);
  const second = await analyzeTransfer(input(t, { scratchLearner: scratch2, learnerCache: cache }));
  assert.equal(scratch2.calls, 0, 'the scratch arm is not trained again');
  assert.deepEqual(second.cache?.arms, { hits: first.cache!.arms!.misses, misses: 0, uncached: 0 });
  assert.equal(result(second), result(first));
  // …and the cache changes nothing: an analysis without it gives the same.
  const plain = await analyzeTransfer(input(t, { scratchLearner: countingLearner(t.inputs, t.target, 3) }));
  assert.equal(result(plain), result(first));
  assert.equal(plain.cache, undefined);
});

test('changed labels or seed: new keys (misses), and the result is the uncached one', async () => {
  const t = task(1);
  const cache = new MemoryCache();
  const first = await analyzeTransfer(input(t, { scratchLearner: countingLearner(t.inputs, t.target, 3), learnerCache: cache }));
  const fits = first.cache!.arms!.misses;

  const relabelled = task(1, 240, 9);
  const scratchL = countingLearner(relabelled.inputs, relabelled.target, 3);
  const afterLabels = await analyzeTransfer(input(relabelled, { scratchLearner: scratchL, learnerCache: cache }));
  assert.equal(afterLabels.cache?.arms?.hits, 0, 'every key carries the targets');
  assert.ok(scratchL.calls > 0);
  const uncachedLabels = await analyzeTransfer(input(relabelled, { scratchLearner: countingLearner(relabelled.inputs, relabelled.target, 3) }));
  assert.equal(result(afterLabels), result(uncachedLabels));

  const scratchS = countingLearner(t.inputs, t.target, 4);
  const afterSeed = await analyzeTransfer(input(t, { seed: 4, scratchLearner: scratchS, learnerCache: cache }));
  assert.equal(afterSeed.cache?.arms?.hits, 0, 'a new seed draws new rows (and is in the scratch arm\'s key)');
  assert.equal(afterSeed.cache?.arms?.misses, fits);
  const uncachedSeed = await analyzeTransfer(input(t, { seed: 4, scratchLearner: countingLearner(t.inputs, t.target, 4) }));
  assert.equal(result(afterSeed), result(uncachedSeed));
});

test('changed strategy: the same fits serve (nothing refitted), the verdict is the uncached one for that strategy', async () => {
  const t = task(2);
  const cache = new MemoryCache();
  const full = (): Learner => ridgeLearner('transfer:full', 'Full fine-tune stand-in', t.inputs, t.target, { lambda: 1 });
  await analyzeTransfer(input(t, { transferLearners: [full()], scratchLearner: countingLearner(t.inputs, t.target, 3), learnerCache: cache }));
  const scratch = countingLearner(t.inputs, t.target, 3);
  const asFull = await analyzeTransfer(input(t, { strategy: 'full', transferLearners: [full()], scratchLearner: scratch, learnerCache: cache }));
  assert.equal(scratch.calls, 0);
  assert.equal(asFull.cache?.arms?.misses, 0);
  const uncached = await analyzeTransfer(input(t, { strategy: 'full', transferLearners: [full()], scratchLearner: countingLearner(t.inputs, t.target, 3) }));
  assert.equal(result(asFull), result(uncached));
});

test('learners without a cache key are always fitted and counted as uncached', async () => {
  const t = task(1);
  const cache = new MemoryCache();
  const inner = countingLearner(t.inputs, t.target, 3);
  const keyless: Learner & { calls: number } = { id: 'scratch', label: 'keyless', expensive: true, calls: 0, async fitPredict(train, test) { keyless.calls++; return inner.fitPredict(train, test); } };
  await analyzeTransfer(input(t, { scratchLearner: keyless, learnerCache: cache }));
  const calls = keyless.calls;
  const again = await analyzeTransfer(input(t, { scratchLearner: keyless, learnerCache: cache }));
  assert.equal(keyless.calls, 2 * calls, 'fitted again');
  assert.equal(again.cache?.arms?.uncached, calls);
  assert.equal(again.cache?.arms?.misses, 0, 'the ridge arms still hit');
});

test('TF-IDF arm: built lazily, keyed by content, λ replayed on hits', async () => {
  const texts = Array.from({ length: 60 }, (_, i) => (i % 2 ? `great film number ${i} loved it` : `dull movie number ${i} hated it`));
  const classes = Int32Array.from(texts, (_, i) => i % 2);
  const target = makeTarget('classification', oneHot(classes, 2), classes, 2);
  let built = 0;
  const lazy = tfidfLearner(() => {
    built++;
    return tfidfMatrix(texts);
  }, target, { seed: 1, identity: 'texts-v1' });
  const eager = tfidfLearner(tfidfMatrix(texts), target, { seed: 1 });
  assert.equal(built, 0);
  assert.match(lazy.cacheKey!, /texts-v1/);
  assert.equal(built, 0, 'the key of a learner with an identity does not build the matrix');
  const train = Int32Array.from({ length: 40 }, (_, i) => i);
  const test = Int32Array.from({ length: 20 }, (_, i) => 40 + i);
  const p = await lazy.fitPredict(train, test);
  assert.equal(built, 1);
  assert.deepEqual(Array.from(p.data), Array.from((await eager.fitPredict(train, test)).data));
  assert.deepEqual(lazy.fitMeta!.take(), { lambda: lazy.lambdas[0] });
  lazy.fitMeta!.replay({ lambda: 0.3 });
  assert.deepEqual(lazy.lambdas.slice(-1), [0.3]);
  // Content keys: the same matrix and targets give the same key; other targets or seed another.
  assert.equal(eager.cacheKey, tfidfLearner(tfidfMatrix(texts), target, { seed: 1 }).cacheKey);
  assert.notEqual(eager.cacheKey, tfidfLearner(tfidfMatrix(texts), target, { seed: 2 }).cacheKey);
  const flipped = Int32Array.from(classes, (c, i) => (i === 0 ? 1 - c : c));
  assert.notEqual(eager.cacheKey, tfidfLearner(tfidfMatrix(texts), makeTarget('classification', oneHot(flipped, 2), flipped, 2), { seed: 1 }).cacheKey);
});

test('content hash: exact bits, order and shape matter', () => {
  const a = { rows: 2, cols: 2, data: Float64Array.of(1, 2, 3, 4) };
  assert.equal(hashMatrix(a), hashMatrix({ rows: 2, cols: 2, data: Float64Array.of(1, 2, 3, 4) }));
  assert.notEqual(hashMatrix(a), hashMatrix({ rows: 1, cols: 4, data: Float64Array.of(1, 2, 3, 4) }));
  assert.notEqual(hashMatrix(a), hashMatrix({ rows: 2, cols: 2, data: Float64Array.of(1, 2, 3, 4 + 1e-15) }));
  assert.notEqual(hashMatrix(a), hashMatrix({ rows: 2, cols: 2, data: Float64Array.of(1, 2, 4, 3) }));
  assert.notEqual(hashRows(Int32Array.of(1, 2, 3)), hashRows(Int32Array.of(1, 3, 2)));
  assert.notEqual(hashRows(Int32Array.of(0)), hashRows(Int32Array.of(0, 0)));
  assert.notEqual(new ContentHasher().string('ab').string('c').digest(), new ContentHasher().string('a').string('bc').digest());
  assert.match(hashRows(Int32Array.of(5)), /^[0-9a-f]{16}$/);
  // A subarray with an odd offset hashes like a copy.
  const big = Float64Array.of(9, 1, 2, 3, 4);
  assert.equal(hashMatrix({ rows: 2, cols: 2, data: big.subarray(1) }), hashMatrix(a));
});

test('time budget: the first run\'s skipped curve points are replayed by the cached run', async () => {
  const t = task(1);
  const cache = new MemoryCache();
  // A clock that runs fast: the first run is "over budget" after the verdict's fits.
  let clock = 0;
  const slow = () => (clock += 1000);
  const first = await analyzeTransfer(input(t, { scratchLearner: countingLearner(t.inputs, t.target, 3), learnerCache: cache, timeBudgetMs: 5000, now: slow }));
  assert.ok(first.notes.some((n) => /time budget ran short/.test(n)), 'the budget cut the first run short');
  const scratch = countingLearner(t.inputs, t.target, 3);
  const second = await analyzeTransfer(input(t, { scratchLearner: scratch, learnerCache: cache, timeBudgetMs: 5000, now: () => 0 }));
  assert.equal(scratch.calls, 0, 'the skipped points are skipped again, not fitted');
  assert.equal(result(second), result(first));
  // Without the cache the idle clock would have measured every point.
  const unbounded = await analyzeTransfer(input(t, { scratchLearner: countingLearner(t.inputs, t.target, 3), timeBudgetMs: 5000, now: () => 0 }));
  assert.notEqual(result(unbounded), result(first));
});
