/**
 * A plain, parser-independent tree of a config document with exact source ranges.
 *
 * Every profile reads values through this tree instead of the `yaml` AST, for two reasons: Hydra
 * composition merges nodes coming from several files (each node remembers its own file and
 * range), and dotted key paths with `[*]` (the user key-map syntax) are easier to evaluate on a
 * small uniform structure. YAML and JSON both go through the `yaml` package's document API (JSON
 * is a subset of YAML 1.2), which gives character offsets for keys and values; `LineIndex` turns
 * them into zero-based line/character ranges.
 */
import { parseDocument, isMap, isSeq, isScalar, isAlias, isPair, type Node as YamlNode } from 'yaml';
import { LineIndex, type Range, FILE_START } from '../model/range';
import type { Finding } from '../model/finding';

export type TreeNode = MapNode | SeqNode | ScalarNode;

interface NodeBase {
  /** Absolute path of the file this node was written in. */
  readonly file: string;
  /** Range of the value text. */
  readonly range: Range;
  /** Range of the key that holds this node (the item's own range for sequence items). */
  readonly keyRange: Range;
}

export interface MapNode extends NodeBase {
  readonly kind: 'map';
  /** Insertion-ordered entries; keys are the scalar keys as strings. */
  readonly entries: Map<string, TreeNode>;
}

export interface SeqNode extends NodeBase {
  readonly kind: 'seq';
  readonly items: TreeNode[];
}

export interface ScalarNode extends NodeBase {
  readonly kind: 'scalar';
  /** string | number | boolean | null as the YAML core schema typed it. */
  readonly value: string | number | boolean | null;
  /** True when the scalar was quoted in the source (then it is never coerced to a number). */
  readonly quoted: boolean;
}

/** A parsed document: its tree (undefined when it is empty or unusable) and syntax problems. */
export interface ParsedDocument {
  readonly file: string;
  readonly text: string;
  readonly root: TreeNode | undefined;
  readonly lines: LineIndex;
  readonly problems: Finding[];
}

/**
 * Parses YAML or JSON text into a TreeNode. Never throws: syntax errors become `config-syntax`
 * findings on the line the parser stopped at, with its reason in plain words.
 */
/** Deepest bracket nesting ([ and {) a config may have before it is refused unparsed. */
export const MAX_FLOW_DEPTH = 200;

/** Offset of the first bracket opening level `limit` + 1, or -1 (quotes and comments are not skipped: an over-estimate is harmless at this limit). */
function flowNestingBeyond(text: string, limit: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return i;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth--;
    }
  }
  return -1;
}

/** Offset of the first line indented `limit` + 1 levels deep (block nesting), or -1. */
function blockNestingBeyond(text: string, limit: number): number {
  const indents: number[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    if (line.trim() !== '' && !line.trimStart().startsWith('#')) {
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      if (indents.length > limit) return offset + indent;
    }
    offset += line.length + 1;
  }
  return -1;
}

export function parseTree(text: string, file: string): ParsedDocument {
  const lines = new LineIndex(text);
  const problems: Finding[] = [];
  // The YAML parser recurses once per nesting level: thousands of levels overflow the stack, and
  // in a long-lived worker a later regular expression compiled near the stack limit aborts the
  // whole process (V8 "RegExpCompiler Allocation failed"). No real config nests this deep.
  const tooDeep = flowNestingBeyond(text, MAX_FLOW_DEPTH);
  const tooDeepBlock = tooDeep >= 0 ? -1 : blockNestingBeyond(text, MAX_FLOW_DEPTH);
  if (tooDeep >= 0 || tooDeepBlock >= 0) {
    const at = Math.max(tooDeep, tooDeepBlock);
    problems.push(syntaxFinding(file, lines.rangeAt(at, at + 1), `${tooDeep >= 0 ? 'Brackets are' : 'Keys are'} nested more than ${MAX_FLOW_DEPTH} levels deep here; no training config needs that. Flatten the value.`));
    return { file, text, root: undefined, lines, problems };
  }
  let document;
  try {
    document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: false });
  } catch (error) {
    // The parser is not expected to throw, but user input must never escape as an exception.
    problems.push(syntaxFinding(file, FILE_START, `The file cannot be parsed: ${String(error)}`));
    return { file, text, root: undefined, lines, problems };
  }
  for (const error of document.errors) {
    const [start, end] = error.pos;
    const range = lines.rangeAt(start, Math.max(end, start));
    problems.push(syntaxFinding(file, range, describeYamlError(error.code, error.message)));
  }
  if (document.errors.length > 0) return { file, text, root: undefined, lines, problems };
  const contents = document.contents as YamlNode | null;
  if (contents === null || contents === undefined) return { file, text, root: undefined, lines, problems };
  const anchors = new Map<string, YamlNode>();
  const budget: Budget = { remaining: MAX_TREE_NODES, exceeded: false };
  const root = convert(contents, file, lines, undefined, anchors, 0, budget);
  if (budget.exceeded) {
    problems.push({
      code: 'config-invalid-value', severity: 'warning', file, range: FILE_START,
      message: `Aliases (*name) expand this file to more than ${MAX_TREE_NODES.toLocaleString('en-US')} values; TransferLens read only the first ones. Remove the nested aliases.`,
    });
  }
  return { file, text, root, lines, problems };
}

function syntaxFinding(file: string, range: Range, message: string): Finding {
  return { code: 'config-syntax', severity: 'error', message, file, range };
}

/** Turns the parser's message into one short sentence saying what to fix (first line only). */
function describeYamlError(code: string, message: string): string {
  const firstLine = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const hints: Record<string, string> = {
    DUPLICATE_KEY: 'Remove or rename the duplicated key.',
    BAD_INDENT: 'Check the indentation of this line.',
    MISSING_CHAR: 'Add the missing closing character.',
    UNEXPECTED_TOKEN: 'Remove the unexpected text or quote the value.',
    TAB_AS_INDENT: 'Indent with spaces, not tabs.',
    MULTILINE_IMPLICIT_KEY: 'A key must fit on one line; check for a missing colon or quote.',
    BLOCK_AS_IMPLICIT_KEY: 'Check for a missing colon or a wrongly indented line.',
  };
  const hint = hints[code] ?? 'Fix the YAML/JSON syntax here.';
  return `Syntax error: ${firstLine}. ${hint}`;
}

const MAX_ALIAS_DEPTH = 32;
/** Bound on the converted tree, so nested aliases ("billion laughs") cannot blow up time or memory. */
export const MAX_TREE_NODES = 100_000;

interface Budget {
  remaining: number;
  exceeded: boolean;
}

function convert(
  node: YamlNode,
  file: string,
  lines: LineIndex,
  keyRange: Range | undefined,
  anchors: Map<string, YamlNode>,
  depth: number,
  budget: Budget,
): TreeNode {
  const range = rangeOf(node, lines);
  if (--budget.remaining < 0) {
    budget.exceeded = true;
    return { kind: 'scalar', file, range, keyRange: keyRange ?? range, value: null, quoted: false };
  }
  const ownKeyRange = keyRange ?? range;
  if (node.anchor) anchors.set(node.anchor, node);
  if (isAlias(node)) {
    // Aliases (*name) take the anchored value; the range stays at the alias so findings point
    // where the user wrote the reference. Depth-limited against alias bombs.
    const target = anchors.get(node.source);
    if (!target || depth > MAX_ALIAS_DEPTH) {
      return { kind: 'scalar', file, range, keyRange: ownKeyRange, value: null, quoted: false };
    }
    const resolved = convert(target, file, lines, ownKeyRange, anchors, depth + 1, budget);
    return { ...resolved, range, keyRange: ownKeyRange } as TreeNode;
  }
  if (isMap(node)) {
    const entries = new Map<string, TreeNode>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YamlNode | null;
      const key = keyNode && isScalar(keyNode) ? String(keyNode.value) : keyNode ? String(keyNode) : '';
      const pairKeyRange = keyNode ? rangeOf(keyNode, lines) : range;
      const valueNode = pair.value as YamlNode | null;
      if (key === '<<' && valueNode) {
        // YAML merge key: copy the merged map's entries without overriding explicit ones.
        const merged = convert(valueNode, file, lines, pairKeyRange, anchors, depth + 1, budget);
        const sources = merged.kind === 'seq' ? merged.items : [merged];
        for (const source of sources) {
          if (source.kind !== 'map') continue;
          for (const [mergedKey, mergedValue] of source.entries) if (!entries.has(mergedKey)) entries.set(mergedKey, mergedValue);
        }
        continue;
      }
      if (valueNode === null || valueNode === undefined) {
        // `key:` with nothing after it: a null whose range is the end of the key.
        const end = pairKeyRange.end;
        entries.set(key, { kind: 'scalar', file, range: { start: end, end }, keyRange: pairKeyRange, value: null, quoted: false });
        continue;
      }
      entries.set(key, convert(valueNode, file, lines, pairKeyRange, anchors, depth + 1, budget));
    }
    return { kind: 'map', file, range, keyRange: ownKeyRange, entries };
  }
  if (isSeq(node)) {
    const items: TreeNode[] = [];
    for (const item of node.items) {
      if (item === null || item === undefined) continue;
      items.push(convert(item as YamlNode, file, lines, undefined, anchors, depth + 1, budget));
    }
    return { kind: 'seq', file, range, keyRange: ownKeyRange, items };
  }
  if (isScalar(node)) {
    const raw = node.value;
    let value: string | number | boolean | null;
    if (raw === null || raw === undefined) value = null;
    else if (typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'string') value = raw;
    else if (typeof raw === 'bigint') value = Number(raw);
    else value = String(raw);
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
    return { kind: 'scalar', file, range, keyRange: ownKeyRange, value, quoted };
  }
  return { kind: 'scalar', file, range, keyRange: ownKeyRange, value: null, quoted: false };
}

function rangeOf(node: YamlNode, lines: LineIndex): Range {
  const r = node.range;
  if (!r) return FILE_START;
  return lines.rangeAt(r[0], r[1]);
}

/** One path segment: a map key, an array index, or `[*]` (every item). */
type Segment = { key: string } | { index: number } | { all: true };

/**
 * Splits a dotted key path such as `datasets[*].path`, `trainer.callbacks[0].class_path` or
 * `model.init_args.lr` into segments. Keys containing dots can be written as `["a.b"]`.
 */
export function parseKeyPath(path: string): Segment[] {
  const segments: Segment[] = [];
  const pattern = /([^.[\]]+)|\[(\*|\d+)\]|\["([^"]*)"\]/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(path)) !== null) {
    if (match[1] !== undefined) segments.push({ key: match[1] });
    else if (match[2] === '*') segments.push({ all: true });
    else if (match[2] !== undefined) segments.push({ index: Number(match[2]) });
    else if (match[3] !== undefined) segments.push({ key: match[3] });
  }
  return segments;
}

/** A node found by a key path, with the concrete path (indices filled in for `[*]`). */
export interface Located {
  readonly node: TreeNode;
  readonly keyPath: string;
}

/** All nodes a key path selects, in document order. */
export function selectAll(root: TreeNode | undefined, path: string): Located[] {
  if (!root) return [];
  let current: Located[] = [{ node: root, keyPath: '' }];
  for (const segment of parseKeyPath(path)) {
    const next: Located[] = [];
    for (const { node, keyPath } of current) {
      if ('key' in segment) {
        if (node.kind !== 'map') continue;
        const child = node.entries.get(segment.key);
        if (child) next.push({ node: child, keyPath: keyPath ? `${keyPath}.${segment.key}` : segment.key });
      } else if ('index' in segment) {
        if (node.kind !== 'seq') continue;
        const child = node.items[segment.index];
        if (child) next.push({ node: child, keyPath: `${keyPath}[${segment.index}]` });
      } else {
        if (node.kind !== 'seq') continue;
        node.items.forEach((child, index) => next.push({ node: child, keyPath: `${keyPath}[${index}]` }));
      }
    }
    current = next;
  }
  return current;
}

/** The first node a key path selects, if any. */
export function selectFirst(root: TreeNode | undefined, path: string): Located | undefined {
  return selectAll(root, path)[0];
}

/** True when the path selects at least one node (used by profile detection). */
export function hasPath(root: TreeNode | undefined, path: string): boolean {
  return selectAll(root, path).length > 0;
}

/** The plain JavaScript value of a node (for interpolation and debugging). */
export function toPlain(node: TreeNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(toPlain);
  const result: Record<string, unknown> = {};
  for (const [key, value] of node.entries) result[key] = toPlain(value);
  return result;
}
