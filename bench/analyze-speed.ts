/**
 * Speed of `transferlens analyze` end to end (issue #3): a 5,000-row, 256-feature CSV and a TF.js
 * MLP checkpoint (256 → 128 → 64 → 1), analysed through the bundled CLI on the WASM backend.
 * Prints the wall time, the per-step timings the analysis reports, and what dominates.
 * Run: npm run build && node --import tsx bench/analyze-speed.ts [--strategy freeze|full] [--cli dist/cli.js]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/node/backend';
import { makeRng, gaussian } from '../src/core/analysis/random';

const N = 5000;
const D = 256;
const strategy = process.argv.includes('--strategy') ? process.argv[process.argv.indexOf('--strategy') + 1]! : 'freeze';

async function main(): Promise<void> {
  await initBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'tl-speed-'));
  const rng = makeRng(5);
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ inputShape: [D], units: 128, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tfl.layers.dense({ units: 64, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
  model.add(tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }));
  await model.save(tf.io.withSaveHandler(async (a) => {
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
  }));
  const rows = [[...Array.from({ length: D }, (_, j) => `x${j}`), 'label'].join(',')];
  for (let i = 0; i < N; i++) {
    const x = Array.from({ length: D }, () => gaussian(rng));
    const y = x.slice(0, 8).reduce((s, v) => s + Math.tanh(v), 0) + 0.3 * gaussian(rng);
    rows.push([...x.map((v) => v.toFixed(4)), y.toFixed(4)].join(','));
  }
  writeFileSync(join(dir, 'train.csv'), rows.join('\n') + '\n');
  writeFileSync(join(dir, 'config.yaml'), `model_name_or_path: ./model.json\ntrain_file: ./train.csv\nlabel_column_name: label\nproblem_type: regression\nmax_train_samples: ${N}\nfinetuning_type: ${strategy}\n${strategy === 'freeze' ? 'freeze_trainable_layers: 0\n' : ''}learning_rate: 1.0e-4\nnum_train_epochs: 10\n`);
  const t0 = performance.now();
  const cli = process.argv.includes('--cli') ? process.argv[process.argv.indexOf('--cli') + 1]! : join(__dirname, '..', 'dist', 'cli.js');
  const r = spawnSync(process.execPath, [cli, 'analyze', join(dir, 'config.yaml'), '--format', 'json', '--fail-on', 'never', '--backend', 'wasm'], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(r.stderr);
  const a = JSON.parse(r.stdout).analysis;
  const timings = Object.entries(a.timings as Record<string, number>).sort((x, y) => y[1] - x[1]);
  console.log(`analyze ${N}×${D} (${strategy}): wall ${wall.toFixed(1)} s end to end (process start included), backend ${a.backend}, rows analysed ${a.samplesUsed}, verdict ${a.verdict}`);
  for (const [k, v] of timings) console.log(`  ${k.padEnd(16)} ${(v / 1000).toFixed(2)} s`);
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
