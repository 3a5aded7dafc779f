/**
 * The dataset-loading step of the pipeline for configs that list several training datasets
 * (Axolotl `datasets[]`, LLaMA-Factory `dataset: a,b`): each readable dataset is read with
 * readTable (a bounded, seeded sample), the ones whose feature and label columns agree are
 * concatenated into one table, and the analysis sample mixes them in proportion to the rows each
 * contributes to training. A dataset that cannot be read or whose columns differ gets a finding on
 * its list item and is left out; the others are still analysed.
 */
import { basename } from 'node:path';
import type { DatasetUsed } from '../core/model/analysis';
import type { Finding } from '../core/model/finding';
import type { NormalizedConfig, SourceValue } from '../core/model/config';
import { CancelledError } from '../core/model/progress';
import { DatasetError } from '../core/formats/errors';
import { createRandom } from '../core/formats/random';
import type { Table, TableTask } from '../core/formats/table';
import { matrix } from '../core/linalg/matrix';
import { plannedTrainSize } from '../core/config/datasetList';
import { readTable, tableFormatOf } from './readers/table';
import type { ResolvedDatasetEntry } from './resolve/resolve';

export interface DatasetListOptions {
  readonly labelColumn: string;
  readonly task?: TableTask;
  /** Upper bound on rows in the combined sample. */
  readonly maxRows: number;
  readonly seed: number;
  readonly signal?: AbortSignal;
  readonly maxBytes?: number;
}

/** One dataset of the list as the analysis used it (`analysis.datasets[]`). */
export type DatasetPart = DatasetUsed;

export interface LoadedDatasets {
  readonly table: Table;
  readonly parts: DatasetPart[];
  readonly notes: string[];
}

/** True when a listed dataset can go through readTable. */
export function isTableEntry(entry: ResolvedDatasetEntry): boolean {
  const r = entry.resolved;
  // Parquet/Arrow folders (save_to_disk, Hub cache snapshots) have no table extension but readTable reads them.
  return !!r && !r.problem && r.format !== 'image-folder' && (tableFormatOf(r.path) !== undefined || r.format === 'parquet' || r.format === 'arrow');
}

interface Read {
  readonly entry: ResolvedDatasetEntry;
  table: Table;
}

function onEntry(entry: ResolvedDatasetEntry, code: string, severity: Finding['severity'], message: string, data: Record<string, unknown> = {}): Finding {
  const at: SourceValue<string> = entry.reference;
  return { code, severity, message, file: at.file, range: at.range, field: 'dataset', data: { ...data, datasetIndex: entry.index } };
}

/** How a list item is named in messages: its key path, plus the name when several share it (LLaMA-Factory `a,b`). */
function itemLabel(entry: ResolvedDatasetEntry): string {
  return entry.reference.keyPath.includes('[') ? entry.reference.keyPath : `${entry.reference.keyPath} '${entry.reference.value}'`;
}

function sameRange(a: Finding, b: Finding): boolean {
  return a.file === b.file && a.range.start.line === b.range.start.line && a.range.start.character === b.range.start.character;
}

/** Adds a finding unless the static checks already put one with this code on the same item. */
function addOnce(findings: Finding[], finding: Finding): void {
  if (!findings.some((f) => f.code === finding.code && sameRange(f, finding))) findings.push(finding);
}

async function readOne(entry: ResolvedDatasetEntry, options: DatasetListOptions, task: TableTask | undefined, findings: Finding[], allowSingleClass = false): Promise<Table | undefined> {
  const path = entry.resolved!.path;
  try {
    return await readTable(path, { labelColumn: options.labelColumn, task, maxRows: options.maxRows, seed: options.seed, signal: options.signal, maxBytes: options.maxBytes, allowSingleClass } as never);
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    if (e instanceof DatasetError) {
      addOnce(findings, onEntry(entry, e.code, 'error', `${itemLabel(entry)}: ${e.message.replace(/\.$/, '')}. The analysis leaves this dataset out.`));
      return undefined;
    }
    throw e;
  }
}

function sortClassNames(names: string[]): string[] {
  const numeric = names.every((n) => n.trim() !== '' && Number.isFinite(Number(n)));
  return numeric ? names.sort((a, b) => Number(a) - Number(b)) : names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Splits `total` rows over parts in proportion to `weights`, each at most its `capacity` (largest remainders). */
export function allocate(total: number, weights: readonly number[], capacity: readonly number[]): number[] {
  const take = weights.map(() => 0);
  let remaining = Math.min(total, capacity.reduce((a, b) => a + b, 0));
  while (remaining > 0) {
    const open = weights.map((_, i) => i).filter((i) => take[i]! < capacity[i]!);
    const weight = open.reduce((a, i) => a + Math.max(weights[i]!, 0), 0);
    const shares = open.map((i) => (weight > 0 ? (remaining * Math.max(weights[i]!, 0)) / weight : remaining / open.length));
    let given = 0;
    open.forEach((i, k) => {
      const add = Math.min(Math.floor(shares[k]!), capacity[i]! - take[i]!);
      take[i]! += add;
      given += add;
    });
    if (given === 0) {
      // Hand out the remainders one row at a time, largest fractional share first.
      const order = open.map((i, k) => ({ i, r: shares[k]! - Math.floor(shares[k]!) })).sort((a, b) => b.r - a.r || a.i - b.i);
      for (const { i } of order) {
        if (remaining - given === 0) break;
        if (take[i]! < capacity[i]!) {
          take[i]! += 1;
          given += 1;
        }
      }
    }
    remaining -= given;
  }
  return take;
}

/** `k` of `n` indices, seeded, in increasing order. */
function chooseRows(n: number, k: number, seed: number): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  const random = createRandom(seed);
  const indices = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + random.nextInt(n - i);
    [indices[i], indices[j]] = [indices[j]!, indices[i]!];
  }
  return indices.slice(0, k).sort((a, b) => a - b);
}

/**
 * Reads every readable listed dataset (`entries`: the whole list, in order) and concatenates those
 * whose columns agree. Findings go to `findings` (on the list item); returns undefined when no
 * dataset is left to analyse.
 */
export async function readDatasetList(config: NormalizedConfig, entries: readonly ResolvedDatasetEntry[], options: DatasetListOptions, findings: Finding[]): Promise<LoadedDatasets | undefined> {
  const reads: Read[] = [];
  // Entries with an error finding (missing, wrong label column, …) are already explained and left out.
  const readable = entries.filter((e) => isTableEntry(e) && !findings.some((f) => f.severity === 'error' && f.data?.datasetIndex === e.index));
  // In a mix, one dataset may hold a single class (e.g. one file per class); the mix is checked below.
  const mixed = readable.length > 1;
  for (const entry of readable) {
    const table = await readOne(entry, options, options.task, findings, mixed);
    if (table) reads.push({ entry, table });
  }
  if (reads.length === 0) return undefined;

  // Label kinds must agree: text class names make every dataset a classification, else all regression.
  if (!options.task && new Set(reads.map((r) => r.table.labels.kind)).size > 1) {
    const textClasses = reads.some((r) => r.table.labels.kind === 'classes' && r.table.labels.classNames.some((n) => !Number.isFinite(Number(n))));
    const task: TableTask = textClasses ? 'classification' : 'regression';
    for (const read of [...reads]) {
      if ((read.table.labels.kind === 'classes') === (task === 'classification')) continue;
      const again = await readOne(read.entry, options, task, findings, mixed);
      if (again) read.table = again;
      else reads.splice(reads.indexOf(read), 1);
    }
    if (reads.length === 0) return undefined;
  }

  // Feature columns must agree (as sets; the order is aligned below). The most common layout wins, ties → the earliest.
  const signature = (t: Table) => [...t.featureNames].sort().join('\u0000');
  const votes = new Map<string, number>();
  for (const r of reads) votes.set(signature(r.table), (votes.get(signature(r.table)) ?? 0) + 1);
  let reference = reads[0]!;
  for (const r of reads) if (votes.get(signature(r.table))! > votes.get(signature(reference.table))!) reference = r;
  const referenceNames = reference.table.featureNames;
  const kept: Read[] = [];
  const leftOut = new Set<ResolvedDatasetEntry>();
  for (const r of reads) {
    if (signature(r.table) === signature(reference.table)) {
      kept.push(r);
      continue;
    }
    const missing = referenceNames.filter((c) => !r.table.featureNames.includes(c));
    const extra = r.table.featureNames.filter((c) => !referenceNames.includes(c));
    const name = basename(r.entry.resolved!.path);
    const differences = [missing.length > 0 ? `lacks ${missing.join(', ')}` : '', extra.length > 0 ? `has extra ${extra.join(', ')}` : ''].filter(Boolean).join(' and ');
    addOnce(findings, onEntry(r.entry, 'shape-mismatch', 'warning',
      `${itemLabel(r.entry)}: ${name} has ${r.table.featureNames.length} numeric feature columns but ${basename(reference.entry.resolved!.path)} (${itemLabel(reference.entry)}) has ${referenceNames.length}: it ${differences}. ` +
      `Training mixes the rows of every listed dataset, so they need the same feature columns and label column; the analysis leaves ${name} out. Rename or drop columns so the files match, or remove it from the list.`,
      { missing, extra, reference: reference.entry.index }));
    leftOut.add(r.entry);
  }

  // How many sampled rows each dataset gives: in proportion to the rows it contributes to training.
  const planned = plannedTrainSize(config, kept.map((r) => r.table.rowsTotal));
  const capacity = kept.map((r) => r.table.rowsUsed);
  const total = Math.min(options.maxRows, capacity.reduce((a, b) => a + b, 0));
  const take = allocate(total, planned.contributions, capacity);
  const chosen = kept.map((r, i) => chooseRows(r.table.rowsUsed, take[i]!, options.seed + 7919 * (r.entry.index + 1)));

  const cols = referenceNames.length;
  const features = matrix(total, cols);
  const classification = kept[0]!.table.labels.kind === 'classes';
  const classNames = classification
    ? sortClassNames([...new Set(kept.flatMap((r) => (r.table.labels.kind === 'classes' ? r.table.labels.classNames : [])))])
    : [];
  if (classification && classNames.length < 2) {
    addOnce(findings, onEntry(kept[0]!.entry, 'single-class', 'error', `The ${kept.length} listed datasets together have only one class (${JSON.stringify(classNames[0])}) in the label column '${options.labelColumn}'; a classifier needs at least two. Add a dataset with the other classes, or check label_column_name.`));
    return undefined;
  }
  const classIndex = new Map(classNames.map((name, i) => [name, i]));
  const classValues = new Int32Array(classification ? total : 0);
  const labelCols = kept[0]!.table.labels.kind === 'values' ? (kept[0]!.table.labels as { values: { cols: number } }).values.cols : 0;
  const regression = matrix(classification ? 0 : total, labelCols);
  const classCounts = classNames.map(() => 0);
  let row = 0;
  kept.forEach((r, i) => {
    const t = r.table;
    const order = referenceNames.map((name) => t.featureNames.indexOf(name));
    for (const source of chosen[i]!) {
      for (let j = 0; j < cols; j++) features.data[row * cols + j] = t.features.data[source * t.features.cols + order[j]!]!;
      if (t.labels.kind === 'classes') classValues[row] = classIndex.get(t.labels.classNames[t.labels.values[source]!]!)!;
      else regression.data.set(t.labels.values.data.subarray(source * labelCols, (source + 1) * labelCols), row * labelCols);
      row++;
    }
    if (t.labels.kind === 'classes') t.labels.classNames.forEach((name, k) => (classCounts[classIndex.get(name)!]! += t.classCounts?.[k] ?? 0));
  });

  const table: Table = {
    features,
    labels: classification ? { kind: 'classes', values: classValues, classNames } : { kind: 'values', values: regression },
    featureNames: [...referenceNames],
    rowsTotal: kept.reduce((a, r) => a + r.table.rowsTotal, 0),
    rowsUsed: total,
    format: kept[0]!.table.format,
    skippedColumns: [...new Set(kept.flatMap((r) => r.table.skippedColumns))],
    ...(classification ? { classCounts } : {}),
  };
  const parts: DatasetPart[] = kept.map((r, i) => ({
    index: r.entry.index,
    keyPath: r.entry.reference.keyPath,
    path: r.entry.resolved!.path,
    format: r.table.format,
    rows: r.table.rowsTotal,
    rowsUsed: take[i]!,
  }));
  const count = (v: number) => v.toLocaleString('en-US');
  const rowsOf = (p: DatasetPart) => `${basename(p.path)} ${count(p.rows)} (${count(p.rowsUsed)} in the analysis sample)`;
  const notes = [
    parts.length > 1
      ? `Training mixes ${parts.length} datasets; rows from each: ${parts.map(rowsOf).join(', ')}.`
      : `Only 1 of the ${entries.length} listed datasets is analysed: ${rowsOf(parts[0]!)}.`,
  ];
  const dropped = entries.filter((e) => !kept.some((r) => r.entry === e));
  if (dropped.length > 0) {
    const why = (e: ResolvedDatasetEntry) => (leftOut.has(e) ? 'different columns' : e.resolved ? basename(e.resolved.path) : `'${e.reference.value}' not found`);
    notes.push(`Left out of the analysis (see the findings on them): ${dropped.map((e) => `${itemLabel(e)} (${why(e)})`).join(', ')}.`);
  }
  return { table, parts, notes };
}
