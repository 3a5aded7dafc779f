/**
 * Arrow IPC (stream or file format: Hugging Face `datasets` .arrow files, Feather v2) → a
 * bounded, seeded table sample (apache-arrow, pure JS). Each file is first walked header by
 * header (src/node/resolve/arrowHeader.ts), so a truncated or lying file is refused with a clear
 * message before any body is allocated and no record batch may exceed `maxBytes`; then record
 * batches are streamed from the file handle one at a time. ZSTD-compressed batches are
 * decoded with fzstd, LZ4-frame ones (pyarrow's Feather default) with src/core/formats/lz4.ts.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { decompress as zstdDecompress } from 'fzstd';
import { DatasetError } from '../../core/formats/errors';
import { decodeLz4Frames } from '../../core/formats/lz4';
import { readArrowHeader } from '../resolve/arrowHeader';
import { ColumnarSampler, huggingFaceClassNames, type ColumnarTable, type ColumnInfo, type ColumnValue } from './columnar';
import type { ColumnarReadOptions, ColumnarRowSink } from './parquet';

const loadArrow = () => import('apache-arrow');
type Arrow = Awaited<ReturnType<typeof loadArrow>>;
type DataType = InstanceType<Arrow['DataType']>;
type Field = InstanceType<Arrow['Field']>;
type Vector = InstanceType<Arrow['Vector']>;

let codecsRegistered = false;
let decodeLimit = 1 << 30;

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Column kind and type text of an Arrow field. */
export function arrowColumnInfo(arrow: Arrow, field: Field): ColumnInfo {
  const name = field.name;
  const describe = (type: DataType, depth: number): ColumnInfo => {
    const T = arrow.Type;
    switch (type.typeId) {
      case T.Int:
      case T.Float:
        return { name, kind: 'number', typeText: String(type).toLowerCase() };
      case T.Bool:
        return { name, kind: 'bool', typeText: 'bool' };
      case T.Decimal:
        return { name, kind: 'other', typeText: 'decimal' };
      case T.Utf8:
      case T.LargeUtf8:
      case T.Utf8View:
        return { name, kind: 'string', typeText: 'string' };
      case T.Dictionary: {
        const values = describe((type as unknown as { dictionary: DataType }).dictionary, depth + 1);
        // Dictionary-encoded strings (pandas categoricals) are text; dictionary numbers are numbers.
        return { ...values, typeText: `dictionary<${values.typeText}>` };
      }
      case T.List:
      case T.LargeList:
      case T.FixedSizeList: {
        const child = (type as unknown as { children: Field[] }).children[0];
        const element = child && depth < 8 ? describe(child.type as DataType, depth + 1) : undefined;
        const fixed = type.typeId === T.FixedSizeList ? (type as unknown as { listSize: number }).listSize : undefined;
        const typeText = `${fixed !== undefined ? 'fixed-size list' : 'list'}<${element?.typeText ?? '?'}>${fixed !== undefined ? `[${fixed}]` : ''}`;
        if (element && (element.kind === 'list' || element.kind === 'nested-list')) return { name, kind: 'nested-list', typeText };
        const numericElements = element !== undefined && (element.kind === 'number' || element.kind === 'bool') && !element.typeText.startsWith('dictionary');
        return { name, kind: 'list', typeText, numericElements, ...(fixed !== undefined ? { listSize: fixed } : {}) };
      }
      case T.Struct: {
        const fields = (type as unknown as { children: Field[] }).children.map((c) => c.name);
        return { name, kind: 'struct', typeText: `struct<${fields.slice(0, 6).join(', ')}${fields.length > 6 ? ', …' : ''}>` };
      }
      default:
        return { name, kind: 'other', typeText: String(type).toLowerCase() };
    }
  };
  return describe(field.type as DataType, 0);
}

/** A per-row reader of one column of one record batch, with typed-array fast paths. */
function accessor(arrow: Arrow, vector: Vector, info: ColumnInfo): (row: number) => ColumnValue {
  const T = arrow.Type;
  const data = vector.data[0];
  const type = vector.type as DataType;
  const plainNumbers = (t: DataType): boolean => t.typeId === T.Int || (t.typeId === T.Float && (t as unknown as { precision: number }).precision !== arrow.Precision.HALF);
  if (data && vector.data.length === 1 && data.offset === 0 && plainNumbers(type)) {
    const values = data.values as ArrayLike<number | bigint>;
    if (data.nullCount === 0) return (row) => values[row];
    return (row) => (vector.isValid(row) ? values[row] : null);
  }
  if (info.kind === 'list' && data && vector.data.length === 1 && data.offset === 0) {
    const child = data.children[0];
    if (child && child.offset === 0 && child.nullCount === 0 && plainNumbers(child.type as DataType)) {
      const values = child.values as Float64Array | Float32Array | Int32Array | BigInt64Array;
      const valid = (row: number): boolean => data.nullCount === 0 || vector.isValid(row);
      if (type.typeId === T.FixedSizeList) {
        const stride = (type as unknown as { listSize: number }).listSize;
        return (row) => (valid(row) ? values.subarray(row * stride, (row + 1) * stride) : null);
      }
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      return (row) => (valid(row) ? values.subarray(Number(offsets[row]!), Number(offsets[row + 1]!)) : null);
    }
  }
  if (info.kind === 'list') {
    return (row) => {
      const list = vector.get(row) as Vector | null;
      return list === null || list === undefined ? null : Array.from(list as Iterable<number | bigint | boolean | null>);
    };
  }
  return (row) => vector.get(row) as ColumnValue;
}

/** Reads Arrow IPC shards (one file, or a folder's shards in order) into a sample. */
export async function readArrowTable(files: readonly string[], source: string, options: ColumnarReadOptions): Promise<ColumnarTable> {
  const sampler = await readArrowRows(files, source, options, (columns, huggingface) => new ColumnarSampler(source, columns, options, huggingFaceClassNames(huggingface)));
  return sampler.finish('arrow');
}

/** Decodes Arrow IPC files batch by batch into a sink made from the first file's schema. */
export async function readArrowRows<S extends ColumnarRowSink>(files: readonly string[], source: string, options: { readonly maxBytes: number; readonly signal?: AbortSignal }, makeSink: (columns: ColumnInfo[], huggingfaceMetadata: string | undefined) => S): Promise<S> {
  const arrow = await loadArrow();
  // A compressed buffer may decode to at most maxBytes (a record batch's body is checked against
  // the same limit before it is read, compressed).
  decodeLimit = options.maxBytes;
  if (!codecsRegistered) {
    arrow.compressionRegistry.set(arrow.CompressionType.ZSTD, { decode: (bytes: Uint8Array) => zstdDecompress(bytes) });
    arrow.compressionRegistry.set(arrow.CompressionType.LZ4_FRAME, { decode: (bytes: Uint8Array) => decodeLz4Frames(bytes, decodeLimit) });
    codecsRegistered = true;
  }
  let sampler: S | undefined;
  for (const file of files) {
    aborted(options.signal);
    // Structure first (headers only): truncation, lying lengths and oversized batches are named here.
    let header: Awaited<ReturnType<typeof readArrowHeader>>;
    try {
      header = await readArrowHeader(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES') throw new DatasetError('dataset-missing', `${file}: cannot be opened (${code})`);
      throw new DatasetError('dataset-invalid', `${file}: not a readable Arrow IPC file: ${message(e)}; re-download or re-export it`);
    }
    if (header.maxBodyBytes > options.maxBytes) {
      throw new DatasetError('dataset-invalid', `${file}: a record batch holds ${header.maxBodyBytes} bytes, more than the limit of ${options.maxBytes}; write smaller batches (datasets: writer_batch_size) or raise the limit`);
    }
    let handle: FileHandle | undefined;
    try {
      handle = await open(file, 'r');
      const reader = await arrow.RecordBatchReader.from(handle);
      await reader.open();
      const fields = reader.schema.fields as Field[];
      const columns = fields.map((f) => arrowColumnInfo(arrow, f));
      if (!sampler) {
        sampler = makeSink(columns, reader.schema.metadata.get('huggingface'));
      } else {
        sampler.checkSameSchema(file, columns);
      }
      const needed = sampler.neededColumns.map((name) => columns.findIndex((c) => c.name === name));
      const values: ColumnValue[] = new Array(needed.length);
      let row = 0;
      let batchNumber = 0;
      for await (const batch of reader) {
        aborted(options.signal);
        batchNumber++;
        const readers = needed.map((index) => accessor(arrow, batch.getChildAt(index) as Vector, columns[index]!));
        for (let r = 0; r < batch.numRows; r++) {
          for (let k = 0; k < readers.length; k++) values[k] = readers[k]!(r);
          sampler.addRow(values, file, row + r + 1);
        }
        row += batch.numRows;
        if (batchNumber % 16 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } catch (e) {
      aborted(options.signal);
      if (e instanceof DatasetError) throw e;
      const text = message(e);
      if (/compressed but codec not found/.test(text)) {
        throw new DatasetError('dataset-unsupported', `${file}: its record batches use a compression this reader does not know (${text}); re-save it uncompressed, with zstd or with lz4 (pyarrow.feather.write_feather(df, path, compression='zstd'))`);
      }
      if (e instanceof Error && e.name === 'Lz4Error') {
        throw new DatasetError('dataset-invalid', `${file}: an LZ4-compressed buffer cannot be decoded (${text}); the file is corrupt or truncated: re-export it`);
      }
      throw new DatasetError('dataset-invalid', `${file}: cannot be decoded as Arrow IPC (${text}); the file is corrupt: re-download or re-export it`);
    } finally {
      await handle?.close();
    }
  }
  if (!sampler) throw new DatasetError('dataset-invalid', `${source}: holds no .arrow files`);
  if (sampler.rowCount === 0) throw new DatasetError('dataset-invalid', `${source}: has a schema but no rows`);
  return sampler;
}
