/**
 * Every finding code written in the config and resolve sources exists in the code catalogue
 * (src/core/model/codes.ts), so editors, suppressions and the README can rely on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CODES } from '../../../src/core/model/codes';

function sources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(folder, entry.name)) : entry.name.endsWith('.ts') ? [join(folder, entry.name)] : []);
}

test('config and resolve code only emits catalogued finding codes', () => {
  const root = resolve(__dirname, '../../../src');
  const files = [...sources(join(root, 'core/config')), ...sources(join(root, 'node/resolve'))];
  const used = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/code: '([a-z-]+)'/g)) used.add(match[1]!);
    for (const match of text.matchAll(/finding\('([a-z-]+)'/g)) used.add(match[1]!);
    for (const match of text.matchAll(/on\([^,]+, '([a-z-]+)'/g)) used.add(match[1]!);
    for (const match of text.matchAll(/'(checkpoint|dataset)-(missing|invalid|unsupported)'/g)) used.add(`${match[1]}-${match[2]}`);
  }
  assert.ok(used.size >= 10, `found ${[...used].join(', ')}`);
  for (const code of used) assert.ok(CODES.has(code), `${code} is not in codes.ts`);
});
