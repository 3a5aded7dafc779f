import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineIndex } from '../../../src/core/model/range';

test('LineIndex maps offsets to zero-based line/character and back', () => {
  const text = 'a: 1\nbb: 22\n\nccc: 3';
  const idx = new LineIndex(text);
  assert.equal(idx.lineCount, 4);
  assert.deepEqual(idx.positionAt(0), { line: 0, character: 0 });
  assert.deepEqual(idx.positionAt(5), { line: 1, character: 0 });
  assert.deepEqual(idx.positionAt(text.indexOf('22')), { line: 1, character: 4 });
  assert.deepEqual(idx.positionAt(text.length), { line: 3, character: 6 });
  assert.equal(idx.offsetAt({ line: 3, character: 2 }), text.indexOf('ccc') + 2);
  // out-of-range offsets are clamped rather than throwing
  assert.deepEqual(idx.positionAt(-5), { line: 0, character: 0 });
  assert.deepEqual(idx.positionAt(999), { line: 3, character: 6 });
});
