/**
 * Throughput benchmark for image feature extraction (issue #10): images/s of MobileNetV2
 * (nsfwjs, converted by `npm run setup:vision`) on the chosen TF.js backend, and the speed-up of
 * a cached re-analysis (same checkpoint, images, preprocessing, layer → feature cache hit).
 *
 * Usage: node --import tsx bench/images-throughput.ts [--images 96] [--batch 16] [--backend wasm] [--layer flatten_1]
 * Prints one JSON line per measurement; no assertions (timings are not tests).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, type BackendPreference } from '../src/node/backend';
import { FeatureCache } from '../src/node/cache/featureCache';
import { extractImageFeatures } from '../src/node/readers/images/features';
import { readImageFolder } from '../src/node/readers/images/folder';
import { resolveImagePreprocessing } from '../src/node/readers/images/preprocessing';
import { loadLayersExtractor } from './images-common';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const images = Number(arg('images', '96'));
  const batchSize = Number(arg('batch', '16'));
  const layer = arg('layer', 'flatten_1');
  const backend = await initBackend(arg('backend', 'wasm') as BackendPreference);
  const repo = join(__dirname, '..');
  const modelJson = join(repo, 'examples', 'vision', 'checkpoint', 'model.json');
  const data = join(repo, 'examples', 'vision', 'data', 'train');
  const extractor = await loadLayersExtractor(modelJson, layer);
  const { preprocessing } = await resolveImagePreprocessing(modelJson, extractor.inputShape);
  const cacheDir = mkdtempSync(join(tmpdir(), 'tl-bench-cache-'));
  const cache = new FeatureCache(cacheDir);

  // Warm-up: the first WASM forward pass compiles kernels; not part of the steady-state rate.
  const warm = await readImageFolder(data, { inputShape: extractor.inputShape, preprocessing, maxImages: batchSize });
  await extractImageFeatures(extractor, warm, { batchSize });

  const run = async (): Promise<{ seconds: number; fromCache: boolean; rate: number; rows: number; cols: number }> => {
    const started = performance.now();
    const folder = await readImageFolder(data, { inputShape: extractor.inputShape, preprocessing, maxImages: images, seed: 7 });
    const result = await extractImageFeatures(extractor, folder, { batchSize, layer, cache: { cache, checkpointFiles: extractor.files } });
    const seconds = (performance.now() - started) / 1000;
    return { seconds, fromCache: result.fromCache, rate: result.imagesPerSecond, rows: result.features.rows, cols: result.features.cols };
  };
  const cold = await run();
  const cached = await run();
  console.log(JSON.stringify({ bench: 'images-throughput', backend: backend.name, model: 'MobileNetV2 (nsfwjs)', layer, inputShape: extractor.inputShape, images: cold.rows, featureDim: cold.cols, batchSize, imagesPerSecond: Number(cold.rate.toFixed(2)), coldSeconds: Number(cold.seconds.toFixed(3)), cachedSeconds: Number(cached.seconds.toFixed(3)), cacheHit: cached.fromCache, speedup: Number((cold.seconds / cached.seconds).toFixed(1)) }));
  rmSync(cacheDir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
