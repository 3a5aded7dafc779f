/**
 * The image-folder branch of the pipeline (src/node/imageDataset.ts) end to end through
 * analyzeConfigFile: a tiny TF.js CNN checkpoint written to a temp folder, a two-class folder of
 * generated PNGs plus corrupt, truncated, text and GIF files. Checks the verdict is produced,
 * bad files become findings naming them, `feature_layer` picks the layer, preprocessing is
 * reported, the cache is used on a re-run, degenerate features are flagged, and cancellation and
 * progress flow through the RunControl.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PNG } from 'pngjs';
import { analyzeConfigFile } from '../../../src/node/pipeline';
import { initBackend } from '../../../src/node/backend';
import { coarsePixels, fileProblemFindings, MAX_FILE_FINDINGS } from '../../../src/node/imageDataset';
import { CancelledError, type ProgressEvent } from '../../../src/core/model/progress';
import type { Finding } from '../../../src/core/model/finding';

const fixture = join(__dirname, '..', '..', 'fixtures', 'images', 'folder');

/** A 12×12 RGB PNG: class 'top' is bright in the upper half, 'bottom' in the lower half, with noise. */
function digitLikePng(cls: 'top' | 'bottom', seed: number): Buffer {
  const png = new PNG({ width: 12, height: 12 });
  let state = seed;
  for (let y = 0; y < 12; y++) {
    for (let x = 0; x < 12; x++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const bright = (y < 6) === (cls === 'top');
      const v = Math.max(0, Math.min(255, (bright ? 200 : 40) + ((state >>> 24) - 128) / 2));
      const i = (y * 12 + x) * 4;
      png.data[i] = v;
      png.data[i + 1] = v;
      png.data[i + 2] = v;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** Saves a tiny conv model ([12, 12, 3] → conv → global pool 'pool' → dense 'head') as model.json + bin. */
async function writeCheckpoint(dir: string, options: { deadFeatures?: boolean } = {}): Promise<string> {
  const input = tfl.input({ shape: [12, 12, 3] });
  const conv = tfl.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', name: 'conv' }).apply(input) as tfl.SymbolicTensor;
  const pool = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(conv) as tfl.SymbolicTensor;
  const head = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'head' }).apply(pool) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: head });
  if (options.deadFeatures) {
    // Zero kernel and a negative bias: every ReLU output is 0, so all pooled features are dead.
    const [kernel, bias] = model.getLayer('conv').getWeights();
    model.getLayer('conv').setWeights([tf.zerosLike(kernel!), tf.fill(bias!.shape, -1)]);
  }
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: artifacts.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return join(dir, 'model.json');
}

/** A project folder: ck/model.json, data/<class>/*.png plus bad files, config.yaml. */
async function project(options: { featureLayer?: string; deadFeatures?: boolean; perClass?: number } = {}): Promise<{ dir: string; config: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tl-imgds-'));
  await writeCheckpoint(join(dir, 'ck'), options);
  const perClass = options.perClass ?? 12;
  for (const cls of ['top', 'bottom'] as const) {
    mkdirSync(join(dir, 'data', cls), { recursive: true });
    for (let i = 0; i < perClass; i++) writeFileSync(join(dir, 'data', cls, `${i}.png`), digitLikePng(cls, i * 7 + (cls === 'top' ? 1 : 2)));
  }
  copyFileSync(join(fixture, 'bright', 'corrupt.png'), join(dir, 'data', 'top', 'corrupt.png'));
  copyFileSync(join(fixture, 'bright', 'notes.jpg'), join(dir, 'data', 'top', 'notes.jpg'));
  copyFileSync(join(fixture, 'dark', 'truncated.png'), join(dir, 'data', 'bottom', 'truncated.png'));
  copyFileSync(join(fixture, 'dark', 'anim.gif'), join(dir, 'data', 'bottom', 'anim.gif'));
  const lines = ['model_name_or_path: ./ck/model.json', 'train_dir: ./data', 'max_train_samples: 24', 'finetuning_type: freeze', 'freeze_trainable_layers: 0'];
  if (options.featureLayer) lines.push(`feature_layer: ${options.featureLayer}`);
  const config = join(dir, 'config.yaml');
  writeFileSync(config, lines.join('\n') + '\n');
  return { dir, config };
}

function lineOf(config: string, finding: Finding): string {
  return readFileSync(config, 'utf8').split('\n')[finding.range.start.line]!;
}

test('an image folder gets a verdict; bad files are findings that name them; preprocessing and layer are reported', async () => {
  await initBackend('auto');
  const { config } = await project({ featureLayer: 'pool' });
  const events: ProgressEvent[] = [];
  const report = await analyzeConfigFile(config, { timeBudgetMs: 5_000 }, { onProgress: (e) => events.push(e) });
  const analysis = report.analysis;
  assert.ok(analysis, JSON.stringify(report.findings.map((f) => f.message)));
  assert.ok(['positive', 'negative', 'too-close'].includes(analysis.verdict));
  assert.equal(analysis.samplesUsed, 24, 'the 24 decodable images');
  assert.equal(analysis.checkpoint?.layer, 'pool');
  assert.equal(analysis.featureDim, 6, 'pool has 6 features (the head would have 3)');
  assert.equal(analysis.dataset?.format, 'image-folder');
  const pre = analysis.preprocessing as Record<string, unknown>;
  assert.equal(pre.source, 'default');
  assert.equal(pre.rescaleFactor, 1 / 255);
  assert.match(String(pre.applied), /^12×12×3, bilinear-antialiased, rescale ×0\.003922, no normalize \(source: default\)$/);
  assert.equal(pre.featureCache, 'off');
  assert.deepEqual((pre.scratchInputs as { height: number }).height, 12);
  assert.ok(analysis.notes.some((n) => /small CNN/.test(n)));
  const bad = report.findings.filter((f) => f.code === 'dataset-invalid');
  for (const name of ['corrupt.png', 'notes.jpg', 'truncated.png', 'anim.gif']) {
    const f = bad.find((x) => x.message.includes(name));
    assert.ok(f, `a finding names ${name}: ${bad.map((x) => x.message).join(' | ')}`);
    assert.equal(f.severity, 'warning');
    assert.match(lineOf(config, f), /^train_dir:/);
  }
  assert.equal(bad.length, 4, 'each bad file once, although two reads saw it');
  assert.ok(report.findings.some((f) => ['negative-transfer', 'positive-transfer', 'too-close-to-call'].includes(f.code)));
  const featureEvents = events.filter((e) => e.step === 'features');
  assert.ok(featureEvents.some((e) => /images\/s, ETA/.test(e.message)), featureEvents.map((e) => e.message).join('\n'));
});

test('the feature cache serves a re-analysis; an unknown feature_layer is a finding on that key', async () => {
  await initBackend('auto');
  const { dir, config } = await project({ featureLayer: 'pool' });
  const cacheDir = join(dir, '.cache');
  const first = await analyzeConfigFile(config, { cacheDir, timeBudgetMs: 5_000 });
  assert.equal((first.analysis?.preprocessing as Record<string, unknown>).featureCache, 'miss');
  const second = await analyzeConfigFile(config, { cacheDir, timeBudgetMs: 5_000 });
  assert.equal((second.analysis?.preprocessing as Record<string, unknown>).featureCache, 'hit');
  assert.equal(second.findings.filter((f) => f.code === 'dataset-invalid').length, 4, 'a cache hit reports the same bad files');

  writeFileSync(config, readFileSync(config, 'utf8').replace('feature_layer: pool', 'feature_layer: no_such_layer'));
  const wrong = await analyzeConfigFile(config, { cacheDir });
  assert.equal(wrong.analysis, undefined);
  const f = wrong.findings.find((x) => x.code === 'checkpoint-invalid');
  assert.ok(f, wrong.findings.map((x) => x.code).join(', '));
  assert.match(f.message, /no_such_layer/);
  assert.match(lineOf(config, f), /^feature_layer:/);
});

test('dead features raise degenerate-features naming the preprocessing', async () => {
  await initBackend('auto');
  const { config } = await project({ featureLayer: 'pool', deadFeatures: true });
  const report = await analyzeConfigFile(config, { timeBudgetMs: 3_000 });
  const f = report.findings.find((x) => x.code === 'degenerate-features');
  assert.ok(f, report.findings.map((x) => x.code).join(', '));
  assert.match(f.message, /100% of the 6 features are dead or constant/);
  assert.match(f.message, /rescale ×0\.003922/);
  assert.match(lineOf(config, f), /^model_name_or_path:/);
});

test('cancellation during feature extraction throws CancelledError', async () => {
  await initBackend('auto');
  const { config } = await project({ featureLayer: 'pool', perClass: 40 });
  const controller = new AbortController();
  await assert.rejects(
    analyzeConfigFile(config, {}, { signal: controller.signal, onProgress: (e) => { if (e.step === 'features') controller.abort(); } }),
    (e: unknown) => e instanceof CancelledError,
  );
});

test('too few readable images is dataset-too-small, not a crash', async () => {
  await initBackend('auto');
  const { config } = await project({ perClass: 4 });
  const report = await analyzeConfigFile(config, {});
  assert.equal(report.analysis, undefined);
  assert.ok(report.findings.some((f) => f.code === 'dataset-too-small' && /8 readable images/.test(f.message)), report.findings.map((f) => f.message).join(' | '));
});

test('fileProblemFindings names the first files and summarises the rest', () => {
  const problems = Array.from({ length: MAX_FILE_FINDINGS + 3 }, (_, i) => ({ file: `/d/c/${i}.png`, message: `/d/c/${i}.png: corrupt or truncated PNG; skipped` }));
  const out = fileProblemFindings([...problems, problems[0]!], (message) => ({ code: 'dataset-invalid', severity: 'warning', message, file: 'c.yaml', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }));
  assert.equal(out.length, MAX_FILE_FINDINGS + 1);
  assert.match(out[0]!.message, /^\/d\/c\/0\.png: corrupt/);
  assert.match(out.at(-1)!.message, /^3 more files were skipped \(\/d\/c\/10\.png, \/d\/c\/11\.png, \/d\/c\/12\.png\)/);
});

test('coarsePixels averages channels and blocks', () => {
  // 4×4×2 image: channel 0 = 1, channel 1 = 3 → grey 2 everywhere except the top-left pixel (grey 10).
  const data = new Float64Array(32).fill(0).map((_, i) => (i % 2 === 0 ? 1 : 3));
  data[0] = 17;
  data[1] = 3;
  const out = coarsePixels({ rows: 1, cols: 32, data }, [4, 4, 2]);
  assert.equal(out.height, 4, 'already below the ridge grid: no pooling');
  assert.equal(out.matrix.data[0], 10);
  assert.equal(out.matrix.data[5], 2);
  const big = coarsePixels({ rows: 1, cols: 32 * 32, data: new Float64Array(1024).map((_, i) => i % 32) }, [32, 32, 1]);
  assert.equal(big.matrix.cols, 256);
  assert.equal(big.matrix.data[0], 0.5, 'mean of columns 0 and 1');
  assert.equal(big.matrix.data[15], 30.5);
});
