/**
 * Properties checked for every registered score at once (scikit-learn test_common style):
 * a finite plain number, invariance to relabelling classes, to sample order and to permuting
 * feature columns where the score declares it, rejection of NaN/∞ and bad shapes with errors
 * naming the argument, and clear errors for unsupported tasks or missing source outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, takeRows } from '../../../src/core/linalg/matrix';
import { computeScores, SCORES, SCORE_KEYS } from '../../../src/core/metrics/registry';
import { ScoreInputError, type ScoreInput } from '../../../src/core/metrics/input';
import { gaussian, seededRandom } from '../linalg/helpers';

const N = 90;
const D = 12;
const CLASSES = 3;
const SOURCE_CLASSES = 5;

/** Features with class structure, labels, source softmax outputs and regression targets. */
function makeInputs(seed: number) {
  const random = seededRandom(seed);
  const labels = Int32Array.from({ length: N }, (_, i) => i % CLASSES);
  const features = matrix(N, D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) features.data[i * D + j] = gaussian(random) + (j % CLASSES === labels[i] ? 1.5 : 0) + 0.3 * j;
  const sourceProbabilities = matrix(N, SOURCE_CLASSES);
  for (let i = 0; i < N; i++) {
    const logits = Array.from({ length: SOURCE_CLASSES }, (_, z) => gaussian(random) + (z === labels[i] ? 2 : 0));
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    exps.forEach((e, z) => (sourceProbabilities.data[i * SOURCE_CLASSES + z] = e / sum));
  }
  const targets = matrix(N, 2);
  for (let i = 0; i < N; i++) {
    targets.data[i * 2] = features.data[i * D]! - 0.5 * features.data[i * D + 3]! + 0.3 * gaussian(random);
    targets.data[i * 2 + 1] = gaussian(random);
  }
  return { features, labels, sourceProbabilities, targets };
}

function inputFor(task: 'classification' | 'regression', data: ReturnType<typeof makeInputs>): ScoreInput {
  return task === 'classification'
    ? { features: data.features, labels: data.labels, sourceProbabilities: data.sourceProbabilities }
    : { features: data.features, targets: data.targets, task: 'regression' };
}

function single(key: string, input: ScoreInput): number {
  const result = computeScores(input, { scores: [key] });
  assert.deepEqual(result.errors, {}, key);
  return result.scores[key]!;
}

function close(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

const data = makeInputs(42);

test('registry keys are the stable, unique list', () => {
  assert.deepEqual([...SCORE_KEYS], ['logme', 'leep', 'nce', 'hScore', 'shrinkageHScore', 'gbc', 'transRate', 'linearCka', 'probeAccuracy', 'probeR2']);
});

for (const score of SCORES) {
  for (const task of score.tasks) {
    const name = `${score.key} (${task})`;
    test(`${name}: returns a finite plain number`, () => {
      const value = single(score.key, inputFor(task, data));
      assert.equal(typeof value, 'number');
      assert.ok(Number.isFinite(value));
    });

    if (task === 'classification' && score.invariant.classRelabelling) {
      test(`${name}: invariant to relabelling classes`, () => {
        const relabelled = Int32Array.from(data.labels, (c) => [7, 2, 40][c]!);
        close(single(score.key, { ...inputFor(task, data), labels: relabelled }), single(score.key, inputFor(task, data)), name);
      });
    }

    if (score.invariant.sampleOrder) {
      test(`${name}: invariant to sample order`, () => {
        const random = seededRandom(5);
        const order = Array.from({ length: N }, (_, i) => i);
        for (let i = N - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        const permuted = {
          features: takeRows(data.features, order),
          labels: Int32Array.from(order, (i) => data.labels[i]!),
          sourceProbabilities: takeRows(data.sourceProbabilities, order),
          targets: takeRows(data.targets, order),
        };
        close(single(score.key, inputFor(task, permuted)), single(score.key, inputFor(task, data)), name);
      });
    }

    if (score.invariant.featurePermutation) {
      test(`${name}: invariant to permuting feature columns`, () => {
        const columns = Array.from({ length: D }, (_, j) => (j * 5) % D); // 5 is coprime with 12
        const permuted = matrix(N, D);
        for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) permuted.data[i * D + j] = data.features.data[i * D + columns[j]!]!;
        close(single(score.key, { ...inputFor(task, data), features: permuted }), single(score.key, inputFor(task, data)), name);
      });
    }

    test(`${name}: NaN and ∞ in features are rejected naming the argument`, () => {
      for (const bad of [NaN, Infinity]) {
        const features = matrix(N, D, data.features.data);
        features.data[17] = bad;
        assert.throws(() => computeScores({ ...inputFor(task, data), features }, { scores: [score.key] }),
          (e: unknown) => e instanceof ScoreInputError && e.argument === 'features' && /row 1, column 5/.test(e.message));
      }
    });
  }
  for (const task of ['classification', 'regression'] as const) {
    if (score.tasks.includes(task)) continue;
    test(`${score.key}: ${task} is reported as unsupported`, () => {
      const result = computeScores(inputFor(task, data), { scores: [score.key] });
      assert.match(result.errors[score.key]!, /does not support|supports/);
      assert.ok(!(score.key in result.scores));
    });
  }
}

test('LEEP and NCE without source outputs give a clear error; the rest still compute', () => {
  const result = computeScores({ features: data.features, labels: data.labels }, { scores: ['leep', 'nce', 'logme'] });
  assert.match(result.errors.leep!, /sourceProbabilities/);
  assert.match(result.errors.nce!, /sourceProbabilities/);
  assert.ok(Number.isFinite(result.scores.logme!));
});

test('input problems throw ScoreInputError naming the argument', () => {
  const cases: [ScoreInput, string, RegExp][] = [
    [{ features: data.features, labels: data.labels.subarray(1) }, 'labels', /entries but features has/],
    [{ features: data.features, labels: Int32Array.from(data.labels, (c) => c - 1) }, 'labels', /non-negative/],
    [{ features: data.features, labels: new Int32Array(N) }, 'labels', /single class/],
    [{ features: data.features, targets: matrix(N - 1, 1), task: 'regression' }, 'targets', /rows/],
    [{ features: data.features, task: 'regression' }, 'targets', /needs targets/],
    [{ features: data.features, labels: data.labels, sourceProbabilities: matrix(N, 3) }, 'sourceProbabilities', /sums to 0/],
    [{ features: data.features, labels: data.labels, sourceProbabilities: matrix(2, 3) }, 'sourceProbabilities', /rows/],
    [{ features: matrix(1, 3), labels: [0] }, 'features', /at least 2/],
  ];
  for (const [input, argument, message] of cases) {
    assert.throws(() => computeScores(input), (e: unknown) => e instanceof ScoreInputError && e.argument === argument && message.test(e.message), argument + ' ' + message);
  }
  const targets = matrix(N, 1, data.targets.data.filter((_, i) => i % 2 === 0));
  targets.data[3] = NaN;
  assert.throws(() => computeScores({ features: data.features, targets, task: 'regression' }), (e: unknown) => e instanceof ScoreInputError && e.argument === 'targets');
  assert.throws(() => computeScores(inputFor('classification', data), { scores: ['logme', 'nope'] }), /unknown score key\(s\) nope/);
});

test('H-score saturation is flagged when D ≥ N − 1', () => {
  const few = { features: takeRows(data.features, Array.from({ length: 10 }, (_, i) => i)), labels: data.labels.subarray(0, 10) };
  const result = computeScores(few, { scores: ['hScore'] });
  assert.match(result.warnings.hScore!, /saturates/);
  close(result.scores.hScore!, CLASSES - 1, 'saturated value');
});

test('timings are reported per computed score from the injected clock', () => {
  let tick = 0;
  const result = computeScores(inputFor('classification', data), { scores: ['logme', 'gbc'], now: () => (tick += 2) });
  assert.deepEqual(result.timings, { logme: 2, gbc: 2 });
});

