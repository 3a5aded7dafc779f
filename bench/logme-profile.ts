/**
 * LogME stage profiler (a script, not a test): times each step of our LogME at N = 10,000, C = 10
 * — the float32 TF.js Gram, Fᵀy, the tridiagonalisation + QL (symmetricEigenProjected) and the
 * fixed point — so optimisation work goes where the time is. Prints one JSON line per D.
 *
 *   npx tsx bench/logme-profile.ts [--dims 512,2048] [--runs 3] [--backend wasm|cpu]
 */
import { initBackend, type BackendPreference } from '../src/node/backend';
import { matrix } from '../src/core/linalg/matrix';
import { tensorGram } from '../src/core/linalg/tensorGram';
import { crossProduct } from '../src/core/linalg/products';
import { symmetricEigenProjected } from '../src/core/linalg/eigen';
import { oneHot } from '../src/core/metrics/input';
import { median, option } from './common';

function time<T>(times: number[], run: () => T): T {
  const start = performance.now();
  const result = run();
  times.push(performance.now() - start);
  return result;
}

async function main(): Promise<void> {
  const n = 10000;
  const classes = 10;
  const dims = option('dims', '512,2048').split(',').map(Number);
  const runs = Number(option('runs', '3'));
  const backend = await initBackend(option('backend', 'wasm') as BackendPreference);
  console.log(`backend ${backend.name}; N=${n}, C=${classes}, runs=${runs}`);
  for (const d of dims) {
    const features = matrix(n, d);
    let state = d >>> 0;
    for (let i = 0; i < features.data.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      features.data[i] = Math.fround(Math.max(0, (state / 4294967296 - 0.3) / Math.sqrt(1 + (i % d) / 16)));
    }
    const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
    const targets = oneHot(labels, classes);
    const stages: Record<string, number[]> = { gram: [], crossProduct: [], eigenProjected: [] };
    for (let r = 0; r <= runs; r++) {
      const g = time(stages.gram!, () => tensorGram(features));
      const b = time(stages.crossProduct!, () => crossProduct(features, targets));
      time(stages.eigenProjected!, () => symmetricEigenProjected(g, b));
    }
    // The first run is a warm-up (WASM compilation, JIT).
    console.log(JSON.stringify({ d, ...Object.fromEntries(Object.entries(stages).map(([k, v]) => [`${k}Ms`, Math.round(median(v.slice(1)))])) }));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
