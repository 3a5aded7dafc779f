/**
 * Hydra `defaults:` composition, pure. The file reads are injected (`IncludeReader`; the Node
 * side passes a synchronous fs reader), so the merge rules are tested without a file system.
 *
 * Supported: `- name` (a config beside the primary one, merged at the root), `- group: option`
 * (`<config dir>/<group>/<option>.yaml` placed under the package `group`), `group@pkg`,
 * `/group` (absolute), `optional` and `override` prefixes, `_self_` ordering (implicitly last
 * when absent, as in Hydra ≥ 1.1), `# @package _global_` / `# @package x.y` headers, null
 * options, and nested defaults in group files. Every merged node keeps the file and range it was
 * written in, so findings point into the included file.
 */
import type { Finding } from '../model/finding';
import type { Range } from '../model/range';
import { parseTree, type MapNode, type TreeNode, type ParsedDocument } from './tree';
import { dirnameOf, joinPath } from './paths';

/** Returns a file's text, or undefined when it does not exist or cannot be read. */
export type IncludeReader = (absolutePath: string) => string | undefined;

export interface CompositionResult {
  readonly root: TreeNode | undefined;
  readonly problems: Finding[];
  /** Absolute paths of the group files merged in (for watching and cache keys). */
  readonly includedFiles: string[];
}

const MAX_NESTING = 6;

/** True when the document has a Hydra defaults list worth composing. */
export function hasDefaultsList(root: TreeNode | undefined): boolean {
  return root?.kind === 'map' && root.entries.get('defaults')?.kind === 'seq';
}

/** Composes the primary document with its defaults list. */
export function composeHydra(primary: ParsedDocument, readInclude: IncludeReader | undefined): CompositionResult {
  const problems: Finding[] = [];
  const includedFiles: string[] = [];
  const configRoot = dirnameOf(primary.file);
  const root = composeDocument(primary.root, configRoot, '', [], undefined, readInclude, problems, includedFiles, 0);
  return { root, problems, includedFiles };
}

/**
 * Composes one document and returns it placed in the global tree (under `packagePath`).
 * `includedBy` is the defaults entry that pulled the document in (its range labels wrapper keys).
 */
function composeDocument(
  node: TreeNode | undefined,
  configRoot: string,
  groupDir: string,
  packagePath: string[],
  includedBy: TreeNode | undefined,
  readInclude: IncludeReader | undefined,
  problems: Finding[],
  includedFiles: string[],
  depth: number,
): TreeNode | undefined {
  if (!node || node.kind !== 'map') return node && includedBy ? wrap(node, packagePath, includedBy) : node;
  const defaults = node.entries.get('defaults');
  const ownContent: MapNode = { ...node, entries: new Map([...node.entries].filter(([key]) => key !== 'defaults')) };
  const self = includedBy ? wrap(ownContent, packagePath, includedBy) : ownContent;
  if (!defaults || defaults.kind !== 'seq') return self;

  let accumulated: TreeNode | undefined;
  let selfMerged = false;
  const mergeIn = (overlay: TreeNode | undefined) => {
    if (overlay) accumulated = accumulated ? deepMerge(accumulated, overlay) : overlay;
  };

  for (const item of defaults.items) {
    if (item.kind === 'scalar' && item.value === '_self_') {
      mergeIn(self);
      selfMerged = true;
      continue;
    }
    const entry = describeEntry(item);
    if (!entry) {
      problems.push({
        code: 'config-invalid-value', severity: 'error', file: item.file, range: item.range,
        message: 'This defaults entry is not understood. Write `- name`, `- group: option` or `- _self_`.',
      });
      continue;
    }
    if (entry.options.length === 0) continue; // `group: null` deliberately selects nothing
    if (depth >= MAX_NESTING) {
      problems.push({
        code: 'config-invalid-value', severity: 'error', file: item.file, range: item.range,
        message: `Defaults are nested more than ${MAX_NESTING} levels deep; check for a cycle.`,
      });
      continue;
    }
    for (const option of entry.options) {
      const absolute = entry.group?.startsWith('/') ?? false;
      const groupPath = entry.group === undefined ? undefined : absolute ? entry.group!.slice(1) : joinGroup(groupDir, entry.group);
      const fileName = /\.ya?ml$/.test(option) ? option : `${option}.yaml`;
      const relative = groupPath === undefined ? joinGroup(groupDir, fileName) : `${groupPath}/${fileName}`;
      const includePath = joinPath(configRoot, relative);
      const text = readInclude?.(includePath);
      if (text === undefined) {
        if (entry.optional) continue;
        problems.push({
          code: 'config-invalid-value', severity: 'error', file: item.file, range: item.range,
          message: `Hydra default '${entry.label}' needs ${relative} beside this config, but it does not exist. Create it or fix the name.`,
        });
        continue;
      }
      includedFiles.push(includePath);
      const parsed = parseTree(text, includePath);
      problems.push(...parsed.problems);
      const header = /^#\s*@package\s+(\S+)/m.exec(text.split('\n').slice(0, 5).join('\n'));
      let target: string[];
      if (entry.packageOverride !== undefined) target = packageSegments(entry.packageOverride, packagePath, groupPath);
      else if (header) target = packageSegments(header[1]!, packagePath, groupPath);
      else if (groupPath === undefined) target = packagePath;
      else if (absolute) target = groupPath.split('/').filter(Boolean);
      else target = [...packagePath, ...entry.group!.split('/').filter(Boolean)];
      const nestedGroupDir = groupPath ?? groupDir;
      mergeIn(composeDocument(parsed.root, configRoot, nestedGroupDir, target, item, readInclude, problems, includedFiles, depth + 1));
    }
  }
  if (!selfMerged) mergeIn(self);
  return accumulated ?? self;
}

interface DefaultsEntry {
  readonly label: string;
  readonly group?: string;
  readonly options: string[];
  readonly packageOverride?: string;
  readonly optional: boolean;
}

function describeEntry(item: TreeNode): DefaultsEntry | undefined {
  if (item.kind === 'scalar' && typeof item.value === 'string') {
    return { label: item.value, options: [item.value], optional: false };
  }
  if (item.kind !== 'map' || item.entries.size !== 1) return undefined;
  const [rawKey, value] = [...item.entries][0]!;
  let key = rawKey.trim();
  let optional = false;
  for (const prefix of ['override ', 'optional ']) {
    if (key.startsWith(prefix)) {
      if (prefix === 'optional ') optional = true;
      key = key.slice(prefix.length).trim();
    }
  }
  const [group, packageOverride] = key.split('@');
  let options: string[];
  if (value.kind === 'scalar') options = value.value === null ? [] : [String(value.value)];
  else if (value.kind === 'seq') options = value.items.flatMap((option) => (option.kind === 'scalar' && option.value !== null ? [String(option.value)] : []));
  else return undefined;
  const label = `${rawKey}: ${options.join(', ') || 'null'}`;
  return { label, group: group!, options, optional, ...(packageOverride !== undefined ? { packageOverride } : {}) };
}

function joinGroup(groupDir: string, name: string): string {
  return groupDir ? `${groupDir}/${name}` : name;
}

function packageSegments(spec: string, parentPackage: string[], groupPath: string | undefined): string[] {
  if (spec === '_global_' || spec.startsWith('_global_.')) return spec.split('.').slice(1).filter(Boolean);
  if (spec === '_here_') return parentPackage;
  if (spec === '_group_') return groupPath ? groupPath.split('/') : parentPackage;
  return [...parentPackage, ...spec.split('.').filter(Boolean)];
}

/** Places a composed node under a package path; the wrapper keys point at the defaults entry. */
function wrap(node: TreeNode, segments: string[], at: TreeNode): TreeNode {
  let current = node;
  for (let i = segments.length - 1; i >= 0; i--) {
    const keyRange: Range = at.range;
    const child = i === segments.length - 1 ? { ...current, keyRange } : current;
    current = { kind: 'map', file: at.file, range: at.range, keyRange, entries: new Map([[segments[i]!, child as TreeNode]]) };
  }
  return current;
}

/** Hydra/OmegaConf merge: maps merge key by key, anything else is replaced by the later value. */
export function deepMerge(base: TreeNode, overlay: TreeNode): TreeNode {
  if (base.kind !== 'map' || overlay.kind !== 'map') return overlay;
  const entries = new Map(base.entries);
  for (const [key, value] of overlay.entries) {
    const existing = entries.get(key);
    entries.set(key, existing ? deepMerge(existing, value) : value);
  }
  return { ...base, entries };
}
