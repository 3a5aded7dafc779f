/**
 * LogME speed benchmark (a script, not a test): our LogME against the NumPy LogME of
 * bench/logme_numpy.py on the same features in the same run, compute time only (file loading
 * excluded), median of RUNS runs, NumPy and ours alternating run by run (the 1-minute load average
 * at the start and end is printed: the machine is shared). N = 10,000, C = 10, D = 512 and 2048 by default.
 *
 *   npx tsx bench/logme-bench.ts [--dims 512,2048] [--runs 5] [--backend wasm|cpu] [--exact-max-d 1024]
 *                                [--numpy-threads 1] [--gram-workers 2] [--native yes|no]
 *
 * "ours" = float32 TF.js XᵀX on the chosen backend — in --gram-workers worker threads (default:
 * all cores; 0 = on the main thread only), as `transferlens score` does — + float64 eigensolver
 * and fixed point; "ours-f64" = the exact float64 path (reported once, slower); "ours-onnx" = the
 * same with XᵀX on onnxruntime-node (src/node/onnxGram.ts, 2 intra-op threads by default,
 * TRANSFERLENS_ONNX_THREADS), measured in the same rounds when --native yes (default) and it loads.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, type BackendPreference } from '../src/node/backend';
import { writeNpy } from '../src/core/formats/npy';
import { matrix, type Matrix } from '../src/core/linalg/matrix';
import { tensorGram } from '../src/core/linalg/tensorGram';
import { logme } from '../src/core/metrics/logme';
import { lastGramRun, parallelGram, precomputedGram, shutdownGramPool } from '../src/node/parallelGram';
import { oneHot } from '../src/core/metrics/input';
import { median, option } from './common';
import { lastOnnxGram, onnxGram, releaseOnnxGram } from '../src/node/onnxGram';

/** Features with class structure and a decaying spectrum, like penultimate-layer activations. */
function syntheticFeatures(n: number, d: number, classes: number, seed: number) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const centres = Float64Array.from({ length: classes * d }, normal);
  const features = matrix(n, d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const scale = 1 / Math.sqrt(1 + j / 16);
      features.data[i * d + j] = Math.max(0, scale * (centres[labels[i]! * d + j]! + normal()));
    }
  }
  return { features, labels };
}

async function main(): Promise<void> {
  const n = 10000;
  const classes = 10;
  const dims = option('dims', '512,2048').split(',').map(Number);
  const runs = Number(option('runs', '5'));
  const backend = await initBackend(option('backend', 'wasm') as BackendPreference);
  // --numpy-threads 1 compares core for core (ours is single-threaded); default: NumPy's own (all cores).
  const numpyThreads = option('numpy-threads', '');
  const numpyEnvironment = numpyThreads
    ? { ...process.env, OPENBLAS_NUM_THREADS: numpyThreads, OMP_NUM_THREADS: numpyThreads, MKL_NUM_THREADS: numpyThreads }
    : process.env;
  const directory = mkdtempSync(join(tmpdir(), 'logme-bench-'));
  const gramWorkers = option('gram-workers', '');
  const workers = gramWorkers === '' ? undefined : Number(gramWorkers);
  // The Gram as `transferlens score` computes it: in the worker pool, then the synchronous LogME.
  const ours = async (features: Matrix, targets: Matrix) => {
    const featureGram = workers === 0 ? tensorGram(features) : await parallelGram(features, { workers });
    return logme(features, targets, { gram: precomputedGram(features, featureGram, tensorGram) }).score;
  };
  // The same with the Gram on onnxruntime-node; undefined when it does not load.
  const native = option('native', 'yes') === 'yes';
  const oursOnnx = async (features: Matrix, targets: Matrix) => {
    const featureGram = await onnxGram(features, { threads: Number(process.env.TRANSFERLENS_ONNX_THREADS) || 2 });
    return featureGram ? logme(features, targets, { gram: precomputedGram(features, featureGram, tensorGram) }).score : undefined;
  };
  console.log(`backend ${backend.name}; N=${n}, C=${classes}, runs=${runs}, NumPy threads ${numpyThreads || 'default'}, Gram workers ${gramWorkers || 'default'}`);
  try {
    for (const d of dims) {
      const { features, labels } = syntheticFeatures(n, d, classes, d);
      const featuresPath = join(directory, `f${d}.npy`);
      const labelsPath = join(directory, `y${d}.npy`);
      writeFileSync(featuresPath, writeNpy({ shape: [n, d], dtype: 'float32', data: features.data }));
      writeFileSync(labelsPath, writeNpy({ shape: [n], dtype: 'int64', data: labels }));
      // Both sides see the same float32-representable values.
      for (let i = 0; i < features.data.length; i++) features.data[i] = Math.fround(features.data[i]!);
      const targets = oneHot(labels, classes);
      const loadStart = loadavg()[0]!;
      // Rounds alternate NumPy (one run of each variant, in a fresh python3) and ours, so a
      // change of the shared machine's load during the benchmark hits both sides alike.
      const numpyReference: number[] = [];
      const numpyEigh: number[] = [];
      let numpy: { reference: { score: number }; eigh: { score: number }; numpy: string } | undefined;
      const times: number[] = [];
      const onnxTimes: number[] = [];
      let score = NaN;
      let onnxScore: number | undefined;
      await ours(features, targets); // warm-up (WASM compilation, worker start-up, first allocation)
      const withOnnx = native && (await oursOnnx(features, targets)) !== undefined; // warm-up (runtime load, session)
      const gramRun = workers === 0 ? { parallel: false, workers: 0 } : lastGramRun();
      for (let r = 0; r < runs; r++) {
        numpy = JSON.parse(execFileSync('python3', [join(__dirname, 'logme_numpy.py'), featuresPath, labelsPath, '1'], { encoding: 'utf8', env: numpyEnvironment }));
        numpyReference.push((numpy as unknown as { reference: { median_ms: number } }).reference.median_ms);
        numpyEigh.push((numpy as unknown as { eigh: { median_ms: number } }).eigh.median_ms);
        const start = performance.now();
        score = await ours(features, targets);
        times.push(performance.now() - start);
        if (withOnnx) {
          const startOnnx = performance.now();
          onnxScore = await oursOnnx(features, targets);
          onnxTimes.push(performance.now() - startOnnx);
        }
      }
      // The exact float64 path is slow at large D (JS Gram); run it once, and only up to --exact-max-d.
      let exact = NaN;
      let exactMs = NaN;
      if (d <= Number(option('exact-max-d', '1024'))) {
        const start64 = performance.now();
        exact = logme(features, targets).score;
        exactMs = performance.now() - start64;
      }
      const oursMs = median(times);
      console.log(JSON.stringify({
        d,
        oursMs: Math.round(oursMs),
        gram: gramRun,
        oursFloat64Ms: Math.round(exactMs),
        numpyReferenceMs: Math.round(median(numpyReference)),
        numpyEighMs: Math.round(median(numpyEigh)),
        ratioVsReference: +(oursMs / median(numpyReference)).toFixed(2),
        ratioVsEigh: +(oursMs / median(numpyEigh)).toFixed(2),
        ...(withOnnx ? {
          oursOnnxMs: Math.round(median(onnxTimes)),
          onnxGram: lastOnnxGram(),
          onnxRatioVsReference: +(median(onnxTimes) / median(numpyReference)).toFixed(2),
          onnxRatioVsEigh: +(median(onnxTimes) / median(numpyEigh)).toFixed(2),
          oursOnnxRunsMs: onnxTimes.map(Math.round),
          oursOnnxScore: onnxScore,
        } : { onnx: native ? `not run: ${lastOnnxGram().reason}` : 'not run (--native no)' }),
        runsMs: { ours: times.map(Math.round), numpyEigh: numpyEigh.map(Math.round), numpyReference: numpyReference.map(Math.round) },
        loadAverage: { start: +loadStart.toFixed(2), end: +loadavg()[0]!.toFixed(2) },
        scores: { ours: score, oursFloat64: exact, numpyReference: numpy!.reference.score, numpyEigh: numpy!.eigh.score },
        relativeDifferenceFloat32VsFloat64: Math.abs(score - exact) / Math.abs(exact),
        numpy: numpy!.numpy,
      }));
    }
  } finally {
    await shutdownGramPool();
    await releaseOnnxGram();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
