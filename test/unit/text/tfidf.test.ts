/** Tests of the TF-IDF scratch arm: vectors, the CG ridge solve against a dense solve, tuning, and learning. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashedDense, ridgeCg, tfidfLearner, tfidfMatrix, unigramJensenShannon, wordTokens } from '../../../src/core/analysis/tfidf';
import { makeTarget, oneHot } from '../../../src/core/analysis/learners';
import { createRandom } from '../../../src/core/formats/random';

test('wordTokens lower-cases and keeps apostrophes inside words', () => {
  assert.deepEqual(wordTokens("Don't STOP, it's 42!"), ["don't", 'stop', "it's", '42']);
});

test('tfidf rows have unit norm and the vocabulary holds words, bigrams and char n-grams', () => {
  const x = tfidfMatrix(['the cat sat', 'the dog sat', 'a cat ran'], undefined, { minDf: 1 });
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) s += x.values[p]! ** 2;
    assert.ok(Math.abs(s - 1) < 1e-12, `row ${i} norm² ${s}`);
  }
  assert.ok(x.vocabulary.includes('word:the cat'));
  assert.ok(x.vocabulary.includes('word:cat'));
  assert.ok(x.vocabulary.includes('char: ca'));
});

test('ridgeCg matches the dense normal-equation solution', () => {
  const texts = Array.from({ length: 30 }, (_, i) => `w${i % 7} w${i % 5} x${i % 3} common`);
  const x = tfidfMatrix(texts, undefined, { minDf: 1, charNgrams: [] });
  const rows = Int32Array.from({ length: 30 }, (_, i) => i);
  const y = Float64Array.from({ length: 30 }, (_, i) => Math.sin(i));
  const w = new Float64Array(x.cols);
  const lambda = 0.5;
  ridgeCg(x, rows, y, 1, lambda, w, 1e-12, 500);
  // Dense check: (XᵀX + λI) w = Xᵀ y.
  const d = x.cols;
  const dense = new Float64Array(30 * d);
  for (let i = 0; i < 30; i++) for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) dense[i * d + x.indices[p]!] = x.values[p]!;
  for (let j = 0; j < d; j++) {
    let lhs = lambda * w[j]!;
    let rhs = 0;
    for (let i = 0; i < 30; i++) {
      let xi = 0;
      for (let k = 0; k < d; k++) xi += dense[i * d + k]! * w[k]!;
      lhs += dense[i * d + j]! * xi;
      rhs += dense[i * d + j]! * y[i]!;
    }
    assert.ok(Math.abs(lhs - rhs) < 1e-6, `equation ${j}: ${lhs} vs ${rhs}`);
  }
});

function synthetic(n: number, seed: number, informative: boolean): { texts: string[]; labels: Int32Array } {
  const rng = createRandom(seed);
  const filler = ['the', 'a', 'movie', 'film', 'was', 'quite', 'very', 'plot', 'actor', 'scene', 'and', 'but'];
  const texts: string[] = [];
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = rng.nextInt(2);
    const words = Array.from({ length: 8 }, () => filler[rng.nextInt(filler.length)]!);
    if (informative) words.splice(rng.nextInt(8), 0, label ? ['great', 'wonderful', 'superb'][rng.nextInt(3)]! : ['awful', 'boring', 'dull'][rng.nextInt(3)]!);
    texts.push(words.join(' '));
    labels[i] = informative ? label : rng.nextInt(2);
  }
  return { texts, labels };
}

test('the tuned TF-IDF learner learns a word-cue task and stays at chance on random labels', async () => {
  for (const informative of [true, false]) {
    const { texts, labels } = synthetic(400, 3, informative);
    const x = tfidfMatrix(texts);
    const target = makeTarget('classification', oneHot(labels, 2), labels, 2);
    const learner = tfidfLearner(x, target);
    const train = Int32Array.from({ length: 300 }, (_, i) => i);
    const testRows = Int32Array.from({ length: 100 }, (_, i) => 300 + i);
    const pred = await learner.fitPredict(train, testRows);
    let errors = 0;
    testRows.forEach((row, k) => {
      const guess = pred.data[k * 2 + 1]! > pred.data[k * 2]! ? 1 : 0;
      if (guess !== labels[row]) errors++;
    });
    if (informative) assert.ok(errors <= 5, `errors ${errors}/100 on the word-cue task`);
    else assert.ok(errors >= 30, `errors ${errors}/100 on random labels`);
  }
});

test('fitPredict at n = 1,600 short texts stays fast', async () => {
  const { texts, labels } = synthetic(2000, 5, true);
  const x = tfidfMatrix(texts);
  const target = makeTarget('classification', oneHot(labels, 2), labels, 2);
  const learner = tfidfLearner(x, target);
  const t0 = performance.now();
  await learner.fitPredict(Int32Array.from({ length: 1600 }, (_, i) => i), Int32Array.from({ length: 400 }, (_, i) => 1600 + i));
  const ms = performance.now() - t0;
  assert.ok(ms < 5000, `${ms.toFixed(0)} ms`);
  console.log(`tfidf fitPredict n=1600: ${ms.toFixed(0)} ms, ${x.cols} features`);
});

test('hashed dense view and unigram Jensen–Shannon', () => {
  const x = tfidfMatrix(['a b c', 'a b d'], undefined, { minDf: 1 });
  const h = hashedDense(x, 16);
  assert.equal(h.cols, 16);
  assert.equal(unigramJensenShannon(['a b'], ['a b']), 0);
  assert.equal(unigramJensenShannon(['a b'], ['c d']), 1);
  const mid = unigramJensenShannon(['a b c d'], ['a b e f']);
  assert.ok(mid > 0.3 && mid < 0.7, String(mid));
});
