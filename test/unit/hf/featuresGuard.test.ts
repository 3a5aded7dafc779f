/**
 * Guard rails before loading a Hugging Face checkpoint (src/node/hf/guard.ts): parameters from the
 * safetensors headers, from a shard index whose shards were never downloaded (a 7B llama), or from
 * config.json alone; the decision to run, cut the sample to the time budget, or not load at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '../../../src/core/formats/safetensors';
import { CheckpointError } from '../../../src/core/formats/errors';
import { loadHfCheckpoint } from '../../../src/node/hf/checkpoint';
import { analyzeConfigFile } from '../../../src/node/pipeline';
import { readSettings, analyzeOptionsFrom, DEFAULT_SETTINGS } from '../../../src/vscode/logic/settings';
import { DEFAULT_MAX_MODEL_PARAMETERS, decideHfRun, estimateHfCost, WASM_MEMORY_LIMIT_BYTES } from '../../../src/node/hf/guard';

export const LLAMA_7B_CONFIG = {
  architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 4096, intermediate_size: 11008, num_attention_heads: 32,
  num_hidden_layers: 32, num_key_value_heads: 32, vocab_size: 32000, max_position_embeddings: 4096, rms_norm_eps: 1e-5, torch_dtype: 'float16',
};

/** config.json + model.safetensors.index.json (13.5 GB of float16 in two shards), no shard on disk. */
export function llama7bFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tl-llama7b-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(LLAMA_7B_CONFIG));
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({
    metadata: { total_size: 13476839424 },
    weight_map: { 'model.embed_tokens.weight': 'model-00001-of-00002.safetensors', 'lm_head.weight': 'model-00002-of-00002.safetensors' },
  }));
  return dir;
}

test('a 7B llama whose shards were never downloaded: 6.7 B parameters from the index, not loaded (memory)', async () => {
  const dir = llama7bFolder();
  const estimate = await estimateHfCost(dir, { samples: 2000, sequenceLength: 128 });
  assert.ok(estimate);
  assert.equal(estimate.parametersSource, 'index total_size');
  assert.equal(estimate.parameters, 6738419712);
  assert.equal(estimate.dtype, 'F16');
  assert.equal(estimate.weightsPresent, false);
  assert.ok(estimate.float32WeightBytes > 26e9);
  const decision = decideHfRun(estimate, { timeBudgetSeconds: 60, minSamples: 12, memoryBytes: WASM_MEMORY_LIMIT_BYTES });
  assert.equal(decision.action, 'skip');
  assert.match(decision.message!, /6\.7 B parameters \(index total_size, stored as F16\)/);
  assert.match(decision.message!, /more than the 4\.0 GB this process can use/);
  assert.match(decision.message!, /features_file/);
});

test('config.json alone (only the JSON files were downloaded): a rough count still stops a 7B model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-llama7b-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(LLAMA_7B_CONFIG));
  // A header that claims a 4096×32000 F16 tensor with no data behind it: unreadable → ignored.
  const header = Buffer.from(JSON.stringify({ 'lm_head.weight': { dtype: 'F16', shape: [32000, 4096], data_offsets: [0, 262144000] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(join(dir, 'model.safetensors'), Buffer.concat([length, header]));
  const estimate = (await estimateHfCost(dir, { samples: 500, sequenceLength: 256 }))!;
  assert.equal(estimate.parametersSource, 'config.json (rough)');
  assert.ok(estimate.parameters > 6e9 && estimate.parameters < 7e9, String(estimate.parameters));
  assert.equal(decideHfRun(estimate, { timeBudgetSeconds: 60, minSamples: 12, memoryBytes: WASM_MEMORY_LIMIT_BYTES }).action, 'skip');
  // With plenty of memory it is over maxModelParameters: 60 s fit only a few samples of a 6.7 B model → not at all.
  const roomy = decideHfRun(estimate, { timeBudgetSeconds: 60, minSamples: 12, memoryBytes: 64 * 1024 ** 3 });
  assert.equal(roomy.action, 'skip');
  assert.match(roomy.message!, /over transferlens\.maxModelParameters \(CLI --max-model-parameters\), now 350 M/);
  assert.match(roomy.message!, /only \d samples fit, fewer than the 12/);
});

test('parameters from the safetensors header; under the limit it runs, over it the sample is cut to the time budget', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-small-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: 8, num_hidden_layers: 2, intermediate_size: 16, vocab_size: 10 }));
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors({ a: { dtype: 'F32', shape: [10, 8], data: new Float32Array(80) }, b: { dtype: 'F16', shape: [8, 8, 4], data: new Float32Array(256) } }));
  const estimate = (await estimateHfCost(dir, { samples: 1000, sequenceLength: 64 }))!;
  assert.equal(estimate.parametersSource, 'safetensors headers');
  assert.equal(estimate.parameters, 336);
  assert.equal(estimate.dtype, 'F16');
  assert.equal(estimate.weightsPresent, true);
  assert.equal(decideHfRun(estimate, { timeBudgetSeconds: 30, minSamples: 12 }).action, 'run');
  // The same model under a tiny limit, with a per-sample cost that allows 100 samples in the budget.
  const slow = { ...estimate, secondsPerSample: 0.3, totalSeconds: 300 };
  const cut = decideHfRun(slow, { timeBudgetSeconds: 30, minSamples: 12, maxModelParameters: 100 });
  assert.equal(cut.action, 'reduce');
  assert.equal(cut.samples, 100);
  assert.match(cut.message!, /uses 100 samples/);
  assert.ok(DEFAULT_MAX_MODEL_PARAMETERS >= 335e6, 'BERT-large fits under the default');
});

test('a BERT-base-sized config: ~110 M, fits the WASM heap, ~1 s per sample at 128 tokens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-base-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: 768, num_hidden_layers: 12, intermediate_size: 3072, vocab_size: 30522, num_attention_heads: 12 }));
  const estimate = (await estimateHfCost(dir, { samples: 100, sequenceLength: 128 }))!;
  assert.ok(estimate.parameters > 100e6 && estimate.parameters < 115e6, String(estimate.parameters));
  assert.ok(estimate.secondsPerSample > 0.5 && estimate.secondsPerSample < 3, String(estimate.secondsPerSample));
  assert.equal(decideHfRun(estimate, { timeBudgetSeconds: 30, minSamples: 12, memoryBytes: WASM_MEMORY_LIMIT_BYTES }).action, 'run');
});

test('loadHfCheckpoint refuses the 7B llama before reading any weight (memory), and a model over maxModelParameters', async () => {
  const dir = llama7bFolder();
  let opened = 0;
  const deps = {
    openWeights: async () => { opened++; throw new Error('must not be reached'); },
    architectureFor: () => ({ modelTypes: ['llama'], modality: 'text' as const, load: async () => { throw new Error('must not be reached'); } }),
    supportedModelTypes: () => ['llama'],
  };
  const started = Date.now();
  await assert.rejects(loadHfCheckpoint(dir, { deps, guard: { memoryBytes: WASM_MEMORY_LIMIT_BYTES } }), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-unsupported' && /6\.7 B parameters/.test(e.message) && /not loaded/.test(e.message));
  assert.equal(opened, 0);
  assert.ok(Date.now() - started < 2000);
  const small = mkdtempSync(join(tmpdir(), 'tl-small-'));
  writeFileSync(join(small, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: 64, num_hidden_layers: 2, intermediate_size: 128, vocab_size: 100 }));
  await assert.rejects(loadHfCheckpoint(small, { deps, guard: { maxModelParameters: 1000 } }), (e: unknown) => e instanceof CheckpointError && /over transferlens\.maxModelParameters/.test(e.message));
  assert.equal(opened, 0);
});

test('transferlens.maxModelParameters: package.json default = the guard default; read, clamped and passed to the worker options', async () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
  const setting = pkg.contributes.configuration.properties['transferlens.maxModelParameters'];
  assert.equal(setting.default, DEFAULT_MAX_MODEL_PARAMETERS);
  assert.equal(DEFAULT_SETTINGS.maxModelParameters, DEFAULT_MAX_MODEL_PARAMETERS);
  const read = readSettings((key: string) => (key === 'maxModelParameters' ? 7e9 : undefined));
  assert.equal(analyzeOptionsFrom(read, '/w').maxModelParameters, 7e9);
  assert.equal(readSettings((key: string) => (key === 'maxModelParameters' ? 'lots' : undefined)).maxModelParameters, DEFAULT_MAX_MODEL_PARAMETERS);
  assert.equal(readSettings((key: string) => (key === 'maxModelParameters' ? 5 : undefined)).maxModelParameters, 1_000_000);
});

test('analyze: a Hugging Face vision checkpoint on numeric columns says why nothing ran (no silent stop)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-hf-table-'));
  writeFileSync(join(dir, 'train.csv'), 'a,b,label\n1,2,0\n3,4,1\n');
  writeFileSync(join(dir, 'config.yaml'), `model_name_or_path: ${join(__dirname, '..', '..', 'fixtures', 'hf-models', 'vit')}\ntrain_file: ./train.csv\n`);
  const report = await analyzeConfigFile(join(dir, 'config.yaml'));
  const finding = report.findings.find((f) => f.code === 'checkpoint-unsupported');
  assert.ok(finding, JSON.stringify(report.findings));
  assert.equal(finding.field, 'checkpoint');
  assert.match(finding.message, /Hugging Face checkpoint; TransferLens runs those on image folders/);
  assert.match(finding.message, /transferlens features/);
});
