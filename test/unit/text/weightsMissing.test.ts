/**
 * A Hugging Face folder with config.json and the tokenizer but no weights (common: people fetch
 * the tokenizer to look at it, or the model is too big to keep locally). The tokenizer checks need
 * the tokenizer only (issue #15 item 3): generative configs get them with an info that nothing is
 * missing; supervised text configs get them plus the error that says what to download, and no
 * verdict.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeConfigFile } from '../../../src/node/pipeline';

const LLAMA = join(__dirname, '..', '..', 'fixtures', 'hf-models', 'llama');
const TEXT = join(__dirname, '..', '..', 'fixtures', 'text');

function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'tl-noweights-'));
  mkdirSync(join(root, 'model'));
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(LLAMA, f), join(root, 'model', f));
  mkdirSync(join(root, 'data'));
  copyFileSync(join(TEXT, 'chat.jsonl'), join(root, 'data', 'chat.jsonl'));
  copyFileSync(join(TEXT, 'sentiment.csv'), join(root, 'data', 'train.csv'));
  return root;
}

test('generative config, weights not downloaded: an info (nothing missing), the tokenizer checks, no verdict', async () => {
  const root = workspace();
  const file = join(root, 'axolotl.yml');
  writeFileSync(file, 'base_model: ./model\ndatasets:\n  - path: data/chat.jsonl\n    type: chat_template\nsequence_len: 16\nadapter: lora\n');
  const report = await analyzeConfigFile(file, { workspaceRoot: root, backend: 'cpu' });
  const missing = report.findings.find((f) => f.code === 'checkpoint-missing');
  assert.ok(missing, 'the missing weights are mentioned');
  assert.equal(missing.severity, 'info');
  assert.match(missing.message, /Nothing is missing for TransferLens/);
  assert.equal(missing.range.start.line, 0, 'on the base_model line');
  const lengths = report.findings.find((f) => f.code === 'token-lengths');
  assert.ok(lengths, 'token lengths reported from the tokenizer alone');
  assert.ok(report.findings.some((f) => f.code === 'sequence-truncated'), 'sequence_len 16 cuts these conversations');
  assert.ok(report.findings.some((f) => f.code === 'generative-no-verdict'));
  assert.equal(report.analysis, undefined);
  assert.ok(!report.findings.some((f) => f.severity === 'error'), report.findings.filter((f) => f.severity === 'error').map((f) => f.message).join('\n'));
});

test('supervised text config, weights not downloaded: the error says what to download, the tokenizer checks still run, no verdict', async () => {
  const root = workspace();
  const file = join(root, 'classify.yaml');
  writeFileSync(file, 'model_name_or_path: ./model\ntrain_file: data/train.csv\ntext_column_names: text\nlabel_column_name: label\nmax_seq_length: 8\n');
  const report = await analyzeConfigFile(file, { workspaceRoot: root, backend: 'cpu' });
  const missing = report.findings.find((f) => f.code === 'checkpoint-missing');
  assert.ok(missing);
  assert.equal(missing.severity, 'error');
  assert.match(missing.message, /huggingface-cli download/);
  const truncated = report.findings.find((f) => f.code === 'sequence-truncated');
  assert.ok(truncated, 'max_seq_length 8 cuts these reviews');
  assert.equal(truncated.range.start.line, 4, 'on the max_seq_length line');
  assert.equal(report.analysis, undefined);
});

test('weights not downloaded and no tokenizer: the error stands alone, nothing runs', async () => {
  const root = workspace();
  const bare = join(root, 'bare');
  mkdirSync(bare);
  copyFileSync(join(LLAMA, 'config.json'), join(bare, 'config.json'));
  const file = join(root, 'axolotl.yml');
  writeFileSync(file, 'base_model: ./bare\ndatasets:\n  - path: data/chat.jsonl\n    type: chat_template\nsequence_len: 16\n');
  const report = await analyzeConfigFile(file, { workspaceRoot: root, backend: 'cpu' });
  const missing = report.findings.find((f) => f.code === 'checkpoint-missing');
  assert.ok(missing);
  assert.equal(missing.severity, 'error');
  assert.ok(!report.findings.some((f) => f.code === 'token-lengths'));
});
