/**
 * JSON Lines records → table cells: one JSON object per line; nested objects become dotted
 * column names (`meta.age`) and numeric arrays become indexed columns (`embedding[0]`, ...), so
 * a record like `{"x": [0.1, 0.2], "label": "cat"}` yields columns `x[0]`, `x[1]`, `label`.
 * Pure: the fs reader feeds lines; errors name the file and the 1-based line.
 */
import { DatasetError } from './errors';
import type { Cell } from './table';

/** Parses one line; returns undefined for a blank line. */
export function parseJsonlLine(text: string, line: number, source: string): Record<string, unknown> | undefined {
  const trimmed = line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1).trim() : text.trim();
  if (trimmed === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new DatasetError('dataset-invalid', `${source}: line ${line} is not valid JSON (${reason}); JSONL needs one complete JSON object per line`, { line });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DatasetError('dataset-invalid', `${source}: line ${line} is a JSON ${Array.isArray(value) ? 'array' : typeof value}, not an object; JSONL rows must be objects`, { line });
  }
  return value as Record<string, unknown>;
}

/** Flattens a record into column name → cell (see the module comment for the naming). */
export function flattenJsonRecord(record: Record<string, unknown>): Map<string, Cell> {
  const out = new Map<string, Cell>();
  const visit = (prefix: string, value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(`${prefix}[${i}]`, item));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) visit(prefix ? `${prefix}.${key}` : key, inner);
    } else if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out.set(prefix, value);
    } else {
      out.set(prefix, String(value));
    }
  };
  for (const [key, value] of Object.entries(record)) visit(key, value);
  return out;
}

/** Cells of a flattened record in `header` order; keys absent from the record give `undefined`. */
export function cellsInOrder(flat: Map<string, Cell>, header: readonly string[]): Cell[] {
  return header.map((name) => flat.get(name));
}
