/** Tests of the fs-backed dataset readers (readTable, countTableRows, readFeatures) on committed fixtures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countTableRows, readTable } from '../../../src/node/readers/table';
import { readArray, readFeatures } from '../../../src/node/readers/features';
import { DatasetError } from '../../../src/core/formats/errors';
import { parseNpy, toFloat64 } from '../../../src/core/formats/npy';
import { readFileSync } from 'node:fs';

const data = join(__dirname, '..', '..', 'fixtures', 'data');
const fixture = (name: string): string => join(data, name);

async function rejectsDataset(promise: Promise<unknown>, code: string, line: number | undefined, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof DatasetError, `expected DatasetError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.line, line, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test('CSV classification: text column skipped, string classes indexed, quoted commas kept', async () => {
  const t = await readTable(fixture('classes.csv'), { labelColumn: 'species', maxRows: 1000, seed: 0 });
  assert.equal(t.format, 'csv');
  assert.deepEqual(t.featureNames, ['id', 'sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
  assert.deepEqual(t.skippedColumns, ['note']);
  assert.equal(t.rowsTotal, 90);
  assert.equal(t.rowsUsed, 90);
  assert.ok(t.labels.kind === 'classes');
  if (t.labels.kind === 'classes') {
    assert.deepEqual(t.labels.classNames, ['setosa', 'versicolor', 'virginica']);
    assert.deepEqual([...t.labels.values.slice(0, 6)], [0, 1, 2, 0, 1, 2]);
  }
  // Same numbers as the .npy export of the same rows (float32 there, so compare loosely).
  const npy = parseNpy(new Uint8Array(readFileSync(fixture('features.npy'))));
  const fromNpy = toFloat64(npy);
  for (let r = 0; r < 90; r++) {
    for (let j = 0; j < 4; j++) assert.ok(Math.abs(t.features.data[r * 5 + 1 + j]! - fromNpy[r * 4 + j]!) < 1e-5);
  }
});

test('CSV sampling: maxRows, seed-reproducible, every class present', async () => {
  const options = { labelColumn: 'species', maxRows: 10, seed: 3, featureColumns: ['petal_length'] };
  const a = await readTable(fixture('classes.csv'), options);
  const b = await readTable(fixture('classes.csv'), options);
  assert.equal(a.rowsUsed, 10);
  assert.equal(a.rowsTotal, 90);
  assert.deepEqual(a.features.data, b.features.data);
  assert.ok(a.labels.kind === 'classes');
  if (a.labels.kind === 'classes') assert.equal(new Set(a.labels.values).size, 3);
});

test('CSV regression with CRLF and BOM', async () => {
  const t = await readTable(fixture('regression.csv'), { labelColumn: 'target', maxRows: 1000, seed: 0 });
  assert.deepEqual(t.featureNames, ['a', 'b', 'c']);
  assert.equal(t.rowsTotal, 60);
  assert.equal(t.labels.kind, 'values');
  if (t.labels.kind === 'values') assert.equal(t.labels.values.rows, 60);
});

test('JSONL with array features matches the CSV', async () => {
  const j = await readTable(fixture('classes.jsonl'), { labelColumn: 'species', maxRows: 1000, seed: 0 });
  const c = await readTable(fixture('classes.csv'), { labelColumn: 'species', maxRows: 1000, seed: 0, featureColumns: ['id', 'sepal_length', 'sepal_width', 'petal_length', 'petal_width'] });
  assert.equal(j.format, 'jsonl');
  assert.deepEqual(j.featureNames, ['id', 'x[0]', 'x[1]', 'x[2]', 'x[3]']);
  assert.deepEqual(j.features.data, c.features.data);
  assert.deepEqual(j.labels, c.labels);
});

test('.npy table (label column by index) and .npz (arrays by name)', async () => {
  const fromNpy = await readTable(fixture('table.npy'), { labelColumn: '-1', maxRows: 1000, seed: 0 });
  assert.equal(fromNpy.format, 'npy');
  assert.equal(fromNpy.features.cols, 4);
  assert.ok(fromNpy.labels.kind === 'classes');
  const fromNpz = await readTable(fixture('features.npz'), { labelColumn: 'labels', maxRows: 1000, seed: 0 });
  assert.equal(fromNpz.features.cols, 4);
  assert.equal(fromNpz.rowsTotal, 90);
  if (fromNpy.labels.kind === 'classes' && fromNpz.labels.kind === 'classes') assert.deepEqual(fromNpy.labels.values, fromNpz.labels.values);
  await rejectsDataset(readTable(fixture('features.npz'), { labelColumn: 'y', maxRows: 10, seed: 0 }), 'label-column-missing', undefined, /no label array 'y'.*'features', 'labels'/);
  await rejectsDataset(readTable(fixture('table.npy'), { labelColumn: 'species', maxRows: 10, seed: 0 }), 'label-column-missing', undefined, /column index from -5 to 4/);
});

test('broken tables: each error names the file, the line and the problem', async () => {
  const o = { labelColumn: 'label', maxRows: 100, seed: 0 };
  await rejectsDataset(readTable(fixture('ragged.csv'), o), 'dataset-invalid', 4, /ragged\.csv: line 4 has 2 fields but the header has 3/);
  await rejectsDataset(readTable(fixture('missing-label.csv'), o), 'label-column-missing', 1, /missing-label\.csv: there is no label column 'label'; the columns are 'a', 'b', 'target'/);
  await rejectsDataset(readTable(fixture('non-numeric.csv'), o), 'dataset-invalid', 3, /non-numeric\.csv: line 3: feature 'b' is "four", not a number/);
  await rejectsDataset(readTable(fixture('nan.csv'), o), 'non-finite-values', 3, /nan\.csv: line 3: feature 'b' is NaN/);
  await rejectsDataset(readTable(fixture('single-class.csv'), o), 'single-class', undefined, /single-class\.csv: .*only one class/);
  await rejectsDataset(readTable(fixture('unclosed-quote.csv'), o), 'dataset-invalid', 3, /unclosed-quote\.csv: the quoted field starting on line 3 is never closed/);
  await rejectsDataset(readTable(fixture('non-utf8.csv'), o), 'dataset-invalid', 2, /non-utf8\.csv: line 2 is not valid UTF-8 \(byte 0xe9\); re-save/);
  await rejectsDataset(readTable(fixture('bad.jsonl'), o), 'dataset-invalid', 2, /bad\.jsonl: line 2 is not valid JSON/);
  await rejectsDataset(readTable(fixture('nope.csv'), o), 'dataset-missing', undefined, /nope\.csv: file not found/);
  await rejectsDataset(readTable(fixture('truncated.npy'), { ...o, labelColumn: '0' }), 'dataset-invalid', undefined, /truncated\.npy: declares shape \(90, 4\)/);
  await rejectsDataset(readTable(data, o), 'dataset-unsupported', undefined, /is a folder/);
  await rejectsDataset(readTable(fixture('features.safetensors'), o), 'dataset-unsupported', undefined, /\.safetensors format is not readable here/);
});

test('streaming: a file larger than one chunk, with a multi-byte character across the chunk boundary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-readers-'));
  try {
    const rows = ['x,label'];
    // ~2.5 MiB so the 1 MiB chunks split rows, quotes and UTF-8 sequences somewhere.
    for (let i = 0; i < 120000; i++) rows.push(`${i % 97},"é ${i % 2 ? 'ünï' : 'çødé'}, ok"`);
    const path = join(dir, 'big.csv');
    writeFileSync(path, rows.join('\n'));
    const t = await readTable(path, { labelColumn: 'label', maxRows: 500, seed: 1, task: 'classification' });
    assert.equal(t.rowsTotal, 120000);
    assert.equal(t.rowsUsed, 500);
    assert.ok(t.labels.kind === 'classes');
    if (t.labels.kind === 'classes') assert.deepEqual(t.labels.classNames, ['é çødé, ok', 'é ünï, ok']);
    assert.equal(await countTableRows(path), 120000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an aborted signal stops reading', async () => {
  const controller = new AbortController();
  controller.abort(new Error('cancelled by test'));
  await assert.rejects(readTable(fixture('classes.csv'), { labelColumn: 'species', maxRows: 10, seed: 0, signal: controller.signal }), /cancelled by test/);
});

test('JSONL rows missing a key are reported on their line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-readers-'));
  try {
    const path = join(dir, 'rows.jsonl');
    writeFileSync(path, '{"a": 1, "b": 2, "label": "x"}\n\n{"a": 3, "label": "y"}\n');
    await rejectsDataset(readTable(path, { labelColumn: 'label', maxRows: 10, seed: 0 }), 'dataset-invalid', 3, /rows\.jsonl: line 3: feature 'b' is missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('row counting without parsing values', async () => {
  assert.equal(await countTableRows(fixture('classes.csv')), 90);
  assert.equal(await countTableRows(fixture('classes.jsonl')), 90);
  assert.equal(await countTableRows(fixture('regression.csv')), 60);
  assert.equal(await countTableRows(fixture('features.npy')), 90);
});

test('readFeatures / readArray: npy, npz, safetensors agree; broken files are named', async () => {
  const a = await readFeatures(fixture('features.npy'));
  const b = await readFeatures(fixture('features.npz'));
  const c = await readFeatures(fixture('features.safetensors'));
  assert.equal(a.rows, 90);
  assert.equal(a.cols, 4);
  assert.deepEqual(a, b);
  assert.deepEqual(a, c);
  const labels = await readArray(fixture('features.npz'), { name: 'labels' });
  assert.deepEqual(labels.shape, [90]);
  await rejectsDataset(readFeatures(fixture('truncated.npy')), 'dataset-invalid', undefined, /truncated\.npy: .*truncated or its header is wrong/);
  await rejectsDataset(readFeatures(fixture('lying-header.npy')), 'dataset-invalid', undefined, /lying-header\.npy: declares shape \(900, 4\)/);
  await rejectsDataset(readFeatures(fixture('fortran.npy')), 'dataset-invalid', undefined, /fortran\.npy: .*Fortran/);
  await rejectsDataset(readFeatures(fixture('truncated.safetensors')), 'dataset-invalid', undefined, /truncated\.safetensors: needs \d+ bytes .* truncated/);
  await rejectsDataset(readFeatures(fixture('classes.csv')), 'dataset-unsupported', undefined, /must be \.npy, \.npz or \.safetensors/);
  await rejectsDataset(readFeatures(fixture('labels.npy'), { maxBytes: 100 }), 'dataset-invalid', undefined, /more than the limit of 100/);
});
