/** Every finding code is documented in the README (editors link diagnostics to README#<code>). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODES, codeInfo } from '../../../src/core/model/codes';

const README = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

test('every code has a README section whose anchor is the code', () => {
  const headings = new Set([...README.matchAll(/^#### ([a-z0-9-]+)\s*$/gm)].map((m) => m[1]));
  const missing = [...CODES.keys()].filter((c) => !headings.has(c));
  assert.deepEqual(missing, []);
});

test('codes are kebab-case and unknown codes throw', () => {
  for (const c of CODES.keys()) assert.match(c, /^[a-z]+(-[a-z0-9]+)*$/);
  assert.throws(() => codeInfo('no-such-code'), /unknown finding code/);
});
