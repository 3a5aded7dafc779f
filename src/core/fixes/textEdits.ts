/**
 * Minimal, formatting-preserving edits to YAML and JSON config text: find a key (top level, or
 * the pair at a finding's range at any depth), replace only its value's characters (comments,
 * quotes style of neighbours and indentation stay), or insert a new top-level key after an
 * anchor key. Works on the `yaml` package's source ranges; JSON is parsed as YAML flow syntax.
 * Pure: text in, `{range, newText}` out.
 */
import { parseDocument, isMap, isScalar, visit, type Document, type Pair, type Node } from 'yaml';
import { LineIndex, type Range, type Position } from '../model/range';

/** One replacement in the config text; ranges are zero-based like the editor's. */
export interface TextEdit {
  readonly range: Range;
  readonly newText: string;
}

/** A key found in the text with the offsets of its key and of its scalar value. */
export interface LocatedKey {
  readonly key: string;
  readonly keyStart: number;
  readonly keyEnd: number;
  /** Undefined when the value is not a scalar (a map or a list). */
  readonly valueStart?: number;
  readonly valueEnd?: number;
  /** Column of the key, i.e. the indentation new sibling keys need. */
  readonly column: number;
}

export interface ParsedConfigText {
  readonly text: string;
  readonly lines: LineIndex;
  readonly document: Document.Parsed;
  /** True when the top level is a `{...}` flow map (JSON). */
  readonly isJson: boolean;
}

export function parseConfigText(text: string): ParsedConfigText | undefined {
  const document = parseDocument(text, { keepSourceTokens: false, prettyErrors: false, uniqueKeys: false });
  if (document.errors.length > 0 || !isMap(document.contents)) return undefined;
  return { text, lines: new LineIndex(text), document, isJson: document.contents.flow === true };
}

function locate(parsed: ParsedConfigText, pair: Pair): LocatedKey | undefined {
  const key = pair.key as Node | null;
  if (!isScalar(key) || !key.range) return undefined;
  const value = pair.value as Node | null;
  const scalarValue = isScalar(value) && value.range ? value.range : undefined;
  return {
    key: String(key.value),
    keyStart: key.range[0],
    keyEnd: key.range[1],
    valueStart: scalarValue?.[0],
    valueEnd: scalarValue?.[1],
    column: parsed.lines.positionAt(key.range[0]).character,
  };
}

/** The top-level key named `name` (first occurrence). */
export function findTopLevelKey(parsed: ParsedConfigText, name: string): LocatedKey | undefined {
  const contents = parsed.document.contents;
  if (!isMap(contents)) return undefined;
  for (const pair of contents.items) {
    if (isScalar(pair.key) && String(pair.key.value) === name) return locate(parsed, pair);
  }
  return undefined;
}

function contains(parsed: ParsedConfigText, start: number, end: number, position: Position): boolean {
  const offset = parsed.lines.offsetAt(position);
  return offset >= start && offset <= end;
}

/** The pair (any depth) whose key or scalar value contains `position`. */
export function findKeyAt(parsed: ParsedConfigText, position: Position): LocatedKey | undefined {
  let found: LocatedKey | undefined;
  visit(parsed.document, {
    Pair: (_, pair) => {
      const located = locate(parsed, pair as Pair);
      if (!located) return undefined;
      const end = located.valueEnd ?? located.keyEnd;
      if (contains(parsed, located.keyStart, end, position)) {
        found = located; // keep going: a deeper pair is more precise
      }
      return undefined;
    },
  });
  return found;
}

/** Renders a value as YAML or JSON text. Strings that YAML would read as something else are quoted. */
export function renderValue(value: string | number | boolean, isJson: boolean): string {
  if (typeof value === 'number') return formatNumber(value, isJson);
  if (typeof value === 'boolean') return String(value);
  if (isJson || !/^[A-Za-z_][A-Za-z0-9_./-]*$/.test(value) || /^(true|false|null|yes|no|on|off|~)$/i.test(value)) {
    return JSON.stringify(value);
  }
  return value;
}

/**
 * Numbers as people write learning rates: plain decimals from 1e-3 up, otherwise scientific
 * notation with a dot in the mantissa (`2.0e-5`), which PyYAML (YAML 1.1) reads as a float —
 * `2e-5` would be a string there.
 */
export function formatNumber(value: number, isJson: boolean): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0 || (Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6)) return String(Number(value.toPrecision(6)));
  const [mantissa, exponent] = Number(value.toPrecision(3)).toExponential().split('e') as [string, string];
  const withDot = isJson || mantissa.includes('.') ? mantissa : mantissa + '.0';
  return `${withDot}e${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}

/** Replaces the scalar value of a located key. */
export function replaceValue(parsed: ParsedConfigText, key: LocatedKey, newValue: string | number | boolean): TextEdit | undefined {
  if (key.valueStart === undefined || key.valueEnd === undefined) return undefined;
  return { range: parsed.lines.rangeAt(key.valueStart, key.valueEnd), newText: renderValue(newValue, parsed.isJson) };
}

/**
 * Inserts `name: value` as a new top-level key right after the line of `anchor` (the first
 * present of `anchors`), or at the end of the mapping when no anchor is present.
 */
export function insertTopLevelKey(
  parsed: ParsedConfigText,
  name: string,
  value: string | number | boolean,
  anchors: readonly string[],
): TextEdit {
  const rendered = renderValue(value, parsed.isJson);
  const anchor = anchors.map((a) => findTopLevelKey(parsed, a)).find((k) => k !== undefined && k.valueEnd !== undefined);
  const contents = parsed.document.contents;
  if (parsed.isJson) {
    // After the anchor's value (or the last pair's value): `,\n  "name": value` keeps the JSON valid
    // whether or not a comma already followed, because that comma now follows the new pair.
    const last = anchor ?? (isMap(contents) && contents.items.length ? locate(parsed, contents.items[contents.items.length - 1] as Pair) : undefined);
    const at = last ? (last.valueEnd ?? (((contents as { items: Pair[] }).items.at(-1)?.value as Node | undefined)?.range?.[1]) ?? last.keyEnd) : parsed.text.indexOf('{') + 1;
    const indent = ' '.repeat(last?.column ?? 2);
    const position = parsed.lines.positionAt(at);
    return { range: { start: position, end: position }, newText: `${last ? ',' : ''}\n${indent}${JSON.stringify(name)}: ${rendered}` };
  }
  const column = anchor?.column ?? 0;
  const line = `${' '.repeat(column)}${name}: ${rendered}`;
  if (anchor) {
    const anchorLine = parsed.lines.positionAt(anchor.valueEnd!).line;
    const lineEnd = anchorLine + 1 < parsed.lines.lineCount
      ? parsed.lines.offsetAt({ line: anchorLine + 1, character: 0 }) - 1
      : parsed.text.length;
    const position = parsed.lines.positionAt(lineEnd);
    return { range: { start: position, end: position }, newText: `\n${line}` };
  }
  const end = parsed.lines.positionAt(parsed.text.length);
  const needsNewline = parsed.text.length > 0 && !parsed.text.endsWith('\n');
  return { range: { start: end, end }, newText: `${needsNewline ? '\n' : ''}${line}\n` };
}

/** Applies non-overlapping edits to a text (for tests and previews). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = new LineIndex(text);
  const sorted = [...edits].map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), newText: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  for (const edit of sorted) result = result.slice(0, edit.start) + edit.newText + result.slice(edit.end);
  return result;
}
