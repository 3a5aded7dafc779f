/**
 * `transferlens score` on an input large enough for the float32 Gram (N·D² ≥ LARGE_GRAM_WORK) with
 * worker threads asked for: LogME's Gram runs in them, the scores are those of the single-thread
 * path (LogME within float32 rounding, every other score identical), the timings still cover
 * LogME, and the pool is shut down when the command returns. Without the request, an input this
 * small stays on the calling thread (starting the threads would cost more than they save).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeNpy } from '../../../src/core/formats/npy';
import { runScore } from '../../../src/cli/commands/score';
import { computeScores } from '../../../src/core/metrics/registry';
import { gram } from '../../../src/core/linalg/products';
import { adaptiveGram, LARGE_GRAM_WORK } from '../../../src/core/linalg/tensorGram';
import { gramPoolThreads, lastGramRun } from '../../../src/node/parallelGram';
import { assertRelative, randomMatrix } from '../linalg/helpers';

const directory = mkdtempSync(join(tmpdir(), 'transferlens-score-parallel-'));
test.after(() => rmSync(directory, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; output: { scores: Record<string, number>; timings: Record<string, number> } }> {
  let stdout = '';
  const code = await runScore(argv, { stdout: (t) => (stdout += t), stderr: () => undefined, cwd: directory });
  return { code, output: JSON.parse(stdout) };
}

async function withGramWorkers<T>(value: string, body: () => Promise<T>): Promise<T> {
  const previous = process.env.TRANSFERLENS_GRAM_WORKERS;
  process.env.TRANSFERLENS_GRAM_WORKERS = value;
  try {
    return await body();
  } finally {
    if (previous === undefined) delete process.env.TRANSFERLENS_GRAM_WORKERS;
    else process.env.TRANSFERLENS_GRAM_WORKERS = previous;
  }
}

test('large input: LogME from the worker-thread Gram equals the single-thread path; other scores unchanged; pool shut down', async () => {
  const n = 3000;
  const d = 260; // N·D² = 2.03·10⁸, and D ≥ 256 takes the blocked product
  assert.ok(n * d * d >= LARGE_GRAM_WORK);
  const features = randomMatrix(n, d, 42);
  for (let i = 0; i < features.data.length; i++) features.data[i] = Math.max(0, features.data[i]! + (i % d) / d);
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % 10);
  writeFileSync(join(directory, 'features.npy'), writeNpy({ shape: [n, d], dtype: 'float64', data: features.data }));
  writeFileSync(join(directory, 'labels.npy'), writeNpy({ shape: [n], dtype: 'int64', data: labels }));
  const argv = ['--features', 'features.npy', '--labels', 'labels.npy', '--scores', 'logme,hScore,gbc'];

  // Below ONE_SHOT_PARALLEL_GRAM_WORK, so only with workers asked for explicitly.
  const parallel = await withGramWorkers('2', () => run(argv));
  assert.equal(parallel.code, 0);
  assert.equal(lastGramRun().parallel, true, `the Gram ran in the workers (${lastGramRun().reason ?? ''})`);
  assert.equal(lastGramRun().workers, 2);
  assert.equal(gramPoolThreads(), 0, 'the pool is shut down when the command returns');
  assert.ok(parallel.output.timings.logme! > 0);

  // The single-thread path: the same command with no worker threads, by default at this size (no
  // pool is started: the last run is still the one above) and with TRANSFERLENS_GRAM_WORKERS=0.
  const byDefault = await run(argv);
  assert.equal(lastGramRun().workers, 2, 'no pool started below ONE_SHOT_PARALLEL_GRAM_WORK');
  const single = await withGramWorkers('0', () => run(argv));
  assert.equal(single.code, 0);
  assert.equal(byDefault.output.scores.logme, single.output.scores.logme);
  const direct = computeScores({ features, labels, task: 'classification' }, { scores: ['logme', 'hScore', 'gbc'], gram: adaptiveGram(gram) });
  assert.equal(single.output.scores.logme, direct.scores.logme, 'no workers: bit-identical to the single-thread float32 path');
  assertRelative(parallel.output.scores.logme!, direct.scores.logme!, 1e-6, 'logme, workers vs one thread');
  assert.equal(parallel.output.scores.hScore, direct.scores.hScore);
  assert.equal(parallel.output.scores.gbc, direct.scores.gbc);

  const exact = await run([...argv, '--exact']);
  assertRelative(parallel.output.scores.logme!, exact.output.scores.logme!, 1e-5, 'logme, workers vs --exact');
});
