/**
 * Feature caching for Hugging Face checkpoints (issue #14 §6): `fingerprintFiles` keys weights by
 * size, mtime and the safetensors header (never reading a 13.5 GB data region), and the image
 * branch's second run of the same Hub-id config is a cache hit with the same features, per-layer
 * overlap and model description.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, rmSync, writeSync, closeSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintFiles } from '../../../src/node/cache/featureCache';
import { analyzeConfigFile } from '../../../src/node/pipeline';
import { writeSparseLlama7b } from './llama7b';

const CACHE = join(__dirname, '..', '..', 'fixtures', 'hf-vision-cache');

test('fingerprintFiles: a 13.5 GB safetensors is keyed by its header in milliseconds; header, size or mtime changes change the key', async () => {
  const folder = writeSparseLlama7b();
  const file = join(folder, 'model.safetensors');
  const started = Date.now();
  const a = await fingerprintFiles([join(folder, 'config.json'), file]);
  assert.ok(Date.now() - started < 2000, 'reads the header, not the data');
  assert.equal(await fingerprintFiles([join(folder, 'config.json'), file]), a);
  // Same size and mtime, different header byte: another key.
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.from('X'), 0, 1, 20);
  closeSync(fd);
  utimesSync(file, 1_700_000_000, 1_700_000_000);
  const b = await fingerprintFiles([join(folder, 'config.json'), file]);
  assert.notEqual(b, a);
  utimesSync(file, 1_700_000_001, 1_700_000_001);
  assert.notEqual(await fingerprintFiles([join(folder, 'config.json'), file]), b);
  writeFileSync(join(folder, 'config.json'), '{"model_type": "llama"}');
  assert.notEqual(await fingerprintFiles([join(folder, 'config.json'), file]), b);
  rmSync(folder, { recursive: true, force: true });
});

test('image branch with an HF checkpoint: the second analysis is a feature-cache hit with the same features', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'tl-hf-cache-'));
  const options = { env: { ...process.env, HF_HUB_CACHE: join(CACHE, 'hub') }, backend: 'wasm' as const, maxSamples: 24, cacheDir, timeBudgetMs: 5000 };
  const first = await analyzeConfigFile(join(CACHE, 'project', 'config.yaml'), options);
  assert.ok(first.analysis, JSON.stringify(first.findings));
  assert.equal(first.analysis.preprocessing?.featureCache, 'miss');
  const second = await analyzeConfigFile(join(CACHE, 'project', 'config.yaml'), options);
  assert.ok(second.analysis);
  assert.equal(second.analysis.preprocessing?.featureCache, 'hit');
  assert.deepEqual(second.analysis.hfModel, first.analysis.hfModel);
  assert.deepEqual(second.analysis.perLayer?.map((l) => l.overlap.value), first.analysis.perLayer?.map((l) => l.overlap.value));
  assert.deepEqual(second.analysis.spectrum, first.analysis.spectrum);
  rmSync(cacheDir, { recursive: true, force: true });
});
