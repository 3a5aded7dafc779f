/** Tests of the pure table sampler: columns, labels, sampling and row-level errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TableSampler, parseNumericCell, type Cell, type TableOptions } from '../../../src/core/formats/table';
import { parseCsv } from '../../../src/core/formats/csv';
import { DatasetError } from '../../../src/core/formats/errors';

function sampleCsv(text: string, options: Partial<TableOptions> = {}) {
  const [header, ...rows] = parseCsv(text, { source: 't.csv' });
  const sampler = new TableSampler(header!.fields, { labelColumn: 'y', maxRows: 1000, seed: 1, ...options }, 't.csv');
  for (const r of rows) sampler.addRow(r.fields, r.line);
  return sampler.finish('csv');
}

function expectDatasetError(fn: () => unknown, code: string, line: number | undefined, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DatasetError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.line, line);
    assert.match(e.message, /t\.csv/);
    assert.match(e.message, pattern);
    return true;
  });
}

test('numeric cells', () => {
  assert.deepEqual(parseNumericCell(' 1.5e3 '), { ok: true, value: 1500 });
  assert.deepEqual(parseNumericCell('-.5'), { ok: true, value: -0.5 });
  assert.deepEqual(parseNumericCell('NaN'), { ok: false, reason: 'non-finite' });
  assert.deepEqual(parseNumericCell('-inf'), { ok: false, reason: 'non-finite' });
  assert.deepEqual(parseNumericCell('0x10'), { ok: false, reason: 'text' });
  assert.deepEqual(parseNumericCell(''), { ok: false, reason: 'empty' });
  assert.deepEqual(parseNumericCell(true), { ok: true, value: 1 });
});

test('string labels become classes; non-numeric columns are skipped by default', () => {
  const t = sampleCsv('id,name,a,b,y\n1,x,0.5,1,cat\n2,y,1.5,2,dog\n3,z,2.5,3,cat\n');
  assert.deepEqual(t.featureNames, ['id', 'a', 'b']);
  assert.deepEqual(t.skippedColumns, ['name']);
  assert.deepEqual([...t.features.data], [1, 0.5, 1, 2, 1.5, 2, 3, 2.5, 3]);
  assert.equal(t.labels.kind, 'classes');
  if (t.labels.kind !== 'classes') return;
  assert.deepEqual(t.labels.classNames, ['cat', 'dog']);
  assert.deepEqual([...t.labels.values], [0, 1, 0]);
  assert.deepEqual(t.classCounts, [2, 1]);
  assert.equal(t.rowsTotal, 3);
  assert.equal(t.rowsUsed, 3);
});

test('numeric labels: integers are classes (sorted numerically), floats are regression', () => {
  const c = sampleCsv('a,y\n1,10\n2,2\n3,10.0\n');
  assert.ok(c.labels.kind === 'classes');
  if (c.labels.kind === 'classes') {
    assert.deepEqual(c.labels.classNames, ['2', '10']);
    assert.deepEqual([...c.labels.values], [1, 0, 1]);
  }
  const r = sampleCsv('a,y\n1,0.5\n2,1.5\n');
  assert.ok(r.labels.kind === 'values');
  if (r.labels.kind === 'values') assert.deepEqual([...r.labels.values.data], [0.5, 1.5]);
  const forced = sampleCsv('a,y\n1,1\n2,2\n', { task: 'regression' });
  assert.equal(forced.labels.kind, 'values');
});

test("pandas' unnamed index column is not a feature", () => {
  const t = sampleCsv(',a,y\n0,1.5,0\n1,2.5,1\n');
  assert.deepEqual(t.featureNames, ['a']);
  assert.deepEqual(t.skippedColumns, ['']);
  assert.deepEqual(sampleCsv('Unnamed: 0,a,y\n0,1.5,0\n1,2.5,1\n').skippedColumns, ['Unnamed: 0']);
});

test('explicit feature columns', () => {
  const t = sampleCsv('a,b,c,y\n1,2,3,0\n4,5,6,1\n', { featureColumns: ['c', 'a'] });
  assert.deepEqual(t.featureNames, ['c', 'a']);
  assert.deepEqual([...t.features.data], [3, 1, 6, 4]);
  expectDatasetError(() => sampleCsv('a,y\n1,0\n', { featureColumns: ['zz'] }), 'dataset-invalid', 1, /no feature column 'zz'.*'a', 'y'/);
});

test('row-level errors carry the line number', () => {
  expectDatasetError(() => sampleCsv('a,b,y\n1,2,0\n1,2\n'), 'dataset-invalid', 3, /line 3 has 2 fields but the header has 3/);
  expectDatasetError(() => sampleCsv('a,b,y\n1,2,0\n1,abc,1\n'), 'dataset-invalid', 3, /line 3: feature 'b' is "abc", not a number/);
  expectDatasetError(() => sampleCsv('a,b,y\n1,2,0\n1,NaN,1\n'), 'non-finite-values', 3, /feature 'b' is NaN/);
  expectDatasetError(() => sampleCsv('a,b,y\n1,2,0\n\n1,,1\n'), 'dataset-invalid', 4, /feature 'b' is empty/);
  expectDatasetError(() => sampleCsv('a,y\n1,0.5\n2,x\n', { task: 'regression' }), 'dataset-invalid', 3, /label 'y' is "x"/);
  expectDatasetError(() => sampleCsv('a,y\n1,0.5\n2,inf\n'), 'non-finite-values', 3, /label 'y' is inf/);
});

test('file-level errors', () => {
  expectDatasetError(() => sampleCsv('a,label\n1,0\n'), 'label-column-missing', 1, /no label column 'y'; the columns are 'a', 'label'/);
  expectDatasetError(() => sampleCsv('a,y\n1,cat\n2,cat\n'), 'single-class', undefined, /only one class \("cat"\) in 2 rows/);
  expectDatasetError(() => sampleCsv('a,y\n'), 'dataset-invalid', 2, /no data rows/);
  expectDatasetError(() => sampleCsv('a,a,y\n1,2,3\n'), 'dataset-invalid', 1, /'a' twice/);
  expectDatasetError(() => sampleCsv('a,y\nx,0\n'), 'dataset-invalid', 2, /no numeric feature columns/);
});

/** Feeds n synthetic rows: feature = row index, label from `labelOf`. */
function sampleSynthetic(n: number, labelOf: (i: number) => Cell, options: Partial<TableOptions>) {
  const sampler = new TableSampler(['i', 'y'], { labelColumn: 'y', maxRows: 50, seed: 7, ...options }, 't.csv');
  for (let i = 0; i < n; i++) sampler.addRow([String(i), labelOf(i)], i + 2);
  return sampler.finish('csv');
}

test('reservoir sampling: bounded, reproducible per seed, in file order, roughly uniform', () => {
  const a = sampleSynthetic(10000, (i) => i * 0.5, {});
  const b = sampleSynthetic(10000, (i) => i * 0.5, {});
  const c = sampleSynthetic(10000, (i) => i * 0.5, { seed: 8 });
  assert.equal(a.rowsUsed, 50);
  assert.equal(a.rowsTotal, 10000);
  assert.deepEqual([...a.features.data], [...b.features.data]);
  assert.notDeepEqual([...a.features.data], [...c.features.data]);
  const indices = [...a.features.data];
  assert.deepEqual(indices, [...indices].sort((x, y) => x - y));
  // A uniform sample of 50 from 0..9999 has mean ≈ 5000 with SD ≈ 408; 4 SD bounds.
  const mean = indices.reduce((s, v) => s + v, 0) / indices.length;
  assert.ok(Math.abs(mean - 5000) < 1700, `mean index ${mean}`);
  // Labels stay attached to their rows.
  if (a.labels.kind === 'values') assert.deepEqual([...a.labels.values.data], indices.map((i) => i * 0.5));
});

test('stratified: a rare class is kept in the sample', () => {
  // 3 rows of class 'rare' among 20000: a plain reservoir of 50 keeps one with probability ≈ 0.7%.
  const rare = new Set([100, 9000, 19000]);
  const t = sampleSynthetic(20000, (i) => (rare.has(i) ? 'rare' : i % 2 ? 'odd' : 'even'), {});
  assert.equal(t.rowsUsed, 50);
  assert.ok(t.labels.kind === 'classes');
  if (t.labels.kind !== 'classes') return;
  assert.deepEqual(t.labels.classNames, ['even', 'odd', 'rare']);
  const rareRows = [...t.labels.values].filter((v) => v === 2).length;
  assert.equal(rareRows, 2);
  // And the rare rows are really rows of that class.
  for (let r = 0; r < t.rowsUsed; r++) {
    if (t.labels.values[r] === 2) assert.ok(rare.has(t.features.data[r]!));
  }
  assert.deepEqual(t.classCounts, [9997, 10000, 3]);
});
