/**
 * Text datasets: the columns the training scripts read (run_classification, run_glue, chat
 * formats), every table format, labels and regression targets, and bad input as errors or row
 * problems that name the file and row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { readTextDataset } from '../../../src/node/readers/textDataset';
import { chooseTextColumns, parseMessages } from '../../../src/core/formats/textTable';
import { DatasetError } from '../../../src/core/formats/errors';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'text');
const tmp = mkdtempSync(join(tmpdir(), 'tl-text-'));
const base = { maxRows: 2000, seed: 0 };

test('CSV with text,label: the default text column, string classes, every row', async () => {
  const s = await readTextDataset(join(FIXTURES, 'sentiment.csv'), { ...base, spec: { labelColumn: 'label' } });
  assert.equal(s.rowsTotal, 300);
  assert.equal(s.rowsUsed, 300);
  assert.deepEqual(s.columns.text, ['text']);
  assert.equal(s.labels?.kind, 'classes');
  assert.deepEqual(s.labels?.kind === 'classes' ? s.labels.classNames : [], ['neg', 'pos']);
  assert.ok(s.texts[0]!.startsWith('the dialogue looked truly poor'));
  assert.equal(s.rows[0], 2, 'CSV rows are 1-based lines (header = 1)');
});

test("run_classification's text_column_names: columns joined with one space (text_column_delimiter), or the delimiter given", async () => {
  const path = join(tmp, 'two.csv');
  writeFileSync(path, 'title,body,label\nGreat film,loved every minute,1\nAwful,"slow, dull",0\n' + Array.from({ length: 20 }, (_, i) => `t${i},b${i},${i % 2}`).join('\n') + '\n');
  const s = await readTextDataset(path, { ...base, spec: { textColumns: ['title', 'body'], labelColumn: 'label' } });
  assert.equal(s.texts[0], 'Great film loved every minute');
  assert.equal(s.texts[1], 'Awful slow, dull');
  const d = await readTextDataset(path, { ...base, spec: { textColumns: ['title', 'body'], delimiter: ' | ', labelColumn: 'label' } });
  assert.equal(d.texts[0], 'Great film | loved every minute');
  assert.equal(s.labels?.kind === 'classes' && s.labels.classNames.join(), '0,1');
});

test("run_glue's defaults: sentence1/sentence2 as a pair; task_name keys; the first two non-label columns", async () => {
  const s = await readTextDataset(join(FIXTURES, 'pairs.tsv'), { ...base, spec: { labelColumn: 'label' } });
  assert.equal(s.columns.pair, 'sentence2');
  assert.equal(s.pairs?.length, s.texts.length);
  assert.equal(s.texts[0], 'the cast felt great');
  assert.equal(s.pairs![0], 'the cast turned out really enjoyable');
  const mrpc = chooseTextColumns(['sentence1', 'sentence2', 'label'], { glueTask: 'MRPC', labelColumn: 'label' }, 'x');
  assert.deepEqual([mrpc.text, mrpc.pair], [['sentence1'], 'sentence2']);
  const qqp = chooseTextColumns(['question1', 'question2', 'label', 'idx'], { glueTask: 'qqp', labelColumn: 'label' }, 'x');
  assert.deepEqual([qqp.text, qqp.pair], [['question1'], 'question2']);
  const firstTwo = chooseTextColumns(['idx', 'query', 'passage', 'label'], { labelColumn: 'label' }, 'x');
  assert.deepEqual([firstTwo.text, firstTwo.pair], [['query'], 'passage']);
  assert.throws(() => chooseTextColumns(['text', 'label'], { glueTask: 'sst2', labelColumn: 'label' }, '/d/train.csv'), (e: unknown) => e instanceof DatasetError && /train\.csv.*'sentence'.*'text', 'label'/.test(e.message));
});

test('a pair config whose second column is missing names the file and the columns', async () => {
  await assert.rejects(
    readTextDataset(join(FIXTURES, 'sentiment.csv'), { ...base, spec: { textColumns: ['text'], pairColumn: 'hypothesis', labelColumn: 'label' } }),
    (e: unknown) => e instanceof DatasetError && /sentiment\.csv: there is no second sentence column 'hypothesis'; the columns are 'text', 'label'/.test(e.message),
  );
});

test('float labels are a regression target (JSONL, text_column/label_column variants)', async () => {
  const s = await readTextDataset(join(FIXTURES, 'ratings.jsonl'), { ...base, spec: { textColumns: ['review'], labelColumn: 'stars' } });
  assert.equal(s.labels?.kind, 'values');
  assert.equal(s.rowsUsed, 200);
  assert.ok(s.labels?.kind === 'values' && Math.abs(s.labels.values.data[0]! - 2.85) < 1e-12);
});

test('JSON arrays: LLaMA-Factory alpaca and sharegpt (columns mapping and tags honoured)', async () => {
  const a = await readTextDataset(join(FIXTURES, 'data', 'sotu_alpaca.json'), { ...base, spec: { formatting: 'alpaca', generative: true } });
  assert.equal(a.columns.kind, 'alpaca');
  assert.equal(a.labels, undefined);
  assert.equal(a.rowsTotal, 60);
  assert.ok(a.texts[0]!.startsWith('Summarise the review in one word.\n'));
  const tags = { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt' };
  const c = await readTextDataset(join(FIXTURES, 'data', 'chat_sharegpt.json'), { ...base, spec: { formatting: 'sharegpt', columnMap: { messages: 'conversations' }, tags, generative: true } });
  assert.equal(c.columns.kind, 'sharegpt');
  assert.deepEqual(c.messages![0]!.map((m) => m.role), ['user', 'assistant']);
  const detected = await readTextDataset(join(FIXTURES, 'chat.jsonl'), { ...base, spec: { generative: true } });
  assert.equal(detected.columns.kind, 'messages');
  assert.deepEqual(parseMessages([{ from: 'human', value: 'hi' }, { from: 'gpt', value: 'yo' }])?.map((m) => m.role), ['user', 'assistant']);
});

test('LLaMA-Factory alpaca history (columns.history): earlier [query, response] turns come before the current one, as its converter builds them; a malformed history is a row problem', async () => {
  const file = join(tmp, 'hist.json');
  writeFileSync(file, JSON.stringify([
    { instruction: 'And now?', input: '', output: 'Now it is noon.', system: 'Be brief.', history: [['What time is it?', 'Morning.'], ['Later?', 'Ten.']] },
    { instruction: 'Plain', output: 'One turn.' },
    { instruction: 'Broken', output: 'x', history: 'not a list' },
  ]));
  const spec = { formatting: 'alpaca' as const, columnMap: { history: 'history', system: 'system' }, generative: true };
  const s = await readTextDataset(file, { ...base, spec });
  const byInstruction = (text: string) => s.messages![s.texts.findIndex((t) => t.includes(text))]!;
  assert.deepEqual(byInstruction('And now?').map((m) => [m.role, m.content]), [
    ['system', 'Be brief.'], ['user', 'What time is it?'], ['assistant', 'Morning.'], ['user', 'Later?'], ['assistant', 'Ten.'], ['user', 'And now?'], ['assistant', 'Now it is noon.'],
  ]);
  assert.ok(s.texts.some((t) => t.startsWith('What time is it?\nMorning.\nLater?\nTen.\n')), 'the history counts in the text (tokens per word, lengths without a template)');
  assert.deepEqual(byInstruction('Plain').map((m) => m.role), ['user', 'assistant']);
  assert.deepEqual(byInstruction('Broken').map((m) => m.role), ['user', 'assistant']);
  assert.ok(s.problems.some((p) => p.kind === 'bad-chat' && /hist\.json: row \d: 'history' is not a list of \[query, response\] pairs/.test(p.message)), JSON.stringify(s.problems));
  // Without the mapping the column is not read (LLaMA-Factory's default has no history column).
  const plain = await readTextDataset(file, { ...base, spec: { formatting: 'alpaca', generative: true } });
  assert.equal(plain.messages![plain.texts.findIndex((t) => t.includes('And now?'))]!.length, 2);
});

test('Arrow and Parquet string columns are read as text', async () => {
  const texts = Array.from({ length: 30 }, (_, i) => `review number ${i} was ${i % 2 ? 'good' : 'bad'}`);
  const labels = Int32Array.from({ length: 30 }, (_, i) => i % 2);
  const table = arrow.tableFromArrays({ text: texts, label: labels });
  const arrowPath = join(tmp, 'd.arrow');
  writeFileSync(arrowPath, arrow.tableToIPC(table, 'stream'));
  const s = await readTextDataset(arrowPath, { ...base, spec: { labelColumn: 'label' } });
  assert.deepEqual(s.texts, texts);
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const buffer = parquetWriteBuffer({ columnData: [{ name: 'sentence', data: texts, type: 'STRING' }, { name: 'label', data: Array.from(labels), type: 'INT32' }] });
  const parquetPath = join(tmp, 'd.parquet');
  writeFileSync(parquetPath, new Uint8Array(buffer));
  const p = await readTextDataset(parquetPath, { ...base, spec: { labelColumn: 'label' } });
  assert.deepEqual(p.columns.text, ['sentence']);
  assert.deepEqual(p.texts, texts);
  assert.equal(p.rows[5], 6);
});

test('bad input: empty texts, over-long cells and numbers in a text column are row problems naming file and row', async () => {
  const s = await readTextDataset(join(FIXTURES, 'bad.csv'), { ...base, spec: { labelColumn: 'label' } });
  assert.equal(s.problemCounts.empty, 1);
  assert.equal(s.problemCounts['too-long'], 1);
  assert.match(s.problems.find((p) => p.kind === 'empty')!.message, /bad\.csv: row 4: 'text' is empty/);
  assert.match(s.problems.find((p) => p.kind === 'too-long')!.message, /bad\.csv: row 12: 'text' has 199,999 characters/);
  const mixed = join(tmp, 'mixed.jsonl');
  writeFileSync(mixed, Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: i === 3 ? 42 : `text ${i}`, label: i % 2 })).join('\n'));
  const m = await readTextDataset(mixed, { ...base, spec: { labelColumn: 'label' } });
  assert.equal(m.problemCounts['not-text'], 1);
  assert.match(m.problems[0]!.message, /mixed\.jsonl: row 4: 'text' holds a number \(42\)/);
  assert.equal(m.texts[3], '42');
});

test('bad input: one label value, non-UTF-8 bytes, a missing label column', async () => {
  const one = join(tmp, 'one.csv');
  writeFileSync(one, 'text,label\n' + Array.from({ length: 20 }, (_, i) => `t ${i},pos`).join('\n'));
  await assert.rejects(readTextDataset(one, { ...base, spec: { labelColumn: 'label' } }), (e: unknown) => e instanceof DatasetError && e.code === 'single-class' && /one\.csv/.test(e.message));
  const latin = join(tmp, 'latin.csv');
  writeFileSync(latin, Buffer.concat([Buffer.from('text,label\nfine,1\ncaf'), Buffer.from([0xe9]), Buffer.from(',0\n')]));
  await assert.rejects(readTextDataset(latin, { ...base, spec: { labelColumn: 'label' } }), (e: unknown) => e instanceof DatasetError && /latin\.csv: line 3 is not valid UTF-8/.test(e.message));
  await assert.rejects(readTextDataset(join(FIXTURES, 'sentiment.csv'), { ...base, spec: { labelColumn: 'sentiment' } }), (e: unknown) => e instanceof DatasetError && e.code === 'label-column-missing');
});

test('sampling is seeded and bounded: maxRows rows, every class kept', async () => {
  const a = await readTextDataset(join(FIXTURES, 'sentiment.csv'), { maxRows: 50, seed: 3, spec: { labelColumn: 'label' } });
  const b = await readTextDataset(join(FIXTURES, 'sentiment.csv'), { maxRows: 50, seed: 3, spec: { labelColumn: 'label' } });
  assert.equal(a.rowsUsed, 50);
  assert.equal(a.rowsTotal, 300);
  assert.deepEqual(a.texts, b.texts);
  assert.deepEqual(a.rows, [...a.rows].sort((x, y) => x - y));
});

test('TRL-style chat data under the default label column is read as generative messages', async () => {
  const s = await readTextDataset(join(FIXTURES, 'chat.jsonl'), { ...base, spec: { labelColumn: 'label', labelDefaulted: true } });
  assert.equal(s.columns.kind, 'messages');
  assert.equal(s.labels, undefined);
  await assert.rejects(readTextDataset(join(FIXTURES, 'chat.jsonl'), { ...base, spec: { labelColumn: 'label' } }), (e: unknown) => e instanceof DatasetError && e.code === 'label-column-missing');
});
