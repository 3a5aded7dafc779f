/**
 * Static checks for configs that list several training datasets, from headers only: the label
 * column in each, the same feature columns in each (training mixes their rows), and the planned
 * n against the rows of all of them together. Each finding lands on the list item (or the name
 * inside LLaMA-Factory's `a,b`) it is about and carries `data.datasetIndex`. Pure given its inputs.
 */
import { basename } from 'node:path';
import type { Finding } from '../../core/model/finding';
import type { NormalizedConfig, SourceValue } from '../../core/model/config';
import type { Resolved } from './inspect';
import type { ResolvedDatasetEntry, ResolvedReferences } from './resolve';

export interface DatasetListCheck {
  readonly findings: Finding[];
  /** The dataset whose columns the others are compared with (and the checkpoint width is checked against). */
  readonly reference?: Resolved;
  /** Rows of every listed dataset together, when all are known. */
  readonly rows?: number;
  /** False when any row count is an estimate. */
  readonly rowsExact: boolean;
}

function on(value: SourceValue<unknown>, code: string, severity: Finding['severity'], field: string, message: string, data?: Record<string, unknown>): Finding {
  return { code, severity, message, file: value.file, range: value.range, field, ...(data ? { data } : {}) };
}

export function nameOf(resolved: Resolved): string {
  return resolved.hubId ?? basename(resolved.path);
}

function listed(names: readonly string[], limit = 12): string {
  return names.length === 0 ? 'none' : names.slice(0, limit).join(', ') + (names.length > limit ? ', …' : '');
}

interface Tabular {
  readonly entry: ResolvedDatasetEntry;
  readonly resolved: Resolved;
  readonly features: string[];
  readonly signature: string;
}

export function datasetListChecks(config: NormalizedConfig, resolved: ResolvedReferences): DatasetListCheck {
  const findings: Finding[] = [];
  const entries = resolved.datasets ?? [];
  const label = config.labelColumn?.value;

  // Label column: on the label key when no listed dataset has it, else on each item that lacks it.
  const withColumns = entries.filter((e) => e.resolved?.columns && e.resolved.format !== 'image-folder');
  const lacking = label ? withColumns.filter((e) => !e.resolved!.columns!.includes(label)) : [];
  if (config.labelColumn && lacking.length > 0 && lacking.length === withColumns.length) {
    const first = lacking[0]!.resolved!;
    findings.push(on(config.labelColumn, 'label-column-missing', 'error', 'labelColumn',
      `Column '${label}' is not in any listed dataset (${lacking.map((e) => nameOf(e.resolved!)).join(', ')}; ${nameOf(first)} has: ${listed(first.columns!, 20)}). Set ${config.labelColumn.keyPath} to the column that holds the labels.`,
      { columns: first.columns }));
  } else {
    for (const entry of lacking) {
      findings.push(on(entry.reference, 'label-column-missing', 'error', 'dataset',
        `${entry.reference.keyPath}: column '${label}' is not in ${nameOf(entry.resolved!)} (columns: ${listed(entry.resolved!.columns!, 20)}), while the other listed datasets have it. Add the label column to this file or remove it from the list; the analysis leaves it out.`,
        { columns: entry.resolved!.columns, datasetIndex: entry.index }));
    }
  }

  // Feature columns: tabular CSV/JSONL items with the label are compared with the most common layout.
  const tabular: Tabular[] = [];
  for (const entry of withColumns) {
    const r = entry.resolved!;
    if (r.format !== 'csv' && r.format !== 'jsonl') continue;
    const columns = r.columns!;
    const labelName = label ?? (columns.includes('label') ? 'label' : undefined);
    if (labelName && !columns.includes(labelName)) continue;
    const features = columns.filter((c) => c !== labelName);
    const numeric = new Set(r.numericColumns ?? features);
    // Text datasets (instruction tuning) legitimately differ per item (each has its own `type`).
    if (!features.every((c) => numeric.has(c))) continue;
    tabular.push({ entry, resolved: r, features, signature: [...features].sort().join('\u0000') });
  }
  let reference: Tabular | undefined;
  const votes = new Map<string, number>();
  for (const t of tabular) votes.set(t.signature, (votes.get(t.signature) ?? 0) + 1);
  for (const t of tabular) if (!reference || votes.get(t.signature)! > votes.get(reference.signature)!) reference = t;
  if (reference) {
    const ref = reference;
    for (const t of tabular) {
      if (t.signature === ref.signature) continue;
      const missing = ref.features.filter((c) => !t.features.includes(c));
      const extra = t.features.filter((c) => !ref.features.includes(c));
      const differences = [
        missing.length > 0 ? `lacks ${listed(missing)}` : '',
        extra.length > 0 ? `has ${extra.length === 1 ? 'an extra column' : 'extra columns'} ${listed(extra)}` : '',
      ].filter(Boolean).join(' and ');
      findings.push(on(t.entry.reference, 'shape-mismatch', 'warning', 'dataset',
        `${t.entry.reference.keyPath}: ${nameOf(t.resolved)} has ${t.features.length} feature columns but ${nameOf(ref.resolved)} (${ref.entry.reference.keyPath}) has ${ref.features.length}: it ${differences}. ` +
        `Training mixes the rows of every listed dataset, so they need the same feature columns and label column; the analysis leaves ${nameOf(t.resolved)} out. Rename or drop columns so the files match, or remove it from the list.`,
        { datasetIndex: t.entry.index, missing, extra, reference: ref.entry.index }));
    }
  }

  // Planned n against the rows of the datasets that resolve (the others already have a finding).
  const present = entries.filter((e) => e.resolved && !e.resolved.problem);
  const rows = present.map((e) => e.resolved!.rows);
  const known = present.length > 0 && rows.every((r): r is number => r !== undefined) ? (rows as number[]) : undefined;
  const rowsExact = present.every((e) => e.resolved!.rowsExact !== false);
  const total = known?.reduce((a, b) => a + b, 0);
  const which = present.length === entries.length ? `the ${entries.length} listed datasets` : `the ${present.length} listed dataset${present.length === 1 ? '' : 's'} found`;
  if (config.trainSize && known && total !== undefined) {
    const planned = config.trainSize.value;
    const perDataset = config.profile === 'llama-factory';
    const shown = present.map((e, i) => `${nameOf(e.resolved!)} ${rowsExact ? '' : '~'}${known[i]!.toLocaleString('en-US')}`).join(', ');
    if (perDataset) {
      // LLaMA-Factory truncates each dataset to max_samples: too large only when it caps none of them.
      const largest = Math.max(...known);
      if ((rowsExact && largest < planned) || (!rowsExact && largest * 2 < planned)) {
        findings.push(on(config.trainSize, 'dataset-too-small', 'warning', 'trainSize',
          `${config.trainSize.keyPath} is ${planned} but ${present.length === 1 ? `${which} is smaller` : `each of ${which} is smaller`} (${shown}); it caps each dataset, so it has no effect and training uses all ${total.toLocaleString('en-US')} rows. Lower ${config.trainSize.keyPath} to ${largest} or add data.`,
          { rows: total, planned, suggestedValue: largest }));
      }
    } else if ((rowsExact && total < planned) || (!rowsExact && total * 2 < planned)) {
      findings.push(on(config.trainSize, 'dataset-too-small', 'warning', 'trainSize',
        `${config.trainSize.keyPath} is ${planned} but ${which} ha${present.length === 1 ? 's' : 've'} ${rowsExact ? '' : 'about '}${total} rows${present.length === 1 ? '' : ' together'} (${shown}), so training will use at most ${total}. Lower ${config.trainSize.keyPath} to ${total} or add data.`,
        { rows: total, planned, suggestedValue: total }));
    }
  }
  return { findings, ...(reference ? { reference: reference.resolved } : {}), ...(total !== undefined ? { rows: total } : {}), rowsExact };
}
