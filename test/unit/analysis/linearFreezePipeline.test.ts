/**
 * Issue #17 end to end: a two-layer linear TF.js checkpoint Dense(d → k, linear) → Dense(k → 1)
 * with `finetuning_type: freeze` + `freeze_trainable_layers: 1` (only the head trains: a linear
 * probe on the k hidden features) goes through the real pipeline (config → files → verdict), and
 * the verdict's gain is the probe's — in the JSON contract (equal to the probe's alternatives
 * entry), the text output and the SARIF messages. Below the probe's feature count the gain is
 * finite (the min-norm head), and at n = k + 1 with noise it is absent with a note.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../../src/node/backend';
import { analyzeConfigFile } from '../../../src/node/pipeline';
import { toText } from '../../../src/cli/format/text';
import { toSarif } from '../../../src/cli/format/sarif';
import { createRandom } from '../../../src/core/theory';

async function writeCase(n: number, d: number, k: number, sigma: number, seed: number): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), 'tl-linear-freeze-'));
  const random = createRandom(seed);
  const w1 = Float32Array.from({ length: d * k }, () => random.normal() / Math.sqrt(d));
  const w2 = Float32Array.from({ length: k }, () => random.normal() / Math.sqrt(k));
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: k, activation: 'linear', useBias: false, name: 'features', inputShape: [d] }));
  model.add(tfl.layers.dense({ units: 1, activation: 'linear', useBias: false, name: 'head' }));
  model.layers[0]!.setWeights([tf.tensor2d(w1, [d, k])]);
  model.layers[1]!.setWeights([tf.tensor2d(w2, [k, 1])]);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  writeFileSync(join(folder, 'weights.bin'), new Uint8Array(artifacts!.weightData as ArrayBuffer));
  writeFileSync(join(folder, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: artifacts!.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts!.weightSpecs }] }));
  // Target: half along the checkpoint's map, half along a random direction.
  const source = new Float64Array(d);
  for (let j = 0; j < d; j++) for (let a = 0; a < k; a++) source[j]! += w1[j * k + a]! * w2[a]!;
  const other = Float64Array.from({ length: d }, () => random.normal() / Math.sqrt(d));
  const lines = [[...Array.from({ length: d }, (_, j) => `x${j}`), 'label'].join(',')];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: d }, () => Number(random.normal().toPrecision(6)));
    const y = x.reduce((s, v, j) => s + v * (source[j]! + other[j]!), 0) + sigma * random.normal();
    lines.push([...x, Number(y.toPrecision(6))].join(','));
  }
  writeFileSync(join(folder, 'train.csv'), lines.join('\n') + '\n');
  writeFileSync(join(folder, 'config.yaml'), ['model_name_or_path: ./model.json', 'train_file: ./train.csv', 'label_column_name: label', 'problem_type: regression', `max_train_samples: ${n}`, 'finetuning_type: freeze', 'freeze_trainable_layers: 1', 'seed: 0', ''].join('\n'));
  return join(folder, 'config.yaml');
}

test('freeze_trainable_layers: 1 on a two-layer linear checkpoint: the verdict reports the probe, in JSON, text and SARIF', async () => {
  await initBackend('wasm');
  for (const [n, d, k] of [[60, 40, 20], [20, 40, 30]] as const) {
    const config = await writeCase(n, d, k, 0.5, n + k);
    const report = await analyzeConfigFile(config, {});
    const a = report.analysis;
    assert.ok(a, report.findings.map((f) => f.message).join('\n'));
    assert.equal(a.strategy, 'partial-freeze');
    assert.ok(a.notes.some((note) => note.includes(`that is a linear probe on its ${k} hidden features`)), a.notes.join('\n'));
    const probe = a.recommendation.alternatives?.find((x) => x.strategy === 'linear-probe');
    assert.ok(a.gain && probe, JSON.stringify({ gain: a.gain, alternatives: a.recommendation.alternatives }));
    assert.deepEqual(a.gain, probe.gain);
    assert.ok([a.gain.mean, a.gain.low, a.gain.high].every(Number.isFinite));
    const text = toText(report, '/');
    assert.ok(text.includes(a.gain.mean.toFixed(3)), text);
    const sarif = JSON.stringify(toSarif([report], '0.0.0', '/'));
    const fmt = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(3)} [${a.gain!.low.toFixed(3)}, ${a.gain!.high.toFixed(3)}]`;
    assert.ok(sarif.includes(fmt(a.gain.mean)), `SARIF lacks ${fmt(a.gain.mean)}`);
  }
});

test('at n = k + 1 with noise the probe risk is infinite: no gain, a note in words, no commit, and every output says so', async () => {
  await initBackend('wasm');
  const config = await writeCase(31, 40, 30, 0.5, 5);
  const report = await analyzeConfigFile(config, {});
  const a = report.analysis!;
  assert.equal(a.gain, undefined);
  assert.equal(a.verdict, 'too-close');
  assert.ok(a.notes.some((note) => note.startsWith('No gain is reported at n = 31') && note.includes('k = 30')), a.notes.join('\n'));
  const json = JSON.stringify(report);
  assert.ok(!/null|Infinity|NaN/.test(JSON.stringify(a.gain ?? {})) && !json.includes('"gain":null'));
  assert.ok(toText(report, '/').includes('not a finite number at this n'));
  const sarif = JSON.stringify(toSarif([report], '0.0.0', '/'));
  assert.ok(sarif.includes('No verdict at n=31: an expected risk is infinite there'), sarif.slice(0, 500));
  assert.ok(!/NaN|Infinity/.test(sarif));
});
