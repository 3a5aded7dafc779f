/**
 * Several text datasets in one config (issue #15): the rows the training script trains on when a
 * config lists more than one dataset — Axolotl `datasets:` (concatenated, then shuffled),
 * LLaMA-Factory `dataset: a,b` with `mix_strategy` (`concat`, the default; `interleave_under` /
 * `interleave_over` with `interleave_probs`, as `datasets.interleave_datasets` with
 * `first_exhausted` / `all_exhausted`), a key map's dataset list — become one supervised sample for
 * the verdict, as src/node/readDatasets.ts does for tables.
 *
 * - Labels are mapped consistently: the class names of every file are unioned (numeric names in
 *   numeric order, others alphabetically) and each file's class indices remapped; regression
 *   targets are stacked. A file whose labels are of the other kind (numbers vs classes), or whose
 *   texts are pairs when the others' are not, is left out with a finding on its list entry naming
 *   the file (a missing label column is already a `label-column-missing` error there).
 * - Sampling stays seeded and bounded: every file's own sample is at most the max-texts cap; the
 *   combined sample is at most the cap too, shared in proportion to what each dataset contributes
 *   to training (its rows, after LLaMA-Factory's per-dataset `max_samples`, for concat; the
 *   interleave probabilities, uniform when none are given, for interleaving), each part drawn
 *   with its own seed. Interleaving never repeats a row in the sample (a repeated row would sit in
 *   both a training and a test fold); when a dataset has too few distinct rows for its share, the
 *   others fill the rest and the note says so.
 * - The planned n: concat = Σ rows (or the profile's cap, via plannedTrainSize); interleave_under
 *   stops when the first dataset runs out: n ≈ minᵢ rowsᵢ / pᵢ; interleave_over when the last one
 *   does: n ≈ maxᵢ rowsᵢ / pᵢ.
 */
import { basename } from 'node:path';
import type { DatasetUsed } from '../core/model/analysis';
import type { NormalizedConfig, SourceValue } from '../core/model/config';
import type { Finding } from '../core/model/finding';
import { createRandom } from '../core/formats/random';
import { matrix } from '../core/linalg/matrix';
import { plannedTrainSize } from '../core/config/datasetList';
import { noRowProblems, type TextSample } from '../core/formats/textTable';
import type { TableLabels } from '../core/formats/table';
import { allocate } from './readDatasets';

/** One listed dataset and its sample. */
export interface TextPart {
  readonly path: string;
  readonly reference: SourceValue<string>;
  /** Position in the config's list (0-based). */
  readonly index: number;
  readonly sample: TextSample;
}

export type MixStrategy = 'concat' | 'interleave_under' | 'interleave_over';

export interface MixedTextSample {
  readonly sample: TextSample;
  readonly parts: DatasetUsed[];
  readonly notes: string[];
  readonly strategy: MixStrategy;
  /** The planned training size and where it comes from. */
  readonly planned: { readonly n: number; readonly source: string; readonly note?: string };
}

const count = (v: number): string => v.toLocaleString('en-US');

function onPart(part: TextPart, code: string, severity: Finding['severity'], message: string, data: Record<string, unknown> = {}): Finding {
  const at = part.reference;
  return { code, severity, message, file: at.file, range: at.range, field: 'dataset', data: { ...data, datasetIndex: part.index } };
}

/** How a list item is named in messages: its key path, plus the name when several share one key (LLaMA-Factory `a,b`). */
function itemLabel(part: TextPart): string {
  return part.reference.keyPath.includes('[') ? part.reference.keyPath : `${part.reference.keyPath} '${part.reference.value}'`;
}

function sortClassNames(names: string[]): string[] {
  const numeric = names.every((n) => n.trim() !== '' && Number.isFinite(Number(n)));
  return numeric ? names.sort((a, b) => Number(a) - Number(b)) : names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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

/** The configured mixing: LLaMA-Factory `mix_strategy` + `interleave_probs`; everything else concatenates. */
export function mixSettings(config: NormalizedConfig, datasets: number, findings: Finding[]): { strategy: MixStrategy; probs?: number[] } {
  const strategyAt = config.extras?.mixStrategy;
  const raw = typeof strategyAt?.value === 'string' ? strategyAt.value.trim() : undefined;
  if (config.profile !== 'llama-factory' || !raw || raw === 'concat') return { strategy: 'concat' };
  if (raw !== 'interleave_under' && raw !== 'interleave_over') {
    findings.push({ code: 'config-invalid-value', severity: 'warning', message: `mix_strategy: '${raw}' is not one of concat, interleave_under, interleave_over; LLaMA-Factory stops with an error. The analysis mixes the datasets by concatenation.`, file: strategyAt!.file ?? config.file, range: strategyAt!.range, field: 'dataset' });
    return { strategy: 'concat' };
  }
  const probsAt = config.extras?.interleaveProbs;
  const value = probsAt?.value;
  if (value === undefined || value === null || value === '') return { strategy: raw };
  const list = Array.isArray(value) ? value : String(value).split(',');
  const probs = list.map((p) => Number(typeof p === 'string' ? p.trim() : p));
  const valid = probs.length === datasets && probs.every((p) => Number.isFinite(p) && p >= 0) && probs.some((p) => p > 0);
  if (!valid) {
    findings.push({
      code: 'config-invalid-value',
      severity: 'warning',
      message: `interleave_probs: ${JSON.stringify(value)} must give one non-negative probability per listed dataset (${datasets}); LLaMA-Factory stops with an error. The analysis interleaves with equal probabilities.`,
      file: probsAt!.file ?? config.file,
      range: probsAt!.range,
      field: 'dataset',
    });
    return { strategy: raw };
  }
  const sum = probs.reduce((a, b) => a + b, 0);
  return { strategy: raw, probs: probs.map((p) => p / sum) };
}

/**
 * Mixes the listed datasets' samples (first = the config's first readable dataset) into one
 * sample (see the module comment). Findings about single entries go to `findings`; returns
 * undefined when the mix has no usable labels (e.g. one class in all files together — an error
 * finding says so).
 */
export function mixTextSamples(config: NormalizedConfig, parts: readonly TextPart[], options: { readonly maxRows: number; readonly seed: number }, findings: Finding[]): MixedTextSample | undefined {
  const labelled = parts.filter((p) => p.sample.labels);
  if (labelled.length === 0) return undefined;
  // Label kinds must agree: the kind of the most datasets wins (ties: the first's).
  const kindOf = (p: TextPart): TableLabels['kind'] => p.sample.labels!.kind;
  const votes = new Map<string, number>();
  for (const p of labelled) votes.set(kindOf(p), (votes.get(kindOf(p)) ?? 0) + 1);
  let reference = labelled[0]!;
  for (const p of labelled) if (votes.get(kindOf(p))! > votes.get(kindOf(reference))!) reference = p;
  const isPair = (p: TextPart) => p.sample.pairs !== undefined;
  const regressionCols = (p: TextPart) => (p.sample.labels!.kind === 'values' ? (p.sample.labels as { values: { cols: number } }).values.cols : 0);
  const kept: TextPart[] = [];
  for (const p of labelled) {
    const name = basename(p.path);
    const refName = `${basename(reference.path)} (${itemLabel(reference)})`;
    if (kindOf(p) !== kindOf(reference) || regressionCols(p) !== regressionCols(reference)) {
      const what = (q: TextPart) => (kindOf(q) === 'classes' ? `class labels (${(q.sample.labels as { classNames: string[] }).classNames.slice(0, 6).map((c) => JSON.stringify(c)).join(', ')})` : `numeric targets (${regressionCols(q)} column${regressionCols(q) === 1 ? '' : 's'})`);
      findings.push(onPart(p, 'dataset-invalid', 'warning',
        `${itemLabel(p)}: ${name} has ${what(p)} in its label column '${p.sample.columns.label}', but ${refName} has ${what(reference)}. Training mixes the rows of every listed dataset under one head, so the labels must be of one kind; the analysis leaves ${name} out. Make the label columns agree, or remove it from the list.`,
        { reason: 'label-kind', reference: reference.index }));
      continue;
    }
    if (isPair(p) !== isPair(reference)) {
      findings.push(onPart(p, 'dataset-invalid', 'warning',
        `${itemLabel(p)}: ${name} is read as ${isPair(p) ? 'sentence pairs' : 'single texts'} (${p.sample.columns.reason}) but ${refName} as ${isPair(reference) ? 'sentence pairs' : 'single texts'} (${reference.sample.columns.reason}); one model cannot take both. The analysis leaves ${name} out. Give the files the same text columns.`,
        { reason: 'text-columns', reference: reference.index }));
      continue;
    }
    kept.push(p);
  }
  for (const p of parts) {
    if (!p.sample.labels) findings.push(onPart(p, 'label-column-missing', 'error', `${itemLabel(p)}: ${p.path} has no label column, so its rows cannot join the supervised mix; the analysis leaves it out. Add the label column, or remove it from the list.`));
  }

  const { strategy, probs } = mixSettings(config, kept.length, findings);
  // Rows each dataset contributes to training (LLaMA-Factory's max_samples caps each one first).
  const planned = plannedTrainSize(config, kept.map((p) => p.sample.rowsTotal));
  const contributed = planned.contributions;
  const p = probs ?? kept.map(() => 1 / kept.length);
  let weights: readonly number[] = contributed;
  let plannedN: MixedTextSample['planned'] = planned;
  if (strategy !== 'concat') {
    weights = p;
    const perShare = kept.map((_, i) => (p[i]! > 0 ? contributed[i]! / p[i]! : Number.NaN)).filter((x) => Number.isFinite(x));
    const n = Math.max(1, Math.round(strategy === 'interleave_under' ? Math.min(...perShare) : Math.max(...perShare)));
    plannedN = {
      n,
      source: 'mix_strategy',
      note: `mix_strategy: ${strategy} with ${probs ? `interleave_probs ${p.map((x) => x.toFixed(2)).join(', ')}` : 'equal probabilities'} stops when the ${strategy === 'interleave_under' ? 'first' : 'last'} dataset runs out: n ≈ ${strategy === 'interleave_under' ? 'min' : 'max'} of rows / probability = ${count(n)}.`,
    };
  }
  const capacity = kept.map((q) => q.sample.rowsUsed);
  const total = Math.min(options.maxRows, capacity.reduce((a, b) => a + b, 0));
  const take = allocate(total, weights, capacity);
  const chosen = kept.map((q, i) => chooseRows(q.sample.rowsUsed, take[i]!, options.seed + 7919 * (q.index + 1)));

  // Labels: class names unioned, indices remapped; regression targets stacked.
  const classification = kindOf(reference) === 'classes';
  const classNames = classification ? sortClassNames([...new Set(kept.flatMap((q) => (q.sample.labels as { classNames: string[] }).classNames))]) : [];
  if (classification && classNames.length < 2) {
    findings.push(onPart(kept[0]!, 'single-class', 'error', `The ${kept.length} listed datasets together have only one class (${JSON.stringify(classNames[0])}) in the label column '${reference.sample.columns.label}'; a classifier needs at least two. Add a dataset with the other classes, or check the label column.`));
    return undefined;
  }
  const classIndex = new Map(classNames.map((name, i) => [name, i]));
  const classValues = new Int32Array(classification ? total : 0);
  const labelCols = regressionCols(reference);
  const targets = matrix(classification ? 0 : total, labelCols);
  const classCounts = classNames.map(() => 0);
  const texts: string[] = [];
  const pairs: string[] = [];
  const rows: number[] = [];
  kept.forEach((q, i) => {
    const labels = q.sample.labels!;
    for (const source of chosen[i]!) {
      const row = texts.length;
      texts.push(q.sample.texts[source]!);
      if (q.sample.pairs) pairs.push(q.sample.pairs[source]!);
      rows.push(q.sample.rows[source]!);
      if (labels.kind === 'classes') classValues[row] = classIndex.get(labels.classNames[labels.values[source]!]!)!;
      else targets.data.set(labels.values.data.subarray(source * labelCols, (source + 1) * labelCols), row * labelCols);
    }
    if (labels.kind === 'classes') labels.classNames.forEach((name, k) => (classCounts[classIndex.get(name)!]! += q.sample.classCounts?.[k] ?? 0));
  });

  const first = kept[0]!.sample;
  const sample: TextSample = {
    texts,
    ...(isPair(reference) ? { pairs } : {}),
    labels: classification ? { kind: 'classes', values: classValues, classNames } : { kind: 'values', values: targets },
    ...(classification ? { classCounts } : {}),
    rows,
    rowsTotal: kept.reduce((a, q) => a + q.sample.rowsTotal, 0),
    rowsUsed: total,
    columns: { ...first.columns, reason: `${first.columns.reason}; ${kept.length} datasets mixed` },
    // Row problems were reported per file already.
    problems: [],
    problemCounts: noRowProblems(),
  };
  const used: DatasetUsed[] = kept.map((q, i) => ({ index: q.index, keyPath: q.reference.keyPath, path: q.path, format: 'text', rows: q.sample.rowsTotal, rowsUsed: take[i]! }));
  const describe = (u: DatasetUsed) => `${basename(u.path)} ${count(u.rows)} (${count(u.rowsUsed)} in the analysis sample)`;
  const how = strategy === 'concat' ? 'concatenates' : `interleaves (${strategy}${probs ? `, interleave_probs ${p.map((x) => x.toFixed(2)).join(', ')}` : ', equal probabilities'})`;
  const notes = [
    used.length > 1
      ? `Training ${how} ${used.length} datasets; rows from each: ${used.map(describe).join(', ')}${classification ? `; classes unioned across the files: ${classNames.map((c) => JSON.stringify(c)).join(', ')}` : ''}.`
      : `Only 1 of the ${parts.length} listed datasets is analysed: ${describe(used[0]!)}.`,
  ];
  if (strategy !== 'concat') {
    const short = kept.filter((q, i) => total > 0 && take[i]! < Math.floor(total * p[i]!));
    if (short.length > 0) notes.push(`${short.map((q) => basename(q.path)).join(', ')} ${short.length === 1 ? 'has' : 'have'} fewer distinct sampled rows than ${short.length === 1 ? 'its' : 'their'} interleave share (training repeats them under ${strategy}); the analysis sample uses each row once and fills the rest from the other datasets.`);
  }
  const dropped = parts.filter((q) => !kept.includes(q));
  if (dropped.length > 0) notes.push(`Left out of the verdict (see the findings on them): ${dropped.map((q) => `${itemLabel(q)} (${basename(q.path)})`).join(', ')}.`);
  return { sample, parts: used, notes, strategy, planned: plannedN };
}
