/**
 * Header-only readers: the Parquet footer (Thrift compact, encoded here by an independent
 * minimal writer), TF.js model.json input shapes (Sequential, functional, graph), and large
 * text files whose row count is estimated from the first megabyte (sparse file, no big writes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseParquetFooter, parquetFooterLength, summariseModelJson } from '../../../src/node/resolve/headers';
import { inspectPath } from '../../../src/node/resolve/inspect';

/** Thrift compact writer: just enough to build a FileMetaData the way parquet-mr/pyarrow do. */
class Writer {
  bytes: number[] = [];
  private last: number[] = [0];
  varint(n: bigint) {
    let v = n;
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      this.bytes.push(b);
    } while (v > 0n);
  }
  zigzag(n: bigint) { this.varint(n >= 0n ? n << 1n : ((-n) << 1n) - 1n); }
  field(id: number, type: number) {
    const delta = id - this.last[this.last.length - 1]!;
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else { this.bytes.push(type); this.zigzag(BigInt(id)); }
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, v: number) { this.field(id, 5); this.zigzag(BigInt(v)); }
  i64(id: number, v: bigint) { this.field(id, 6); this.zigzag(v); }
  string(id: number, s: string) { this.field(id, 8); const b = Buffer.from(s); this.varint(BigInt(b.length)); this.bytes.push(...b); }
  beginStruct() { this.last.push(0); }
  endStruct() { this.bytes.push(0); this.last.pop(); }
  list(id: number, elementType: number, size: number) { this.field(id, 9); this.bytes.push(size < 15 ? (size << 4) | elementType : 0xf0 | elementType); if (size >= 15) this.varint(BigInt(size)); }
}

function fileMetaData(rows: bigint, schema: { name: string; children?: number; type?: number }[], extra = true): Uint8Array {
  const w = new Writer();
  w.beginStruct();
  w.i32(1, 2); // version
  w.list(2, 12, schema.length);
  for (const element of schema) {
    w.beginStruct();
    if (element.type !== undefined) w.i32(1, element.type);
    w.string(4, element.name);
    if (element.children !== undefined) w.i32(5, element.children);
    w.endStruct();
  }
  w.i64(3, rows);
  w.list(4, 12, 0); // row_groups (skipped)
  if (extra) {
    // key_value_metadata: list<KeyValue> — exercises skipping of nested structs and strings.
    w.list(5, 12, 1);
    w.beginStruct(); w.string(1, 'pandas'); w.string(2, '{"x": 1}'); w.endStruct();
    w.string(6, 'parquet-cpp-arrow version 14.0.0');
  }
  w.endStruct();
  return Uint8Array.from(w.bytes);
}

test('Parquet footer: num_rows and top-level columns, nested groups skipped', () => {
  const schema = [
    { name: 'schema', children: 3 },
    { name: 'x', type: 5 },
    { name: 'nested', children: 2 },
    { name: 'a', type: 5 },
    { name: 'b', type: 6 },
    { name: 'label', type: 1 },
  ];
  const footer = parseParquetFooter(fileMetaData(1234567890123n, schema));
  assert.equal(footer.rows, 1234567890123);
  assert.deepEqual(footer.columns, ['x', 'nested', 'label']);
});

test('Parquet footer: truncated metadata is an error, not a wrong answer', () => {
  const bytes = fileMetaData(10n, [{ name: 'schema', children: 1 }, { name: 'x', type: 5 }]);
  assert.throws(() => parseParquetFooter(bytes.subarray(0, bytes.length - 12)), /truncated|ends early|unterminated|no num_rows/);
});

test('a .parquet file is inspected from its last bytes only', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'tl-parquet-'));
  try {
    const meta = fileMetaData(42n, [{ name: 'schema', children: 2 }, { name: 'f0', type: 5 }, { name: 'label', type: 1 }]);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(meta.length);
    const file = join(folder, 'train.parquet');
    writeFileSync(file, Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(100), Buffer.from(meta), length, Buffer.from('PAR1')]));
    assert.equal(parquetFooterLength(Uint8Array.from([...length, 0x50, 0x41, 0x52, 0x31])), meta.length);
    const resolved = await inspectPath(file);
    assert.equal(resolved?.format, 'parquet');
    assert.equal(resolved?.rows, 42);
    assert.deepEqual(resolved?.columns, ['f0', 'label']);
    writeFileSync(join(folder, 'bad.parquet'), Buffer.from('PAR1 not really parquet'));
    assert.match((await inspectPath(join(folder, 'bad.parquet')))!.problem!, /no valid Parquet footer/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('model.json: input shapes of Sequential, functional (Keras export) and graph models', () => {
  const sequential = { format: 'layers-model', modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { batch_input_shape: [null, 12] } }] } } };
  assert.deepEqual(summariseModelJson(sequential), { format: 'tfjs-layers', layerCount: 1, inputShape: [null, 12] });
  const functional = {
    modelTopology: { model_config: { class_name: 'Functional', config: {
      input_layers: [['features', 0, 0]],
      layers: [
        { class_name: 'Dense', name: 'd', config: { name: 'd', units: 3 } },
        { class_name: 'InputLayer', name: 'features', config: { name: 'features', batch_input_shape: [null, 7] } },
      ] } } },
  };
  assert.deepEqual(summariseModelJson(functional).inputShape, [null, 7]);
  const graph = { format: 'graph-model', modelTopology: { node: [{ name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '5' }] } } } }] } };
  assert.deepEqual(summariseModelJson(graph), { format: 'tfjs-graph', inputShape: [null, 5] });
  const signature = { format: 'graph-model', modelTopology: { node: [] }, signature: { inputs: { 'x:0': { tensorShape: { dim: [{ size: '-1' }, { size: '9' }] } } } } };
  assert.deepEqual(summariseModelJson(signature).inputShape, [null, 9]);
  assert.deepEqual(summariseModelJson('nonsense'), { format: 'unknown' });
});

test('a large CSV is estimated from its head (rowsExact false); small ones are exact', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'tl-large-'));
  try {
    const file = join(folder, 'big.csv');
    const row = '0.1234,0.5678,1\n';
    const head = 'a,b,label\n' + row.repeat(100_000);
    writeFileSync(file, head);
    const small = await inspectPath(file);
    assert.equal(small?.rows, 100_000);
    assert.equal(small?.rowsExact, true);
    // Extend to 64 MB without writing the bytes (sparse): only the head is ever read.
    const fd = openSync(file, 'r+');
    ftruncateSync(fd, 64 * 1024 * 1024);
    closeSync(fd);
    const big = await inspectPath(file);
    assert.equal(big?.rowsExact, false);
    assert.deepEqual(big?.columns, ['a', 'b', 'label']);
    const expected = (64 * 1024 * 1024) / row.length;
    assert.ok(Math.abs(big!.rows! - expected) / expected < 0.01, `estimate ${big!.rows} vs ${expected}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
