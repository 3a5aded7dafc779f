/**
 * readTextDataset: a text dataset file (CSV/TSV, JSONL, a JSON array of records as LLaMA-Factory
 * and `load_dataset("json")` read, Parquet, Arrow IPC) or a folder of Parquet/Arrow shards
 * (Hugging Face save_to_disk, datasets cache, Hub snapshot) → a bounded, seeded sample of texts,
 * sentence pairs, chat messages and labels (src/core/formats/textTable.ts decides the columns and
 * samples). Text files stream; a JSON array is read whole (up to `maxBytes`). Every file is read
 * twice (labels, then the sampled rows' texts), so memory holds only the sample.
 * Problems throw DatasetError naming the file and, when known, the 1-based row.
 */
import { extname } from 'node:path';
import { CsvTokenizer, MAX_TEXT_CSV_FIELD_CHARS, sniffDelimiter } from '../../core/formats/csv';
import { parseJsonlLine } from '../../core/formats/jsonl';
import { DatasetError } from '../../core/formats/errors';
import { chooseTextColumns, TextSampler, type TextColumnSpec, type TextSample } from '../../core/formats/textTable';
import type { TableTask } from '../../core/formats/table';
import { readFileLimited, statOrThrow, DEFAULT_MAX_BYTES } from './files';
import { datasetShards } from '../resolve/datasetFolder';
import { forEachLine, forEachTextChunk } from './table';
import { readParquetRows } from './parquet';
import { readArrowRows } from './arrow';
import type { ColumnInfo, ColumnValue } from './columnar';

export interface ReadTextOptions {
  readonly spec: TextColumnSpec;
  readonly task?: TableTask;
  readonly maxRows: number;
  readonly seed: number;
  readonly maxBytes?: number;
  readonly signal?: AbortSignal;
  /** One label value is fine (one file per class in a list of datasets; the mix is checked instead). */
  readonly allowSingleClass?: boolean;
}

export type TextFileFormat = 'csv' | 'jsonl' | 'json' | 'parquet' | 'arrow';

/** The text format a path is read as, or undefined. */
export function textFormatOf(path: string): TextFileFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet') return 'parquet';
  if (ext === '.arrow' || ext === '.feather' || ext === '.ipc') return 'arrow';
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.json') return 'json';
  return undefined;
}

type RecordVisitor = (record: (name: string) => unknown, row: number) => void;

interface RecordSource {
  readonly header: string[];
  readonly format: 'csv' | 'jsonl' | 'parquet' | 'arrow';
  /** Visits every record in file order (may be called twice). */
  forEach(visit: RecordVisitor): Promise<void>;
}

/** Reads a text dataset sample (see the module comment). */
export async function readTextDataset(path: string, options: ReadTextOptions): Promise<TextSample> {
  const info = await statOrThrow(path, 'dataset');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let source: RecordSource;
  if (info.isDirectory()) {
    const shards = await datasetShards(path);
    if (!shards || shards.files.length === 0) {
      throw new DatasetError('dataset-unsupported', `${path}: is a folder without .arrow or .parquet shards; point the config at a .csv, .jsonl, .json, .parquet or .arrow file, or a Hugging Face save_to_disk folder`);
    }
    source = await columnarSource(shards.files, path, shards.format, maxBytes, options.signal);
  } else {
    const format = textFormatOf(path);
    if (!format) throw new DatasetError('dataset-unsupported', `${path}: the ${extname(path) || 'extension-less'} format is not readable as text data; export it as CSV, JSONL, JSON, Parquet or Arrow`);
    if (format === 'csv') source = await csvSource(path, options.signal);
    else if (format === 'jsonl') source = await jsonlSource(path, options.signal);
    else if (format === 'json') source = await jsonSource(path, maxBytes, options.signal);
    else source = await columnarSource([path], path, format, maxBytes, options.signal);
  }
  const columns = chooseTextColumns(source.header, options.spec, path);
  const sampler = new TextSampler(columns, { maxRows: options.maxRows, seed: options.seed, task: options.task, tags: options.spec.tags, roleNames: options.spec.roleNames, messageFields: options.spec.messageFields, reasoningField: options.spec.reasoningField, delimiter: options.spec.delimiter, allowSingleClass: options.allowSingleClass }, path);
  await source.forEach((record, row) => sampler.addLabel(record, row));
  sampler.finishLabels(source.format);
  await source.forEach((record, row) => sampler.addText(record, row));
  return sampler.finish();
}

async function csvSource(path: string, signal: AbortSignal | undefined): Promise<RecordSource> {
  const delimiterFor = (text: string): string => {
    if (extname(path).toLowerCase() === '.tsv') return '\t';
    const end = text.search(/[\r\n]/);
    return sniffDelimiter(end < 0 ? text : text.slice(0, end));
  };
  const run = async (visit: RecordVisitor | undefined): Promise<string[]> => {
    let tokenizer: CsvTokenizer | undefined;
    let header: string[] | undefined;
    let index = new Map<string, number>();
    const consume = (records: { fields: string[]; line: number }[]): void => {
      for (const record of records) {
        if (!header) {
          header = record.fields.map((f) => f.trim());
          index = new Map(header.map((name, i) => [name, i]));
          if (!visit) return;
          continue;
        }
        if (record.fields.length !== header.length) {
          throw new DatasetError('dataset-invalid', `${path}: line ${record.line} has ${record.fields.length} fields but the header has ${header.length}; fix the row (quote fields that contain the delimiter or line breaks)`, { line: record.line });
        }
        visit!((name) => {
          const i = index.get(name);
          return i === undefined ? undefined : record.fields[i];
        }, record.line);
      }
    };
    const stop = new DatasetError('dataset-invalid', 'header read');
    try {
      await forEachTextChunk(path, signal, (text) => {
        tokenizer ??= new CsvTokenizer({ source: path, delimiter: delimiterFor(text), maxFieldChars: MAX_TEXT_CSV_FIELD_CHARS });
        consume(tokenizer.push(text));
        if (!visit && header) throw stop;
      });
    } catch (e) {
      if (e !== stop) throw e;
      return header!;
    }
    if (!tokenizer) throw new DatasetError('dataset-invalid', `${path}: the file is empty; it needs a header line and data rows`, { line: 1 });
    consume(tokenizer.end());
    if (!header) throw new DatasetError('dataset-invalid', `${path}: the file has no header line`, { line: 1 });
    return header;
  };
  const header = await run(undefined);
  return { header, format: 'csv', forEach: async (visit) => void (await run(visit)) };
}

function keysOfRecords(records: Iterable<Record<string, unknown>>, limit: number): string[] {
  const keys = new Set<string>();
  let n = 0;
  for (const r of records) {
    for (const k of Object.keys(r)) keys.add(k);
    if (++n >= limit) break;
  }
  return [...keys];
}

async function jsonlSource(path: string, signal: AbortSignal | undefined): Promise<RecordSource> {
  const first: Record<string, unknown>[] = [];
  await forEachLine(path, signal, (text, line) => {
    if (first.length >= 50) return;
    const record = parseJsonlLine(text, line, path);
    if (record) first.push(record);
  });
  if (first.length === 0) throw new DatasetError('dataset-invalid', `${path}: the file holds no JSON records`, { line: 1 });
  return {
    header: keysOfRecords(first, 50),
    format: 'jsonl',
    forEach: (visit) =>
      forEachLine(path, signal, (text, line) => {
        const record = parseJsonlLine(text, line, path);
        if (record) visit((name) => record[name], line);
      }),
  };
}

/**
 * A `.json` file: a list of records (LLaMA-Factory's default), an object holding one such list
 * (`{"data": [...]}`, as `load_dataset("json", field=…)` reads), or JSON Lines saved as .json.
 */
async function jsonSource(path: string, maxBytes: number, signal: AbortSignal | undefined): Promise<RecordSource> {
  const bytes = await readFileLimited(path, 'dataset', maxBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DatasetError('dataset-invalid', `${path}: is not valid UTF-8; re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)`);
  }
  const start = text.search(/\S/);
  if (start < 0) throw new DatasetError('dataset-invalid', `${path}: the file is empty`, { line: 1 });
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    if (text[start] === '{') return jsonlSource(path, signal); // JSON Lines saved as .json
    const at = /position (\d+)/.exec((e as Error).message);
    const line = at ? text.slice(0, Number(at[1])).split('\n').length : undefined;
    throw new DatasetError('dataset-invalid', `${path}: is not valid JSON${line ? ` (line ${line})` : ''}: ${(e as Error).message}; a JSON dataset is a list of records [{...}, ...]`, line ? { line } : undefined);
  }
  let records: unknown[] | undefined = Array.isArray(value) ? value : undefined;
  if (!records && value && typeof value === 'object') {
    const lists = Object.entries(value as Record<string, unknown>).filter(([, v]) => Array.isArray(v));
    if (lists.length === 1) records = lists[0]![1] as unknown[];
  }
  if (!records) throw new DatasetError('dataset-invalid', `${path}: is a JSON ${typeof value === 'object' ? 'object' : typeof value} without a list of records; a JSON dataset is [{...}, ...]`);
  const bad = records.findIndex((r) => r === null || typeof r !== 'object' || Array.isArray(r));
  if (bad >= 0) throw new DatasetError('dataset-invalid', `${path}: element ${bad + 1} of the list is not a JSON object (${JSON.stringify(records[bad])?.slice(0, 40)}); every record must be {...}`, { line: bad + 1 });
  if (records.length === 0) throw new DatasetError('dataset-invalid', `${path}: the list of records is empty`);
  const objects = records as Record<string, unknown>[];
  return {
    header: keysOfRecords(objects, 50),
    format: 'jsonl',
    forEach: async (visit) => {
      objects.forEach((record, i) => visit((name) => record[name], i + 1));
    },
  };
}

/** Arrow struct rows and nested vectors → plain JSON values. */
function plain(value: ColumnValue): unknown {
  if (value === null || value === undefined || typeof value !== 'object') return typeof value === 'bigint' ? Number(value) : value;
  const withJson = value as { toJSON?: () => unknown; toArray?: () => unknown };
  if (typeof withJson.toJSON === 'function') return normalise(withJson.toJSON());
  return normalise(value);
}

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => plain(v as ColumnValue));
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v as ColumnValue);
    return out;
  }
  return value;
}

async function columnarSource(files: readonly string[], source: string, format: 'parquet' | 'arrow', maxBytes: number, signal: AbortSignal | undefined): Promise<RecordSource> {
  let header: string[] = [];
  const read = format === 'parquet' ? readParquetRows : readArrowRows;
  const run = async (visit: RecordVisitor): Promise<void> => {
    await read(files, source, { maxBytes, signal }, (columns: ColumnInfo[]) => {
      const names = columns.map((c) => c.name);
      header = names;
      const index = new Map(names.map((n, i) => [n, i]));
      let rows = 0;
      return {
        neededColumns: names,
        get rowCount() {
          return rows;
        },
        checkSameSchema(file: string, other: readonly ColumnInfo[]) {
          const otherNames = other.map((c) => c.name).join(',');
          if (otherNames !== names.join(',')) throw new DatasetError('dataset-invalid', `${file}: its columns (${otherNames}) differ from the first shard's (${names.join(',')}); shards of one dataset must share a schema`);
        },
        addRow(values: readonly ColumnValue[], _file: string, row: number) {
          rows++;
          visit((name) => {
            const i = index.get(name);
            return i === undefined ? undefined : plain(values[i]);
          }, row);
        },
      };
    });
  };
  // The header comes from the schema; reading it needs the first file's metadata only, but the
  // readers decode as they go, so pass 0 collects it with a visitor that stops after one row.
  const stop = new DatasetError('dataset-invalid', 'header read');
  try {
    await run(() => {
      throw stop;
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
  return { header, format, forEach: run };
}
