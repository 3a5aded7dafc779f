/**
 * Several scratch arms (issue #15 item 2): analyzeTransfer trains every one, shows each in the
 * curves, and measures the verdict's gain against the one with the lower risk at n. The arms here
 * are stub learners whose accuracy is fixed per row, so which one is better is known exactly; the
 * case is built both ways round so a choice that ignored the risks (first / last / by id) fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../../src/core/linalg/matrix';
import { makeTarget, oneHot, type Learner } from '../../../src/core/analysis/learners';
import { analyzeTransfer, chooseScratchArm } from '../../../src/core/analysis/analyze';
import { createRandom } from '../../../src/core/formats/random';

const N = 120;

/** Two classes; features carry the class weakly (the probe is mediocre), inputs are noise. */
function data() {
  const random = createRandom(3);
  const classes = Int32Array.from({ length: N }, (_, i) => i % 2);
  const features = matrix(N, 4);
  const inputs = matrix(N, 3);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < 4; j++) features.data[i * 4 + j] = (j === 0 ? (classes[i]! ? 0.6 : -0.6) : 0) + (random.next() - 0.5) * 2;
    for (let j = 0; j < 3; j++) inputs.data[i * 3 + j] = random.next();
  }
  return { features, inputs, target: makeTarget('classification', oneHot(classes, 2), classes, 2) };
}

/** A learner that predicts the true class on rows whose (seeded) draw is below `accuracy`. */
function stub(id: string, accuracy: number, classes: Int32Array): Learner {
  const random = createRandom(id.length * 7919 + Math.round(accuracy * 100));
  const right = Uint8Array.from({ length: N }, () => (random.next() < accuracy ? 1 : 0));
  return {
    id,
    label: `stub ${id} (${accuracy})`,
    expensive: false,
    async fitPredict(_train, test) {
      const out = matrix(test.length, 2);
      test.forEach((row, r) => {
        const c = right[row] ? classes[row]! : 1 - classes[row]!;
        out.data[r * 2 + c] = 1;
      });
      return out;
    },
  };
}

async function run(arms: Learner[]) {
  const { features, inputs, target } = data();
  return analyzeTransfer({ features, inputs, target, plannedN: N, nSource: 'test', strategy: 'linear-probe', backend: 'none', seed: 5, scratchLearners: arms });
}

for (const order of ['tfidf-better', 'transformer-better'] as const) {
  test(`the verdict uses the scratch arm with the lower risk at n (${order})`, async () => {
    const { target } = data();
    const good = 0.95;
    const bad = 0.6;
    const tfidf = stub('scratch', order === 'tfidf-better' ? good : bad, target.classes!);
    const transformer = stub('scratch-transformer', order === 'tfidf-better' ? bad : good, target.classes!);
    const a = await run([tfidf, transformer]);
    const winner = order === 'tfidf-better' ? 'scratch' : 'scratch-transformer';
    assert.equal(a.scratchArm, winner);
    // Both arms are in the curves, each with its measured point at n.
    const ids = a.curves.curves.map((c) => c.id);
    assert.ok(ids.includes('scratch') && ids.includes('scratch-transformer'), ids.join(','));
    const riskAt = (id: string) => a.curves.curves.find((c) => c.id === id)!.points.find((p) => p.n === a.n && p.measured)!.risk.mean;
    const probe = riskAt('transfer:linear-probe');
    // The gain is scratch − transfer risk against the winner (paired over the same rows), not the loser.
    assert.ok(Math.abs(a.gain!.mean - (riskAt(winner) - probe)) < 1e-9, `gain ${a.gain!.mean} vs ${riskAt(winner) - probe}`);
    const loser = winner === 'scratch' ? 'scratch-transformer' : 'scratch';
    assert.ok(riskAt(loser) > riskAt(winner) + 0.1);
    const note = a.notes.find((n) => n.startsWith('Scratch arms at n'));
    assert.ok(note?.includes(`The verdict uses the better one, ${winner}`), a.notes.join('\n'));
    // The transformer, listed second, replaces the TF-IDF arm only by more than one standard error.
    assert.equal(note!.includes('it replaces scratch, which is higher by more than one standard error'), winner === 'scratch-transformer', note);
    // A 95%-accurate scratch arm beats the weak probe: negative; a 60% one alone would not be.
    assert.equal(a.verdict, 'negative');
  });
}

test('one scratch arm: no choice, no scratchArm field, same as scratchLearner', async () => {
  const { features, inputs, target } = data();
  const arm = stub('scratch', 0.6, target.classes!);
  const viaList = await run([arm]);
  const viaSingle = await analyzeTransfer({ features, inputs, target, plannedN: N, nSource: 'test', strategy: 'linear-probe', backend: 'none', seed: 5, scratchLearner: arm });
  assert.equal(viaList.scratchArm, undefined);
  assert.deepEqual(viaList.gain, viaSingle.gain);
  assert.equal(viaList.verdict, viaSingle.verdict);
  assert.ok(!viaList.notes.some((n) => n.startsWith('Scratch arms at n')));
});

test('chooseScratchArm ranks by mean risk, keeps the given order on ties, reports the paired margin', () => {
  const cv = (losses: number[]) => ({ losses: Float64Array.from(losses), meanRisk: losses.reduce((a, b) => a + b, 0) / losses.length, trainSize: 8, testSize: 2, folds: 5 });
  const a = { id: 'a' } as Learner;
  const b = { id: 'b' } as Learner;
  const atN = new Map([['a', cv([1, 1, 0, 0, 1, 0, 1, 0, 1, 1])], ['b', cv([0, 0, 0, 0, 1, 0, 0, 0, 1, 0])]]);
  const choice = chooseScratchArm([a, b], atN);
  assert.equal(choice.arm.id, 'b');
  assert.deepEqual(choice.ranked.map((r) => r.learner.id), ['b', 'a']);
  assert.ok(Math.abs(choice.margin!.mean - 0.4) < 1e-12);
  assert.equal(choice.withinOneSe, false);
  assert.equal(choice.displaced?.id, 'a', 'b replaced the first-listed a by more than one SE');
  const tie = new Map([['a', cv([0, 1]) as never], ['b', cv([1, 0]) as never]]);
  assert.equal(chooseScratchArm([a, b], tie).arm.id, 'a');
  assert.equal(chooseScratchArm([b, a], tie).arm.id, 'b');
});

test('chooseScratchArm: an arm lower by less than one standard error does not displace the first-listed one', () => {
  const cv = (losses: number[]) => ({ losses: Float64Array.from(losses), meanRisk: losses.reduce((x, y) => x + y, 0) / losses.length, trainSize: 16, testSize: 4, folds: 5 });
  const a = { id: 'a' } as Learner;
  const b = { id: 'b' } as Learner;
  // 20 rows: b is right on two rows where a is wrong and wrong on one where a is right — lower by
  // 0.05, with the paired difference's corrected SE ≈ 0.10: within noise.
  const lossA = Array.from({ length: 20 }, (_, i) => (i < 6 ? 1 : 0));
  const lossB = lossA.map((v, i) => (i < 2 ? 0 : i === 10 ? 1 : v));
  const atN = new Map([['a', cv(lossA)], ['b', cv(lossB)]]);
  const kept = chooseScratchArm([a, b], atN);
  assert.equal(kept.arm.id, 'a', 'the first-listed arm stands');
  assert.equal(kept.withinOneSe, true);
  assert.deepEqual(kept.ranked.map((r) => r.learner.id), ['b', 'a'], 'the ranking still shows b lower');
  assert.equal(kept.margin!.other.id, 'b');
  assert.ok(Math.abs(kept.margin!.mean + 0.05) < 1e-12 && kept.margin!.se > 0.05, JSON.stringify(kept.margin));
  // Listed first, b is chosen (it is also the lowest); the rule never picks a higher arm listed later.
  const first = chooseScratchArm([b, a], atN);
  assert.equal(first.arm.id, 'b');
  assert.equal(first.withinOneSe, false);
  // Make b's advantage large (right on all six of a's errors): it displaces a.
  const clear = new Map([['a', cv(lossA)], ['b', cv(lossA.map(() => 0))]]);
  assert.equal(chooseScratchArm([a, b], clear).arm.id, 'b');
});

test('over the time budget, a cheap expensive arm keeps its curve points and a slow one loses them', async () => {
  const rows = 240;
  const random = createRandom(8);
  const classes = Int32Array.from({ length: rows }, (_, i) => i % 2);
  const features = matrix(rows, 3, Float64Array.from({ length: rows * 3 }, (_, k) => (k % 3 === 0 ? (classes[Math.floor(k / 3)]! ? 0.5 : -0.5) : 0) + random.next() - 0.5));
  const inputs = matrix(rows, 2, Float64Array.from({ length: rows * 2 }, () => random.next()));
  const target = makeTarget('classification', oneHot(classes, 2), classes, 2);
  let clock = 0;
  const timed = (id: string, ms: number): Learner => ({
    id,
    label: id,
    expensive: true,
    async fitPredict(_train, test) {
      clock += ms;
      const out = matrix(test.length, 2);
      test.forEach((row, r) => (out.data[r * 2 + classes[row]!] = 1));
      return out;
    },
  });
  const a = await analyzeTransfer({
    features, inputs, target, plannedN: 60, nSource: 'test', strategy: 'linear-probe', backend: 'none', seed: 2,
    scratchLearners: [timed('scratch', 50), timed('scratch-transformer', 10_000)], timeBudgetMs: 30_000, now: () => clock,
  });
  const sizes = (id: string) => a.curves.curves.find((c) => c.id === id)!.points.filter((p) => p.measured).map((p) => p.n);
  assert.deepEqual(sizes('scratch-transformer'), [60], 'the slow arm only at n');
  assert.ok(sizes('scratch').length >= 3, `the cheap arm keeps its curve: ${sizes('scratch').join(',')}`);
  assert.ok(a.notes.some((n) => n.startsWith('Partial analysis')));
});
