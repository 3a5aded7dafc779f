/**
 * Config text → normalised config model, pure and total: `readConfig` never throws on user
 * input; syntax errors, wrong value types and unrecognised files come back as findings.
 *
 * Steps: parse (YAML or JSON, with ranges) → modeline → choose the profile (modeline, then a
 * user key map whose `fileMatch` matches, then the best key-sniffing score) → Hydra composition
 * (file reads injected) → OmegaConf interpolation → key map → the profile's refine step.
 */
import type { Finding } from '../model/finding';
import { FILE_START } from '../model/range';
import type { ConfigReadResult, NormalizedConfig, SourceValue } from '../model/config';
import { parseTree, selectAll, type TreeNode } from './tree';
import { readModeline, type Modeline } from './modeline';
import { applyKeyMap, detectionScore, fileMatches, sourceValue, type FieldSpec, type KeyMapProfile } from './keymap';
import { interpolate } from './interpolate';
import { composeHydra, hasDefaultsList, type IncludeReader } from './hydra';
import { BUILTIN_PROFILES, builtinProfile, type BuiltinProfile } from './profiles/index';
import { collectDatasetList } from './datasetList';

export interface ReadConfigOptions {
  /** Force a profile by name (same effect as the modeline). */
  readonly profile?: string;
  /** User key maps (setting `transferlens.configProfiles`); they take precedence over built-ins. */
  readonly keyMaps?: readonly KeyMapProfile[];
  /** Environment for `${oc.env:VAR}`; when absent those stay unresolved for the resolver stage. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads an included file (Hydra defaults); without it, composition is skipped. */
  readonly readInclude?: IncludeReader;
}

/** A chosen profile plus how it was chosen (for messages and the output channel). */
interface Choice {
  readonly profile: BuiltinProfile;
  readonly reason: 'modeline' | 'option' | 'fileMatch' | 'detected';
}

/** Wraps a user key map as a profile: interpolation and composition apply when the file uses them. */
function userProfile(keyMap: KeyMapProfile): BuiltinProfile {
  return { keyMap, interpolation: true, composition: 'hydra', description: `user profile ${keyMap.name}` };
}

/** Names a user can write in `profile=`. */
export function knownProfileNames(keyMaps: readonly KeyMapProfile[] = []): string[] {
  return [...keyMaps.map((k) => k.name), ...BUILTIN_PROFILES.map((p) => p.keyMap.name)];
}

function chooseProfile(
  root: TreeNode | undefined,
  file: string,
  modeline: Modeline,
  options: ReadConfigOptions,
  problems: Finding[],
): Choice | undefined {
  const users = (options.keyMaps ?? []).filter((k) => k && typeof k.name === 'string' && k.fields).map(userProfile);
  const byName = (name: string) => users.find((p) => p.keyMap.name === name) ?? builtinProfile(name);
  if (modeline.profile) {
    const found = byName(modeline.profile.name);
    if (found) return { profile: found, reason: 'modeline' };
    problems.push({
      code: 'config-invalid-value', severity: 'error', file, range: modeline.profile.range,
      message: `Unknown profile '${modeline.profile.name}'. Use one of: ${knownProfileNames(options.keyMaps).join(', ')}.`,
    });
  }
  if (options.profile) {
    const found = byName(options.profile);
    if (found) return { profile: found, reason: 'option' };
  }
  const matched = users.find((p) => (p.keyMap.fileMatch?.length ?? 0) > 0 && fileMatches(p.keyMap, file));
  if (matched) return { profile: matched, reason: 'fileMatch' };
  let best: BuiltinProfile | undefined;
  let bestScore = 0;
  // User maps come first so that, on equal scores, a user's own description of a format wins.
  for (const candidate of [...users.filter((p) => !(p.keyMap.fileMatch?.length)), ...BUILTIN_PROFILES]) {
    if (candidate.keyMap.fileMatch?.length && !fileMatches(candidate.keyMap, file)) continue;
    const score = detectionScore(root, candidate.keyMap);
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best ? { profile: best, reason: 'detected' } : undefined;
}

/** Prepends modeline field overrides to the profile's key map. */
function withOverrides(keyMap: KeyMapProfile, modeline: Modeline): KeyMapProfile {
  const overrides = Object.entries(modeline.fields);
  if (overrides.length === 0) return keyMap;
  const fields: Record<string, FieldSpec> = { ...keyMap.fields };
  for (const [field, path] of overrides) {
    const existing = fields[field];
    const list = existing === undefined ? [] : typeof existing === 'string' ? [existing] : Array.isArray(existing) ? existing : [existing];
    fields[field] = [path!, ...(list as (string | { from: string; map: Record<string, string> })[])] as FieldSpec;
  }
  return { ...keyMap, fields };
}

/**
 * Reads a training config. `file` is the absolute path (used in findings and to resolve Hydra
 * groups). Never throws on user input.
 */
export function readConfig(text: string, file: string, options: ReadConfigOptions = {}): ConfigReadResult {
  const parsed = parseTree(text, file);
  const problems: Finding[] = [...parsed.problems];
  if (parsed.root === undefined && parsed.problems.some((p) => p.code === 'config-syntax')) return { config: undefined, problems };
  const modeline = readModeline(text, parsed.lines, parsed.root);
  for (const unknown of modeline.unknown) {
    problems.push({
      code: 'config-invalid-value', severity: 'warning', file, range: unknown.range,
      message: `Unknown transferlens setting '${unknown.text}'. Use profile=, disable= or a field name (checkpoint=, dataset=, …).`,
    });
  }
  if (parsed.root === undefined || parsed.root.kind !== 'map') {
    problems.push({
      code: 'config-unrecognised', severity: 'info', file, range: FILE_START,
      message: parsed.root === undefined ? 'The config file is empty.' : 'The config is not a mapping of keys to values, so no profile can read it.',
    });
    return { config: undefined, problems };
  }
  const choice = chooseProfile(parsed.root, file, modeline, options, problems);
  if (!choice) {
    problems.push({
      code: 'config-unrecognised', severity: 'info', file, range: FILE_START,
      message:
        `No profile recognises this file. Add a first line '# transferlens: profile=<name>' ` +
        `(${knownProfileNames(options.keyMaps).join(', ')}) or describe its keys in the setting transferlens.configProfiles.`,
    });
    return { config: undefined, problems };
  }
  const { profile } = choice;

  let root: TreeNode | undefined = parsed.root;
  let includedFiles: string[] = [];
  if (profile.composition === 'hydra' && hasDefaultsList(root) && options.readInclude) {
    const composed = composeHydra({ ...parsed, root }, options.readInclude);
    root = composed.root;
    includedFiles = composed.includedFiles;
    problems.push(...composed.problems);
  }
  if (profile.interpolation) {
    const resolved = interpolate(root, options.env);
    root = resolved.root;
    problems.push(...resolved.problems);
  }

  const keyMap = withOverrides(profile.keyMap, modeline);
  const { fields, problems: fieldProblems } = applyKeyMap(root, keyMap);
  problems.push(...fieldProblems);
  const extras: Record<string, SourceValue<unknown>> = {};
  for (const [name, paths] of Object.entries(profile.extras ?? {})) {
    const found = firstExtra(root, paths);
    if (found) extras[name] = found;
  }
  // Several datasets (Axolotl `datasets[]`, a key map's `[*]`): one value per item, the first is `dataset`.
  const datasetList = collectDatasetList(root, keyMap.fields.dataset, fields.dataset, problems);
  if (datasetList) fields.dataset = datasetList[0];
  // Extras under `datasets[0]` (Axolotl's per-dataset type, fields, chat template): every listed
  // item gets its own, so a second dataset is read and checked as configured, not as the first.
  const scoped = Object.entries(profile.extras ?? {}).filter(([, paths]) => paths.some((p) => p.startsWith('datasets[0].')));
  let datasetExtras: Record<string, Record<string, SourceValue<unknown>>> | undefined;
  if (scoped.length > 0 && datasetList && datasetList.length > 1) {
    datasetExtras = {};
    for (const entry of datasetList) {
      const item = /^(datasets\[\d+\])\./.exec(entry.keyPath)?.[1];
      if (!item) continue;
      const own: Record<string, SourceValue<unknown>> = {};
      for (const [name, paths] of scoped) {
        const found = firstExtra(root, paths.map((p) => (p.startsWith('datasets[0].') ? `${item}${p.slice('datasets[0]'.length)}` : p)));
        if (found) own[name] = found;
      }
      datasetExtras[item] = own;
    }
  }
  const refineContext = { root, fields, extras, problems, datasets: datasetList };
  profile.refine?.(refineContext);
  const datasets = refineContext.datasets;
  // Modeline values (features_file=… etc.) win over keys: they exist for trainers that reject extra keys.
  for (const [field, given] of Object.entries(modeline.values)) {
    if (!given) continue;
    (fields as Record<string, SourceValue<unknown>>)[field] = { value: given.value, keyPath: `# transferlens: ${field}`, file, range: given.range, keyRange: given.keyRange };
  }

  const config: NormalizedConfig = {
    file,
    profile: profile.keyMap.name,
    ...fields,
    ...(datasets && datasets.length > 1 ? { datasets } : {}),
    pathBase: profile.keyMap.pathBase ?? 'file',
    ...(Object.keys(extras).length > 0 ? { extras } : {}),
    ...(datasetExtras ? { datasetExtras, datasetScopedExtras: scoped.map(([name]) => name) } : {}),
    ...(modeline.disable.length > 0 ? { suppressed: modeline.disable } : {}),
    ...(includedFiles.length > 0 ? { includedFiles } : {}),
  };
  return { config, problems };
}

/**
 * An extra's value: a scalar, a list of scalars, or (at the top) a map of those (Axolotl `roles`);
 * anything deeper is null.
 */
function shallowValue(node: TreeNode, top: boolean): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map((item) => (item.kind === 'scalar' ? item.value : null));
  if (node.kind === 'map' && top) return Object.fromEntries([...node.entries].map(([k, v]) => [k, v.kind === 'map' ? null : shallowValue(v, false)]));
  return top ? undefined : null;
}

/** The first of `paths` set in the document, as an extra (scalars as read; lists of scalars as arrays; a map as shallowValue reads it). */
function firstExtra(root: TreeNode | undefined, paths: readonly string[]): SourceValue<unknown> | undefined {
  for (const path of paths) {
    const located = selectAll(root, path)[0];
    if (!located) continue;
    const node = located.node;
    return sourceValue(located, shallowValue(node, true));
  }
  return undefined;
}
