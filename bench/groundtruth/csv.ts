/** Minimal numeric CSV writing and reading for the benchmark's case folders (no quoting needed). */
import { readFileSync, writeFileSync } from 'node:fs';

/** Six significant digits: small files, and the generator rounds data to this before training. */
export function roundForCsv(value: number): number {
  return Number(value.toPrecision(6));
}

export function writeCsv(path: string, header: readonly string[], rows: number, columns: (row: number) => readonly number[]): void {
  const lines = [header.join(',')];
  for (let r = 0; r < rows; r++) lines.push(columns(r).map((v) => String(v)).join(','));
  writeFileSync(path, lines.join('\n') + '\n');
}

export interface NumericTable {
  readonly header: string[];
  readonly rows: number;
  /** Row-major values, rows × header.length. */
  readonly values: Float64Array;
}

export function readCsv(path: string): NumericTable {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const header = lines[0]!.split(',');
  const values = new Float64Array((lines.length - 1) * header.length);
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.split(',');
    for (let c = 0; c < header.length; c++) values[(r - 1) * header.length + c] = Number(cells[c]);
  }
  return { header, rows: lines.length - 1, values };
}

/** Splits a table into the x0.. feature block and the named label column. */
export function featuresAndLabels(table: NumericTable, labelColumn: string): { inputs: Float64Array; labels: Float64Array; dimension: number } {
  const labelIndex = table.header.indexOf(labelColumn);
  const featureIndices = table.header.map((h, i) => (/^x\d+$/.test(h) ? i : -1)).filter((i) => i >= 0);
  const width = table.header.length;
  const inputs = new Float64Array(table.rows * featureIndices.length);
  const labels = new Float64Array(table.rows);
  for (let r = 0; r < table.rows; r++) {
    featureIndices.forEach((c, j) => (inputs[r * featureIndices.length + j] = table.values[r * width + c]!));
    labels[r] = labelIndex >= 0 ? table.values[r * width + labelIndex]! : Number.NaN;
  }
  return { inputs, labels, dimension: featureIndices.length };
}
