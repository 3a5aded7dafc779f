/**
 * Turning a stream of table rows (from CSV or JSONL) into a bounded, reproducible sample of
 * numeric features and labels — the pure half of `readTable`. Rows arrive one at a time, so a
 * 1 GB file costs only `maxRows` rows of memory:
 *
 * - Sampling: reservoir sampling (Algorithm R) with the seeded PRNG of `random.ts`, plus, for
 *   classification, a small per-class reservoir that guarantees each class at least
 *   `MIN_ROWS_PER_CLASS` rows in the sample (rare classes are not dropped by chance; the sample
 *   is otherwise proportional). The sample is returned in file order.
 * - Columns: the label column by name; feature columns either named or, by default, every other
 *   column whose first value is numeric, except pandas' unnamed index column (`''` or `Unnamed: 0`);
 *   the columns left out are reported in `skippedColumns`.
 * - Labels: classification labels (strings or integers) become class indices with the class
 *   names kept (numeric names sorted numerically, others lexicographically); regression labels
 *   become an N×1 matrix. When the task is not given: non-numeric labels or integer labels with at
 *   most `MAX_AUTO_CLASSES` distinct values mean classification, anything else regression.
 * - Problems throw DatasetError with the 1-based line: ragged rows, non-numeric or empty cells,
 *   NaN/∞ (`non-finite-values`), a missing label column (`label-column-missing`), one class only
 *   (`single-class`).
 */
import type { Matrix } from '../linalg/matrix';
import { DatasetError } from './errors';
import { createRandom, type Random } from './random';

export type TableTask = 'classification' | 'regression';
export type TableFormat = 'csv' | 'jsonl' | 'npy' | 'parquet' | 'arrow';

export interface TableOptions {
  readonly labelColumn: string;
  readonly task?: TableTask;
  /** Upper bound on rows kept (≥ 1). */
  readonly maxRows: number;
  readonly seed: number;
  /** Feature columns by name; default: all numeric columns except the label. */
  readonly featureColumns?: readonly string[];
  /**
   * One class is fine here: the table is one part of a mix of datasets, and the caller checks
   * that the mix has at least two (src/node/readDatasets.ts).
   */
  readonly allowSingleClass?: boolean;
}

export type TableLabels =
  | { readonly kind: 'classes'; readonly values: Int32Array; readonly classNames: string[] }
  | { readonly kind: 'values'; readonly values: Matrix };

export interface Table {
  readonly features: Matrix;
  readonly labels: TableLabels;
  readonly featureNames: string[];
  /** Data rows in the whole file (header excluded). */
  readonly rowsTotal: number;
  /** Rows in the returned sample. */
  readonly rowsUsed: number;
  readonly format: TableFormat;
  /** Columns left out because their first value was not numeric (default feature selection only). */
  readonly skippedColumns: string[];
  /** Rows of each class in the whole file (classification only), aligned with classNames. */
  readonly classCounts?: number[];
}

/** A cell as it comes from a parser: CSV gives strings, JSONL numbers, booleans and null too. */
export type Cell = string | number | boolean | null | undefined;

export const MIN_ROWS_PER_CLASS = 2;
export const MAX_AUTO_CLASSES = 20;
/** Distinct labels tracked for classification; more means the label is not a class label. */
export const MAX_CLASSES = 10000;

const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE_PATTERN = /^[+-]?(nan|inf|infinity)$/i;

type Parsed = { ok: true; value: number } | { ok: false; reason: 'empty' | 'non-finite' | 'text' };

/** Parses a cell as a finite number, saying why not when it is not one. */
export function parseNumericCell(cell: Cell): Parsed {
  if (cell === null || cell === undefined) return { ok: false, reason: 'empty' };
  if (typeof cell === 'number') return Number.isFinite(cell) ? { ok: true, value: cell } : { ok: false, reason: 'non-finite' };
  if (typeof cell === 'boolean') return { ok: true, value: cell ? 1 : 0 };
  const text = cell.trim();
  if (text === '') return { ok: false, reason: 'empty' };
  if (NUMBER_PATTERN.test(text)) {
    const value = Number(text);
    return Number.isFinite(value) ? { ok: true, value } : { ok: false, reason: 'non-finite' };
  }
  if (NON_FINITE_PATTERN.test(text)) return { ok: false, reason: 'non-finite' };
  return { ok: false, reason: 'text' };
}

interface SampledRow {
  readonly index: number;
  readonly features: Float64Array;
  readonly label: string;
}

export class TableSampler {
  private readonly source: string;
  private readonly options: TableOptions;
  private readonly header: readonly string[];
  private readonly labelIndex: number;
  private featureIndices: number[] | undefined;
  private featureNames: string[] = [];
  private skipped: string[] = [];
  private readonly random: Random;
  private readonly reservoir: SampledRow[] = [];
  private rowsSeen = 0;
  /** Label text → rows with that label in the whole file (bounded by MAX_CLASSES). */
  private readonly labelCounts = new Map<string, number>();
  /** Per-class mini reservoirs that keep rare classes in the sample. */
  private readonly classReservoirs = new Map<string, SampledRow[]>();
  private labelsAllNumeric = true;
  private labelsAllIntegers = true;
  private tooManyLabels = false;

  constructor(header: readonly string[], options: TableOptions, source: string) {
    this.source = source;
    this.options = options;
    this.header = header;
    if (!(options.maxRows >= 1)) throw new RangeError(`TableSampler: maxRows must be ≥ 1, got ${options.maxRows}`);
    const seen = new Set<string>();
    for (const name of header) {
      if (seen.has(name)) {
        throw new DatasetError('dataset-invalid', `${source}: the header names column '${name}' twice; give every column a distinct name`, { line: 1 });
      }
      seen.add(name);
    }
    this.labelIndex = header.indexOf(options.labelColumn);
    if (this.labelIndex < 0) {
      throw new DatasetError(
        'label-column-missing',
        `${source}: there is no label column '${options.labelColumn}'; the columns are ${listNames(header)}. Set the label column to one of them`,
        { line: 1 },
      );
    }
    if (options.featureColumns) {
      const indices: number[] = [];
      for (const name of options.featureColumns) {
        const i = header.indexOf(name);
        if (i < 0) {
          throw new DatasetError('dataset-invalid', `${source}: there is no feature column '${name}'; the columns are ${listNames(header)}`, { line: 1 });
        }
        if (i === this.labelIndex) {
          throw new DatasetError('dataset-invalid', `${source}: '${name}' is the label column and cannot also be a feature`, { line: 1 });
        }
        indices.push(i);
      }
      this.featureIndices = indices;
      this.featureNames = [...options.featureColumns];
    }
    this.random = createRandom(options.seed);
  }

  /** Adds one data row (cells in header order); `line` is the 1-based line for messages. */
  addRow(cells: readonly Cell[], line: number): void {
    if (cells.length !== this.header.length) {
      throw new DatasetError(
        'dataset-invalid',
        `${this.source}: line ${line} has ${cells.length} fields but the header has ${this.header.length}; fix the row (quote fields that contain the delimiter)`,
        { line },
      );
    }
    if (!this.featureIndices) this.chooseFeatureColumns(cells);
    const indices = this.featureIndices!;
    const features = new Float64Array(indices.length);
    for (let j = 0; j < indices.length; j++) {
      const parsed = parseNumericCell(cells[indices[j]!]);
      if (!parsed.ok) throw this.cellError(parsed.reason, this.header[indices[j]!]!, cells[indices[j]!], line, 'feature');
      features[j] = parsed.value;
    }
    const label = this.readLabel(cells[this.labelIndex], line);
    const row: SampledRow = { index: this.rowsSeen, features, label };
    this.rowsSeen++;
    this.offerToReservoir(this.reservoir, this.options.maxRows, row, this.rowsSeen);
    if (!this.tooManyLabels) {
      const count = (this.labelCounts.get(label) ?? 0) + 1;
      if (count === 1 && this.labelCounts.size >= MAX_CLASSES) {
        this.tooManyLabels = true;
        this.labelCounts.clear();
        this.classReservoirs.clear();
      } else {
        this.labelCounts.set(label, count);
        let classReservoir = this.classReservoirs.get(label);
        if (!classReservoir) this.classReservoirs.set(label, (classReservoir = []));
        this.offerToReservoir(classReservoir, MIN_ROWS_PER_CLASS, row, count);
      }
    }
  }

  /** Rows added so far. */
  get rowCount(): number {
    return this.rowsSeen;
  }

  /** Builds the sample. Throws when there are no rows or (classification) fewer than two classes. */
  finish(format: TableFormat): Table {
    if (this.rowsSeen === 0) {
      throw new DatasetError('dataset-invalid', `${this.source}: has a header but no data rows`, { line: 2 });
    }
    const task = this.decideTask();
    let rows = this.reservoir;
    if (task === 'classification') rows = this.ensureEveryClass(rows);
    rows = [...rows].sort((a, b) => a.index - b.index);
    const cols = this.featureNames.length;
    const data = new Float64Array(rows.length * cols);
    rows.forEach((row, r) => data.set(row.features, r * cols));
    const features: Matrix = { rows: rows.length, cols, data };
    const common = {
      features,
      featureNames: [...this.featureNames],
      rowsTotal: this.rowsSeen,
      rowsUsed: rows.length,
      format,
      skippedColumns: [...this.skipped],
    };
    if (task === 'regression') {
      const values = new Float64Array(rows.length);
      rows.forEach((row, r) => (values[r] = Number(row.label)));
      return { ...common, labels: { kind: 'values', values: { rows: rows.length, cols: 1, data: values } } };
    }
    const classNames = [...this.labelCounts.keys()];
    if (this.labelsAllNumeric) classNames.sort((a, b) => Number(a) - Number(b));
    else classNames.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (classNames.length < 2 && !this.options.allowSingleClass) {
      throw new DatasetError(
        'single-class',
        `${this.source}: the label column '${this.options.labelColumn}' has only one class (${JSON.stringify(classNames[0])}) in ${this.rowsSeen} rows; a classifier needs at least two`,
      );
    }
    const classIndex = new Map(classNames.map((name, i) => [name, i]));
    const values = new Int32Array(rows.length);
    rows.forEach((row, r) => (values[r] = classIndex.get(row.label)!));
    return {
      ...common,
      labels: { kind: 'classes', values, classNames },
      classCounts: classNames.map((name) => this.labelCounts.get(name)!),
    };
  }

  private decideTask(): TableTask {
    const requested = this.options.task;
    if (requested === 'regression') return 'regression';
    if (requested === 'classification') {
      if (this.tooManyLabels) {
        throw new DatasetError(
          'dataset-invalid',
          `${this.source}: the label column '${this.options.labelColumn}' has more than ${MAX_CLASSES} distinct values; it does not look like class labels (use task: regression?)`,
        );
      }
      return 'classification';
    }
    if (!this.labelsAllNumeric) {
      if (this.tooManyLabels) {
        throw new DatasetError('dataset-invalid', `${this.source}: the label column '${this.options.labelColumn}' has more than ${MAX_CLASSES} distinct text values`);
      }
      return 'classification';
    }
    return this.labelsAllIntegers && !this.tooManyLabels && this.labelCounts.size <= MAX_AUTO_CLASSES ? 'classification' : 'regression';
  }

  private readLabel(cell: Cell, line: number): string {
    const column = this.options.labelColumn;
    if (cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === '')) {
      throw new DatasetError('dataset-invalid', `${this.source}: line ${line}: the label '${column}' is empty; drop or label the row`, { line });
    }
    const parsed = parseNumericCell(cell);
    if (this.options.task === 'regression' && !parsed.ok) throw this.cellError(parsed.reason, column, cell, line, 'label');
    if (!parsed.ok && parsed.reason === 'non-finite') throw this.cellError('non-finite', column, cell, line, 'label');
    if (parsed.ok) {
      if (!Number.isInteger(parsed.value)) this.labelsAllIntegers = false;
      // Canonical text so '1', '1.0' and 1 are one class.
      return String(parsed.value);
    }
    this.labelsAllNumeric = false;
    return typeof cell === 'string' ? cell.trim() : String(cell);
  }

  private chooseFeatureColumns(firstRow: readonly Cell[]): void {
    const indices: number[] = [];
    this.featureNames = [];
    this.skipped = [];
    firstRow.forEach((cell, i) => {
      if (i === this.labelIndex) return;
      // pandas writes its row index as an unnamed first column: a row number is not a feature.
      if (this.header[i]!.trim() === '' || /^Unnamed: \d+$/.test(this.header[i]!)) {
        this.skipped.push(this.header[i]!);
        return;
      }
      const parsed = parseNumericCell(cell);
      // A NaN or empty first value still marks a numeric column; the error comes on that row.
      if (parsed.ok || parsed.reason !== 'text') {
        indices.push(i);
        this.featureNames.push(this.header[i]!);
      } else {
        this.skipped.push(this.header[i]!);
      }
    });
    if (indices.length === 0) {
      throw new DatasetError(
        'dataset-invalid',
        `${this.source}: no numeric feature columns besides the label '${this.options.labelColumn}' (columns: ${listNames(this.header)})`,
        { line: 2 },
      );
    }
    this.featureIndices = indices;
  }

  private cellError(reason: 'empty' | 'non-finite' | 'text', column: string, cell: Cell, line: number, role: 'feature' | 'label'): DatasetError {
    if (reason === 'non-finite') {
      return new DatasetError(
        'non-finite-values',
        `${this.source}: line ${line}: ${role} '${column}' is ${String(cell)}; remove or impute non-finite values`,
        { line },
      );
    }
    if (reason === 'empty') {
      // JSONL rows can lack a key altogether (undefined); CSV cells can only be empty.
      const what = cell === undefined ? 'missing' : 'empty';
      return new DatasetError('dataset-invalid', `${this.source}: line ${line}: ${role} '${column}' is ${what}; fill or drop missing values`, { line });
    }
    return new DatasetError(
      'dataset-invalid',
      `${this.source}: line ${line}: ${role} '${column}' is ${JSON.stringify(String(cell).slice(0, 40))}, not a number` +
        (role === 'feature' ? '; encode it numerically or leave the column out of the features' : ''),
      { line },
    );
  }

  /** Algorithm R: the k-th offered row replaces a random slot with probability capacity/k. */
  private offerToReservoir(reservoir: SampledRow[], capacity: number, row: SampledRow, seenCount: number): void {
    if (reservoir.length < capacity) {
      reservoir.push(row);
      return;
    }
    const slot = this.random.nextInt(seenCount);
    if (slot < capacity) reservoir[slot] = row;
  }

  /**
   * Swaps class representatives into the sample for every class below its minimum, taking the
   * place of rows from the class that has the most rows in the sample.
   */
  private ensureEveryClass(rows: SampledRow[]): SampledRow[] {
    if (this.tooManyLabels || rows.length >= this.rowsSeen) return rows;
    const sample = [...rows];
    const inSample = new Set(sample.map((r) => r.index));
    const perClass = new Map<string, number>();
    for (const r of sample) perClass.set(r.label, (perClass.get(r.label) ?? 0) + 1);
    const labels = [...this.classReservoirs.keys()].sort();
    for (const label of labels) {
      const wanted = Math.min(MIN_ROWS_PER_CLASS, this.labelCounts.get(label)!, Math.floor(sample.length / this.labelCounts.size) || 1);
      for (const candidate of this.classReservoirs.get(label)!) {
        if ((perClass.get(label) ?? 0) >= wanted) break;
        if (inSample.has(candidate.index)) continue;
        let donor: string | undefined;
        for (const [name, count] of perClass) {
          if (name !== label && (donor === undefined || count > perClass.get(donor)!)) donor = name;
        }
        if (donor === undefined || perClass.get(donor)! <= MIN_ROWS_PER_CLASS) break;
        const slot = sample.findIndex((r) => r.label === donor);
        inSample.delete(sample[slot]!.index);
        sample[slot] = candidate;
        inSample.add(candidate.index);
        perClass.set(donor, perClass.get(donor)! - 1);
        perClass.set(label, (perClass.get(label) ?? 0) + 1);
      }
    }
    return sample;
  }
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 12).map((n) => `'${n}'`).join(', ');
  return names.length > 12 ? `${shown} and ${names.length - 12} more` : shown;
}
