/**
 * Hugging Face checkpoints through the bundled CLI (issue #14), black box on dist/cli.js:
 * `transferlens analyze` on a Hub id resolved in a local cache laid out as huggingface_hub writes it
 * (test/fixtures/hf-vision-cache, relative symlinks into blobs/, HF_HUB_CACHE) with an image folder;
 * `transferlens features` on texts (token ids and features equal to transformers' reference),
 * images (.npy and JSON agree, equal to the reference pooled output), and its errors: a 7B llama
 * (sparse file, header says 6.7 B) refused before loading, --max-model-parameters, unknown Hub ids,
 * wrong input kinds, missing inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseNpy } from '../../src/core/formats/npy';
import { writeSparseLlama7b } from '../unit/hf/llama7b';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const CACHE = join(ROOT, 'test', 'fixtures', 'hf-vision-cache');
const MODELS = join(ROOT, 'test', 'fixtures', 'hf-models');

function cli(args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  assert.ok(existsSync(CLI), 'dist/cli.js missing: run `npm run build` first');
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 240_000, env: { ...process.env, HF_HUB_CACHE: join(CACHE, 'hub'), TRANSFERLENS_DISABLE_ONNX: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface RefTensor { shape: number[]; data: number[] }

function assertRowsClose(actual: readonly (readonly number[])[], ref: RefTensor, rows: readonly number[], what: string): void {
  const cols = ref.shape[1]!;
  rows.forEach((r, i) => {
    for (let j = 0; j < cols; j++) {
      const want = ref.data[r * cols + j]!;
      const got = actual[i]![j]!;
      assert.ok(Math.abs(got - want) <= 1e-4 * Math.abs(want) + 2e-5, `${what} row ${r} col ${j}: ${got} vs ${want}`);
    }
  });
}

test('the fixture cache is what huggingface_hub writes: refs/main names the snapshot, files are relative symlinks into blobs/', () => {
  const repo = join(CACHE, 'hub', 'models--tiny-org--vit-mnist');
  const revision = readFileSync(join(repo, 'refs', 'main'), 'utf8');
  assert.match(revision, /^[0-9a-f]{40}$/);
  for (const name of ['config.json', 'model.safetensors', 'preprocessor_config.json']) {
    const link = readlinkSync(join(repo, 'snapshots', revision, name));
    assert.match(link, /^\.\.\/\.\.\/blobs\/[0-9a-f]{40,64}$/, `${name} → ${link}`);
  }
});

test('analyze: a Hub id in the local cache + an image folder runs end to end with the HF vision model', () => {
  const r = cli(['analyze', join(CACHE, 'project', 'config.yaml'), '--format', 'json', '--fail-on', 'never', '--seed', '0']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const a = out.analysis;
  assert.ok(a, JSON.stringify(out.findings));
  assert.ok(!out.findings.some((f: { code: string }) => f.code.startsWith('checkpoint-')), JSON.stringify(out.findings));
  assert.equal(a.dataset.format, 'image-folder');
  assert.equal(a.samplesUsed, 40);
  assert.equal(a.featureDim, 32);
  assert.equal(a.checkpoint.format, 'hf-tfjs');
  const revision = readFileSync(join(CACHE, 'hub', 'models--tiny-org--vit-mnist', 'refs', 'main'), 'utf8');
  assert.equal(a.hfModel.modelType, 'vit');
  assert.equal(a.hfModel.hubId, 'tiny-org/vit-mnist');
  assert.equal(a.hfModel.revision, revision);
  assert.equal(a.hfModel.pooling, 'cls');
  assert.equal(a.hfModel.layer, 2);
  assert.match(a.hfModel.processor, /^ViTImageProcessor: resize 32×32/);
  assert.deepEqual(a.perLayer.map((l: { depth: number }) => l.depth), [1, 2], 'per-layer overlap from the same forward pass');
  assert.ok(a.notes.some((n: string) => /inference only/.test(n)), 'says plainly that the probe stands in for fine-tuning');
  assert.ok(['positive', 'negative', 'too-close'].includes(a.verdict));
  // The text output shows the model rows.
  const text = cli(['analyze', join(CACHE, 'project', 'config.yaml'), '--fail-on', 'never', '--seed', '0', '--max-samples', '24']);
  assert.match(text.stdout, /Model: vit \(image, 21,450 parameters, stored F32\) · tiny-org\/vit-mnist @ revision/);
  assert.match(text.stdout, /Features: hidden state 2 of 2 \(last\), pooling cls/);
});

test('features --text (repeated): token ids after special tokens and the default pooling equal transformers', () => {
  const ref = JSON.parse(readFileSync(join(MODELS, 'gpt2', 'reference.json'), 'utf8')) as { inputs: string[]; input_ids: number[][]; attention_mask: number[][]; pooled: Record<string, RefTensor>; default_pooling: string };
  const r = cli(['features', join(MODELS, 'gpt2'), ...ref.inputs.flatMap((t) => ['--text', t]), '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.pooling, ref.default_pooling);
  assert.equal(out.layer, out.numLayers);
  assert.equal(out.inputs.length, ref.inputs.length);
  out.inputs.forEach((input: { text: string; tokenIds: number[] }, i: number) => {
    assert.equal(input.text, ref.inputs[i]);
    assert.deepEqual(input.tokenIds, ref.input_ids[i]!.filter((_, j) => ref.attention_mask[i]![j] === 1));
  });
  assertRowsClose(out.inputs.map((x: { features: number[] }) => x.features), ref.pooled[ref.default_pooling]!, ref.inputs.map((_, i) => i), 'gpt2 last');
  // --pooling mean and --layer -1 (the last) give transformers' mean pooling.
  const mean = cli(['features', join(MODELS, 'gpt2'), ...ref.inputs.flatMap((t) => ['--text', t]), '--pooling', 'mean', '--layer', '-1']);
  assert.equal(mean.code, 0, mean.stderr);
  assertRowsClose(JSON.parse(mean.stdout).inputs.map((x: { features: number[] }) => x.features), ref.pooled.mean!, ref.inputs.map((_, i) => i), 'gpt2 mean');
});

test('features --image by Hub id: .npy and JSON agree and equal transformers\' pooled output', () => {
  const ref = JSON.parse(readFileSync(join(MODELS, 'vit', 'reference.json'), 'utf8')) as { images: string[]; pooled: Record<string, RefTensor> };
  const dir = mkdtempSync(join(tmpdir(), 'tl-features-'));
  try {
    const images = [0, 2].map((i) => join(MODELS, 'vit', ref.images[i]!));
    const npy = join(dir, 'f.npy');
    const r = cli(['features', 'tiny-org/vit-mnist', ...images.flatMap((f) => ['--image', f]), '--out', npy, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /wrote 2 × 32 float32 features/);
    const out = JSON.parse(r.stdout);
    assert.equal(out.model, 'tiny-org/vit-mnist');
    assert.equal(out.revision, readFileSync(join(CACHE, 'hub', 'models--tiny-org--vit-mnist', 'refs', 'main'), 'utf8'));
    assert.deepEqual(out.inputs.map((x: { image: string }) => x.image), images);
    const array = parseNpy(readFileSync(npy), npy);
    assert.deepEqual(array.shape, [2, 32]);
    const fromNpy = [0, 1].map((i) => Array.from(array.data.subarray(i * 32, (i + 1) * 32)));
    assert.deepEqual(fromNpy, out.inputs.map((x: { features: number[] }) => x.features));
    assertRowsClose(fromNpy, ref.pooled.cls!, [0, 2], 'vit cls');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('features: a 7B llama is refused before loading (exit 2, estimate on stderr), fast and without memory growth', () => {
  const folder = writeSparseLlama7b();
  try {
    const started = Date.now();
    const r = cli(['features', folder, '--text', 'hello']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /6\.7 B parameters \(safetensors headers, stored as F16\)/);
    assert.match(r.stderr, /not loaded/);
    assert.ok(Date.now() - started < 30_000);
    // Over --max-model-parameters (memory is fine): refused with the way to run it anyway.
    const small = cli(['features', join(MODELS, 'vit'), '--image', join(MODELS, 'images', 'a.png'), '--max-model-parameters', '1000']);
    assert.equal(small.code, 2);
    assert.match(small.stderr, /--max-model-parameters \d+ to run it anyway/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('analyze: a 7B llama on an image folder and on a text dataset gives a finding with the estimate, not a dead process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-7b-'));
  try {
    writeSparseLlama7b(join(dir, 'llama-7b'));
    cpSync(join(CACHE, 'project', 'data'), join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'vision.yaml'), 'model_name_or_path: ./llama-7b\ntrain_dir: ./data/train\n');
    writeFileSync(join(dir, 'train.csv'), 'text,label\n' + Array.from({ length: 40 }, (_, i) => `"sample text number ${i}",${i % 2}`).join('\n') + '\n');
    writeFileSync(join(dir, 'text.yaml'), 'model_name_or_path: ./llama-7b\ntrain_file: ./train.csv\ntext_column_name: text\nlabel_column_name: label\n');
    for (const config of ['vision.yaml', 'text.yaml']) {
      const r = cli(['analyze', join(dir, config), '--format', 'json', '--fail-on', 'never'], {}, dir);
      assert.notEqual(r.code, null, `${config}: the process was killed`);
      const out = JSON.parse(r.stdout);
      const guard = out.findings.find((f: { message: string }) => /6\.7 B parameters/.test(f.message));
      assert.ok(guard, `${config}: ${JSON.stringify(out.findings.map((f: { code: string }) => f.code))}`);
      assert.equal(guard.field, 'checkpoint');
      assert.match(guard.message, /not loaded/);
      assert.equal(out.analysis, null);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('features: clear errors and exit 2 for bad references and inputs', () => {
  const unknown = cli(['features', 'nobody/nothing', '--text', 'x']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /not in the local Hugging Face cache .*huggingface-cli download nobody\/nothing/);
  const noInputs = cli(['features', join(MODELS, 'vit')]);
  assert.equal(noInputs.code, 2);
  assert.match(noInputs.stderr, /needs inputs/);
  const wrongKind = cli(['features', join(MODELS, 'vit'), '--text', 'a caption']);
  assert.equal(wrongKind.code, 2);
  assert.match(wrongKind.stderr, /image model \(vit\); pass --image/);
  const badPooling = cli(['features', join(MODELS, 'gpt2'), '--text', 'a', '--pooling', 'gap']);
  assert.equal(badPooling.code, 2);
  assert.match(badPooling.stderr, /pooling 'gap' does not apply to gpt2/);
  const badLayer = cli(['features', join(MODELS, 'gpt2'), '--text', 'a', '--layer', '9']);
  assert.equal(badLayer.code, 2);
  assert.match(badLayer.stderr, /out of range/);
  const notImage = cli(['features', join(MODELS, 'vit'), '--image', join(MODELS, 'vit', 'config.json')]);
  assert.equal(notImage.code, 2);
  assert.match(notImage.stderr, /config\.json/);
});

test('features --dataset: an image folder (sampled, .npy) and a text CSV (JSON with token ids)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-features-ds-'));
  try {
    const npy = join(dir, 'images.npy');
    const images = cli(['features', 'tiny-org/vit-mnist', '--dataset', join(CACHE, 'project', 'data', 'train'), '--max-samples', '6', '--out', npy]);
    assert.equal(images.code, 0, images.stderr);
    assert.deepEqual(parseNpy(readFileSync(npy), npy).shape, [6, 32]);
    writeFileSync(join(dir, 'train.csv'), 'text,label\n"hello world",0\n"a second text here",1\n');
    const texts = cli(['features', join(MODELS, 'gpt2'), '--dataset', join(dir, 'train.csv')]);
    assert.equal(texts.code, 0, texts.stderr);
    const out = JSON.parse(texts.stdout);
    assert.deepEqual(out.inputs.map((x: { text: string }) => x.text), ['hello world', 'a second text here']);
    assert.ok(out.inputs.every((x: { tokenIds: number[]; features: number[] }) => x.tokenIds.length > 0 && x.features.length === out.dimensions));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
