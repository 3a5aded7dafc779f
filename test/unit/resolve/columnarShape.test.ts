/**
 * The header-only shape check (checkpoint input width vs the dataset's feature count) on Parquet
 * and Arrow files written here (apache-arrow, hyparquet-writer): the width comes from the schema
 * in the metadata — numbers and booleans count 1, a fixed-size list of numbers its length, text
 * columns and pandas' index are left out as the readers leave them out — and a variable-length
 * list (whose width only the rows tell) keeps the check quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { staticCheck } from '../../../src/node/resolve/index';
import { inspectPath } from '../../../src/node/resolve/inspect';
import { parseArrowSchemaMessage } from '../../../src/node/resolve/arrowHeader';
import { readTable } from '../../../src/node/readers/table';
import { FIXTURES } from '../config/helpers';

const folder = mkdtempSync(join(tmpdir(), 'tl-columnar-shape-'));
test.after(() => rmSync(folder, { recursive: true, force: true }));
const at = (name: string): string => join(folder, name);
// A TF.js checkpoint whose input is 4 wide.
cpSync(join(FIXTURES, 'models', 'mlp'), at('model'), { recursive: true });

const N = 12;
const numbers = (offset: number): number[] => Array.from({ length: N }, (_, i) => (i * 7 + offset) % 11);
const vectors = (width: number): number[][] => Array.from({ length: N }, (_, i) => Array.from({ length: width }, (_, j) => i + j / 10));
const labels = (): bigint[] => Array.from({ length: N }, (_, i) => BigInt(i % 3));

function item(): arrow.Field {
  return new arrow.Field('item', new arrow.Float32(), true);
}

/** An Arrow table with `emb` (fixed-size or variable list of `width` floats) and optional extra columns. */
function arrowTable(width: number, fixed: boolean, extra: Record<string, arrow.Vector> = {}): arrow.Table {
  return new arrow.Table({
    emb: arrow.vectorFromArray(vectors(width), fixed ? new arrow.FixedSizeList(width, item()) : new arrow.List(item())),
    ...extra,
    label: arrow.vectorFromArray(BigInt64Array.from(labels())),
  });
}

/** The encapsulated Schema message of an Arrow stream (what pyarrow stores as `ARROW:schema`, base64). */
function schemaMessage(table: arrow.Table): string {
  const stream = arrow.tableToIPC(table, 'stream');
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  assert.equal(view.getInt32(0, true), -1, 'test bug: expected a continuation marker');
  const length = view.getInt32(4, true);
  return Buffer.from(stream.subarray(0, 8 + length)).toString('base64');
}

interface ParquetColumn {
  readonly name: string;
  readonly data: unknown[];
  readonly schema: Record<string, unknown>[];
}

const scalar = (name: string, data: unknown[], type = 'DOUBLE', extra: Record<string, unknown> = {}): ParquetColumn =>
  ({ name, data, schema: [{ name, repetition_type: 'REQUIRED', type, ...extra }] });
const list = (name: string, data: number[][]): ParquetColumn => ({
  name,
  data,
  schema: [
    { name, repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', repetition_type: 'OPTIONAL', type: 'FLOAT' },
  ],
});
const label = (): ParquetColumn => scalar('label', labels().map(Number), 'INT32');

async function writeParquet(path: string, columns: readonly ParquetColumn[], kv?: { key: string; value: string }[]): Promise<void> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const buffer = parquetWriteBuffer({
    columnData: columns.map((c) => ({ name: c.name, data: c.data })),
    schema: [{ name: 'schema', num_children: columns.length }, ...columns.flatMap((c) => c.schema)],
    ...(kv ? { kvMetadata: kv } : {}),
  } as never);
  writeFileSync(path, new Uint8Array(buffer));
}

/** Static check of a config training on `train` with the 4-wide checkpoint. */
async function check(train: string, labelColumn = 'label') {
  const config = at(`config-${train.replace(/\W/g, '-')}.yaml`);
  const text = `model_name_or_path: ./model\ntrain_file: ${train}\nlabel_column_name: ${labelColumn}\n`;
  writeFileSync(config, text);
  const { findings, resolved } = await staticCheck(text, config, { env: {}, home: '/nonexistent-home' });
  assert.deepEqual(resolved.checkpoint?.shape, [null, 4], 'test bug: the checkpoint should be 4 wide');
  return { findings, resolved, shape: findings.filter((f) => f.code === 'shape-mismatch') };
}

/** Feature columns the reader really produces: the static count must agree with it. */
async function readerWidth(train: string): Promise<number> {
  return (await readTable(at(train), { labelColumn: 'label', maxRows: 100, seed: 0 })).features.cols;
}

test('Arrow: a fixed-size list counts as its length, numbers and booleans as 1, text is left out', async () => {
  writeFileSync(at('fits.arrow'), arrow.tableToIPC(arrowTable(4, true), 'stream'));
  assert.deepEqual((await check('fits.arrow')).shape, []);

  const extra = {
    a: arrow.vectorFromArray(Float64Array.from(numbers(1))),
    flag: arrow.vectorFromArray(numbers(2).map((v) => v > 5), new arrow.Bool()),
    text: arrow.vectorFromArray(numbers(3).map((v) => `row ${v}`), new arrow.Utf8()),
  };
  for (const kind of ['stream', 'file'] as const) {
    writeFileSync(at(`wide-${kind}.arrow`), arrow.tableToIPC(arrowTable(8, true, extra), kind));
    const { shape, resolved } = await check(`wide-${kind}.arrow`);
    assert.deepEqual(resolved.dataset?.featureWidths, [{ name: 'emb', width: 8 }, { name: 'a', width: 1 }, { name: 'flag', width: 1 }, { name: 'label', width: 1 }]);
    assert.equal(shape.length, 1, kind);
    assert.equal(shape[0]!.range.start.line, 0, 'on the checkpoint key');
    assert.equal(shape[0]!.severity, 'error');
    assert.deepEqual(shape[0]!.data, { inputWidth: 4, featureCount: 10 });
    assert.equal(await readerWidth(`wide-${kind}.arrow`), 10);
    assert.match(shape[0]!.message, /expects 4 input features but wide-\w+\.arrow has 10 feature values per row \(its numeric columns except the label 'label': emb \(8 values\), a, flag; 1 non-numeric column left out\)/);
  }
});

test('Arrow: a variable-length list keeps the check quiet (its width is only known from the rows)', async () => {
  writeFileSync(at('ragged.arrow'), arrow.tableToIPC(arrowTable(8, false), 'stream'));
  const { shape, resolved } = await check('ragged.arrow');
  assert.deepEqual(resolved.dataset?.featureWidths, [{ name: 'emb', width: null }, { name: 'label', width: 1 }]);
  assert.deepEqual(shape, []);
});

test('Arrow: a save_to_disk folder is checked from its first shard; a missing label column is its own finding', async () => {
  const saved = at('saved');
  mkdirSync(saved);
  writeFileSync(join(saved, 'data-00000-of-00001.arrow'), arrow.tableToIPC(arrowTable(6, true), 'stream'));
  const { shape } = await check('saved');
  assert.equal(shape.length, 1);
  assert.match(shape[0]!.message, /expects 4 input features but saved has 6 feature values per row/);

  const wrong = await check('saved', 'target');
  assert.deepEqual(wrong.shape, [], 'no width claim when the label column is not there');
  assert.ok(wrong.findings.some((f) => f.code === 'label-column-missing'));
});

test('Parquet: scalar columns count one each; pandas index and text columns are left out', async () => {
  const x = [1, 2, 3].map((k) => scalar(`x${k}`, numbers(k)));
  await writeParquet(at('three.parquet'), [...x, label()]);
  const three = await check('three.parquet');
  assert.deepEqual(three.shape.map((f) => f.data), [{ inputWidth: 4, featureCount: 3 }]);
  assert.match(three.shape[0]!.message, /three\.parquet has 3 feature values per row \(its numeric columns except the label 'label': x1, x2, x3\)/);

  const text = scalar('text', numbers(5).map((v) => `row ${v}`), 'BYTE_ARRAY', { converted_type: 'UTF8' });
  const index = scalar('__index_level_0__', Array.from({ length: N }, (_, i) => BigInt(i)), 'INT64');
  const flag = scalar('flag', numbers(6).map((v) => v > 5), 'BOOLEAN');
  await writeParquet(at('four.parquet'), [index, ...x, flag, text, label()]);
  const four = await check('four.parquet');
  assert.deepEqual(four.resolved.dataset?.featureWidths?.map((c) => c.name), ['__index_level_0__', 'x1', 'x2', 'x3', 'flag', 'label']);
  assert.deepEqual(four.shape, []);
  assert.equal(await readerWidth('four.parquet'), 4);
});

test('Parquet: a list is skipped unless the ARROW:schema metadata declares a fixed-size list', async () => {
  await writeParquet(at('list.parquet'), [list('emb', vectors(8)), label()]);
  const plain = await check('list.parquet');
  assert.deepEqual(plain.resolved.dataset?.featureWidths, [{ name: 'emb', width: null }, { name: 'label', width: 1 }]);
  assert.deepEqual(plain.shape, []);

  // What pyarrow writes for a fixed_size_list<float>[8] column: the same Parquet list plus its Arrow schema.
  const kv = (width: number, fixed: boolean) => [{ key: 'ARROW:schema', value: schemaMessage(arrowTable(width, fixed)) }];
  await writeParquet(at('fixed8.parquet'), [list('emb', vectors(8)), label()], kv(8, true));
  const fixed8 = await check('fixed8.parquet');
  assert.deepEqual(fixed8.resolved.dataset?.featureWidths, [{ name: 'emb', width: 8 }, { name: 'label', width: 1 }]);
  assert.deepEqual(fixed8.shape.map((f) => f.data), [{ inputWidth: 4, featureCount: 8 }]);
  assert.match(fixed8.shape[0]!.message, /emb \(8 values\)/);
  assert.equal(await readerWidth('fixed8.parquet'), 8);

  await writeParquet(at('fixed4.parquet'), [list('emb', vectors(4)), label()], kv(4, true));
  assert.deepEqual((await check('fixed4.parquet')).shape, []);

  // An Arrow schema with a variable list says no more than the Parquet schema.
  await writeParquet(at('variable.parquet'), [list('emb', vectors(8)), label()], kv(8, false));
  assert.deepEqual((await check('variable.parquet')).shape, []);
});

test('parseArrowSchemaMessage reads fixed-size list widths and refuses bytes that are not a Schema message', async () => {
  const message = Buffer.from(schemaMessage(arrowTable(3, true, { name: arrow.vectorFromArray(numbers(0).map(String), new arrow.Utf8()) })), 'base64');
  const columns = parseArrowSchemaMessage(new Uint8Array(message));
  assert.deepEqual(columns?.map((c) => [c.name, c.type, c.width]), [['emb', 'fixed-size list<float32>[3]', 3], ['name', 'string', undefined], ['label', 'int', 1]]);
  assert.equal(parseArrowSchemaMessage(new Uint8Array([1, 2, 3])), undefined);
  assert.equal(parseArrowSchemaMessage(new Uint8Array(message.subarray(0, 20))), undefined);
  // A hand-made footer without any metadata still parses (inspectPath of a plain Parquet file).
  assert.equal((await inspectPath(at('three.parquet')))?.format, 'parquet');
});
