/** Tests of the chunked RFC 4180 CSV tokenizer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvTokenizer, MAX_CSV_FIELD_CHARS, MAX_TEXT_CSV_FIELD_CHARS, parseCsv, sniffDelimiter } from '../../../src/core/formats/csv';
import { DatasetError } from '../../../src/core/formats/errors';

const tricky = '\uFEFFid,text,value\r\n1,"hello, world",3.5\r\n2,"say ""hi""",4\r\n\r\n3,"two\r\nlines",5\n4,,6';

test('quotes, doubled quotes, CRLF, BOM, blank lines and a missing final newline', () => {
  const records = parseCsv(tricky);
  assert.deepEqual(
    records.map((r) => r.fields),
    [
      ['id', 'text', 'value'],
      ['1', 'hello, world', '3.5'],
      ['2', 'say "hi"', '4'],
      ['3', 'two\nlines', '5'],
      ['4', '', '6'],
    ],
  );
  // Line numbers are physical lines where each record starts (the blank line 4 is skipped).
  assert.deepEqual(records.map((r) => r.line), [1, 2, 3, 5, 7]);
});

test('any chunking gives the same records', () => {
  const whole = parseCsv(tricky);
  for (let size = 1; size <= 7; size++) {
    const tokenizer = new CsvTokenizer();
    const records = [];
    for (let i = 0; i < tricky.length; i += size) records.push(...tokenizer.push(tricky.slice(i, i + size)));
    records.push(...tokenizer.end());
    assert.deepEqual(records, whole, `chunk size ${size}`);
  }
});

test('an unclosed quote names the line where the field starts', () => {
  assert.throws(
    () => parseCsv('a,b\n1,2\n3,"oops\n4,5\n', { source: 'data.csv' }),
    (e: unknown) => e instanceof DatasetError && e.code === 'dataset-invalid' && e.line === 3 && /data\.csv.*line 3.*never closed/.test(e.message),
  );
});

test('stray quotes are reported with their line', () => {
  assert.throws(() => parseCsv('a,b\n1,x"y\n', { source: 'd.csv' }), (e: unknown) => e instanceof DatasetError && e.line === 2 && /middle of an unquoted field/.test(e.message));
  assert.throws(() => parseCsv('a,b\n1,"x"y\n', { source: 'd.csv' }), (e: unknown) => e instanceof DatasetError && e.line === 2 && /after a closing quote/.test(e.message));
});

test('other delimiters and sniffing', () => {
  assert.equal(sniffDelimiter('a;b;c'), ';');
  assert.equal(sniffDelimiter('a\tb\tc'), '\t');
  assert.equal(sniffDelimiter('"x;y",b,c'), ',');
  assert.deepEqual(parseCsv('a;b\n1;2\n', { delimiter: ';' }).map((r) => r.fields), [['a', 'b'], ['1', '2']]);
});

test('a quoted empty field keeps an otherwise empty record', () => {
  assert.deepEqual(parseCsv('a\n""\n').map((r) => r.fields), [['a'], ['']]);
});

test('field length limit: default MAX_CSV_FIELD_CHARS is taken for a missing quote; maxFieldChars raises it (text datasets)', () => {
  const long = 'x'.repeat(MAX_CSV_FIELD_CHARS + 10);
  assert.throws(() => parseCsv(`t,l\n"${long}",1\n`, { source: 'd.csv' }), (e: unknown) => e instanceof DatasetError && e.line === 2 && /quoted field starting on line 2 runs past 1,048,576 characters; a closing quote/.test(e.message));
  assert.throws(() => parseCsv(`t,l\n${long},1\n`, { source: 'd.csv' }), (e: unknown) => e instanceof DatasetError && /line 2: a field is longer than 1,048,576/.test(e.message));
  const records = parseCsv(`t,l\n"${long}",1\nshort,0\n`, { source: 'd.csv', maxFieldChars: MAX_TEXT_CSV_FIELD_CHARS });
  assert.equal(records.length, 3);
  assert.equal(records[1]!.fields[0]!.length, long.length);
  assert.deepEqual(records[2]!.fields, ['short', '0']);
  // An unclosed quote still ends as an error naming the line where the field began.
  assert.throws(() => parseCsv(`t,l\n"${long},1\nshort,0\n`, { source: 'd.csv', maxFieldChars: MAX_TEXT_CSV_FIELD_CHARS }), (e: unknown) => e instanceof DatasetError && e.line === 2 && /never closed/.test(e.message));
});
