/**
 * The worker-thread Gram (src/node/parallelGram.ts) against the single-thread float32 Gram and the
 * exact float64 one: equal within float32 precision on odd shapes (N not divisible by the number
 * of row blocks, D = 1, N < D, fewer rows than workers, the blocked path), exactly symmetric;
 * precomputedGram hands the result only to its own matrix; the pool shuts down, never keeps a
 * process alive, and falls back to the calling thread when its workers cannot start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../../src/node/backend';
import { gram } from '../../../src/core/linalg/products';
import { tensorGram } from '../../../src/core/linalg/tensorGram';
import { gramPoolThreads, lastGramRun, ONE_SHOT_PARALLEL_GRAM_WORK, oneShotParallelGram, parallelGram, precomputedGram, shutdownGramPool } from '../../../src/node/parallelGram';
import { LARGE_GRAM_WORK } from '../../../src/core/linalg/tensorGram';
import { assertClose, randomMatrix } from './helpers';

const repoRoot = join(__dirname, '..', '..', '..');

function assertSymmetric(data: Float64Array, d: number, what: string): void {
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) assert.equal(data[i * d + j], data[j * d + i], `${what} symmetric at ${i},${j}`);
}

test('parallelGram ≈ tensorGram ≈ gram on odd shapes, 2 and 3 workers, with and without a caller block', async () => {
  await initBackend('wasm');
  try {
    for (const workers of [2, 3]) {
      await shutdownGramPool(); // a new pool with this many workers
      for (const [rows, d] of [[1001, 7], [1000, 1], [5, 40], [2, 9], [301, 300], [97, 3]] as const) {
        const x = randomMatrix(rows, d, rows * 31 + d);
        const exact = gram(x);
        const single = tensorGram(x);
        for (const callerBlock of [false, true]) {
          const what = `${rows}×${d}, ${workers} workers${callerBlock ? ' + caller' : ''}`;
          const parallel = await parallelGram(x, { workers, callerBlock });
          assert.ok(lastGramRun().parallel, `${what}: ran in the workers (${lastGramRun().reason ?? ''})`);
          assert.equal(lastGramRun().workers, workers);
          assert.equal(parallel.rows, d);
          assert.equal(parallel.cols, d);
          assertClose(parallel.data, single.data, 1e-5, `${what} vs tensorGram`);
          assertClose(parallel.data, exact.data, 1e-5, `${what} vs gram`);
          assertSymmetric(parallel.data, d, what);
        }
      }
      assert.equal(gramPoolThreads(), workers);
    }
  } finally {
    await shutdownGramPool();
  }
  assert.equal(gramPoolThreads(), 0, 'no threads after shutdown');
});

test('concurrent parallelGram calls share the pool without mixing their results', async () => {
  await initBackend('wasm');
  try {
    const a = randomMatrix(400, 33, 1);
    const b = randomMatrix(350, 20, 2);
    const [ga, gb] = await Promise.all([parallelGram(a, { workers: 2 }), parallelGram(b, { workers: 2 })]);
    assertClose(ga.data, gram(a).data, 1e-5, 'first');
    assertClose(gb.data, gram(b).data, 1e-5, 'second');
  } finally {
    await shutdownGramPool();
  }
});

test('precomputedGram returns the precomputed Gram only for its own matrix', () => {
  const x = randomMatrix(20, 4, 3);
  const y = randomMatrix(20, 4, 4);
  const precomputed = gram(x);
  let calls = 0;
  const option = precomputedGram(x, precomputed, (m) => {
    calls++;
    return gram(m);
  });
  assert.equal(option(x), precomputed);
  assert.equal(option({ rows: x.rows, cols: x.cols, data: x.data }), precomputed, 'same data, another wrapper');
  assert.equal(calls, 0);
  assertClose(option(y).data, gram(y).data, 1e-12);
  assert.equal(calls, 1, 'another matrix goes to the fallback');
});

test('workers that cannot start in time: the calling thread computes the Gram; a new pool after shutdown works', async () => {
  await initBackend('wasm');
  const x = randomMatrix(200, 11, 5);
  try {
    await shutdownGramPool();
    const fallback = await parallelGram(x, { workers: 2, startTimeoutMs: 1 });
    assert.equal(lastGramRun().parallel, false);
    assert.match(lastGramRun().reason ?? '', /did not start/);
    assert.equal(gramPoolThreads(), 0);
    assertClose(fallback.data, gram(x).data, 1e-5, 'fallback');
    await shutdownGramPool();
    await parallelGram(x, { workers: 2 });
    assert.equal(lastGramRun().parallel, true, 'a fresh pool after shutdown');
  } finally {
    await shutdownGramPool();
  }
});

test('a process that uses the pool and never shuts it down still exits promptly', () => {
  const directory = mkdtempSync(join(tmpdir(), 'transferlens-gram-pool-'));
  try {
    const script = join(directory, 'uses-pool.ts');
    writeFileSync(script, [
      `import { initBackend } from ${JSON.stringify(join(repoRoot, 'src/node/backend'))};`,
      `import { parallelGram, lastGramRun } from ${JSON.stringify(join(repoRoot, 'src/node/parallelGram'))};`,
      `import { matrix } from ${JSON.stringify(join(repoRoot, 'src/core/linalg/matrix'))};`,
      'void (async () => {',
      "  await initBackend('wasm');",
      '  const x = matrix(300, 5, Float64Array.from({ length: 1500 }, (_, i) => Math.sin(i)));',
      '  const g = await parallelGram(x, { workers: 2 });',
      '  console.log(JSON.stringify({ parallel: lastGramRun().parallel, first: g.data[0] }));',
      '})();',
    ].join('\n'));
    const start = performance.now();
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    const seconds = (performance.now() - start) / 1000;
    assert.equal(run.status, 0, run.stderr);
    const output = JSON.parse(run.stdout.trim()) as { parallel: boolean; first: number };
    assert.equal(output.parallel, true, 'the script used the worker threads');
    assert.ok(seconds < 30, `exited after ${seconds.toFixed(1)} s`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('oneShotParallelGram: from ONE_SHOT_PARALLEL_GRAM_WORK by default, from LARGE_GRAM_WORK when workers are asked for; TRANSFERLENS_GRAM_WORKERS=0: the Gram on the calling thread', async () => {
  await initBackend('wasm');
  const previous = process.env.TRANSFERLENS_GRAM_WORKERS;
  try {
    delete process.env.TRANSFERLENS_GRAM_WORKERS;
    assert.equal(oneShotParallelGram(ONE_SHOT_PARALLEL_GRAM_WORK), true);
    assert.equal(oneShotParallelGram(LARGE_GRAM_WORK), false, 'by default only from the one-shot threshold');
    process.env.TRANSFERLENS_GRAM_WORKERS = '2';
    assert.equal(oneShotParallelGram(LARGE_GRAM_WORK), true, 'asked for: whenever the float32 Gram runs');
    assert.equal(oneShotParallelGram(LARGE_GRAM_WORK - 1), false);
    process.env.TRANSFERLENS_GRAM_WORKERS = '0';
    assert.equal(oneShotParallelGram(1e12), false);
    await shutdownGramPool();
    const x = randomMatrix(50, 6, 9);
    const g = await parallelGram(x);
    assert.equal(lastGramRun().parallel, false);
    assert.equal(gramPoolThreads(), 0);
    assertClose(g.data, gram(x).data, 1e-5);
  } finally {
    if (previous === undefined) delete process.env.TRANSFERLENS_GRAM_WORKERS;
    else process.env.TRANSFERLENS_GRAM_WORKERS = previous;
    await shutdownGramPool();
  }
});
