/**
 * Several text datasets in one config (issue #15, src/node/textMix.ts): the verdict's sample mixes
 * the listed files as training does — concatenation in proportion to the rows each contributes,
 * LLaMA-Factory interleave_under / interleave_over with interleave_probs — with class names unioned
 * and remapped, seeded and bounded by the max-texts cap; a file whose labels do not fit is a
 * finding on its list entry naming the file. End to end: a Hugging Face `train_file` list with a
 * BERT fixture mixes two files and names the third (no label column) on its line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../../../src/core/config/readConfig';
import type { Finding } from '../../../src/core/model/finding';
import type { TextSample } from '../../../src/core/formats/textTable';
import { readTextDataset } from '../../../src/node/readers/textDataset';
import { mixTextSamples, type TextPart } from '../../../src/node/textMix';
import { analyzeConfigFile } from '../../../src/node/pipeline';

const ROOT = join(__dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'tl-textmix-'));

function csv(name: string, header: string, rows: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${header}\n${rows.join('\n')}\n`);
  return path;
}

const a = csv('a.csv', 'text,label', Array.from({ length: 300 }, (_, i) => `alpha review ${i} ${i % 2 ? 'great' : 'awful'},${i % 2 ? 'pos' : 'neg'}`));
const b = csv('b.csv', 'text,label', Array.from({ length: 100 }, (_, i) => `beta review ${i} ${['great', 'awful', 'fine'][i % 3]},${['pos', 'neg', 'neutral'][i % 3]}`));
const spam = csv('spam.csv', 'text,label', Array.from({ length: 40 }, (_, i) => `win money now ${i},spam`));
const ham = csv('ham.csv', 'text,label', Array.from({ length: 60 }, (_, i) => `see you at lunch ${i},ham`));
const scores = csv('scores.csv', 'text,label', Array.from({ length: 50 }, (_, i) => `gamma review ${i},${(i / 7).toFixed(3)}`));

async function part(path: string, index: number, config: ReturnType<typeof cfg>): Promise<TextPart> {
  const sample = await readTextDataset(path, { spec: { textColumns: ['text'], labelColumn: 'label' }, maxRows: 2000, seed: 0, allowSingleClass: true });
  return { path, index, reference: config.datasets?.[index] ?? config.dataset!, sample };
}

function cfg(yaml: string) {
  return readConfig(yaml, join(dir, 'c.yaml')).config!;
}

/** Each mixed row's label name equals the label its text has in its own file. */
function labelsFollowTexts(mixed: TextSample, parts: readonly TextPart[]): void {
  const truth = new Map<string, string>();
  for (const p of parts) {
    const l = p.sample.labels!;
    if (l.kind !== 'classes') continue;
    p.sample.texts.forEach((t, i) => truth.set(t, l.classNames[l.values[i]!]!));
  }
  const l = mixed.labels!;
  assert.equal(l.kind, 'classes');
  if (l.kind !== 'classes') return;
  mixed.texts.forEach((t, i) => assert.equal(l.classNames[l.values[i]!], truth.get(t), t));
}

test('concat: class names unioned and remapped, rows in proportion to each file, seeded and bounded', async () => {
  const config = cfg(`model_name_or_path: m\ntrain_file: [${a}, ${b}]\ntext_column_names: text\n`);
  const parts = [await part(a, 0, config), await part(b, 1, config)];
  const findings: Finding[] = [];
  const mixed = mixTextSamples(config, parts, { maxRows: 200, seed: 0 }, findings)!;
  assert.deepEqual(findings, []);
  assert.equal(mixed.strategy, 'concat');
  assert.deepEqual(mixed.parts.map((p) => [p.rows, p.rowsUsed]), [[300, 150], [100, 50]]);
  assert.equal(mixed.sample.rowsUsed, 200);
  assert.equal(mixed.sample.texts.length, 200);
  assert.equal(new Set(mixed.sample.texts).size, 200, 'no row twice');
  assert.equal(mixed.sample.rowsTotal, 400);
  assert.deepEqual((mixed.sample.labels as { classNames: string[] }).classNames, ['neg', 'neutral', 'pos']);
  labelsFollowTexts(mixed.sample, parts);
  assert.equal(mixed.planned.n, 400);
  assert.match(mixed.notes[0]!, /Training concatenates 2 datasets; rows from each: a\.csv 300 \(150 in the analysis sample\), b\.csv 100 \(50 in the analysis sample\); classes unioned across the files: "neg", "neutral", "pos"/);
  const again = mixTextSamples(config, parts, { maxRows: 200, seed: 0 }, [])!;
  assert.deepEqual(again.sample.texts, mixed.sample.texts, 'same seed, same sample');
  const other = mixTextSamples(config, parts, { maxRows: 200, seed: 1 }, [])!;
  assert.notDeepEqual(other.sample.texts, mixed.sample.texts);
});

test('LLaMA-Factory interleave_under / interleave_over: shares follow interleave_probs, planned n from the exhausting dataset', async () => {
  const yaml = (strategy: string, probs?: string) => `model_name_or_path: m\nstage: sft\ndataset: a,b\n${probs ? `interleave_probs: ${probs}\n` : ''}mix_strategy: ${strategy}\n`;
  for (const strategy of ['interleave_under', 'interleave_over']) {
    const config = cfg(yaml(strategy, '0.5,0.5'));
    const parts = [await part(a, 0, config), await part(b, 1, config)];
    const findings: Finding[] = [];
    const mixed = mixTextSamples(config, parts, { maxRows: 200, seed: 0 }, findings)!;
    assert.deepEqual(findings, []);
    assert.equal(mixed.strategy, strategy);
    assert.deepEqual(mixed.parts.map((p) => p.rowsUsed), [100, 100], 'equal probabilities: equal shares');
    // under: stops when b (100 rows at p = 0.5) runs out → 200; over: when a (300 at 0.5) does → 600.
    assert.equal(mixed.planned.n, strategy === 'interleave_under' ? 200 : 600);
    assert.match(mixed.planned.note!, new RegExp(`mix_strategy: ${strategy} with interleave_probs 0\\.50, 0\\.50`));
    assert.match(mixed.notes[0]!, /Training interleaves/);
    labelsFollowTexts(mixed.sample, parts);
  }
  // Uneven probabilities, and a share larger than the file's distinct rows: the others fill in, each row once.
  const config = cfg(yaml('interleave_over', '0.2,0.8'));
  const parts = [await part(a, 0, config), await part(b, 1, config)];
  const mixed = mixTextSamples(config, parts, { maxRows: 200, seed: 0 }, [])!;
  assert.deepEqual(mixed.parts.map((p) => p.rowsUsed), [100, 100], "b's 160-row share is capped at its 100 rows; a fills the rest");
  assert.equal(new Set(mixed.sample.texts).size, 200);
  assert.ok(mixed.notes.some((n) => /b\.csv has fewer distinct sampled rows than its interleave share/.test(n)));
  assert.equal(mixed.planned.n, Math.round(300 / 0.2));
  const uneven = mixTextSamples(config, parts, { maxRows: 100, seed: 0 }, [])!;
  assert.deepEqual(uneven.parts.map((p) => p.rowsUsed), [20, 80]);
  // Bad probabilities: a warning on the key, equal shares.
  const bad = cfg(yaml('interleave_under', '0.2,0.3,0.5'));
  const findings: Finding[] = [];
  const m = mixTextSamples(bad, [await part(a, 0, bad), await part(b, 1, bad)], { maxRows: 100, seed: 0 }, findings)!;
  assert.equal(findings[0]?.code, 'config-invalid-value');
  assert.match(findings[0]!.message, /interleave_probs: "0\.2,0\.3,0\.5" must give one non-negative probability per listed dataset \(2\)/);
  assert.equal(findings[0]!.range.start.line, 3);
  assert.deepEqual(m.parts.map((p) => p.rowsUsed), [50, 50]);
});

test('one file per class mixes into two classes; one class in every file is a single-class error', async () => {
  const config = cfg(`model_name_or_path: m\ntrain_file: [${spam}, ${ham}]\ntext_column_names: text\n`);
  const parts = [await part(spam, 0, config), await part(ham, 1, config)];
  const mixed = mixTextSamples(config, parts, { maxRows: 2000, seed: 0 }, [])!;
  assert.deepEqual((mixed.sample.labels as { classNames: string[] }).classNames, ['ham', 'spam']);
  assert.deepEqual(mixed.sample.classCounts, [60, 40]);
  labelsFollowTexts(mixed.sample, parts);
  const findings: Finding[] = [];
  assert.equal(mixTextSamples(config, [parts[0]!, { ...parts[0]!, index: 1, reference: config.datasets![1]! }], { maxRows: 2000, seed: 0 }, findings), undefined);
  assert.equal(findings[0]?.code, 'single-class');
});

test('a file whose labels are of another kind is left out with a finding on its list entry naming the file', async () => {
  const config = cfg(`model_name_or_path: m\ntrain_file:\n  - ${a}\n  - ${scores}\n  - ${b}\ntext_column_names: text\n`);
  const parts = [await part(a, 0, config), await part(scores, 1, config), await part(b, 2, config)];
  assert.equal(parts[1]!.sample.labels!.kind, 'values');
  const findings: Finding[] = [];
  const mixed = mixTextSamples(config, parts, { maxRows: 2000, seed: 0 }, findings)!;
  assert.equal(findings.length, 1);
  const f = findings[0]!;
  assert.equal(f.code, 'dataset-invalid');
  assert.equal(f.range.start.line, 3, 'on train_file[1]');
  assert.equal(f.data?.datasetIndex, 1);
  assert.match(f.message, /train_file\[1\]: scores\.csv has numeric targets \(1 column\) in its label column 'label', but a\.csv \(train_file\[0\]\) has class labels/);
  assert.deepEqual(mixed.parts.map((p) => p.path), [a, b]);
  assert.ok(mixed.notes.some((n) => /Left out of the verdict .*train_file\[1\] \(scores\.csv\)/.test(n)));
});

test('end to end: a train_file list with a BERT checkpoint mixes the files for the verdict; a file without the label column is named on its line', async () => {
  const sentiment = readFileSync(join(ROOT, 'test', 'fixtures', 'text', 'sentiment.csv'), 'utf8').trim().split('\n');
  const first = csv('first.csv', 'text,label', sentiment.slice(1, 151));
  const second = csv('second.csv', 'text,label', sentiment.slice(151));
  const unlabelled = csv('unlabelled.csv', 'text,sentiment', sentiment.slice(1, 20));
  const config = join(dir, 'list.yaml');
  writeFileSync(config, `model_name_or_path: ${join(ROOT, 'test', 'fixtures', 'hf-models', 'bert')}\ntrain_file:\n  - ${first}\n  - ${unlabelled}\n  - ${second}\ntext_column_names: text\nlabel_column_name: label\nmax_seq_length: 24\n`);
  const out = await analyzeConfigFile(config, { seed: 0, backend: 'cpu', maxSamples: 120, timeBudgetMs: 600_000 } as never);
  const missing = out.findings.find((f) => f.code === 'label-column-missing');
  assert.ok(missing, JSON.stringify(out.findings.map((f) => f.code)));
  assert.equal(missing.range.start.line, 3, 'on train_file[1]');
  assert.equal(missing.data?.datasetIndex, 1);
  // The static tier reads the headers and names the file; the text branch never sees that entry.
  assert.match(missing.message, /train_file\[1\]: column 'label' is not in unlabelled\.csv .*the analysis leaves it out/s);
  assert.ok(!out.findings.some((f) => f.code === 'partial-analysis' && /not mixed yet/.test(f.message)));
  const analysis = out.analysis!;
  assert.ok(analysis, JSON.stringify(out.findings.map((f) => [f.code, f.message.slice(0, 80)])));
  assert.deepEqual(analysis.datasets?.map((d) => [d.path, d.rows, d.rowsUsed, d.keyPath]), [[first, 150, 60, 'train_file[0]'], [second, 150, 60, 'train_file[2]']]);
  assert.equal(analysis.n, 120, 'the verdict is for the rows analysed (the cap) …');
  assert.ok(analysis.notes?.some((n) => /not the planned 300/.test(n)), '… and says the planned n is the rows of both files');
  assert.ok(analysis.notes?.some((n) => /Training concatenates 2 datasets/.test(n)));
  // Each file is tokenizer-checked on its own list entry.
  const lengths = out.findings.filter((f) => f.code === 'token-lengths');
  assert.ok(lengths.some((f) => /second\.csv/.test(f.message)));
});
