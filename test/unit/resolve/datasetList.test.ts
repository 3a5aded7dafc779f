/**
 * Static checks of configs that list several datasets (headers only): every item is resolved,
 * and findings — missing, unsupported, label column, different columns, too few rows — land on
 * the list item (line and character) or on the name inside LLaMA-Factory's `a,b`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { staticCheck, type StaticCheckOptions } from '../../../src/node/resolve/index';
import { runStaticCheck } from '../../../src/vscode/staticTier';
import { writeNpy } from '../../../src/core/formats/npy';
import { FIXTURES, HF_HOME, fixture, rangeOf } from '../config/helpers';

const base: StaticCheckOptions = { workspaceRoot: FIXTURES, env: {}, hfHome: HF_HOME, home: '/nonexistent-home' };

async function check(relativePath: string, text?: string, options: StaticCheckOptions = base) {
  const f = fixture(relativePath);
  const result = await staticCheck(text ?? f.text, f.file, options);
  return { ...result, file: f.file, text: text ?? f.text };
}

test('axolotl: every datasets[] item resolves; missing and different-columns findings land on their item', async () => {
  const { findings, resolved, text } = await check('axolotl/mixed.yml');
  assert.deepEqual(resolved.datasets?.map((d) => [d.index, d.reference.keyPath, d.resolved?.rows]), [
    [0, 'datasets[0].path', 120],
    [1, 'datasets[1].data_files', 30],
    [2, 'datasets[2].path', 20],
    [3, 'datasets[3].path', undefined],
  ]);
  assert.equal(resolved.dataset?.rows, 120, 'resolved.dataset stays the first item');
  const missing = findings.find((f) => f.code === 'dataset-missing')!;
  assert.deepEqual(missing.range, rangeOf(text, 'data/missing.csv'));
  assert.equal(missing.data?.datasetIndex, 3);
  assert.match(missing.message, /^datasets\[3\]\.path: 'data\/missing\.csv' does not exist/);
  const columns = findings.find((f) => f.code === 'shape-mismatch')!;
  assert.deepEqual(columns.range, rangeOf(text, 'data/wide.csv'));
  assert.equal(columns.severity, 'warning');
  assert.equal(columns.data?.datasetIndex, 2);
  assert.match(columns.message, /wide\.csv has 6 feature columns but train\.csv \(datasets\[0\]\.path\) has 4: it has extra columns x5, x6/);
  assert.match(columns.message, /leaves wide\.csv out\. Rename or drop columns/);
  // max_train_samples: 500 against the rows of the datasets found, together.
  const tooSmall = findings.find((f) => f.code === 'dataset-too-small')!;
  assert.deepEqual(tooSmall.range, rangeOf(text, '500'));
  assert.match(tooSmall.message, /have 170 rows together \(train\.csv 120, validation\.csv 30, wide\.csv 20\)/);
  assert.equal(tooSmall.data?.suggestedValue, 170);
  assert.equal(findings.length, 3);
});

test('a list whose datasets all fit: no findings; a cap below the total is fine', async () => {
  const f = fixture('axolotl/mixed.yml');
  const text = f.text.replace('  - path: data/wide.csv\n    type: completion\n  - path: data/missing.csv\n    type: completion\n', '').replace('500', '150');
  const { findings, resolved } = await check('axolotl/mixed.yml', text);
  assert.equal(resolved.datasets?.length, 2);
  assert.deepEqual(findings, []);
});

test('label column: on the item that lacks it, or on the label key when no dataset has it', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'tl-list-'));
  try {
    writeFileSync(join(folder, 'a.csv'), 'x1,x2,x3,x4,label\n1,2,3,4,0\n3,4,5,6,1\n');
    writeFileSync(join(folder, 'b.csv'), 'x1,x2,x3,x4,target\n1,2,3,4,0\n3,4,5,6,1\n');
    const text = `# transferlens: disable=path-outside-workspace\nbase_model: models/mlp\ndatasets:\n  - path: ${folder}/a.csv\n  - path: ${folder}/b.csv\nlabel_column_name: label\n`;
    const one = await check('axolotl/mixed.yml', text);
    assert.deepEqual(one.findings.map((f) => [f.code, f.data?.datasetIndex]), [['label-column-missing', 1]]);
    assert.deepEqual(one.findings[0]!.range, rangeOf(text, `${folder}/b.csv`));
    assert.match(one.findings[0]!.message, /column 'label' is not in b\.csv \(columns: x1, x2, x3, x4, target\), while the other listed datasets have it/);
    const none = await check('axolotl/mixed.yml', text.replace('label_column_name: label', 'label_column_name: y'));
    assert.deepEqual(none.findings.map((f) => f.code), ['label-column-missing']);
    assert.deepEqual(none.findings[0]!.range, rangeOf(none.text, 'y', 'label_column_name: '));
    assert.match(none.findings[0]!.message, /Column 'y' is not in any listed dataset \(a\.csv, b\.csv/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('an unsupported item is a dataset-unsupported finding on that item', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'tl-list-'));
  try {
    writeFileSync(join(folder, 'a.csv'), 'x1,x2,x3,x4,label\n1,2,3,4,0\n');
    writeFileSync(join(folder, 'b.npz'), 'PK');
    const text = `# transferlens: disable=path-outside-workspace\nbase_model: models/mlp\ndatasets:\n  - path: ${folder}/a.csv\n  - path: ${folder}/b.npz\n`;
    const { findings } = await check('axolotl/mixed.yml', text);
    const unsupported = findings.find((f) => f.code === 'dataset-unsupported')!;
    assert.deepEqual(unsupported.range, rangeOf(text, `${folder}/b.npz`));
    assert.equal(unsupported.data?.datasetIndex, 1);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('text datasets (instruction tuning) with different columns are not flagged', async () => {
  const text = 'base_model: models/mlp\ndatasets:\n  - path: data/train.jsonl\n    type: alpaca\n  - path: data/train.csv\n    type: completion\n';
  const { findings } = await check('axolotl/mixed.yml', text);
  assert.deepEqual(findings.filter((f) => f.code === 'shape-mismatch'), []);
});

test('LLaMA-Factory a,b: every name goes through dataset_info.json; an unknown name is flagged on that name', async () => {
  const { findings, resolved, text } = await check('llama-factory/mixed.yaml');
  assert.deepEqual(resolved.datasets?.map((d) => [d.reference.value, d.resolved?.rows]), [['tabular_demo', 120], ['validation_demo', 30], ['not_registered', undefined]]);
  assert.equal(findings.length, 1);
  const missing = findings[0]!;
  assert.equal(missing.code, 'dataset-missing');
  assert.deepEqual(missing.range, rangeOf(text, 'not_registered'));
  assert.equal(missing.data?.datasetIndex, 2);
  assert.match(missing.message, /Dataset 'not_registered' is not defined in .*dataset_info\.json \(defined: tabular_demo, validation_demo\)/);
});

test('LLaMA-Factory max_samples caps each dataset: too large only when it caps none of them', async () => {
  const f = fixture('llama-factory/mixed.yaml');
  const noneCapped = f.text.replace(',not_registered', '').replace('max_samples: 100', 'max_samples: 500');
  const { findings, text } = await check('llama-factory/mixed.yaml', noneCapped);
  assert.deepEqual(findings.map((x) => x.code), ['dataset-too-small']);
  assert.deepEqual(findings[0]!.range, rangeOf(text, '500'));
  assert.match(findings[0]!.message, /max_samples is 500 but each of the 2 listed datasets is smaller \(train\.csv 120, validation\.csv 30\); it caps each dataset, so it has no effect and training uses all 150 rows/);
  assert.equal(findings[0]!.data?.suggestedValue, 120);
  // 100 caps train.csv (120 rows): no warning.
  assert.deepEqual((await check('llama-factory/mixed.yaml', f.text.replace(',not_registered', ''))).findings, []);
});

test('LLaMA-Factory without dataset_info.json: one finding naming every registered name', async () => {
  const f = fixture('llama-factory/mixed.yaml');
  const text = f.text.replace('dataset_dir: llama-factory/mixed-data', 'dataset_dir: nowhere');
  const { findings } = await check('llama-factory/mixed.yaml', text);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.code, 'dataset-missing');
  assert.deepEqual(findings[0]!.range, rangeOf(text, 'tabular_demo, validation_demo,not_registered'));
  assert.match(findings[0]!.message, /Datasets 'tabular_demo', 'validation_demo', 'not_registered' need .*nowhere\/dataset_info\.json/);
});

test('precomputed features are checked against the rows of all listed datasets', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'tl-list-'));
  try {
    writeFileSync(join(folder, 'f.npy'), writeNpy({ shape: [140, 3], dtype: 'float32', data: new Float32Array(420) }));
    const text = `# transferlens: disable=path-outside-workspace\nbase_model: models/mlp\nfeatures_file: ${folder}/f.npy\ndatasets:\n  - path: data/train.csv\n  - path: data/validation.csv\n`;
    const { findings } = await check('axolotl/mixed.yml', text);
    assert.deepEqual(findings.map((x) => x.code), ['shape-mismatch']);
    assert.match(findings[0]!.message, /has 140 rows but the 2 listed datasets have 150 together/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('the editor watches every listed dataset file, not only the first', async () => {
  const f = fixture('axolotl/mixed.yml');
  const { referencedFiles } = await runStaticCheck(f.text, f.file, { workspaceRoot: FIXTURES, env: {} });
  for (const name of ['train.csv', 'validation.csv', 'wide.csv']) {
    assert.ok(referencedFiles.some((p) => p.endsWith(join('data', name))), `${name} in ${referencedFiles.join(', ')}`);
  }
  assert.equal(new Set(referencedFiles).size, referencedFiles.length);
});
