/**
 * Parquet → a bounded, seeded table sample (hyparquet, pure JS). Files are read with random
 * access (footer, then only the column chunks of the label and feature columns), one row group
 * at a time, so memory is one row group of the needed columns plus the sample. Codecs: snappy
 * (hyparquet's own), gzip and brotli (node:zlib), zstd (fzstd), lz4 / lz4_raw
 * (hyparquet-compressors); every page's declared size is checked against `maxBytes` before
 * anything is allocated.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { brotliDecompressSync, unzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { DatasetError } from '../../core/formats/errors';
import type { TableOptions } from '../../core/formats/table';
import { ColumnarSampler, huggingFaceClassNames, type ColumnarTable, type ColumnInfo, type ColumnValue } from './columnar';

/** hyparquet is ESM-only: loaded on first use (esbuild bundles it; Node 20 imports it). */
const loadHyparquet = () => import('hyparquet');
const loadLz4 = () => import('hyparquet-compressors/src/lz4.js');
type Hyparquet = Awaited<ReturnType<typeof loadHyparquet>>;
type FileMetaData = Awaited<ReturnType<Hyparquet['parquetMetadataAsync']>>;
type SchemaTree = ReturnType<Hyparquet['parquetSchema']>;
type SchemaElement = SchemaTree['element'];
type Compressors = NonNullable<Parameters<Hyparquet['parquetRead']>[0]['compressors']>;

export interface ColumnarReadOptions extends TableOptions {
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A file as hyparquet's AsyncBuffer: positioned reads, each checked against the size and the limit. */
function asyncBuffer(handle: FileHandle, path: string, size: number, maxBytes: number, signal: AbortSignal | undefined) {
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      aborted(signal);
      const length = end - start;
      if (!(start >= 0) || !(length >= 0) || end > size) throw new Error(`a read of bytes ${start}–${end} runs past the end of the ${size}-byte file (truncated or corrupt)`);
      if (length > maxBytes) throw new Error(`a read of ${length} bytes exceeds the limit of ${maxBytes}`);
      const out = new ArrayBuffer(length);
      const { bytesRead } = await handle.read(new Uint8Array(out), 0, length, start);
      if (bytesRead < length) throw new Error(`the file ended after ${start + bytesRead} bytes (truncated)`);
      return out;
    },
  };
}

async function compressors(hyparquet: Hyparquet, maxBytes: number): Promise<Compressors> {
  const lz4 = await loadLz4();
  const check = (codec: string, length: number): void => {
    if (!(length >= 0) || length > maxBytes) throw new Error(`a ${codec} page declares ${length} bytes uncompressed, more than the limit of ${maxBytes} (corrupt, or raise the limit)`);
  };
  const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);
  return {
    SNAPPY: (input, length) => {
      check('snappy', length);
      const out = new Uint8Array(length);
      hyparquet.snappyUncompress(input, out);
      return out;
    },
    GZIP: (input, length) => {
      check('gzip', length);
      return view(unzipSync(input, { maxOutputLength: Math.max(1, length) }));
    },
    BROTLI: (input, length) => {
      check('brotli', length);
      return view(brotliDecompressSync(input, { maxOutputLength: Math.max(1, length) }));
    },
    ZSTD: (input, length) => {
      check('zstd', length);
      return zstdDecompress(input, new Uint8Array(length));
    },
    LZ4: (input, length) => {
      check('lz4', length);
      return lz4.decompressLz4(input, length);
    },
    LZ4_RAW: (input, length) => {
      check('lz4_raw', length);
      return lz4.decompressLz4Raw(input, length);
    },
  };
}

const TEXT_TYPES = new Set(['UTF8', 'STRING', 'ENUM', 'JSON', 'BSON']);
const TIME_TYPES = /^(DATE|TIME|TIMESTAMP|INTERVAL)/;

/** What a leaf (primitive) column holds. */
function leafInfo(name: string, element: SchemaElement): ColumnInfo {
  const logical = element.logical_type?.type as string | undefined;
  const converted = element.converted_type as string | undefined;
  const annotation = logical ?? converted ?? '';
  const type = element.type;
  if (annotation === 'DECIMAL') return { name, kind: 'number', typeText: 'decimal' };
  if (TIME_TYPES.test(annotation) || type === 'INT96') return { name, kind: 'other', typeText: annotation.toLowerCase() || 'timestamp' };
  if (type === 'BOOLEAN') return { name, kind: 'bool', typeText: 'bool' };
  if (type === 'INT32' || type === 'INT64') return { name, kind: 'number', typeText: /^U?INT/.test(annotation) ? annotation.toLowerCase() : type.toLowerCase() };
  if (type === 'FLOAT') return { name, kind: 'number', typeText: 'float32' };
  if (type === 'DOUBLE') return { name, kind: 'number', typeText: 'float64' };
  if (annotation === 'FLOAT16') return { name, kind: 'number', typeText: 'float16' };
  if (type === 'BYTE_ARRAY' && TEXT_TYPES.has(annotation)) return { name, kind: 'string', typeText: annotation === 'JSON' ? 'json' : 'string' };
  return { name, kind: 'other', typeText: (annotation || type || 'binary').toLowerCase().replace('byte_array', 'binary') };
}

/** What a top-level column holds, from its schema subtree. */
export function parquetColumnInfo(node: SchemaTree): ColumnInfo {
  const element = node.element;
  const name = element.name;
  if (node.children.length === 0) {
    const leaf = leafInfo(name, element);
    // Legacy unannotated repeated primitive: a list.
    if (element.repetition_type === 'REPEATED') return { name, kind: 'list', typeText: `list<${leaf.typeText}>`, numericElements: leaf.kind === 'number' || leaf.kind === 'bool' };
    return leaf;
  }
  const annotation = (element.logical_type?.type as string | undefined) ?? (element.converted_type as string | undefined) ?? '';
  if (annotation === 'LIST') {
    const repeated = node.children[0]!;
    // Three-level lists: LIST group → repeated group → element; two-level: LIST group → repeated leaf.
    const item = repeated.children.length === 1 ? repeated.children[0]! : repeated;
    if (item.children.length === 0) {
      const leaf = leafInfo('element', item.element);
      return { name, kind: 'list', typeText: `list<${leaf.typeText}>`, numericElements: leaf.kind === 'number' || leaf.kind === 'bool' };
    }
    const inner = parquetColumnInfo(item);
    if (inner.kind === 'list' || inner.kind === 'nested-list') return { name, kind: 'nested-list', typeText: `list<${inner.typeText}>` };
    return { name, kind: 'list', typeText: `list<${inner.typeText}>`, numericElements: false };
  }
  if (annotation === 'MAP' || annotation === 'MAP_KEY_VALUE') return { name, kind: 'other', typeText: 'map' };
  const fields = node.children.map((c) => c.element.name);
  return { name, kind: 'struct', typeText: `struct<${fields.slice(0, 6).join(', ')}${fields.length > 6 ? ', …' : ''}>` };
}

/** Reads Parquet shards (one file, or a folder's shards in order) into a sample. */
export async function readParquetTable(files: readonly string[], source: string, options: ColumnarReadOptions): Promise<ColumnarTable> {
  const sampler = await readParquetRows(files, source, options, (columns, huggingface) => new ColumnarSampler(source, columns, options, huggingFaceClassNames(huggingface)));
  return sampler.finish('parquet');
}

/** Where decoded rows go: the numeric sampler (readTable) or the text sampler (readTextDataset). */
export interface ColumnarRowSink {
  readonly neededColumns: readonly string[];
  readonly rowCount: number;
  checkSameSchema(file: string, columns: readonly ColumnInfo[]): void;
  addRow(values: readonly ColumnValue[], file: string, row: number): void;
}

/** Decodes Parquet files row group by row group into a sink made from the first file's schema. */
export async function readParquetRows<S extends ColumnarRowSink>(files: readonly string[], source: string, options: { readonly maxBytes: number; readonly signal?: AbortSignal }, makeSink: (columns: ColumnInfo[], huggingfaceMetadata: string | undefined) => S): Promise<S> {
  const hyparquet = await loadHyparquet();
  const codecs = await compressors(hyparquet, options.maxBytes);
  let sampler: S | undefined;
  for (const file of files) {
    aborted(options.signal);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (e) {
      throw new DatasetError('dataset-missing', `${file}: cannot be opened (${(e as NodeJS.ErrnoException).code ?? message(e)})`);
    }
    try {
      const { size } = await handle.stat();
      const buffer = asyncBuffer(handle, file, size, options.maxBytes, options.signal);
      let metadata: FileMetaData;
      try {
        metadata = await hyparquet.parquetMetadataAsync(buffer);
      } catch (e) {
        aborted(options.signal);
        throw new DatasetError('dataset-invalid', `${file}: not a readable Parquet file (${message(e)}); re-download or re-export it`);
      }
      const columns = hyparquet.parquetSchema(metadata).children.map(parquetColumnInfo);
      if (!sampler) {
        const huggingface = metadata.key_value_metadata?.find((kv) => kv.key === 'huggingface')?.value;
        sampler = makeSink(columns, huggingface);
      } else {
        sampler.checkSameSchema(file, columns);
      }
      const needed = sampler.neededColumns;
      let groupStart = 0;
      for (let g = 0; g < metadata.row_groups.length; g++) {
        aborted(options.signal);
        const group = metadata.row_groups[g]!;
        const rows = Number(group.num_rows);
        if (!Number.isSafeInteger(rows) || rows < 0) throw new DatasetError('dataset-invalid', `${file}: row group ${g + 1} declares ${String(group.num_rows)} rows (corrupt metadata); re-export the file`);
        let bytes = 0;
        for (const chunk of group.columns) {
          if (chunk.meta_data && needed.includes(chunk.meta_data.path_in_schema[0]!)) bytes += Number(chunk.meta_data.total_uncompressed_size);
        }
        if (bytes > options.maxBytes) {
          throw new DatasetError('dataset-invalid', `${file}: row group ${g + 1} holds ${bytes} bytes (uncompressed) in the columns read, more than the limit of ${options.maxBytes}; write smaller row groups (pyarrow: row_group_size=…) or raise the limit`);
        }
        let decoded: ColumnValue[][] = [];
        try {
          await hyparquet.parquetRead({
            file: buffer,
            metadata,
            columns: [...needed],
            rowStart: groupStart,
            rowEnd: groupStart + rows,
            compressors: codecs,
            onComplete: (result: ColumnValue[][]) => (decoded = result),
          });
        } catch (e) {
          aborted(options.signal);
          if (e instanceof DatasetError) throw e;
          throw new DatasetError('dataset-invalid', `${file}: row group ${g + 1} (rows ${groupStart + 1}–${groupStart + rows}) cannot be decoded: ${message(e)}; the file is corrupt or truncated: re-download or re-export it`);
        }
        if (decoded.length !== rows) {
          throw new DatasetError('dataset-invalid', `${file}: row group ${g + 1} declares ${rows} rows but decodes to ${decoded.length} (corrupt); re-export the file`);
        }
        for (let i = 0; i < rows; i++) sampler.addRow(decoded[i]!, file, groupStart + i + 1);
        groupStart += rows;
      }
    } finally {
      await handle.close();
    }
  }
  if (!sampler) throw new DatasetError('dataset-invalid', `${source}: holds no Parquet files`);
  if (sampler.rowCount === 0) throw new DatasetError('dataset-invalid', `${source}: has a schema but no rows`);
  return sampler;
}
