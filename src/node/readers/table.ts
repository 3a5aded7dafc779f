/**
 * readTable: a dataset file (CSV/TSV, JSONL, .npy, .npz, Parquet, Arrow IPC / Feather) or a
 * folder of Parquet/Arrow shards (Hugging Face save_to_disk, datasets cache) → a bounded, seeded sample of numeric
 * features and labels, streaming text files in 1 MiB chunks so a 1 GB file never sits in memory
 * (only `maxRows` rows do). Parsing and sampling are the pure `src/core/formats` pieces
 * (CsvTokenizer, parseJsonlLine, TableSampler); this file only moves bytes and checks encodings.
 * Problems throw DatasetError (code from the finding catalogue, 1-based line when known).
 *
 * Example:
 *   const t = await readTable('data/train.csv', { labelColumn: 'label', maxRows: 2000, seed: 0 });
 *   t.features.rows === t.rowsUsed; t.labels.kind === 'classes' && t.labels.classNames;
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { CsvTokenizer, sniffDelimiter } from '../../core/formats/csv';
import { cellsInOrder, flattenJsonRecord, parseJsonlLine } from '../../core/formats/jsonl';
import { DatasetError, FormatError } from '../../core/formats/errors';
import { parseNpy, parseNpyHeader, type NpyArray } from '../../core/formats/npy';
import { parseNpz } from '../../core/formats/npz';
import { TableSampler, type Cell, type Table, type TableOptions } from '../../core/formats/table';
import { readFileLimited, readPrefix, statOrThrow, DEFAULT_MAX_BYTES } from './files';
import { datasetShards } from '../resolve/datasetFolder';
import { readArrowHeader } from '../resolve/arrowHeader';
import { parquetFooterLength, parseParquetFooter } from '../resolve/headers';
import { readParquetTable } from './parquet';
import { readArrowTable } from './arrow';

export type { Table, TableOptions, TableLabels } from '../../core/formats/table';

export interface ReadTableOptions extends TableOptions {
  /** CSV delimiter; default: tab for .tsv, else sniffed from the header line. */
  readonly delimiter?: string;
  /** Cap on bytes for formats that must be read whole (.npy/.npz); text formats stream. */
  readonly maxBytes?: number;
  readonly signal?: AbortSignal;
}

const CHUNK_BYTES = 1 << 20;

/** The table format a path is read as, or undefined when unsupported. */
export function tableFormatOf(path: string): 'csv' | 'jsonl' | 'npy' | 'npz' | 'parquet' | 'arrow' | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet') return 'parquet';
  if (ext === '.arrow' || ext === '.feather' || ext === '.ipc') return 'arrow';
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.npy') return 'npy';
  if (ext === '.npz') return 'npz';
  return undefined;
}

export async function readTable(path: string, options: ReadTableOptions): Promise<Table> {
  const format = tableFormatOf(path);
  const info = await statOrThrow(path, 'dataset');
  const columnar = { ...options, maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES };
  if (info.isDirectory()) {
    const shards = await datasetShards(path);
    if (!shards) {
      throw new DatasetError('dataset-unsupported', `${path}: is a folder without .arrow or .parquet shards; point the config at a .csv, .jsonl, .npy, .npz, .parquet or .arrow file, or a Hugging Face save_to_disk folder`);
    }
    if (shards.files.length === 0) throw new DatasetError('dataset-invalid', `${path}: holds no ${shards.format} data files`);
    return shards.format === 'parquet' ? readParquetTable(shards.files, path, columnar) : readArrowTable(shards.files, path, columnar);
  }
  if (!format) {
    throw new DatasetError(
      'dataset-unsupported',
      `${path}: the ${extname(path) || 'extension-less'} format is not readable here; export the data as CSV, JSONL, .npy, .npz, Parquet or Arrow`,
    );
  }
  if (format === 'csv') return readCsv(path, options);
  if (format === 'jsonl') return readJsonl(path, options);
  if (format === 'parquet') return readParquetTable([path], path, columnar);
  if (format === 'arrow') return readArrowTable([path], path, columnar);
  return readArrayTable(path, format, options);
}

/** Counts data rows (header excluded) by streaming the file; cheap compared with readTable. */
export async function countTableRows(path: string, options: { delimiter?: string; signal?: AbortSignal } = {}): Promise<number> {
  const format = tableFormatOf(path);
  await statOrThrow(path, 'dataset');
  let count = 0;
  if (format === 'jsonl') {
    await forEachLine(path, options.signal, (text, line) => {
      if (parseJsonlLine(text, line, path)) count++;
    });
    return count;
  }
  if (format === 'npy') {
    try {
      return parseNpyHeader(await readPrefix(path, 1 << 16), path).shape[0] ?? 1;
    } catch (e) {
      throw e instanceof FormatError ? new DatasetError('dataset-invalid', e.message) : e;
    }
  }
  if (format === 'parquet' || format === 'arrow') return countColumnarRows(path, format);
  if (format !== 'csv') {
    throw new DatasetError('dataset-unsupported', `${path}: rows can only be counted in CSV, JSONL, .npy, Parquet and Arrow files`);
  }
  let tokenizer: CsvTokenizer | undefined;
  await forEachTextChunk(path, options.signal, (text) => {
    tokenizer ??= new CsvTokenizer({ source: path, delimiter: options.delimiter ?? delimiterFor(path, text) });
    count += tokenizer.push(text).length;
  });
  if (tokenizer) count += tokenizer.end().length;
  return Math.max(0, count - 1);
}

/** Rows from the Parquet footer or the Arrow record batch headers (no data read). */
async function countColumnarRows(path: string, format: 'parquet' | 'arrow'): Promise<number> {
  try {
    if (format === 'arrow') return (await readArrowHeader(path)).rows;
    const size = (await statOrThrow(path, 'dataset')).size;
    const length = size >= 12 ? parquetFooterLength(await readPrefix(path, 8, size - 8)) : undefined;
    if (length === undefined || length + 12 > size) throw new Error('no valid Parquet footer (truncated or not Parquet)');
    return parseParquetFooter(await readPrefix(path, length, size - 8 - length)).rows;
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError('dataset-invalid', `${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function delimiterFor(path: string, firstText: string): string {
  if (extname(path).toLowerCase() === '.tsv') return '\t';
  const end = firstText.search(/[\r\n]/);
  return sniffDelimiter(end < 0 ? firstText : firstText.slice(0, end));
}

async function readCsv(path: string, options: ReadTableOptions): Promise<Table> {
  let tokenizer: CsvTokenizer | undefined;
  let sampler: TableSampler | undefined;
  const consume = (records: { fields: string[]; line: number }[]): void => {
    for (const record of records) {
      if (!sampler) {
        sampler = new TableSampler(record.fields.map((f) => f.trim()), options, path);
      } else {
        sampler.addRow(record.fields, record.line);
      }
    }
  };
  await forEachTextChunk(path, options.signal, (text) => {
    tokenizer ??= new CsvTokenizer({ source: path, delimiter: options.delimiter ?? delimiterFor(path, text) });
    consume(tokenizer.push(text));
  });
  if (!tokenizer) throw new DatasetError('dataset-invalid', `${path}: the file is empty; it needs a header line and data rows`, { line: 1 });
  consume(tokenizer.end());
  if (!sampler) throw new DatasetError('dataset-invalid', `${path}: the file has no header line`, { line: 1 });
  return sampler.finish('csv');
}

async function readJsonl(path: string, options: ReadTableOptions): Promise<Table> {
  let sampler: TableSampler | undefined;
  let header: string[] = [];
  await forEachLine(path, options.signal, (text, line) => {
    const record = parseJsonlLine(text, line, path);
    if (!record) return;
    const flat = flattenJsonRecord(record);
    if (!sampler) {
      header = [...flat.keys()];
      sampler = new TableSampler(header, options, path);
    }
    sampler.addRow(cellsInOrder(flat, header), line);
  });
  if (!sampler) throw new DatasetError('dataset-invalid', `${path}: the file holds no JSON records`, { line: 1 });
  return sampler.finish('jsonl');
}

/**
 * .npy: a 2-D array whose label column is given by index (`labelColumn: "-1"` = last column).
 * .npz: arrays by name — `labelColumn` names the label array; the features array is
 * `featureColumns[0]` or the first of `features`, `x`, `X`, `data`, `inputs`.
 */
async function readArrayTable(path: string, format: 'npy' | 'npz', options: ReadTableOptions): Promise<Table> {
  const bytes = await readFileLimited(path, 'dataset', options.maxBytes ?? DEFAULT_MAX_BYTES);
  let featureArray: NpyArray;
  let labelArray: NpyArray | undefined;
  let labelIndex = -1;
  try {
    if (format === 'npy') {
      featureArray = parseNpy(bytes, path);
      if (featureArray.shape.length !== 2) {
        throw new DatasetError('dataset-invalid', `${path}: a table .npy must be 2-D (rows × columns), this one has shape (${featureArray.shape.join(', ')})`);
      }
      const cols = featureArray.shape[1]!;
      const index = Number(options.labelColumn);
      if (!Number.isInteger(index) || index >= cols || index < -cols) {
        throw new DatasetError('label-column-missing', `${path}: in a .npy table the label column is a column index from ${-cols} to ${cols - 1}, not '${options.labelColumn}'`);
      }
      labelIndex = index < 0 ? cols + index : index;
    } else {
      const arrays = await parseNpz(bytes, { source: path, maxUncompressedBytes: options.maxBytes ?? undefined });
      const names = [...arrays.keys()];
      labelArray = arrays.get(options.labelColumn);
      if (!labelArray) {
        throw new DatasetError('label-column-missing', `${path}: there is no label array '${options.labelColumn}'; the arrays are ${names.map((n) => `'${n}'`).join(', ')}`);
      }
      const featureName = options.featureColumns?.[0] ?? ['features', 'x', 'X', 'data', 'inputs'].find((n) => arrays.has(n));
      if (!featureName || !arrays.has(featureName)) {
        throw new DatasetError('dataset-invalid', `${path}: no features array (tried ${featureName ? `'${featureName}'` : "'features', 'x', 'X', 'data', 'inputs'"}); the arrays are ${names.map((n) => `'${n}'`).join(', ')}`);
      }
      featureArray = arrays.get(featureName)!;
    }
  } catch (e) {
    if (e instanceof FormatError) throw new DatasetError('dataset-invalid', e.message);
    throw e;
  }
  const rows = featureArray.shape[0] ?? 1;
  const width = rows === 0 ? 0 : featureArray.data.length / rows;
  if (labelArray && labelArray.data.length !== rows) {
    throw new DatasetError('dataset-invalid', `${path}: the label array has ${labelArray.data.length} values but the features have ${rows} rows`);
  }
  const featureCount = labelArray ? width : width - 1;
  const header = [...Array.from({ length: featureCount }, (_, j) => `f${j}`), 'label'];
  const sampler = new TableSampler(header, { ...options, labelColumn: 'label', featureColumns: undefined }, path);
  const cells: Cell[] = new Array(header.length);
  for (let i = 0; i < rows; i++) {
    let k = 0;
    for (let j = 0; j < width; j++) {
      if (!labelArray && j === labelIndex) continue;
      cells[k++] = featureArray.data[i * width + j]!;
    }
    cells[featureCount] = labelArray ? labelArray.data[i]! : featureArray.data[i * width + labelIndex]!;
    // Line numbers stand for row numbers here (1-based), the closest to a location arrays have.
    sampler.addRow(cells, i + 1);
  }
  const table = sampler.finish('npy');
  return table;
}

/** Streams a file as UTF-8 text in chunks; invalid UTF-8 becomes a DatasetError with the line. */
export async function forEachTextChunk(path: string, signal: AbortSignal | undefined, onText: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let linesBefore = 0;
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        const bad = firstInvalidUtf8(chunk);
        const line = linesBefore + countNewlines(chunk, bad) + 1;
        throw new DatasetError(
          'dataset-invalid',
          `${path}: line ${line} is not valid UTF-8 (byte 0x${chunk[bad]?.toString(16).padStart(2, '0')}); re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)`,
          { line },
        );
      }
      linesBefore += countNewlines(chunk, chunk.length);
      if (text) onText(text);
    }
    const rest = decoder.decode();
    if (rest) onText(rest);
  } catch (e) {
    if (e instanceof TypeError && /encoded data/.test(e.message)) {
      throw new DatasetError('dataset-invalid', `${path}: the file ends inside a UTF-8 character; re-save it as UTF-8`);
    }
    throw e;
  } finally {
    stream.destroy();
  }
}

/** Streams lines (without their ends) with 1-based line numbers. */
export async function forEachLine(path: string, signal: AbortSignal | undefined, onLine: (text: string, line: number) => void): Promise<void> {
  let pending = '';
  let line = 0;
  await forEachTextChunk(path, signal, (text) => {
    const parts = (pending + text).split('\n');
    pending = parts.pop()!;
    for (const part of parts) onLine(part.endsWith('\r') ? part.slice(0, -1) : part, ++line);
  });
  if (pending !== '') onLine(pending, ++line);
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) n++;
  return n;
}

/** Index of the first byte that starts an invalid UTF-8 sequence (length when all valid or cut at the end). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    if (i + need >= bytes.length) return bytes.length; // cut by the chunk boundary: not an error yet
    for (let k = 1; k <= need; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return bytes.length;
}
