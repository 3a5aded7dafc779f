/**
 * The train-size correction of the cross-validated gain (issue #15, text): CV at n trains every
 * arm on (k−1)/k·n rows, so a scratch arm whose risk still falls steeply looks worse than it is at
 * n. trainSizeShift moves an arm's risk to n along a power law through the measured sizes (each at
 * the rows its folds trained on); analyzeTransfer applies the difference of the two arms' shifts to
 * the gain and to its alternatives entry when asked (AnalysisInput.trainSizeCorrection).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeTransfer, trainSizeShift } from '../../../src/core/analysis/analyze';
import { makeTarget, type CvResult } from '../../../src/core/analysis/learners';
import { createRandom, normal } from '../../../src/core/formats/random';

const cv = (meanRisk: number): CvResult => ({ losses: new Float64Array(0), meanRisk, folds: 5, trainSize: 0, testSize: 0 });

test('trainSizeShift: an exact power law is moved from (k−1)/k·n to n; flat curves and lone points do not move', () => {
  const law = (m: number) => 2 * m ** -0.5 + 0.1;
  const n = 400;
  // Sizes n/4 and n/2 measured with 3 folds (2/3 of the rows), n with 5 folds (4/5).
  const points = [
    { size: 100, folds: 3, cv: cv(law((100 * 2) / 3)) },
    { size: 200, folds: 3, cv: cv(law((200 * 2) / 3)) },
    { size: 400, folds: 5, cv: cv(law(320)) },
  ];
  const shift = trainSizeShift(points, n);
  const exact = law(400) - law(320);
  assert.ok(shift < 0, 'the risk falls from 320 to 400 rows');
  assert.ok(Math.abs(shift - exact) < 0.1 * Math.abs(exact), `shift ${shift} vs exact ${exact}`);
  // With 3 folds at n (m = 2n/3) the move is larger.
  const three = trainSizeShift([{ size: 100, folds: 3, cv: cv(law(200 / 3)) }, { size: 200, folds: 3, cv: cv(law(400 / 3)) }, { size: 400, folds: 3, cv: cv(law(800 / 3)) }], n);
  assert.ok(three < shift);
  // Flat: nothing to move; a single measured size or none at n: 0.
  assert.equal(trainSizeShift([{ size: 100, folds: 3, cv: cv(0.3) }, { size: 400, folds: 5, cv: cv(0.3) }], n), 0);
  assert.equal(trainSizeShift([{ size: 400, folds: 5, cv: cv(0.3) }], n), 0);
  assert.equal(trainSizeShift([{ size: 100, folds: 3, cv: cv(0.5) }, { size: 200, folds: 3, cv: cv(0.4) }, { size: 400, folds: 5 }], n), 0);
});

test('analyzeTransfer with trainSizeCorrection: the gain and its alternatives entry move together, by the note\'s amount', async () => {
  const rng = createRandom(21);
  const n = 240;
  const d = 40;
  // Raw inputs carry the target through 40 directions; the features through 4 of them, noisily.
  const inputs = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => normal(rng)) };
  const w = Float64Array.from({ length: d }, () => normal(rng));
  const y = Float64Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += inputs.data[i * d + j]! * w[j]!;
    return s + 0.5 * normal(rng);
  });
  const features = { rows: n, cols: 4, data: Float64Array.from({ length: n * 4 }, (_, k) => inputs.data[Math.floor(k / 4) * d + (k % 4)]! + normal(rng)) };
  const target = makeTarget('regression', { rows: n, cols: 1, data: y });
  const base = { features, inputs, target, plannedN: n, nSource: 'test', strategy: 'linear-probe' as const, backend: 'cpu', seed: 3 };
  const plain = await analyzeTransfer(base);
  const corrected = await analyzeTransfer({ ...base, trainSizeCorrection: true });
  const note = corrected.notes.find((x) => /Cross-validation trains each arm on 192 of the 240 rows/.test(x));
  assert.ok(note, corrected.notes.join('\n'));
  assert.ok(!plain.notes.some((x) => /Cross-validation trains each arm on/.test(x)));
  const moved = corrected.gain!.mean - plain.gain!.mean;
  // Both arms still improve from 192 to 240 rows, by different amounts: the gain moves.
  assert.ok(Math.abs(moved) > 1e-3, `moved ${moved}`);
  assert.ok(Math.abs((corrected.gain!.high - corrected.gain!.low) - (plain.gain!.high - plain.gain!.low)) < 1e-12, 'same width');
  const entry = corrected.recommendation.alternatives!.find((a) => a.strategy === 'linear-probe')!;
  assert.deepEqual(entry.gain, corrected.gain);
  const [before, after] = [...note!.matchAll(/gain ([+−]\d+\.\d+) → ([+−]\d+\.\d+)/g)][0]!.slice(1).map((v) => Number(v.replace('−', '-')));
  assert.ok(Math.abs(before! - plain.gain!.mean) < 1e-3 && Math.abs(after! - corrected.gain!.mean) < 1e-3, note);
});
