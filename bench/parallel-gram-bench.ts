/**
 * Parallel Gram benchmark (a script, not a test): worker-pool start-up, then XᵀX at N = 10,000 for
 * each D — single-threaded tensorGram, then parallelGram with 2 workers while the calling thread
 * waits, 1 worker + a block on the calling thread, 2 workers + a block on the calling thread —
 * median of RUNS after one warm-up, with each pool's start-up time.
 *
 *   npx tsx bench/parallel-gram-bench.ts [--dims 512,2048] [--runs 5]
 */
import { loadavg } from 'node:os';
import { initBackend } from '../src/node/backend';
import { matrix } from '../src/core/linalg/matrix';
import { tensorGram } from '../src/core/linalg/tensorGram';
import { lastGramRun, parallelGram, shutdownGramPool, startGramPool } from '../src/node/parallelGram';
import { median, option } from './common';

async function timed(runs: number, run: () => unknown): Promise<number> {
  await run(); // warm-up
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return Math.round(median(times));
}

/** The configurations compared: workers in the pool, and whether the calling thread takes a block too. */
const CONFIGURATIONS = [
  { workers: 2, callerBlock: false },
  { workers: 1, callerBlock: true },
  { workers: 2, callerBlock: true },
] as const;

async function main(): Promise<void> {
  const n = 10000;
  const dims = option('dims', '512,2048').split(',').map(Number);
  const runs = Number(option('runs', '5'));
  await initBackend('wasm');
  for (const d of dims) {
    const x = matrix(n, d);
    let state = d >>> 0;
    for (let i = 0; i < x.data.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      x.data[i] = Math.max(0, state / 4294967296 - 0.3);
    }
    const row: Record<string, unknown> = { d, loadStart: +loadavg()[0]!.toFixed(2) };
    row.singleThreadMs = await timed(runs, () => tensorGram(x));
    for (const { workers, callerBlock } of CONFIGURATIONS) {
      await shutdownGramPool();
      const startAt = performance.now();
      const started = await startGramPool({ workers });
      const startMs = Math.round(performance.now() - startAt);
      const ms = await timed(runs, () => parallelGram(x, { workers, callerBlock }));
      const key = `${workers}w${callerBlock ? '+caller' : ''}`;
      row[key] = { ms, startMs, parallel: started && lastGramRun().parallel, workerJobMs: lastGramRun().workerMs?.map(Math.round) };
    }
    row.loadEnd = +loadavg()[0]!.toFixed(2);
    console.log(JSON.stringify(row));
  }
  await shutdownGramPool();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
