/**
 * Parallel Gram benchmark (a script, not a test): worker-pool start-up, then XᵀX at N = 10,000 for
 * each D — single-threaded tensorGram, parallelGram with W workers while the calling thread waits,
 * and W workers plus a block on the calling thread — median of RUNS after one warm-up.
 *
 *   npx tsx bench/parallel-gram-bench.ts [--dims 512,2048] [--runs 5] [--workers 2]
 */
import { loadavg } from 'node:os';
import { initBackend } from '../src/node/backend';
import { matrix } from '../src/core/linalg/matrix';
import { tensorGram } from '../src/core/linalg/tensorGram';
import { lastGramRun, parallelGram, shutdownGramPool, startGramPool } from '../src/node/parallelGram';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1]! : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

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

async function main(): Promise<void> {
  const n = 10000;
  const dims = option('dims', '512,2048').split(',').map(Number);
  const runs = Number(option('runs', '5'));
  const workers = Number(option('workers', '2'));
  await initBackend('wasm');
  const startAt = performance.now();
  const started = await startGramPool({ workers });
  console.log(JSON.stringify({ poolStarted: started, startMs: Math.round(performance.now() - startAt), workers, load: loadavg()[0]!.toFixed(2) }));
  for (const d of dims) {
    const x = matrix(n, d);
    let state = d >>> 0;
    for (let i = 0; i < x.data.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      x.data[i] = Math.max(0, state / 4294967296 - 0.3);
    }
    const single = await timed(runs, () => tensorGram(x));
    const waiting = await timed(runs, () => parallelGram(x));
    const workerMs = lastGramRun().workerMs?.map(Math.round);
    const withCaller = await timed(runs, () => parallelGram(x, { callerBlock: true }));
    console.log(JSON.stringify({ d, singleMs: single, workersMs: waiting, workerJobMs: workerMs, workersPlusCallerMs: withCaller, parallel: lastGramRun().parallel, load: loadavg()[0]!.toFixed(2) }));
  }
  await shutdownGramPool();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
