/**
 * Every built-in profile reads its realistic fixture into the expected normalised model, with
 * value and key ranges equal to where the text really is (found by plain text search).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConfig } from '../../../src/core/config/index';
import { readIncludeFromDisk } from '../../../src/node/resolve/index';
import type { NormalizedConfig, SourceValue } from '../../../src/core/model/config';
import { fixture, rangeOf } from './helpers';

function read(relativePath: string, env: Record<string, string> = {}) {
  const { file, text } = fixture(relativePath);
  const result = readConfig(text, file, { env, readInclude: readIncludeFromDisk });
  return { ...result, file, text };
}

/**
 * Asserts a field's value, its key range (first `keySnippet` at or after `from`) and its value
 * range (first `valueSnippet` after that key).
 */
function expectField<T>(value: SourceValue<T> | undefined, expected: T, text: string, valueSnippet: string, keySnippet: string, from?: string): void {
  assert.ok(value, `field with value ${String(expected)} missing`);
  assert.deepEqual(value.value, expected);
  const start = from === undefined ? 0 : text.indexOf(from);
  assert.ok(start >= 0, `test bug: '${from}' not in text`);
  const keyAt = text.indexOf(keySnippet, start);
  assert.ok(keyAt >= 0, `test bug: '${keySnippet}' not in text`);
  const keyPrefix = text.slice(0, keyAt);
  assert.deepEqual(value.keyRange, rangeOf(text, keySnippet, undefined, occurrences(keyPrefix, keySnippet)), `key range of ${value.keyPath}`);
  const valueFrom = keyAt + keySnippet.length;
  const valuePrefix = text.slice(0, text.indexOf(valueSnippet, valueFrom));
  assert.deepEqual(value.range, rangeOf(text, valueSnippet, undefined, occurrences(valuePrefix, valueSnippet)), `value range of ${value.keyPath}`);
}

/** How many (possibly overlapping) times `snippet` occurs in `text`. */
function occurrences(text: string, snippet: string): number {
  let count = 0;
  for (let i = text.indexOf(snippet); i >= 0; i = text.indexOf(snippet, i + 1)) count++;
  return count;
}

function only(config: NormalizedConfig | undefined): NormalizedConfig {
  assert.ok(config, 'config expected');
  return config;
}

test('huggingface YAML: our example vocabulary with exact ranges', () => {
  const { config, problems, text } = read('huggingface/run.yaml');
  assert.deepEqual(problems, []);
  const c = only(config);
  assert.equal(c.profile, 'huggingface');
  assert.equal(c.pathBase, 'file');
  expectField(c.checkpoint, '../models/mlp', text, '../models/mlp', 'model_name_or_path');
  expectField(c.dataset, '../data/train.csv', text, '../data/train.csv', 'train_file');
  expectField(c.validationDataset, '../data/validation.csv', text, '../data/validation.csv', 'validation_file');
  expectField(c.labelColumn, 'label', text, 'label', 'label_column_name', 'label_column_name:');
  expectField(c.task, 'classification', text, 'single_label_classification', 'problem_type');
  expectField(c.trainSize, 100, text, '100', 'max_train_samples');
  expectField(c.strategy, 'partial-freeze', text, 'freeze', 'finetuning_type', 'finetuning_type');
  expectField(c.frozenLayers, 1, text, '1', 'freeze_trainable_layers', 'freeze_trainable_layers');
  expectField(c.learningRate, 2e-5, text, '2.0e-5', 'learning_rate');
  expectField(c.epochs, 3, text, '3', 'num_train_epochs', 'num_train_epochs');
  // Hard-coded anchor as well: line 2 (zero-based) is `train_file: ../data/train.csv`.
  assert.deepEqual(c.dataset!.range, { start: { line: 2, character: 12 }, end: { line: 2, character: 29 } });
});

test('huggingface JSON: quoted numbers are numbers, $transferlens disables codes', () => {
  const { config, problems, text } = read('huggingface/run.json');
  assert.deepEqual(problems, []);
  const c = only(config);
  assert.equal(c.profile, 'huggingface');
  expectField(c.checkpoint, 'org/name', text, '"org/name"', '"model_name_or_path"');
  expectField(c.task, 'regression', text, '"regression"', '"problem_type"');
  expectField(c.learningRate, 1e-3, text, '"1e-3"', '"learning_rate"');
  assert.deepEqual(c.suppressed, ['path-outside-workspace']);
});

test('TRL: use_peft + load_in_4bit is QLoRA', () => {
  const { config, text } = read('huggingface/trl_qlora.yaml');
  const c = only(config);
  assert.equal(c.profile, 'huggingface');
  expectField(c.strategy, 'qlora', text, 'true', 'use_peft', 'use_peft:');
  expectField(c.dataset, '../data/train.jsonl', text, '../data/train.jsonl', 'dataset_name');
});

test('axolotl: base_model, first of datasets[], adapter qlora', () => {
  const { config, problems, text } = read('axolotl/qlora.yml');
  assert.deepEqual(problems, []);
  const c = only(config);
  assert.equal(c.profile, 'axolotl');
  assert.equal(c.pathBase, 'workspace');
  expectField(c.checkpoint, 'org/name', text, 'org/name', 'base_model');
  expectField(c.dataset, 'data/train.jsonl', text, 'data/train.jsonl', 'path', 'datasets:');
  assert.equal(c.dataset!.keyPath, 'datasets[0].path');
  expectField(c.strategy, 'qlora', text, 'qlora', 'adapter');
  expectField(c.epochs, 4, text, '4', 'num_epochs', 'num_epochs');
  expectField(c.learningRate, 0.0002, text, '0.0002', 'learning_rate');
});

test('axolotl without adapter: strategy left to the default (full), modeline disables a code', () => {
  const { config } = read('axolotl/full.yml');
  const c = only(config);
  assert.equal(c.profile, 'axolotl');
  assert.equal(c.strategy, undefined);
  assert.deepEqual(c.suppressed, ['path-outside-workspace']);
});

test('llama-factory: freeze with 0 trainable layers is a linear probe; dataset_dir captured', () => {
  const { config, problems, text } = read('llama-factory/freeze.yaml');
  assert.deepEqual(problems, []);
  const c = only(config);
  assert.equal(c.profile, 'llama-factory');
  expectField(c.strategy, 'linear-probe', text, 'freeze', 'finetuning_type', 'finetuning_type');
  expectField(c.dataset, 'tabular_demo,other_demo', text, 'tabular_demo,other_demo', 'dataset', 'dataset: tabular');
  expectField(c.trainSize, 1000, text, '1000', 'max_samples', 'max_samples');
  expectField(c.epochs, 3, text, '3.0', 'num_train_epochs');
  assert.equal(c.extras?.datasetDir?.value, 'llama-factory/data');
});

test('llama-factory: lora + quantization_bit is QLoRA', () => {
  const c = only(read('llama-factory/lora_unknown.yaml').config);
  assert.equal(c.profile, 'llama-factory');
  assert.equal(c.strategy?.value, 'qlora');
});

test('torchtune: checkpointer dir, LoRA from the builder name, ${...} interpolation keeps the use-site range', () => {
  const { config, problems, text } = read('torchtune/lora_finetune.yaml');
  assert.deepEqual(problems, []);
  const c = only(config);
  assert.equal(c.profile, 'torchtune');
  expectField(c.checkpoint, 'torchtune/ckpt', text, 'torchtune/ckpt', 'checkpoint_dir');
  expectField(c.strategy, 'lora', text, 'torchtune.models.llama3_2.lora_llama3_2_1b', '_component_');
  expectField(c.dataset, 'data/train.jsonl', text, '${data_root}/train.jsonl', 'data_files');
  expectField(c.learningRate, 3e-4, text, '3e-4', 'lr', 'optimizer:');
  assert.deepEqual(c.extras?.checkpointFiles?.value, ['model.safetensors']);
});

test('lightning: class_path/init_args keys, frozen backbone is a linear probe', () => {
  const { config, problems, text } = read('lightning/config.yaml');
  assert.deepEqual(problems, []);
  const c = only(config);
  assert.equal(c.profile, 'lightning');
  expectField(c.checkpoint, 'models/mlp/model.json', text, 'models/mlp/model.json', 'pretrained_checkpoint');
  expectField(c.strategy, 'linear-probe', text, 'true', 'freeze_backbone');
  expectField(c.dataset, 'data/train.csv', text, 'data/train.csv', 'train_file');
  expectField(c.trainSize, 80, text, '80', 'max_train_samples');
  expectField(c.learningRate, 0.001, text, '0.001', 'lr', 'optimizer:');
  expectField(c.epochs, 10, text, '10', 'max_epochs');
  expectField(c.featureLayer, 'hidden', text, 'hidden', 'feature_layer');
});

test('hydra: defaults composition puts ranges into the group files; _self_ last overrides; env default', () => {
  const { config, problems, file } = read('hydra/conf/train.yaml');
  assert.deepEqual(problems, []);
  const c = only(config);
  assert.equal(c.profile, 'hydra');
  const model = fixture('hydra/conf/model/mlp.yaml');
  const data = fixture('hydra/conf/data/tabular.yaml');
  const primary = fixture('hydra/conf/train.yaml');
  // From the model group file, interpolated from the primary's paths block.
  assert.equal(c.checkpoint!.file, model.file);
  expectField(c.checkpoint, 'models/mlp', model.text, '${paths.model_root}/mlp', 'pretrained_checkpoint');
  // From the data group file, with ${oc.env:TL_DATA_ROOT,../../data} falling back to its default.
  assert.equal(c.dataset!.file, data.file);
  expectField(c.dataset, 'data/train.csv', data.text, '${paths.data_root}/train.csv', 'train_file');
  expectField(c.trainSize, 150, data.text, '150', 'max_train_samples');
  // _self_ is listed last: the primary's model.optimizer.lr wins over the group's 0.01.
  assert.equal(c.learningRate!.file, file);
  expectField(c.learningRate, 0.0005, primary.text, '0.0005', 'lr');
  expectField(c.strategy, 'full', model.text, 'false', 'freeze_backbone');
  assert.deepEqual(c.includedFiles, [model.file, data.file]);
});

test('hydra: ${oc.env:VAR} takes the environment when set', () => {
  const c = only(read('hydra/conf/train.yaml', { TL_DATA_ROOT: '/datasets' }).config);
  assert.equal(c.dataset!.value, '/datasets/train.csv');
});

test('ultralytics: model, data, freeze N is a partial freeze, lr0', () => {
  const { config, problems, text } = read('ultralytics/train.yaml');
  assert.deepEqual(problems, []);
  const c = only(config);
  assert.equal(c.profile, 'ultralytics');
  expectField(c.checkpoint, 'ultralytics/yolov8n-cls.pt', text, 'ultralytics/yolov8n-cls.pt', 'model', 'mode: train');
  expectField(c.dataset, 'ultralytics/datasets/shapes', text, 'ultralytics/datasets/shapes', 'data', 'yolov8n');
  expectField(c.strategy, 'partial-freeze', text, '10', 'freeze');
  expectField(c.frozenLayers, 10, text, '10', 'freeze');
  expectField(c.learningRate, 0.01, text, '0.01', 'lr0');
  assert.equal(c.extras?.fraction?.value, 0.5);
});

test('detection picks LLaMA-Factory over Hugging Face only when its own keys are present', () => {
  const hf = readConfig('model_name_or_path: a\nfinetuning_type: lora\ntrain_file: t.csv\n', '/x/a.yaml').config;
  const lf = readConfig('model_name_or_path: a\nfinetuning_type: lora\nstage: sft\ntemplate: llama3\ndataset: x\n', '/x/b.yaml').config;
  assert.equal(hf?.profile, 'huggingface');
  assert.equal(lf?.profile, 'llama-factory');
});
