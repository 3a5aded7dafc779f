/**
 * Test helpers for config reading: the fixture folder, and an independent oracle for ranges —
 * the zero-based position of a snippet found by plain text search, so range assertions do not
 * depend on the parser under test.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Range } from '../../../src/core/model/range';

export const FIXTURES = resolve(__dirname, '../../fixtures/configs');
export const HF_HOME = resolve(__dirname, '../../fixtures/hf-cache');

export function fixture(relativePath: string): { file: string; text: string } {
  const file = join(FIXTURES, relativePath);
  return { file, text: readFileSync(file, 'utf8') };
}

/**
 * Range of the `occurrence`-th (0-based) appearance of `snippet` in `text`, optionally only
 * after the first appearance of `after` (to disambiguate keys that repeat).
 */
export function rangeOf(text: string, snippet: string, after?: string, occurrence = 0): Range {
  const anchor = after === undefined ? 0 : text.indexOf(after);
  if (anchor < 0) throw new Error(`helper: '${after}' not in text`);
  let from = after === undefined ? 0 : anchor + after.length;
  let index = -1;
  for (let i = 0; i <= occurrence; i++) {
    index = text.indexOf(snippet, from);
    if (index < 0) throw new Error(`helper: '${snippet}' not in text`);
    from = index + 1;
  }
  const position = (offset: number) => {
    const before = text.slice(0, offset);
    const line = before.split('\n').length - 1;
    return { line, character: offset - (before.lastIndexOf('\n') + 1) };
  };
  return { start: position(index), end: position(index + snippet.length) };
}
