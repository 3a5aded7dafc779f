/**
 * The generic key map: the one mechanism that turns a config tree into the normalised config
 * model. Users write key maps in the setting `transferlens.configProfiles` for formats we do not
 * ship; every built-in profile is a key map of the same shape plus, where a format needs it, a
 * small `refine` step (see profiles/*.ts). Design: configs-and-formats.md, "Generic,
 * user-configurable key mapping".
 */
import type { Range } from '../model/range';
import type { Finding } from '../model/finding';
import type { SourceValue, Strategy, TaskKind } from '../model/config';
import { selectAll, type Located, type TreeNode } from './tree';

/** Normalised fields a key map can fill. */
export type FieldName =
  | 'checkpoint'
  | 'dataset'
  | 'validationDataset'
  | 'labelColumn'
  | 'task'
  | 'trainSize'
  | 'strategy'
  | 'learningRate'
  | 'frozenLayers'
  | 'epochs'
  | 'batchSize'
  | 'weightDecay'
  | 'lrScheduler'
  | 'warmupRatio'
  | 'warmupSteps'
  | 'maxSteps'
  | 'gradientAccumulation'
  | 'sourceTrainFile'
  | 'featuresFile'
  | 'featureLayer';

export const FIELD_NAMES: readonly FieldName[] = [
  'checkpoint', 'dataset', 'validationDataset', 'labelColumn', 'task', 'trainSize', 'strategy',
  'learningRate', 'frozenLayers', 'epochs', 'batchSize', 'weightDecay', 'lrScheduler', 'warmupRatio', 'warmupSteps', 'maxSteps', 'gradientAccumulation', 'sourceTrainFile', 'featuresFile', 'featureLayer',
];

/**
 * Read a key and translate its value through a map. Map keys are compared to the value's text
 * (case-insensitive); a key written `/regex/` matches by pattern (used for builder names such as
 * `torchtune.models.llama3_2.lora_llama3_2_1b`); `*` is the fallback.
 */
export interface ValueMapRule {
  readonly from: string | readonly string[];
  readonly map: Readonly<Record<string, string>>;
}

/** Either key paths (first match wins) or value-map rules, or a mix, tried in order. */
export type FieldSpec = string | ValueMapRule | readonly (string | ValueMapRule)[];

export interface KeyMapProfile {
  /** Profile name, used by the modeline `# transferlens: profile=<name>`. */
  readonly name: string;
  /** Globs (`**`, `*`, `?`, `{a,b}`; a leading `!` excludes) matched against the file path. */
  readonly fileMatch?: readonly string[];
  /** Key sniffing: the profile is a candidate when any of these key paths exists. */
  readonly detect?: {
    readonly anyKey?: readonly string[];
    /** Keys that are nearly unique to this format; each counts three times in detection. */
    readonly strongKey?: readonly string[];
  };
  readonly fields: Readonly<Partial<Record<FieldName, FieldSpec>>>;
  /** How relative paths are resolved: against the config's folder or the workspace root. */
  readonly pathBase?: 'file' | 'workspace';
  /** Shown as "experimental" in the docs and the output channel. */
  readonly experimental?: boolean;
}

/** Mutable draft of the normalised fields while a profile is applied. */
export type DraftFields = { -readonly [K in FieldName]?: SourceValue<FieldValue<K>> };

/** Fields whose values are numbers (NUMBER_RULES says which numbers). */
type NumericField = 'trainSize' | 'learningRate' | 'epochs' | 'batchSize' | 'weightDecay' | 'warmupRatio' | 'warmupSteps' | 'maxSteps' | 'gradientAccumulation';

type FieldValue<K extends FieldName> = K extends NumericField
  ? number
  : K extends 'strategy'
    ? Strategy
    : K extends 'task'
      ? TaskKind
      : K extends 'frozenLayers'
        ? number | string | readonly string[]
        : string;

const STRATEGIES: readonly Strategy[] = ['full', 'linear-probe', 'partial-freeze', 'lora', 'qlora', 'adapter-other'];
const TASKS: readonly TaskKind[] = ['classification', 'regression', 'multi-label'];

/** Makes a SourceValue from a located node and a value already converted. */
export function sourceValue<T>(located: Located, value: T): SourceValue<T> {
  return { value, keyPath: located.keyPath, file: located.node.file, range: located.node.range, keyRange: located.node.keyRange };
}

/** Makes a config-invalid-value finding on a key (where the editor shows the squiggle). */
export function invalidValue(located: Located, message: string, field?: string): Finding {
  return {
    code: 'config-invalid-value',
    severity: 'error',
    message,
    file: located.node.file,
    range: located.node.keyRange,
    ...(field ? { field } : {}),
  };
}

/** Text of a scalar as written (numbers and booleans as their JS text; null as ''). */
export function scalarText(node: TreeNode): string | undefined {
  if (node.kind !== 'scalar') return undefined;
  return node.value === null ? '' : String(node.value);
}

/**
 * Numbers as Hugging Face's argument parser reads them: YAML numbers, and strings such as
 * "2e-5" (YAML 1.1 tools and JSON writers often quote them).
 */
export function numberOf(node: TreeNode): number | undefined {
  if (node.kind !== 'scalar') return undefined;
  if (typeof node.value === 'number') return Number.isFinite(node.value) ? node.value : undefined;
  if (typeof node.value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(node.value)) return Number(node.value);
  return undefined;
}

function describe(node: TreeNode): string {
  if (node.kind === 'map') return 'a mapping';
  if (node.kind === 'seq') return 'a list';
  return node.value === null ? 'an empty value' : `'${String(node.value)}'`;
}

function keyName(located: Located): string {
  return located.keyPath || '(root)';
}

const whole = Number.isInteger;

/** The numeric fields: which numbers each accepts, and what the finding asks for otherwise. */
const NUMBER_RULES: Record<NumericField, { readonly accepts: (n: number) => boolean; readonly expected: string }> = {
  trainSize: { accepts: (n) => whole(n) && n > 0, expected: 'a positive whole number of samples (e.g. 1000)' },
  epochs: { accepts: (n) => n > 0, expected: 'a positive number of epochs (e.g. 3)' },
  learningRate: { accepts: (n) => n > 0, expected: 'a positive number such as 2e-5' },
  batchSize: { accepts: (n) => whole(n) && n > 0, expected: 'a positive whole number of samples per batch (e.g. 16)' },
  weightDecay: { accepts: (n) => n >= 0, expected: 'a number ≥ 0 such as 0.01' },
  warmupRatio: { accepts: (n) => n >= 0 && n < 1, expected: 'a share of the training steps in [0, 1) such as 0.1' },
  warmupSteps: { accepts: (n) => whole(n) && n >= 0, expected: 'a whole number of steps ≥ 0' },
  // transformers: max_steps ≤ 0 (default −1) means "use the epochs".
  maxSteps: { accepts: whole, expected: 'a whole number of optimiser steps (or -1 to train by epochs)' },
  gradientAccumulation: { accepts: (n) => whole(n) && n >= 1, expected: 'a whole number ≥ 1 of batches per optimiser step' },
};

function isNumericField(field: FieldName): field is NumericField {
  return Object.prototype.hasOwnProperty.call(NUMBER_RULES, field);
}

/** Converts a located value to the field's type, or explains why it cannot. */
function convertField(field: FieldName, located: Located): { value?: unknown; problem?: string } {
  const node = located.node;
  const key = keyName(located);
  if (isNumericField(field)) {
    const rule = NUMBER_RULES[field];
    const n = numberOf(node);
    if (n === undefined || !rule.accepts(n)) return { problem: `${key} must be ${rule.expected}; got ${describe(node)}.` };
    return { value: n };
  }
  switch (field) {
    case 'frozenLayers': {
      if (node.kind === 'seq') {
        const names = node.items.map(scalarText);
        if (names.some((name) => name === undefined)) return { problem: `${key} must be a number of layers or a list of layer names; got a nested list.` };
        return { value: names as string[] };
      }
      const n = numberOf(node);
      if (n !== undefined) {
        if (!Number.isInteger(n)) return { problem: `${key} must be a whole number of layers; got ${describe(node)}.` };
        return { value: n };
      }
      const text = scalarText(node);
      if (text === undefined || text === '') return { problem: `${key} must be a number of layers or layer names; got ${describe(node)}.` };
      return { value: text };
    }
    case 'strategy': {
      const text = scalarText(node);
      if (text !== undefined && (STRATEGIES as readonly string[]).includes(text)) return { value: text };
      return { problem: `${key} must be one of ${STRATEGIES.join(', ')}; got ${describe(node)}.` };
    }
    case 'task': {
      const text = scalarText(node);
      if (text !== undefined && (TASKS as readonly string[]).includes(text)) return { value: text };
      return { problem: `${key} must be one of ${TASKS.join(', ')}; got ${describe(node)}.` };
    }
    default: {
      const text = scalarText(node);
      if (text === undefined || text === '' || typeof (node as { value?: unknown }).value === 'boolean') {
        return { problem: `${key} must be a text value (a path, Hub ID or name); got ${describe(node)}.` };
      }
      return { value: text };
    }
  }
}

/** Matches a value's text against a value-map rule's keys. */
export function mapValue(text: string, map: Readonly<Record<string, string>>): string | undefined {
  let lower = text.trim().toLowerCase();
  // PyYAML (Hydra, Lightning, torchtune) reads YAML 1.1 booleans; the yaml package reads 1.2.
  if ('true' in map || 'false' in map) lower = ({ yes: 'true', on: 'true', no: 'false', off: 'false' } as Record<string, string>)[lower] ?? lower;
  for (const [key, target] of Object.entries(map)) {
    if (key.length > 2 && key.startsWith('/') && key.endsWith('/')) {
      try {
        if (new RegExp(key.slice(1, -1), 'i').test(text)) return target;
      } catch {
        // An invalid user regex never matches; the settings validation reports it.
      }
    } else if (key !== '*' && key.toLowerCase() === lower) {
      return target;
    }
  }
  return map['*'];
}

function specItems(spec: FieldSpec): readonly (string | ValueMapRule)[] {
  if (typeof spec === 'string') return [spec];
  if (Array.isArray(spec)) return spec as readonly (string | ValueMapRule)[];
  return [spec as ValueMapRule];
}

/** Result of reading the fields of one key map. */
export interface KeyMapResult {
  readonly fields: DraftFields;
  readonly problems: Finding[];
}

/**
 * Applies a key map to a tree. For each field the candidate paths are tried in order and the
 * first present key wins (even when its value is invalid: then a finding, and the field stays
 * unset, so a later fallback key does not silently take over).
 */
export function applyKeyMap(root: TreeNode | undefined, keyMap: KeyMapProfile): KeyMapResult {
  const fields: DraftFields = {};
  const problems: Finding[] = [];
  for (const field of FIELD_NAMES) {
    const spec = keyMap.fields[field];
    if (spec === undefined) continue;
    items: for (const item of specItems(spec)) {
      const paths = typeof item === 'string' ? [item] : typeof item.from === 'string' ? [item.from] : item.from;
      for (const path of paths) {
        const located = selectAll(root, path)[0];
        if (!located) continue;
        if (typeof item === 'string') {
          const { value, problem } = convertField(field, located);
          if (problem) problems.push(invalidValue(located, problem, field));
          else (fields as Record<string, unknown>)[field] = sourceValue(located, value);
        } else {
          const text = scalarText(located.node);
          const mapped = text === undefined ? undefined : mapValue(text, item.map);
          if (mapped === undefined) {
            const allowed = Object.keys(item.map).filter((k) => k !== '*' && !k.startsWith('/'));
            problems.push(invalidValue(located, `${keyName(located)} must be one of ${allowed.join(', ')}; got ${describe(located.node)}.`, field));
          } else {
            const converted = convertField(field, { ...located, node: { ...located.node, kind: 'scalar', value: mapped, quoted: false } as TreeNode });
            if (converted.problem) problems.push(invalidValue(located, converted.problem, field));
            else (fields as Record<string, unknown>)[field] = sourceValue(located, converted.value);
          }
        }
        break items;
      }
    }
  }
  return { fields, problems };
}

/** Detection score of a key map on a tree (0 = not a candidate). */
export function detectionScore(root: TreeNode | undefined, keyMap: KeyMapProfile): number {
  let score = 0;
  for (const path of keyMap.detect?.anyKey ?? []) if (selectAll(root, path).length > 0) score += 1;
  for (const path of keyMap.detect?.strongKey ?? []) if (selectAll(root, path).length > 0) score += 3;
  return score;
}

/**
 * Glob match for `fileMatch`: `**` crosses folders, `*` and `?` do not, `{a,b}` alternates.
 * A relative glob matches at any folder boundary (like VS Code's `files.associations`).
 */
export function globMatches(glob: string, filePath: string): boolean {
  const path = filePath.replace(/\\/g, '/');
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          pattern += '(?:.*/)?';
        } else pattern += '.*';
      } else pattern += '[^/]*';
    } else if (c === '?') pattern += '[^/]';
    else if (c === '{') pattern += '(?:';
    else if (c === '}') pattern += ')';
    else if (c === ',') pattern += '|';
    else pattern += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  const anchored = glob.startsWith('/') ? `^${pattern}$` : `(?:^|/)${pattern}$`;
  try {
    return new RegExp(anchored).test(path);
  } catch {
    return false;
  }
}

/** True when a file matches a profile's fileMatch list (negations with a leading `!`). */
export function fileMatches(keyMap: KeyMapProfile, filePath: string): boolean {
  const globs = keyMap.fileMatch ?? [];
  const positive = globs.filter((g) => !g.startsWith('!'));
  const negative = globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
  return positive.some((g) => globMatches(g, filePath)) && !negative.some((g) => globMatches(g, filePath));
}

/** A range-less check helper used by refine steps: first located node of several paths. */
export function firstOf(root: TreeNode | undefined, paths: readonly string[]): Located | undefined {
  for (const path of paths) {
    const located = selectAll(root, path)[0];
    if (located) return located;
  }
  return undefined;
}

/** Re-export for profile files. */
export type { Located, Range };
