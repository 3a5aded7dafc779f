/**
 * The long fuzzing run of issue #9 §2: every parser of test/fuzz/properties.ts for N seeded cases
 * (default 10,000), printing cases, time and failures per parser; exit 1 on any failure.
 * Usage: node --import tsx scripts/fuzz.ts [--runs N] [--seed S]
 */
import { performance } from 'node:perf_hooks';
import { FUZZ_SEED, fuzzTargets, runTarget } from '../test/fuzz/properties';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const runs = option('runs', 10_000);
const seed = option('seed', FUZZ_SEED);
let failed = 0;
for (const target of fuzzTargets()) {
  const started = performance.now();
  const report = runTarget(target, runs, seed);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${target.name}: ${runs} cases, seed ${seed}, ${seconds} s, ${report ? 'FAILED' : '0 crashes'}`);
  if (report) {
    failed++;
    console.log(report);
  }
}
process.exit(failed ? 1 : 0);
