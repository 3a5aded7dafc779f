/**
 * The pipeline's dataset step for configs listing several datasets (src/node/readDatasets.ts):
 * concatenation with aligned columns and merged classes, a sample mixed in proportion to the
 * rows each dataset trains on, and datasets whose columns differ left out with a finding on their item.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../../../src/core/config/index';
import { staticCheck } from '../../../src/node/resolve/index';
import { allocate, readDatasetList } from '../../../src/node/readDatasets';
import type { Finding } from '../../../src/core/model/finding';
import { rangeOf } from '../config/helpers';

function csv(header: string, rows: number, row: (i: number) => string): string {
  return [header, ...Array.from({ length: rows }, (_, i) => row(i))].join('\n') + '\n';
}

async function load(folder: string, text: string, maxRows = 2000) {
  const file = join(folder, 'config.yml');
  const checked = await staticCheck(text, file, { workspaceRoot: folder, env: {}, home: '/nonexistent-home' });
  const findings: Finding[] = [...checked.findings];
  const loaded = await readDatasetList(checked.config!, checked.resolved.datasets!, { labelColumn: 'label', maxRows, seed: 0 }, findings);
  return { loaded, findings, text };
}

test('allocate splits rows in proportion, within each capacity, summing to the total', () => {
  assert.deepEqual(allocate(30, [100, 50], [100, 50]), [20, 10]);
  assert.deepEqual(allocate(10, [1, 1, 1], [10, 10, 10]).reduce((a, b) => a + b, 0), 10);
  assert.deepEqual(allocate(100, [90, 10], [40, 100]), [40, 60], 'a full dataset hands its share on');
  assert.deepEqual(allocate(500, [5, 5], [3, 4]), [3, 4], 'never more than there is');
});

test('two CSVs: columns aligned by name, classes merged, rows and notes per dataset', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'tl-mix-'));
  try {
    writeFileSync(join(folder, 'a.csv'), csv('x1,x2,label', 40, (i) => `${i},${i * 2},${i % 2 ? 'cat' : 'dog'}`));
    writeFileSync(join(folder, 'b.csv'), csv('label,x2,x1', 20, (i) => `${i % 2 ? 'bird' : 'dog'},${-i * 2},${-i}`));
    const text = 'base_model: m\ndatasets:\n  - path: a.csv\n  - path: b.csv\n';
    const { loaded, findings } = await load(folder, text);
    assert.deepEqual(findings.filter((f) => f.code !== 'checkpoint-missing'), []);
    const table = loaded!.table;
    assert.equal(table.rowsTotal, 60);
    assert.equal(table.rowsUsed, 60);
    assert.deepEqual(table.featureNames, ['x1', 'x2']);
    // b.csv's columns are reordered to x1, x2: every row has x2 = 2·x1.
    for (let i = 0; i < table.features.rows; i++) assert.equal(table.features.data[i * 2 + 1], 2 * table.features.data[i * 2]!);
    assert.ok(table.labels.kind === 'classes');
    assert.deepEqual(table.labels.classNames, ['bird', 'cat', 'dog']);
    assert.deepEqual(table.classCounts, [10, 20, 30]);
    assert.deepEqual(loaded!.parts.map((p) => [p.index, p.keyPath, p.rows, p.rowsUsed]), [[0, 'datasets[0].path', 40, 40], [1, 'datasets[1].path', 20, 20]]);
    assert.match(loaded!.notes[0]!, /Training mixes 2 datasets; rows from each: a\.csv 40 \(40 in the analysis sample\), b\.csv 20 \(20 in the analysis sample\)/);
    // A smaller sample keeps the 2:1 mix.
    const small = await load(folder, text, 30);
    assert.deepEqual(small.loaded!.parts.map((p) => p.rowsUsed), [20, 10]);
    assert.equal(small.loaded!.table.rowsUsed, 30);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('a dataset with different columns is left out with a finding on its item; the rest is analysed', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'tl-mix-'));
  try {
    writeFileSync(join(folder, 'a.csv'), csv('x1,x2,label', 30, (i) => `${i},${i},${i % 3}`));
    writeFileSync(join(folder, 'b.csv'), csv('x1,x3,label', 30, (i) => `${i},${i},${i % 3}`));
    writeFileSync(join(folder, 'c.csv'), csv('x1,x2,label', 30, (i) => `${i},${i},${i % 3}`));
    const text = 'base_model: m\ndatasets:\n  - path: a.csv\n  - path: b.csv\n  - path: c.csv\n  - path: gone.csv\n';
    const { loaded, findings } = await load(folder, text);
    const mismatch = findings.filter((f) => f.code === 'shape-mismatch');
    assert.equal(mismatch.length, 1, 'reported once (static check and reader agree)');
    assert.deepEqual(mismatch[0]!.range, rangeOf(text, 'b.csv'));
    assert.equal(mismatch[0]!.data?.datasetIndex, 1);
    assert.match(mismatch[0]!.message, /b\.csv has 2 feature columns but a\.csv \(datasets\[0\]\.path\) has 2: it lacks x2 and has an extra column x3/);
    assert.deepEqual(loaded!.parts.map((p) => p.index), [0, 2]);
    assert.equal(loaded!.table.rowsTotal, 60);
    assert.match(loaded!.notes[1]!, /Left out of the analysis \(see the findings on them\): datasets\[1\]\.path \(different columns\), datasets\[3\]\.path \('gone\.csv' not found\)/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('label kinds are reconciled: integer classes in one file and real values in another → regression', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'tl-mix-'));
  try {
    writeFileSync(join(folder, 'a.csv'), csv('x1,label', 20, (i) => `${i},${i % 2}`));
    writeFileSync(join(folder, 'b.csv'), csv('x1,label', 20, (i) => `${i},${(i * 0.37).toFixed(2)}`));
    const { loaded } = await load(folder, 'base_model: m\ndatasets:\n  - path: a.csv\n  - path: b.csv\n');
    assert.equal(loaded!.table.labels.kind, 'values');
    assert.equal(loaded!.table.rowsUsed, 40);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('LLaMA-Factory max_samples caps each dataset: the sample mixes min(cap, rows) of each', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'tl-mix-'));
  try {
    writeFileSync(join(folder, 'big.csv'), csv('x1,label', 300, (i) => `${i},${i % 2}`));
    writeFileSync(join(folder, 'small.csv'), csv('x1,label', 100, (i) => `${i},${i % 2}`));
    writeFileSync(join(folder, 'dataset_info.json'), JSON.stringify({ big: { file_name: 'big.csv' }, small: { file_name: 'small.csv' } }));
    const text = 'model_name_or_path: m\nstage: sft\ntemplate: default\ndataset: big,small\ndataset_dir: .\nmax_samples: 100\n';
    assert.equal(readConfig(text, join(folder, 'config.yml')).config!.datasets?.length, 2);
    const { loaded } = await load(folder, text, 100);
    // Training sees 100 + 100 rows, so the 100-row sample is half from each (not 3:1 by file size).
    assert.deepEqual(loaded!.parts.map((p) => [p.rows, p.rowsUsed]), [[300, 50], [100, 50]]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('one class per dataset is fine in a mix (one file per class); a mix with one class in all is single-class', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'tl-mix-'));
  try {
    writeFileSync(join(folder, 'cats.csv'), csv('x1,x2,label', 30, (i) => `${i},${i + 1},cat`));
    writeFileSync(join(folder, 'dogs.csv'), csv('x1,x2,label', 20, (i) => `${-i},${-i - 1},dog`));
    const text = 'base_model: m\ndatasets:\n  - path: cats.csv\n  - path: dogs.csv\n';
    const { loaded, findings } = await load(folder, text);
    assert.deepEqual(findings.filter((f) => f.code !== 'checkpoint-missing').map((f) => f.code), []);
    assert.ok(loaded!.table.labels.kind === 'classes');
    assert.deepEqual(loaded!.table.labels.classNames, ['cat', 'dog']);
    assert.deepEqual(loaded!.table.classCounts, [30, 20]);

    writeFileSync(join(folder, 'more-cats.csv'), csv('x1,x2,label', 10, (i) => `${i},${i},cat`));
    const same = await load(folder, 'base_model: m\ndatasets:\n  - path: cats.csv\n  - path: more-cats.csv\n');
    assert.equal(same.loaded, undefined);
    const f = same.findings.find((x) => x.code === 'single-class')!;
    assert.ok(f, JSON.stringify(same.findings.map((x) => x.code)));
    assert.match(f.message, /2 listed datasets together have only one class \("cat"\)/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
