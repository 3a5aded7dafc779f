/**
 * Black-box tests of `transferlens score` through runScore: .npy and .csv inputs written to a
 * temporary directory, JSON and text output, the golden values end to end, regression mode,
 * and exit code 2 with a one-line message for bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeNpy } from '../../../src/core/formats/npy';
import { runScore } from '../../../src/cli/commands/score';
import { assertRelative } from '../linalg/helpers';
import { classificationGolden, goldenAvailable, leepGolden } from './golden';

const directory = mkdtempSync(join(tmpdir(), 'transferlens-score-'));
test.after(() => rmSync(directory, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string[] }> {
  let stdout = '';
  const stderr: string[] = [];
  const code = await runScore(argv, { stdout: (t) => (stdout += t), stderr: (l) => stderr.push(l), cwd: directory });
  return { code, stdout, stderr };
}

function save(name: string, shape: number[], data: ArrayLike<number>, dtype: 'float64' | 'float32' | 'int64' = 'float64'): string {
  writeFileSync(join(directory, name), writeNpy({ shape, dtype, data }));
  return name;
}

const skip = goldenAvailable() ? false : 'golden files not found';

test('golden features and labels: every applicable score under its stable key, matching the references', { skip }, async () => {
  const g = classificationGolden();
  save('features.npy', [300, 32], g.features.data);
  save('labels.npy', [300], g.labels, 'int64');
  const { code, stdout } = await run(['--features', 'features.npy', '--labels', 'labels.npy', '--format', 'json']);
  assert.equal(code, 0);
  const output = JSON.parse(stdout);
  assert.deepEqual(Object.keys(output.scores), ['logme', 'hScore', 'shrinkageHScore', 'gbc', 'transRate', 'linearCka', 'probeAccuracy']);
  assert.deepEqual(Object.keys(output.timings), Object.keys(output.scores));
  assertRelative(output.scores.logme, g.expected.logme.fixed_point, 1e-9, 'logme');
  assertRelative(output.scores.hScore, g.expected.hscore, 1e-9, 'hScore');
});

test('LEEP/NCE from --source-probs and CSV labels with a header', { skip }, async () => {
  const g = leepGolden();
  save('probs.npy', [300, 10], g.sourceProbabilities.data);
  save('f1.npy', [300, 2], Float64Array.from({ length: 600 }, (_, i) => Math.sin(i)));
  writeFileSync(join(directory, 'labels.csv'), 'label\n' + Array.from(g.labels).join('\n') + '\n');
  const { code, stdout } = await run(['--features', 'f1.npy', '--labels', 'labels.csv', '--source-probs', 'probs.npy', '--scores', 'leep,nce']);
  assert.equal(code, 0);
  const output = JSON.parse(stdout);
  assertRelative(output.scores.leep, g.expected.leep_thuml, 1e-9, 'leep');
  assertRelative(output.scores.nce, g.expected.nce_thuml, 1e-9, 'nce');
});

test('--task regression with an N×K label matrix gives LogME and probeR2; text format', async () => {
  const n = 60;
  const features = Float64Array.from({ length: n * 4 }, (_, i) => Math.sin(i * 0.7) + (i % 4));
  const targets = Float64Array.from({ length: n * 2 }, (_, i) => features[Math.floor(i / 2) * 4]! * (i % 2 ? 1 : -2) + Math.cos(i));
  save('rf.npy', [n, 4], features);
  save('ry.npy', [n, 2], targets);
  const json = await run(['--features', 'rf.npy', '--labels', 'ry.npy', '--task', 'regression', '--scores', 'logme,probeR2']);
  assert.equal(json.code, 0);
  const output = JSON.parse(json.stdout);
  assert.ok(Number.isFinite(output.scores.logme) && Number.isFinite(output.scores.probeR2));
  const text = await run(['--features', 'rf.npy', '--labels', 'ry.npy', '--format', 'text']);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^logme\s+-?\d/m);
});

test('bad input: exit 2 with one line naming the file or argument', async () => {
  save('nan.npy', [4, 2], [1, 2, NaN, 4, 5, 6, 7, 8]);
  save('four.npy', [4], [0, 1, 0, 1], 'int64');
  save('three.npy', [3], [0, 1, 0], 'int64');
  save('ok.npy', [4, 2], [1, 2, 3, 4, 5, 6, 7, 9]);
  writeFileSync(join(directory, 'broken.npy'), 'not numpy');
  const cases: [string[], RegExp][] = [
    [['--labels', 'four.npy'], /needs --features/],
    [['--features', 'missing.npy', '--labels', 'four.npy'], /missing\.npy: file not found/],
    [['--features', 'broken.npy', '--labels', 'four.npy'], /broken\.npy/],
    [['--features', 'nan.npy', '--labels', 'four.npy'], /features contains NaN at row 1, column 0/],
    [['--features', 'ok.npy', '--labels', 'three.npy'], /labels has 3 entries but features has 4 rows/],
    [['--features', 'ok.npy', '--labels', 'four.npy', '--scores', 'logme,bogus'], /unknown score 'bogus'/],
    [['--features', 'ok.npy', '--labels', 'four.npy', '--scores', 'leep'], /no score could be computed: .*sourceProbabilities/],
    [['--features', 'ok.npy', '--labels', 'four.npy', '--format', 'xml'], /--format must be one of/],
  ];
  for (const [argv, message] of cases) {
    const { code, stderr } = await run(argv);
    assert.equal(code, 2, argv.join(' '));
    assert.equal(stderr.length, 1, argv.join(' '));
    assert.match(stderr[0]!, message);
    assert.ok(!stderr[0]!.includes('\n'), 'one line');
  }
});
