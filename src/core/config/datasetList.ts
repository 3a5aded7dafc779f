/**
 * Configs that train on several datasets at once (Axolotl `datasets:` items, LLaMA-Factory
 * `dataset: a,b`, a user key map's `[*]` path): every entry becomes its own SourceValue with its
 * own range, so a finding about one of them lands on that item (or on that name inside `a,b`).
 * Also the planned sample count n for one or several datasets, including Ultralytics `fraction`.
 * Pure: no I/O.
 */
import type { Finding } from '../model/finding';
import type { NormalizedConfig, SourceValue } from '../model/config';
import type { Range } from '../model/range';
import { invalidValue, sourceValue, type FieldSpec } from './keymap';
import { parseKeyPath, selectAll, type Located, type TreeNode } from './tree';

/** The config's training datasets in order: the list when it names several, else the single one. */
export function datasetEntries(config: NormalizedConfig): readonly SourceValue<string>[] {
  if (config.datasets && config.datasets.length > 0) return config.datasets;
  return config.dataset ? [config.dataset] : [];
}

/** Number of list-index segments (`[*]` or `[n]`) in a key path. */
function indexSegments(path: string): number {
  return parseKeyPath(path).filter((segment) => !('key' in segment)).length;
}

/** The concrete key path of the list item a located node belongs to (`datasets[1]` of `datasets[1].path`). */
function itemKey(keyPath: string, depth: number): { key: string; indices: number[] } | undefined {
  const pattern = /\[(\d+)\]/g;
  const indices: number[] = [];
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(keyPath)) !== null) {
    indices.push(Number(match[1]));
    if (indices.length === depth) return { key: keyPath.slice(0, match.index + match[0].length), indices };
  }
  return undefined;
}

function compareIndices(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function textOf(node: TreeNode): string | undefined {
  if (node.kind !== 'scalar' || node.value === null || typeof node.value === 'boolean') return undefined;
  const text = String(node.value);
  return text === '' ? undefined : text;
}

function describe(node: TreeNode): string {
  if (node.kind === 'map') return 'a mapping';
  if (node.kind === 'seq') return 'a list';
  return node.value === null || node.value === '' ? 'an empty value' : `'${String(node.value)}'`;
}

/**
 * Every item of the list the dataset field was read from. `first` is the value the key map chose;
 * when it came from a path with `[*]` (e.g. `datasets[*].path`), each item of that list is read
 * through the spec's paths under the same list (`datasets[*].path`, then `datasets[*].data_files`),
 * in list order. Items whose value is not text get a `config-invalid-value` finding and are
 * skipped. Returns undefined unless there are at least two usable items.
 */
export function collectDatasetList(root: TreeNode | undefined, spec: FieldSpec | undefined, first: SourceValue<string> | undefined, problems: Finding[]): SourceValue<string>[] | undefined {
  if (!root || !spec || !first) return undefined;
  const items = (typeof spec === 'string' ? [spec] : Array.isArray(spec) ? spec : [spec]) as readonly unknown[];
  const paths = items.filter((item): item is string => typeof item === 'string');
  const winning = paths.find((path) => path.includes('[*]') && selectAll(root, path).some((located) => located.keyPath === first.keyPath));
  if (!winning) return undefined;
  const listPattern = winning.slice(0, winning.lastIndexOf('[*]') + 3);
  const depth = indexSegments(listPattern);
  const chosen = new Map<string, { located: Located; indices: number[] }>();
  for (const path of paths) {
    if (!path.startsWith(listPattern)) continue;
    for (const located of selectAll(root, path)) {
      const item = itemKey(located.keyPath, depth);
      if (item && !chosen.has(item.key)) chosen.set(item.key, { located, indices: item.indices });
    }
  }
  const ordered = [...chosen.values()].sort((a, b) => compareIndices(a.indices, b.indices));
  const list: SourceValue<string>[] = [];
  for (const { located } of ordered) {
    if (located.keyPath === first.keyPath) {
      list.push(first);
      continue;
    }
    const text = textOf(located.node);
    if (text === undefined) {
      problems.push(invalidValue(located, `${located.keyPath} must be a text value (a path, Hub ID or dataset name); got ${describe(located.node)}. This dataset is left out until it is fixed.`, 'dataset'));
      continue;
    }
    list.push(sourceValue(located, text));
  }
  return list.length > 1 ? list : undefined;
}

/**
 * Splits a comma list of names (LLaMA-Factory `dataset: alpaca_en,identity`) into one value per
 * name. When the value is written on one line exactly as read (plain, or quoted without escapes),
 * each name gets its own character range; otherwise every name keeps the whole value's range.
 */
export function splitNameList(value: SourceValue<string>, node: TreeNode | undefined): SourceValue<string>[] {
  const text = value.value;
  const { start, end } = value.range;
  const quoted = node?.kind === 'scalar' && node.quoted;
  const exact = start.line === end.line && end.character - start.character === text.length + (quoted ? 2 : 0);
  const base = start.character + (quoted ? 1 : 0);
  const names: SourceValue<string>[] = [];
  const pattern = /[^,]+/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    const name = match[0].trim();
    if (name === '') continue;
    const offset = match.index + match[0].indexOf(name);
    const range: Range = exact
      ? { start: { line: start.line, character: base + offset }, end: { line: start.line, character: base + offset + name.length } }
      : value.range;
    names.push({ ...value, value: name, range });
  }
  return names;
}

/** The planned number of training samples and where it comes from. */
export interface PlannedSize {
  /** The n the verdict is for. */
  readonly n: number;
  /** Where n came from (a key path, `fraction`, or a description of the rows). */
  readonly source: string;
  /** How n was derived, when it is not simply a key's value or the row count (for the analysis notes). */
  readonly note?: string;
  /** Rows each dataset contributes to training (after per-dataset caps): the mixing weights of the sample. */
  readonly contributions: readonly number[];
}

/** A valid Ultralytics `fraction` (captured by the profile; invalid values are dropped there). */
export function trainFraction(config: NormalizedConfig): SourceValue<number> | undefined {
  const fraction = config.extras?.fraction;
  return fraction && typeof fraction.value === 'number' && fraction.value > 0 ? (fraction as SourceValue<number>) : undefined;
}

const count = (value: number): string => value.toLocaleString('en-US');

/**
 * The planned n for datasets with `rows` rows each (in list order):
 * - a cap (`max_train_samples`, `max_samples`) gives n = the cap, except when LLaMA-Factory lists
 *   several datasets: its `max_samples` truncates each one, so n = Σ min(cap, rowsᵢ);
 * - Ultralytics `fraction` gives n = round(min(fraction, 1) × Σ rows) (at least 1);
 * - otherwise n = Σ rows (training mixes every listed dataset).
 */
export function plannedTrainSize(config: NormalizedConfig, rows: readonly number[], rowsLabel = 'dataset rows'): PlannedSize {
  const total = rows.reduce((a, b) => a + b, 0);
  const several = rows.length > 1;
  const cap = config.trainSize;
  if (cap) {
    if (config.profile === 'llama-factory' && (several || (config.datasets?.length ?? 0) > 1)) {
      const contributions = rows.map((r) => Math.min(r, cap.value));
      const n = contributions.reduce((a, b) => a + b, 0);
      return {
        n,
        source: cap.keyPath,
        contributions,
        note: `${cap.keyPath}: ${count(cap.value)} caps each dataset (LLaMA-Factory), so n = ${contributions.map(count).join(' + ')} = ${count(n)}.`,
      };
    }
    return { n: cap.value, source: cap.keyPath, contributions: rows };
  }
  const fraction = trainFraction(config);
  if (fraction) {
    const share = Math.min(fraction.value, 1);
    const n = Math.max(1, Math.round(share * total));
    return {
      n,
      source: fraction.keyPath,
      contributions: rows.map((r) => r * share),
      note: `${fraction.keyPath}: ${fraction.value} of ${count(total)} ${several ? 'rows in the listed datasets' : rowsLabel}: n = round(${share} × ${count(total)}) = ${count(n)}.`,
    };
  }
  return { n: total, source: several ? `${rowsLabel} of ${rows.length} datasets` : rowsLabel, contributions: rows };
}

/**
 * The config as it applies to one listed dataset: the extras that item sets itself (Axolotl
 * `datasets[i].type`, `field_messages`, `field`, `chat_template`…) replace the first item's, and a
 * per-dataset extra the item does not set is absent (top-level fallbacks such as Axolotl's
 * `chat_template` were resolved per item already). Other configs come back unchanged.
 */
export function configForDataset(config: NormalizedConfig, reference: SourceValue<unknown> | undefined): NormalizedConfig {
  const item = reference ? /^(datasets\[\d+\])\./.exec(reference.keyPath)?.[1] : undefined;
  const own = item ? config.datasetExtras?.[item] : undefined;
  if (!own || !config.datasetScopedExtras) return config;
  const extras: Record<string, SourceValue<unknown>> = { ...(config.extras ?? {}) };
  for (const name of config.datasetScopedExtras) delete extras[name];
  Object.assign(extras, own);
  return { ...config, extras };
}
