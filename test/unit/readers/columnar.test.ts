/**
 * Parquet and Arrow IPC datasets (readTable, countTableRows, header-only inspection and static
 * checks), on files written here: Arrow with apache-arrow (stream and file formats), Parquet with
 * hyparquet-writer (uncompressed, snappy, gzip, brotli, and zstd / lz4_raw frames built from raw
 * blocks, since no zstd/lz4 compressor is available offline). The sample must equal the one the
 * CSV reader takes from the same rows with the same seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import * as arrow from 'apache-arrow';
import { countTableRows, readTable } from '../../../src/node/readers/table';
import { inspectPath } from '../../../src/node/resolve/inspect';
import { staticCheck } from '../../../src/node/resolve/index';
import { DatasetError } from '../../../src/core/formats/errors';
import { zstdStored } from './storedCodecs';

const folder = mkdtempSync(join(tmpdir(), 'tl-columnar-'));
test.after(() => rmSync(folder, { recursive: true, force: true }));
const at = (name: string): string => join(folder, name);

const loadWriter = () => import('hyparquet-writer');

/** Deterministic rows: an 8-wide embedding, two scalars, a boolean, a text column, class and regression labels. */
function rows(n: number, seed = 1) {
  let s = seed;
  const next = (): number => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const emb = Array.from({ length: n }, () => Array.from({ length: 8 }, () => Math.round(next() * 1000) / 1000));
  const a = Array.from({ length: n }, () => Math.round(next() * 100) / 100);
  const b = Array.from({ length: n }, (_, i) => i * 3);
  const flag = Array.from({ length: n }, (_, i) => i % 4 === 0);
  const text = Array.from({ length: n }, (_, i) => `row ${i}`);
  const label = Array.from({ length: n }, (_, i) => (i * 7) % 3);
  const target = Array.from({ length: n }, (_, i) => Math.round((emb[i]![0]! * 2 + a[i]!) * 1e4) / 1e4);
  return { emb, a, b, flag, text, label, target };
}

/** The same rows as CSV (the text column left out, which the readers skip anyway). */
function csvOf(data: ReturnType<typeof rows>): string {
  const header = [...Array.from({ length: 8 }, (_, j) => `emb[${j}]`), 'a', 'b', 'flag', 'label', 'target'];
  const lines = data.emb.map((e, i) => [...e, data.a[i], data.b[i], data.flag[i] ? 1 : 0, data.label[i], data.target[i]].join(','));
  return [header.join(','), ...lines].join('\n') + '\n';
}

function arrowTable(data: ReturnType<typeof rows>, fixed: boolean): arrow.Table {
  const item = new arrow.Field('item', new arrow.Float32(), true);
  return new arrow.Table({
    emb: arrow.vectorFromArray(data.emb, fixed ? new arrow.FixedSizeList(8, item) : new arrow.List(item)),
    a: arrow.vectorFromArray(Float64Array.from(data.a)),
    b: arrow.vectorFromArray(BigInt64Array.from(data.b.map(BigInt))),
    flag: arrow.vectorFromArray(data.flag, new arrow.Bool()),
    text: arrow.vectorFromArray(data.text, new arrow.Utf8()),
    label: arrow.vectorFromArray(BigInt64Array.from(data.label.map(BigInt))),
    target: arrow.vectorFromArray(Float64Array.from(data.target)),
  });
}

/** LZ4 block of literals only (one final sequence without a match). */
function lz4Literals(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  const n = input.length;
  out.push(Math.min(n, 15) << 4);
  if (n >= 15) {
    let rest = n - 15;
    while (rest >= 255) {
      out.push(255);
      rest -= 255;
    }
    out.push(rest);
  }
  out.push(...input);
  return Uint8Array.from(out);
}

async function writeParquet(path: string, data: ReturnType<typeof rows>, options: { codec?: string; nullAt?: number; nanAt?: number; rowGroupSize?: number; kv?: { key: string; value: string }[] } = {}): Promise<void> {
  const { parquetWriteBuffer } = await loadWriter();
  const a: (number | null)[] = data.a.map((v, i) => (i === options.nullAt ? null : i === options.nanAt ? NaN : v));
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'emb', data: data.emb },
      { name: 'a', data: a },
      { name: 'b', data: data.b.map(BigInt) },
      { name: 'flag', data: data.flag },
      { name: 'text', data: data.text },
      { name: 'label', data: data.label },
      { name: 'target', data: data.target },
    ],
    schema: [
      { name: 'schema', num_children: 7 },
      { name: 'emb', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', repetition_type: 'OPTIONAL', type: 'FLOAT' },
      { name: 'a', repetition_type: 'OPTIONAL', type: 'DOUBLE' },
      { name: 'b', repetition_type: 'REQUIRED', type: 'INT64' },
      { name: 'flag', repetition_type: 'REQUIRED', type: 'BOOLEAN' },
      { name: 'text', repetition_type: 'REQUIRED', type: 'BYTE_ARRAY', converted_type: 'UTF8' },
      { name: 'label', repetition_type: 'REQUIRED', type: 'INT32' },
      { name: 'target', repetition_type: 'REQUIRED', type: 'DOUBLE' },
    ],
    codec: (options.codec ?? 'SNAPPY') as 'SNAPPY',
    compressors: {
      GZIP: (b: Uint8Array) => new Uint8Array(gzipSync(b)),
      BROTLI: (b: Uint8Array) => new Uint8Array(brotliCompressSync(b)),
      ZSTD: zstdStored,
      LZ4_RAW: lz4Literals,
    },
    rowGroupSize: options.rowGroupSize ?? 1000,
    ...(options.kv ? { kvMetadata: options.kv } : {}),
  } as never);
  writeFileSync(path, new Uint8Array(buffer));
}

async function rejectsDataset(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof DatasetError, `expected DatasetError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

const classification = { labelColumn: 'label', maxRows: 1000, seed: 0 };

test('Arrow stream and file formats: list and fixed-size-list features, int64/bool as numbers, text skipped; same numbers as the CSV', async () => {
  const data = rows(120);
  writeFileSync(at('same.csv'), csvOf(data));
  const csv = await readTable(at('same.csv'), classification);
  for (const [name, fixed, kind] of [['list.arrow', false, 'stream'], ['fixed.arrow', true, 'stream'], ['file.feather', true, 'file'], ['list-file.arrow', false, 'file']] as const) {
    writeFileSync(at(name), arrow.tableToIPC(arrowTable(data, fixed), kind));
    const t = await readTable(at(name), classification);
    assert.equal(t.format as string, 'arrow', name);
    assert.deepEqual(t.featureNames, csv.featureNames, name);
    assert.deepEqual(t.skippedColumns, ['text']);
    assert.equal(t.rowsTotal, 120);
    // float32 storage of the embedding: compare within float32 precision.
    for (let k = 0; k < csv.features.data.length; k++) assert.ok(Math.abs(t.features.data[k]! - csv.features.data[k]!) < 1e-6, `${name} value ${k}`);
    assert.deepEqual(t.labels, csv.labels);
    assert.equal(await countTableRows(at(name)), 120);
  }
});

test('Parquet: every codec (uncompressed, snappy, gzip, brotli, zstd, lz4_raw) reads the same table; row groups concatenate', async () => {
  const data = rows(150);
  writeFileSync(at('p.csv'), csvOf(data));
  const csv = await readTable(at('p.csv'), classification);
  for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4_RAW']) {
    const path = at(`p-${codec}.parquet`);
    await writeParquet(path, data, { codec, rowGroupSize: 64 });
    const t = await readTable(path, classification);
    assert.equal(t.format as string, 'parquet');
    assert.deepEqual(t.featureNames, csv.featureNames, codec);
    assert.deepEqual(t.skippedColumns, ['text']);
    for (let k = 0; k < csv.features.data.length; k++) assert.ok(Math.abs(t.features.data[k]! - csv.features.data[k]!) < 1e-6, `${codec} value ${k}`);
    assert.deepEqual(t.labels, csv.labels, codec);
    assert.equal(await countTableRows(path), 150);
  }
});

test('regression labels, and maxRows sampling: seeded, reproducible, identical to the CSV sample', async () => {
  const data = rows(500, 7);
  writeFileSync(at('r.csv'), csvOf(data));
  await writeParquet(at('r.parquet'), data, { rowGroupSize: 100 });
  writeFileSync(at('r.arrow'), arrow.tableToIPC(arrowTable(data, true), 'stream'));
  const options = { labelColumn: 'target', maxRows: 40, seed: 11 };
  const csv = await readTable(at('r.csv'), options);
  for (const name of ['r.parquet', 'r.arrow']) {
    const t = await readTable(at(name), options);
    const again = await readTable(at(name), options);
    assert.equal(t.rowsUsed, 40);
    assert.equal(t.rowsTotal, 500);
    assert.equal(t.labels.kind, 'values');
    assert.deepEqual(t.features.data, again.features.data);
    assert.deepEqual(t.labels, csv.labels, name);
    for (let k = 0; k < csv.features.data.length; k++) assert.ok(Math.abs(t.features.data[k]! - csv.features.data[k]!) < 1e-6, `${name} value ${k}`);
    const other = await readTable(at(name), { ...options, seed: 12 });
    assert.notDeepEqual(other.features.data, t.features.data);
  }
  // Named features: a whole list column, or single elements of it.
  const some = await readTable(at('r.parquet'), { labelColumn: 'target', maxRows: 10, seed: 0, featureColumns: ['emb[2]', 'a'] });
  assert.deepEqual(some.featureNames, ['emb[2]', 'a']);
  const whole = await readTable(at('r.arrow'), { labelColumn: 'target', maxRows: 10, seed: 0, featureColumns: ['emb'] });
  assert.equal(whole.featureNames.length, 8);
});

test('Hugging Face ClassLabel metadata: class names, and classification with more than 20 classes', async () => {
  const n = 100;
  const names = Array.from({ length: 25 }, (_, i) => `class_${String.fromCharCode(97 + i)}`);
  const metadata = JSON.stringify({ info: { features: { x: { dtype: 'float32', _type: 'Value' }, label: { names, _type: 'ClassLabel' } } } });
  const table = new arrow.Table({ x: arrow.vectorFromArray(Float32Array.from({ length: n }, (_, i) => i / n)), label: arrow.vectorFromArray(Int32Array.from({ length: n }, (_, i) => i % 25)) });
  const withMeta = new arrow.Table(new arrow.Schema(table.schema.fields, new Map([['huggingface', metadata]])), table.batches);
  writeFileSync(at('hf.arrow'), arrow.tableToIPC(withMeta, 'stream'));
  const t = await readTable(at('hf.arrow'), classification);
  assert.equal(t.labels.kind, 'classes');
  if (t.labels.kind === 'classes') assert.deepEqual(t.labels.classNames, names);
  // Without the metadata, 25 integer labels mean regression (the CSV rule).
  writeFileSync(at('plain.arrow'), arrow.tableToIPC(table, 'stream'));
  assert.equal((await readTable(at('plain.arrow'), classification)).labels.kind, 'values');
  // Parquet carries the same key.
  const data = rows(30);
  await writeParquet(at('hf.parquet'), data, { kv: [{ key: 'huggingface', value: JSON.stringify({ info: { features: { label: { names: ['neg', 'neu', 'pos'], _type: 'ClassLabel' } } } }) }] });
  const p = await readTable(at('hf.parquet'), classification);
  if (p.labels.kind === 'classes') assert.deepEqual(p.labels.classNames, ['neg', 'neu', 'pos']);
  else assert.fail('expected classes');
});

test('problems name the file, the column and the row: text features, structs, nulls, NaN, ragged lists, missing label', async () => {
  const data = rows(30);
  await writeParquet(at('ok.parquet'), data);
  await rejectsDataset(readTable(at('ok.parquet'), { ...classification, featureColumns: ['text'] }), 'dataset-invalid', /ok\.parquet: column 'text' \(string\) holds text; .*encode it/);
  await rejectsDataset(readTable(at('ok.parquet'), { ...classification, labelColumn: 'y' }), 'label-column-missing', /no label column 'y'; the columns are 'emb' \(list<float32>\), 'a' \(float64\)/);
  await rejectsDataset(readTable(at('ok.parquet'), { ...classification, labelColumn: 'text', task: 'regression' }), 'dataset-invalid', /'text' \(string\) holds text, which cannot be a regression target/);
  await writeParquet(at('null.parquet'), data, { nullAt: 6 });
  await rejectsDataset(readTable(at('null.parquet'), classification), 'dataset-invalid', /null\.parquet: row 7: feature 'a' is null/);
  await writeParquet(at('nan.parquet'), data, { nanAt: 3 });
  await rejectsDataset(readTable(at('nan.parquet'), classification), 'non-finite-values', /nan\.parquet: row 4: feature 'a' is NaN/);

  const only = new arrow.Table({
    meta: arrow.vectorFromArray([{ p: 1 }, { p: 2 }], new arrow.Struct([new arrow.Field('p', new arrow.Int32())])),
    caption: arrow.vectorFromArray(['a cat', 'a dog'], new arrow.Utf8()),
    label: arrow.vectorFromArray(['cat', 'dog'], new arrow.Utf8()),
  });
  writeFileSync(at('text.arrow'), arrow.tableToIPC(only, 'stream'));
  await rejectsDataset(readTable(at('text.arrow'), classification), 'dataset-invalid', /no numeric feature columns besides the label 'label': column 'meta' \(struct<p>\) is a nested struct; flatten it .*ds\.flatten\(\).*column 'caption' \(string\) holds text/);

  const ragged = new arrow.Table({
    emb: arrow.vectorFromArray([[1, 2], [3, 4], [5]], new arrow.List(new arrow.Field('item', new arrow.Float64(), true))),
    label: arrow.vectorFromArray(['a', 'b', 'a'], new arrow.Utf8()),
  });
  writeFileSync(at('ragged.arrow'), arrow.tableToIPC(ragged, 'stream'));
  await rejectsDataset(readTable(at('ragged.arrow'), classification), 'dataset-invalid', /ragged\.arrow: row 3: list column 'emb' has 1 values but earlier rows have 2/);

  const nullLabel = new arrow.Table({ x: arrow.vectorFromArray([1, 2, 3]), label: arrow.vectorFromArray(['a', null, 'b'], new arrow.Utf8()) });
  writeFileSync(at('nolabel.arrow'), arrow.tableToIPC(nullLabel, 'file'));
  await rejectsDataset(readTable(at('nolabel.arrow'), classification), 'dataset-invalid', /nolabel\.arrow: row 2: the label 'label' is null/);
});

test('truncated, corrupt and foreign files are DatasetErrors naming the file, never crashes or hangs', async () => {
  const data = rows(200);
  await writeParquet(at('whole.parquet'), data, { rowGroupSize: 50 });
  const parquet = readFileSync(at('whole.parquet'));
  writeFileSync(at('cut.parquet'), parquet.subarray(0, Math.floor(parquet.length / 2)));
  await rejectsDataset(readTable(at('cut.parquet'), classification), 'dataset-invalid', /cut\.parquet: not a readable Parquet file/);
  // Garbage in the middle (data pages), footer intact.
  const garbled = Buffer.from(parquet);
  for (let i = 200; i < Math.min(garbled.length - 2000, 2200); i++) garbled[i] = (i * 131) & 0xff;
  writeFileSync(at('garbled.parquet'), garbled);
  await assert.rejects(readTable(at('garbled.parquet'), classification), (e: unknown) => e instanceof DatasetError && /garbled\.parquet/.test(e.message));
  writeFileSync(at('fake.parquet'), 'PAR1 this is not parquet PAR1');
  await rejectsDataset(readTable(at('fake.parquet'), classification), 'dataset-invalid', /fake\.parquet/);

  const stream = arrow.tableToIPC(arrowTable(data, true), 'stream');
  writeFileSync(at('cut.arrow'), stream.subarray(0, stream.length - 300));
  await rejectsDataset(readTable(at('cut.arrow'), classification), 'dataset-invalid', /cut\.arrow: not a readable Arrow IPC file: .*truncated/);
  const file = arrow.tableToIPC(arrowTable(data, true), 'file');
  writeFileSync(at('cut.feather'), file.subarray(0, file.length - 40));
  await rejectsDataset(readTable(at('cut.feather'), classification), 'dataset-invalid', /cut\.feather: not a readable Arrow IPC file/);
  // A record batch header whose body is missing.
  const lying = Buffer.from(stream);
  const schemaLength = lying.readInt32LE(4);
  const second = 8 + schemaLength;
  assert.equal(lying.readInt32LE(second), -1);
  writeFileSync(at('lying.arrow'), lying.subarray(0, second + 8 + lying.readInt32LE(second + 4)));
  await rejectsDataset(readTable(at('lying.arrow'), classification), 'dataset-invalid', /lying\.arrow/);
  writeFileSync(at('text.feather'), 'a,b,label\n1,2,3\n');
  await rejectsDataset(readTable(at('text.feather'), classification), 'dataset-invalid', /text\.feather: not a readable Arrow IPC file/);
  writeFileSync(at('empty.arrow'), new Uint8Array(0));
  await rejectsDataset(readTable(at('empty.arrow'), classification), 'dataset-invalid', /empty\.arrow/);
  // Header-only inspection reports the same problems as findings instead of throwing.
  assert.match((await inspectPath(at('cut.arrow')))!.problem!, /truncated/);
});

test('maxBytes bounds what one row group / record batch may hold; an aborted signal stops reading', async () => {
  const data = rows(300);
  await writeParquet(at('big.parquet'), data, { rowGroupSize: 300 });
  writeFileSync(at('big.arrow'), arrow.tableToIPC(arrowTable(data, true), 'stream'));
  await rejectsDataset(readTable(at('big.parquet'), { ...classification, maxBytes: 2000 }), 'dataset-invalid', /big\.parquet: .*limit of 2000/);
  await rejectsDataset(readTable(at('big.arrow'), { ...classification, maxBytes: 2000 }), 'dataset-invalid', /big\.arrow: a record batch holds \d+ bytes, more than the limit of 2000/);
  const controller = new AbortController();
  controller.abort(new Error('cancelled by test'));
  await assert.rejects(readTable(at('big.parquet'), { ...classification, signal: controller.signal }), /cancelled by test/);
  await assert.rejects(readTable(at('big.arrow'), { ...classification, signal: controller.signal }), /cancelled by test/);
});

test('Hugging Face folders: save_to_disk shards, DatasetDict, datasets cache and Hub parquet layout resolve to their train files', async () => {
  const data = rows(90);
  const all = arrowTable(data, true);
  // Dataset.save_to_disk with two shards.
  const saved = at('saved');
  mkdirSync(saved);
  writeFileSync(join(saved, 'data-00000-of-00002.arrow'), arrow.tableToIPC(all.slice(0, 50), 'stream'));
  writeFileSync(join(saved, 'data-00001-of-00002.arrow'), arrow.tableToIPC(all.slice(50), 'stream'));
  writeFileSync(join(saved, 'state.json'), JSON.stringify({ _data_files: [{ filename: 'data-00000-of-00002.arrow' }, { filename: 'data-00001-of-00002.arrow' }], _split: 'train' }));
  writeFileSync(join(saved, 'dataset_info.json'), JSON.stringify({ splits: { train: { num_examples: 25000 } } }));
  const single = at('single.arrow');
  writeFileSync(single, arrow.tableToIPC(all, 'stream'));
  const whole = await readTable(single, classification);
  const t = await readTable(saved, classification);
  assert.equal(t.rowsTotal, 90);
  assert.deepEqual(t.features.data, whole.features.data);
  const inspected = await inspectPath(saved);
  assert.equal(inspected?.format, 'arrow');
  assert.equal(inspected?.rows, 90); // the shards, not dataset_info.json's stale count
  assert.deepEqual(inspected?.files?.map((f) => f.split('/').pop()), ['data-00000-of-00002.arrow', 'data-00001-of-00002.arrow']);

  // DatasetDict.save_to_disk: the train split.
  const dict = at('dict');
  mkdirSync(join(dict, 'train'), { recursive: true });
  mkdirSync(join(dict, 'test'), { recursive: true });
  writeFileSync(join(dict, 'dataset_dict.json'), JSON.stringify({ splits: ['train', 'test'] }));
  writeFileSync(join(dict, 'train', 'data-00000-of-00001.arrow'), arrow.tableToIPC(all.slice(0, 70), 'stream'));
  writeFileSync(join(dict, 'test', 'data-00000-of-00001.arrow'), arrow.tableToIPC(all.slice(70), 'stream'));
  assert.equal((await readTable(dict, classification)).rowsTotal, 70);
  const dictInspected = await inspectPath(dict);
  assert.equal(dictInspected?.rows, 70);
  assert.equal(dictInspected?.split, 'train');

  // datasets cache: <builder>-train-0000N-of-0000M.arrow, -test.arrow and map() caches.
  const cache = at('cache');
  mkdirSync(cache);
  writeFileSync(join(cache, 'demo-train-00000-of-00002.arrow'), arrow.tableToIPC(all.slice(0, 40), 'stream'));
  writeFileSync(join(cache, 'demo-train-00001-of-00002.arrow'), arrow.tableToIPC(all.slice(40, 80), 'stream'));
  writeFileSync(join(cache, 'demo-test.arrow'), arrow.tableToIPC(all.slice(80), 'stream'));
  writeFileSync(join(cache, 'cache-0123456789abcdef.arrow'), 'not read');
  writeFileSync(join(cache, 'dataset_info.json'), '{}');
  assert.equal((await readTable(cache, classification)).rowsTotal, 80);
  assert.equal((await inspectPath(cache))?.rows, 80);

  // Hub snapshot: data/train-*.parquet and data/test-*.parquet.
  const hub = at('hub');
  mkdirSync(join(hub, 'data'), { recursive: true });
  await writeParquet(join(hub, 'data', 'train-00000-of-00001.parquet'), rows(60));
  await writeParquet(join(hub, 'data', 'test-00000-of-00001.parquet'), rows(10));
  writeFileSync(join(hub, 'README.md'), '# demo\n');
  assert.equal((await readTable(hub, classification)).rowsTotal, 60);
  const hubInspected = await inspectPath(hub);
  assert.equal(hubInspected?.format, 'parquet');
  assert.equal(hubInspected?.rows, 60);

  // Shards whose columns disagree.
  const mixed = at('mixed');
  mkdirSync(mixed);
  writeFileSync(join(mixed, 'data-00000-of-00002.arrow'), arrow.tableToIPC(all.slice(0, 10), 'stream'));
  writeFileSync(join(mixed, 'data-00001-of-00002.arrow'), arrow.tableToIPC(new arrow.Table({ label: arrow.vectorFromArray([1, 2]) }), 'stream'));
  await rejectsDataset(readTable(mixed, classification), 'dataset-invalid', /data-00001-of-00002\.arrow: has no column 'emb'/);
});

test('static checks read row counts from the Parquet footer and Arrow headers: dataset-too-small, label-column-missing', async () => {
  const data = rows(50);
  await writeParquet(at('small.parquet'), data);
  mkdirSync(at('small-saved'));
  writeFileSync(join(at('small-saved'), 'data-00000-of-00001.arrow'), arrow.tableToIPC(arrowTable(data, true), 'stream'));
  for (const train of ['small.parquet', 'small-saved']) {
    const config = at(`config-${train}.yaml`);
    const text = `model_name_or_path: ./model\ntrain_file: ${train}\nlabel_column_name: label\nmax_train_samples: 2000\n`;
    writeFileSync(config, text);
    const { findings, resolved } = await staticCheck(text, config, { env: {}, home: '/nonexistent-home' });
    assert.equal(resolved.dataset?.rows, 50, train);
    const small = findings.find((f) => f.code === 'dataset-too-small');
    assert.ok(small, `${train}: ${findings.map((f) => f.code).join(', ')}`);
    assert.match(small.message, /has 50 rows/);
    assert.ok(!findings.some((f) => f.code === 'dataset-unsupported'), train);
    const wrong = await staticCheck(text.replace('label_column_name: label', 'label_column_name: y'), config, { env: {}, home: '/nonexistent-home' });
    assert.ok(wrong.findings.some((f) => f.code === 'label-column-missing'), train);
  }
});
