/**
 * The shared half of the Parquet and Arrow readers: from a typed column list (what the file's
 * schema says) and rows of decoded values to the same bounded, seeded sample the CSV/JSONL
 * readers produce (TableSampler). Column choice follows readTable's rules — the label by name,
 * features = every other numeric column (pandas' index column left out), named features when
 * given — with two additions the schema makes possible: a list (or fixed-size list) of numbers
 * is one feature vector per row (`emb` → `emb[0]`, `emb[1]`, … as JSONL arrays are), and a
 * Hugging Face `ClassLabel` label is classification with its class names whatever its number
 * of classes. Errors name the file, the column and the 1-based row (within that file).
 */
import { DatasetError } from '../../core/formats/errors';
import { TableSampler, type Cell, type Table, type TableOptions } from '../../core/formats/table';

/** What a column holds, from the file's schema. */
export type ColumnKind = 'number' | 'bool' | 'list' | 'string' | 'struct' | 'nested-list' | 'other';

export interface ColumnInfo {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Type as the file names it, for messages: 'float32', 'list<float32>', 'string', 'struct<a, b>', 'timestamp'. */
  readonly typeText: string;
  /** Lists only: their elements are numbers (or booleans). */
  readonly numericElements?: boolean;
  /** Fixed-size lists: values per row. */
  readonly listSize?: number;
}

/** A decoded value: numbers, bigints, booleans, strings, null, or an array-like of numbers for lists. */
export type ColumnValue = number | bigint | boolean | string | null | undefined | ArrayLike<number | bigint | boolean | null> | object;

export type ColumnarFormat = 'parquet' | 'arrow';

/** A table read from a columnar file: like readTable's Table, with its own format name. */
export type ColumnarTable = Omit<Table, 'format'> & { readonly format: ColumnarFormat };

/** Hugging Face `datasets` feature metadata (schema key `huggingface`): ClassLabel names by column. */
export function huggingFaceClassNames(metadataJson: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!metadataJson) return out;
  try {
    const parsed = JSON.parse(metadataJson) as { info?: { features?: Record<string, unknown> } };
    for (const [name, feature] of Object.entries(parsed.info?.features ?? {})) {
      const f = feature as { _type?: unknown; names?: unknown };
      if (f && f._type === 'ClassLabel' && Array.isArray(f.names) && f.names.every((n) => typeof n === 'string')) out.set(name, f.names as string[]);
    }
  } catch {
    // Metadata is a convenience; a malformed one changes nothing.
  }
  return out;
}

/** Pandas index columns (never features; the static shape check uses it too). */
export const PANDAS_INDEX = /^(__index_level_\d+__|Unnamed: \d+|)$/;

function what(column: ColumnInfo): string {
  return `'${column.name}' (${column.typeText})`;
}

/** Advice for a column that cannot be a feature. */
function advice(column: ColumnInfo): string {
  switch (column.kind) {
    case 'string':
      return `column ${what(column)} holds text; TransferLens needs numbers: encode it (a class index, one-hot columns) or store an embedding per row as a list<float> column, or leave it out of the features`;
    case 'struct':
      return `column ${what(column)} is a nested struct; flatten it into numeric columns first (datasets: ds.flatten(); pandas: pd.json_normalize) or leave it out of the features`;
    case 'nested-list':
      return `column ${what(column)} is a list of lists (e.g. an image or a token matrix); flatten it to one list of numbers per row (numpy reshape(len(x), -1)) or leave it out of the features`;
    case 'list':
      return `column ${what(column)} is a list of non-numbers; only lists of numbers are feature vectors`;
    default:
      return `column ${what(column)} is not numeric; convert it to numbers (e.g. a timestamp to seconds) or leave it out of the features`;
  }
}

function isNumericColumn(column: ColumnInfo): boolean {
  return column.kind === 'number' || column.kind === 'bool' || (column.kind === 'list' && column.numericElements === true);
}

interface FeatureSpec {
  readonly column: number;
  /** Element of a list column, or undefined for the whole column (scalar, or every list element). */
  readonly element?: number;
}

/**
 * Rows → TableSampler. Construct with the schema (first file), call `addRow` with the values of
 * `neededColumns` in that order, then `finish`.
 */
export class ColumnarSampler {
  readonly neededColumns: string[];
  private readonly columns: readonly ColumnInfo[];
  private readonly labelIndex: number;
  private readonly features: FeatureSpec[];
  private readonly skipped: string[];
  private readonly classNames: string[] | undefined;
  private sampler: TableSampler | undefined;
  private listWidths = new Map<number, number>();
  private cells: Cell[] = [];
  private rowsSeen = 0;
  /** Column index → position of its value in `addRow`'s values. */
  private readonly position: number[] = [];

  constructor(
    private readonly source: string,
    columns: readonly ColumnInfo[],
    private readonly options: TableOptions,
    classLabels: Map<string, string[]> = new Map(),
  ) {
    this.columns = columns;
    const names = columns.map((c) => c.name);
    this.labelIndex = names.indexOf(options.labelColumn);
    if (this.labelIndex < 0) {
      throw new DatasetError('label-column-missing', `${source}: there is no label column '${options.labelColumn}'; the columns are ${listColumns(columns)}. Set the label column to one of them`);
    }
    const label = columns[this.labelIndex]!;
    if (label.kind !== 'number' && label.kind !== 'bool' && label.kind !== 'string') {
      throw new DatasetError('dataset-invalid', `${source}: the label column ${what(label)} is not a single value per row; use a column holding one class or number per row (multi-label targets are not supported)`);
    }
    if (options.task === 'regression' && label.kind === 'string') {
      throw new DatasetError('dataset-invalid', `${source}: the label column ${what(label)} holds text, which cannot be a regression target; use problem_type: single_label_classification or a numeric label column`);
    }
    this.classNames = label.kind === 'number' ? classLabels.get(label.name) : undefined;
    this.skipped = [];
    this.features = [];
    if (options.featureColumns) {
      for (const wanted of options.featureColumns) {
        const element = /^(.*)\[(\d+)\]$/.exec(wanted);
        let index = names.indexOf(wanted);
        let elementIndex: number | undefined;
        if (index < 0 && element) {
          index = names.indexOf(element[1]!);
          elementIndex = Number(element[2]);
          if (index >= 0 && columns[index]!.kind !== 'list') index = -1;
        }
        if (index < 0) throw new DatasetError('dataset-invalid', `${source}: there is no feature column '${wanted}'; the columns are ${listColumns(columns)}`);
        if (index === this.labelIndex) throw new DatasetError('dataset-invalid', `${source}: '${wanted}' is the label column and cannot also be a feature`);
        if (!isNumericColumn(columns[index]!)) throw new DatasetError('dataset-invalid', `${source}: ${advice(columns[index]!)}`);
        this.features.push({ column: index, ...(elementIndex !== undefined ? { element: elementIndex } : {}) });
      }
    } else {
      columns.forEach((column, i) => {
        if (i === this.labelIndex) return;
        if (PANDAS_INDEX.test(column.name) || !isNumericColumn(column)) this.skipped.push(column.name);
        else this.features.push({ column: i });
      });
      if (this.features.length === 0) {
        const others = columns.filter((_, i) => i !== this.labelIndex);
        const reasons = others.filter((c) => !PANDAS_INDEX.test(c.name)).map((c) => advice(c));
        throw new DatasetError('dataset-invalid', `${source}: no numeric feature columns besides the label '${options.labelColumn}'` +
          (reasons.length ? `: ${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? `; and ${reasons.length - 3} more` : ''}` : ' (the file has no other columns)'));
      }
    }
    const needed = new Set<number>([this.labelIndex, ...this.features.map((f) => f.column)]);
    const neededIndices = [...needed].sort((a, b) => a - b);
    this.neededColumns = neededIndices.map((i) => names[i]!);
    neededIndices.forEach((column, k) => (this.position[column] = k));
    for (const f of this.features) {
      const size = columns[f.column]!.listSize;
      if (size !== undefined) this.listWidths.set(f.column, size);
    }
  }

  /** Checks a later file's schema against the first file's (shards must agree). */
  checkSameSchema(file: string, columns: readonly ColumnInfo[]): void {
    for (const name of this.neededColumns) {
      const mine = this.columns.find((c) => c.name === name)!;
      const theirs = columns.find((c) => c.name === name);
      if (!theirs) throw new DatasetError('dataset-invalid', `${file}: has no column '${name}', which the first file of the dataset has; all shards must have the same columns`);
      if (theirs.kind !== mine.kind) throw new DatasetError('dataset-invalid', `${file}: column '${name}' is ${theirs.typeText} here but ${mine.typeText} in the first file; all shards must have the same column types`);
    }
  }

  get rowCount(): number {
    return this.rowsSeen;
  }

  /**
   * One row: `values` are the values of `neededColumns` in that order. `file` and `row` (1-based,
   * within that file) are for messages.
   */
  addRow(values: readonly ColumnValue[], file: string, row: number): void {
    const valueOf = (column: number): ColumnValue => values[this.position[column]!];
    if (!this.sampler) this.start(valueOf, file, row);
    const cells = this.cells;
    let k = 0;
    for (const f of this.features) {
      const column = this.columns[f.column]!;
      const value = valueOf(f.column);
      if (column.kind === 'list') {
        if (value === null || value === undefined) throw this.missing(file, row, column.name);
        const list = value as ArrayLike<number | bigint | boolean | null>;
        if (typeof list !== 'object' || typeof list.length !== 'number') throw this.notNumber(file, row, column.name, value);
        if (f.element !== undefined) {
          if (f.element >= list.length) throw new DatasetError('dataset-invalid', `${file}: row ${row}: list column '${column.name}' has ${list.length} values, so '${column.name}[${f.element}]' does not exist`, { line: row });
          cells[k++] = this.number(list[f.element], file, row, `${column.name}[${f.element}]`);
        } else {
          const width = this.listWidths.get(f.column)!;
          if (list.length !== width) {
            throw new DatasetError('dataset-invalid', `${file}: row ${row}: list column '${column.name}' has ${list.length} values but earlier rows have ${width}; every row's feature vector must have the same length (pad or truncate it)`, { line: row });
          }
          for (let e = 0; e < width; e++) cells[k++] = this.number(list[e], file, row, `${column.name}[${e}]`);
        }
      } else {
        cells[k++] = this.number(value, file, row, column.name);
      }
    }
    cells[k] = this.label(valueOf(this.labelIndex), file, row);
    this.rowsSeen++;
    this.sampler!.addRow(cells, this.rowsSeen);
  }

  finish(format: ColumnarFormat): ColumnarTable {
    if (!this.sampler) throw new DatasetError('dataset-invalid', `${this.source}: has a schema but no rows`);
    const table = this.sampler.finish('npy');
    let labels = table.labels;
    if (labels.kind === 'classes' && this.classNames) {
      const names = this.classNames;
      labels = { ...labels, classNames: labels.classNames.map((c) => names[Number(c)] ?? c) };
    }
    return { ...table, labels, format, skippedColumns: [...this.skipped] };
  }

  /** Builds the header (list widths from the first row) and the TableSampler. */
  private start(valueOf: (column: number) => ColumnValue, file: string, row: number): void {
    const header: string[] = [];
    for (const f of this.features) {
      const column = this.columns[f.column]!;
      if (column.kind !== 'list') {
        header.push(column.name);
      } else if (f.element !== undefined) {
        header.push(`${column.name}[${f.element}]`);
      } else {
        let width = this.listWidths.get(f.column);
        if (width === undefined) {
          const first = valueOf(f.column) as ArrayLike<unknown> | null | undefined;
          if (first === null || first === undefined) throw this.missing(file, row, column.name);
          width = first.length;
          if (width === 0) throw new DatasetError('dataset-invalid', `${file}: row ${row}: list column '${column.name}' is empty; a feature vector needs at least one value`, { line: row });
          this.listWidths.set(f.column, width);
        }
        for (let e = 0; e < width; e++) header.push(`${column.name}[${e}]`);
      }
    }
    const labelName = this.columns[this.labelIndex]!.name;
    header.push(labelName);
    const task = this.options.task ?? (this.classNames ? 'classification' : undefined);
    this.sampler = new TableSampler(header, { ...this.options, labelColumn: labelName, featureColumns: header.slice(0, -1), ...(task ? { task } : {}) }, this.source);
    this.cells = new Array<Cell>(header.length);
  }

  private number(value: unknown, file: string, row: number, name: string): number {
    if (typeof value === 'number') {
      if (Number.isFinite(value)) return value;
      throw new DatasetError('non-finite-values', `${file}: row ${row}: feature '${name}' is ${String(value)}; remove or impute non-finite values`, { line: row });
    }
    if (typeof value === 'bigint') return Number(value);
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (value === null || value === undefined) throw this.missing(file, row, name);
    throw this.notNumber(file, row, name, value);
  }

  private label(value: ColumnValue, file: string, row: number): Cell {
    const name = this.options.labelColumn;
    if (value === null || value === undefined) {
      throw new DatasetError('dataset-invalid', `${file}: row ${row}: the label '${name}' is null; drop or label the row (pandas: df.dropna(subset=['${name}']))`, { line: row });
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new DatasetError('non-finite-values', `${file}: row ${row}: label '${name}' is ${String(value)}; remove or impute non-finite values`, { line: row });
      return value;
    }
    if (typeof value === 'bigint') return Number(value);
    if (typeof value === 'boolean' || typeof value === 'string') return value;
    throw new DatasetError('dataset-invalid', `${file}: row ${row}: the label '${name}' is not a single value`, { line: row });
  }

  private missing(file: string, row: number, name: string): DatasetError {
    return new DatasetError('dataset-invalid', `${file}: row ${row}: feature '${name}' is null (missing); fill or drop missing values (pandas: df.dropna(); datasets: ds.filter(...))`, { line: row });
  }

  private notNumber(file: string, row: number, name: string, value: unknown): DatasetError {
    const text = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
    return new DatasetError('dataset-invalid', `${file}: row ${row}: feature '${name}' is ${text}, not a number; encode it numerically or leave the column out of the features`, { line: row });
  }
}

function listColumns(columns: readonly ColumnInfo[]): string {
  const shown = columns.slice(0, 12).map((c) => `'${c.name}' (${c.typeText})`).join(', ');
  return columns.length > 12 ? `${shown} and ${columns.length - 12} more` : shown;
}
