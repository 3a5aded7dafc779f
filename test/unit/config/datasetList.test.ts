/**
 * Several datasets in one config: every Axolotl `datasets[]` item, every name of LLaMA-Factory's
 * `dataset: a,b` and every item of a key map's `[*]` path becomes its own value with its own
 * range; the planned n for lists (sum of rows, per-dataset caps) and Ultralytics `fraction`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConfig, type KeyMapProfile } from '../../../src/core/config/index';
import { datasetEntries, plannedTrainSize } from '../../../src/core/config/datasetList';
import type { NormalizedConfig } from '../../../src/core/model/config';
import { fixture, rangeOf } from './helpers';

function read(text: string, file = '/work/run.yaml', keyMaps?: readonly KeyMapProfile[]) {
  return readConfig(text, file, { env: {}, ...(keyMaps ? { keyMaps } : {}) });
}

test('axolotl: every datasets[] item is read (path or data_files), in order, each with its exact range', () => {
  const { file, text } = fixture('axolotl/mixed.yml');
  const { config, problems } = readConfig(text, file, { env: {} });
  assert.deepEqual(problems, []);
  const entries = datasetEntries(config!);
  assert.deepEqual(entries.map((e) => [e.value, e.keyPath]), [
    ['data/train.csv', 'datasets[0].path'],
    ['data/validation.csv', 'datasets[1].data_files'],
    ['data/wide.csv', 'datasets[2].path'],
    ['data/missing.csv', 'datasets[3].path'],
  ]);
  for (const entry of entries) assert.deepEqual(entry.range, rangeOf(text, entry.value), entry.keyPath);
  assert.deepEqual(entries[1]!.keyRange, rangeOf(text, 'data_files'));
  // `dataset` stays the first item.
  assert.equal(config!.dataset, entries[0]);
});

test('a single dataset leaves `datasets` unset; datasetEntries still lists it', () => {
  const { file, text } = fixture('axolotl/full.yml');
  const { config } = readConfig(text, file, { env: {} });
  assert.equal(config!.datasets, undefined);
  assert.deepEqual(datasetEntries(config!).map((e) => e.value), ['data/train.csv']);
});

test('a datasets[] item without a usable path is a finding on that item; the others are kept', () => {
  const text = 'base_model: m\ndatasets:\n  - path: a.csv\n  - path: {nested: 1}\n  - path: c.csv\n';
  const { config, problems } = read(text);
  assert.deepEqual(datasetEntries(config!).map((e) => e.value), ['a.csv', 'c.csv']);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.code, 'config-invalid-value');
  assert.deepEqual(problems[0]!.range, rangeOf(text, 'path', undefined, 1));
  assert.match(problems[0]!.message, /datasets\[1\]\.path must be a text value .* got a mapping/);
});

test('llama-factory: each name of `dataset: a,b` gets the range of that name', () => {
  const { file, text } = fixture('llama-factory/mixed.yaml');
  const { config, problems } = readConfig(text, file, { env: {} });
  assert.deepEqual(problems, []);
  // `dataset` is the value as written; the list has one value per name.
  assert.equal(config!.dataset!.value, 'tabular_demo, validation_demo,not_registered');
  const entries = datasetEntries(config!);
  assert.deepEqual(entries.map((e) => e.value), ['tabular_demo', 'validation_demo', 'not_registered']);
  for (const entry of entries) {
    assert.deepEqual(entry.range, rangeOf(text, entry.value, 'dataset: '), entry.value);
    assert.equal(entry.keyPath, 'dataset');
  }
});

test('llama-factory: quoted lists, YAML lists and a single name', () => {
  const head = 'model_name_or_path: m\nstage: sft\ntemplate: default\n';
  const quoted = `${head}dataset: "alpaca_en,identity"\n`;
  const q = datasetEntries(read(quoted).config!);
  assert.deepEqual(q.map((e) => [e.value, e.range]), [['alpaca_en', rangeOf(quoted, 'alpaca_en')], ['identity', rangeOf(quoted, 'identity')]]);
  const list = `${head}dataset: [alpaca_en, identity]\n`;
  const l = datasetEntries(read(list).config!);
  assert.deepEqual(l.map((e) => [e.value, e.keyPath, e.range]), [['alpaca_en', 'dataset[0]', rangeOf(list, 'alpaca_en')], ['identity', 'dataset[1]', rangeOf(list, 'identity')]]);
  const single = read(`${head}dataset: alpaca_en\n`).config!;
  assert.equal(single.datasets, undefined);
  assert.equal(single.dataset!.value, 'alpaca_en');
  // A value spread over lines has no per-name position: each name keeps the whole value's range.
  const folded = `${head}dataset: >-\n  alpaca_en,\n  identity\n`;
  const f = read(folded).config!;
  assert.deepEqual(datasetEntries(f).map((e) => e.value), ['alpaca_en', 'identity']);
  assert.deepEqual(datasetEntries(f)[1]!.range, f.dataset!.range);
});

test('a user key map with `[*]` lists every item', () => {
  const text = 'run:\n  backbone: w/model.json\n  inputs:\n    - file: a.csv\n    - file: b.csv\n';
  const { config } = read(text, '/work/exp.yaml', [{ name: 'ours', detect: { anyKey: ['run.backbone'] }, fields: { checkpoint: ['run.backbone'], dataset: ['run.inputs[*].file'] } }]);
  assert.deepEqual(datasetEntries(config!).map((e) => [e.value, e.keyPath, e.range]), [
    ['a.csv', 'run.inputs[0].file', rangeOf(text, 'a.csv')],
    ['b.csv', 'run.inputs[1].file', rangeOf(text, 'b.csv')],
  ]);
});

function withConfig(text: string): NormalizedConfig {
  return read(text).config!;
}

test('planned n for lists: the sum of rows, a total cap, LLaMA-Factory per-dataset caps', () => {
  const axolotl = withConfig('base_model: m\ndatasets:\n  - path: a.csv\n  - path: b.csv\n');
  assert.deepEqual(plannedTrainSize(axolotl, [100, 80]), { n: 180, source: 'dataset rows of 2 datasets', contributions: [100, 80] });
  const capped = withConfig('base_model: m\ndatasets:\n  - path: a.csv\n  - path: b.csv\nmax_train_samples: 150\n');
  assert.equal(plannedTrainSize(capped, [100, 80]).n, 150);
  assert.equal(plannedTrainSize(capped, [100, 80]).source, 'max_train_samples');
  const lf = withConfig('model_name_or_path: m\nstage: sft\ntemplate: default\ndataset: a,b\nmax_samples: 90\n');
  const planned = plannedTrainSize(lf, [100, 80]);
  assert.equal(planned.n, 170);
  assert.deepEqual(planned.contributions, [90, 80]);
  assert.match(planned.note!, /max_samples: 90 caps each dataset \(LLaMA-Factory\), so n = 90 \+ 80 = 170/);
  // A single LLaMA-Factory dataset keeps the cap as the planned n (the dataset-too-small check speaks when it exceeds the rows).
  const single = withConfig('model_name_or_path: m\nstage: sft\ntemplate: default\ndataset: a\nmax_samples: 500\n');
  assert.equal(plannedTrainSize(single, [100]).n, 500);
});

test('ultralytics fraction: n = round(fraction × rows), with a note', () => {
  const head = 'model: m.pt\ndata: d\nlr0: 0.01\nimgsz: 64\n';
  const half = withConfig(`${head}fraction: 0.25\n`);
  const planned = plannedTrainSize(half, [1001], 'images in the folder');
  assert.equal(planned.n, 250);
  assert.equal(planned.source, 'fraction');
  assert.match(planned.note!, /fraction: 0\.25 of 1,001 images in the folder: n = round\(0\.25 × 1,001\) = 250/);
  assert.equal(plannedTrainSize(withConfig(`${head}fraction: 0.001\n`), [100]).n, 1, 'at least one sample');
  const full = plannedTrainSize(withConfig(`${head}fraction: 1.5\n`), [100]);
  assert.equal(full.n, 100, 'above 1 Ultralytics uses every image');
  assert.equal(plannedTrainSize(withConfig(head), [100]).n, 100);
  assert.equal(plannedTrainSize(withConfig(head), [100]).source, 'dataset rows');
});

test('ultralytics fraction outside (0, 1] is a finding on the fraction key', () => {
  const head = 'model: m.pt\ndata: d\nlr0: 0.01\nimgsz: 64\n';
  for (const bad of ['0', '-0.5', 'half', '']) {
    const text = `${head}fraction: ${bad}\n`;
    const { config, problems } = read(text);
    assert.deepEqual(problems.map((p) => [p.code, p.severity]), [['config-invalid-value', 'error']], bad);
    assert.deepEqual(problems[0]!.range, rangeOf(text, 'fraction'));
    assert.match(problems[0]!.message, /fraction must be a number greater than 0 and at most 1/);
    assert.equal(config!.extras?.fraction, undefined, 'an invalid fraction is not applied');
  }
  const above = `${head}fraction: 1.5\n`;
  const { problems } = read(above);
  assert.deepEqual(problems.map((p) => [p.code, p.severity]), [['config-invalid-value', 'warning']]);
  assert.match(problems[0]!.message, /fraction 1\.5 is above 1: Ultralytics then trains on every image/);
  assert.deepEqual(read(`${head}fraction: "0.5"\n`).problems, []);
  assert.equal(read(`${head}fraction: "0.5"\n`).config!.extras?.fraction?.value, 0.5);
});

test('the Ultralytics fixture: fraction 0.5 is valid and kept as a number', () => {
  const { file, text } = fixture('ultralytics/train.yaml');
  const { config, problems } = readConfig(text, file, { env: {} });
  assert.deepEqual(problems, []);
  assert.equal(config!.extras?.fraction?.value, 0.5);
  assert.deepEqual(config!.extras?.fraction?.keyRange, rangeOf(text, 'fraction'));
});
