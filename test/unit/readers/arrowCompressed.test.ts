/**
 * Compressed Arrow IPC: record batches written with LZ4_FRAME (pyarrow's Feather default) and
 * ZSTD body compression read back as the same table as the uncompressed file. The files are
 * written by apache-arrow's own writer with an independent LZ4 frame encoder (lz4js); the ZSTD
 * frames are stored (raw) blocks (./storedCodecs.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import * as lz4js from 'lz4js';
import { readTable } from '../../../src/node/readers/table';
import { DatasetError } from '../../../src/core/formats/errors';
import { zstdStored } from './storedCodecs';

const folder = mkdtempSync(join(tmpdir(), 'tl-arrow-compressed-'));
test.after(() => rmSync(folder, { recursive: true, force: true }));

function table(rows: number): arrow.Table {
  const x0 = Float64Array.from({ length: rows }, (_, i) => Math.sin(i) * 3);
  const x1 = Float64Array.from({ length: rows }, (_, i) => (i % 7) / 7);
  const label = Float64Array.from({ length: rows }, (_, i) => x0[i]! + 2 * x1[i]!);
  return arrow.tableFromArrays({ x0, x1, label });
}

test('LZ4_FRAME and ZSTD compressed Arrow files (stream and file format) read as the uncompressed one', async () => {
  const data = table(3000);
  writeFileSync(join(folder, 'plain.arrow'), arrow.tableToIPC(data, 'stream'));
  arrow.compressionRegistry.set(arrow.CompressionType.LZ4_FRAME, { encode: (b: Uint8Array) => Uint8Array.from(lz4js.compress(b)) });
  arrow.compressionRegistry.set(arrow.CompressionType.ZSTD, { encode: zstdStored });
  const written: string[] = [];
  for (const [name, type] of [['lz4', arrow.CompressionType.LZ4_FRAME], ['zstd', arrow.CompressionType.ZSTD]] as const) {
    for (const kind of ['stream', 'file'] as const) {
      const Writer = kind === 'stream' ? arrow.RecordBatchStreamWriter : arrow.RecordBatchFileWriter;
      const bytes = Writer.writeAll(data, { compressionType: type }).toUint8Array(true);
      const path = join(folder, `${name}-${kind}.arrow`);
      writeFileSync(path, bytes);
      written.push(path);
      // The repetitive column compresses: the decoders are exercised, not bypassed as raw buffers.
      if (name === 'lz4') assert.ok(bytes.length < arrow.tableToIPC(data, kind).length * 0.9, `${name}-${kind}: ${bytes.length} bytes`);
    }
  }
  const options = { labelColumn: 'label', maxRows: 500, seed: 3, task: 'regression' as const };
  const plain = await readTable(join(folder, 'plain.arrow'), options);
  for (const path of written) {
    const t = await readTable(path, options);
    assert.equal(t.rowsTotal, 3000, path);
    assert.deepEqual(t.featureNames, plain.featureNames, path);
    assert.deepEqual([...t.features.data], [...plain.features.data], path);
    assert.deepEqual(t.labels, plain.labels, path);
  }
});

test('a corrupt LZ4 buffer is a dataset-invalid finding that names the file', async () => {
  const data = table(2000);
  arrow.compressionRegistry.set(arrow.CompressionType.LZ4_FRAME, { encode: (b: Uint8Array) => Uint8Array.from(lz4js.compress(b)) });
  const bytes = arrow.RecordBatchStreamWriter.writeAll(data, { compressionType: arrow.CompressionType.LZ4_FRAME }).toUint8Array(true);
  // Overwrite a stretch of the body (after the schema message) with 0xff: match offsets break.
  const broken = Uint8Array.from(bytes);
  for (let i = Math.floor(broken.length * 0.6); i < Math.floor(broken.length * 0.6) + 64; i++) broken[i] = 0xff;
  const path = join(folder, 'broken.arrow');
  writeFileSync(path, broken);
  await assert.rejects(readTable(path, { labelColumn: 'label', maxRows: 500, seed: 3, task: 'regression' }), (e: unknown) => {
    assert.ok(e instanceof DatasetError, String(e));
    assert.match(e.message, /broken\.arrow/);
    return true;
  });
});
