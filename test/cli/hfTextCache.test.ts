/**
 * A text config naming a Hugging Face checkpoint by Hub id, resolved in a local cache laid out as
 * huggingface_hub writes it (test/fixtures/hf-text-cache: refs/main, snapshots/<rev>/ relative
 * symlinks into blobs/, incl. the sentence-transformers 1_Pooling/config.json in a subfolder),
 * analysed end to end by the bundled CLI (issue #14 "Must show", text config). Black box on
 * dist/cli.js; the fixture is built by scripts/hf-fixtures/make_cache.mjs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const CACHE = join(ROOT, 'test', 'fixtures', 'hf-text-cache');
const REPO = join(CACHE, 'hub', 'models--tiny-org--bert-reviews');

function analyze(args: string[]) {
  assert.ok(existsSync(CLI), 'dist/cli.js missing: run `npm run build` first');
  const r = spawnSync(process.execPath, [CLI, 'analyze', join(CACHE, 'project', 'config.yaml'), '--fail-on', 'never', '--seed', '0', ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 240_000, env: { ...process.env, HF_HUB_CACHE: join(CACHE, 'hub'), TRANSFERLENS_DISABLE_ONNX: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the text fixture cache is laid out as huggingface_hub writes it (subfolder links climb one level more)', () => {
  const revision = readFileSync(join(REPO, 'refs', 'main'), 'utf8');
  assert.match(revision, /^[0-9a-f]{40}$/);
  assert.match(readlinkSync(join(REPO, 'snapshots', revision, 'model.safetensors')), /^\.\.\/\.\.\/blobs\/[0-9a-f]{64}$/);
  assert.match(readlinkSync(join(REPO, 'snapshots', revision, '1_Pooling', 'config.json')), /^\.\.\/\.\.\/\.\.\/blobs\/[0-9a-f]{40}$/);
});

test('analyze: a Hub id in the local cache + a text CSV runs end to end with the HF text model, stating tokenizer, max length and pooling', () => {
  const r = analyze(['--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const a = out.analysis;
  assert.ok(a, JSON.stringify(out.findings));
  assert.ok(!out.findings.some((f: { code: string }) => f.code.startsWith('checkpoint-')), JSON.stringify(out.findings));
  assert.equal(a.n, 100);
  assert.equal(a.samplesUsed, 200);
  const revision = readFileSync(join(REPO, 'refs', 'main'), 'utf8');
  assert.equal(a.hfModel.modelType, 'bert');
  assert.equal(a.hfModel.modality, 'text');
  assert.equal(a.hfModel.hubId, 'tiny-org/bert-reviews');
  assert.equal(a.hfModel.revision, revision);
  assert.equal(a.hfModel.pooling, 'mean', 'the sentence-transformers folder\'s own pooling');
  assert.match(a.hfModel.poolingReason, /sentence-transformers/);
  assert.match(a.hfModel.tokenizer, /^WordPiece/);
  assert.equal(a.hfModel.maxLength, 64, 'max_seq_length from the config');
  assert.ok(['positive', 'negative', 'too-close'].includes(a.verdict));
  assert.ok(out.findings.some((f: { code: string }) => f.code === 'token-lengths'), 'the tokenizer checks ran too');
  const text = analyze(['--max-samples', '120']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Model: bert \(text, 86,144 parameters, stored F32\) · tiny-org\/bert-reviews @ revision/);
  assert.match(text.stdout, /Tokenizer: WordPiece, 232 tokens, padding right; max length 64/);
  assert.match(text.stdout, /pooling mean/);
});
