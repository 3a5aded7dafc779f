/**
 * Tokenizer checks (core counts and findings), the max-length quick fix, and the node runner on a
 * real fixture tokenizer: counts are compared with numbers computed here by hand, and the fix's
 * edit is applied to the config text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { roundUpTo64, tokenStats, tokenizerFindings, type EncodedSample, type TokenizerFacts } from '../../../src/core/analysis/tokenizerChecks';
import { fixesForFinding } from '../../../src/core/fixes/fixes';
import { applyEdits } from '../../../src/core/fixes/textEdits';
import { readConfig } from '../../../src/core/config/readConfig';
import { runTokenizerChecks, maxLengthSetting } from '../../../src/node/hf/tokenizerChecks';
import { readTextDataset } from '../../../src/node/readers/textDataset';
import { loadTokenizer } from '../../../src/node/hf/tokenizer';
import { FitCache } from '../../../src/node/cache/fitCache';

const facts: TokenizerFacts = { model: 'WordPiece', byteLevel: false, byteFallback: true, vocabSize: 100, unkTokenId: 1, specialIds: [2, 3], hasChatTemplate: false };
const sample = (length: number, ids: number[] = [2, 10, 3], tokens: string[] = ['[CLS]', 'a', '[SEP]']): EncodedSample => ({ ids, tokens, untruncatedLength: length });

test('tokenStats: truncated share, tokens cut, percentiles, unknown and byte-fallback rates', () => {
  const enc = [sample(10), sample(20), sample(30), sample(40, [2, 1, 1, 5, 3], ['[CLS]', '[UNK]', '[UNK]', '<0x41>', '[SEP]'])];
  const s = tokenStats(enc, ['a b', 'c', 'd e f', 'g'], facts, 25);
  assert.equal(s.truncatedSamples, 2);
  assert.equal(s.truncatedShare, 0.5);
  assert.equal(s.tokensCut, 5 + 15);
  assert.equal(s.tokensCutShare, 20 / 100);
  assert.deepEqual([s.percentiles.p50, s.percentiles.p95, s.percentiles.max], [20, 40, 40]);
  // content tokens: 1 + 1 + 1 + 3 = 6; unknown 2; byte pieces 1; words 7.
  assert.equal(s.unknownRate, 2 / 6);
  assert.equal(s.byteFallbackRate, 1 / 6);
  assert.equal(s.tokensPerWord, 6 / 7);
  assert.equal(s.suggestedMaxLength, 64);
  assert.equal(roundUpTo64(65), 128);
  assert.equal(roundUpTo64(128), 128);
});

test('findings: sequence-truncated on the max-length key with the suggested length (capped at the model limit); fragmentation; chat template', () => {
  const enc = Array.from({ length: 100 }, (_, i) => sample(100 + 3 * i));
  const s = tokenStats(enc, enc.map(() => 'one two'), facts, 128);
  const at = { value: 128, keyPath: 'max_seq_length', file: '/c.yaml', range: { start: { line: 4, character: 16 }, end: { line: 4, character: 19 } }, keyRange: { start: { line: 4, character: 0 }, end: { line: 4, character: 14 } } };
  const findings = tokenizerFindings(s, facts, { value: 128, at, key: 'max_seq_length', source: 'max_seq_length: 128', modelLimit: 512 }, { file: '/c.yaml', datasetName: 'd.csv', chatFormat: 'messages' });
  const t = findings.find((f) => f.code === 'sequence-truncated')!;
  assert.equal(t.severity, 'warning');
  assert.equal(t.range.start.line, 4);
  assert.equal(t.data?.truncatedSamples, 90);
  assert.equal(t.data?.suggestedMaxLength, 384, 'p95 = 100 + 3·94 = 382 → 384');
  assert.ok(findings.some((f) => f.code === 'chat-template-missing'));
  assert.ok(!findings.some((f) => f.code === 'tokenizer-fragmentation'), '0.5 tokens per word is no fragmentation');
  const capped = tokenizerFindings(s, facts, { value: 128, at, key: 'max_seq_length', source: '', modelLimit: 256 }, { file: '/c.yaml', datasetName: 'd.csv' });
  assert.equal(capped.find((f) => f.code === 'sequence-truncated')!.data?.suggestedMaxLength, 256);
  const atLimit = tokenizerFindings(s, facts, { value: 256, at, key: 'max_seq_length', source: '', modelLimit: 256 }, { file: '/c.yaml', datasetName: 'd.csv' });
  assert.equal(atLimit.find((f) => f.code === 'sequence-truncated')!.data?.suggestedMaxLength, undefined, 'nothing to raise past the model limit');
});

test('the quick fix raises the key in place (YAML, nested torchtune key) or inserts it when the default applies; undo is the inverse edit', () => {
  const yaml = 'model_name_or_path: bert\ntrain_file: train.csv\nmax_seq_length: 128 # short\n';
  const finding = { code: 'sequence-truncated', severity: 'warning' as const, message: '', file: '/c.yaml', range: { start: { line: 2, character: 0 }, end: { line: 2, character: 14 } }, data: { maxLengthKey: 'max_seq_length', suggestedMaxLength: 448 } };
  const fixes = fixesForFinding(finding, yaml);
  assert.equal(fixes[0]!.title, 'Raise max_seq_length to 448 (95th percentile of token lengths)');
  assert.equal(applyEdits(yaml, fixes[0]!.edits), 'model_name_or_path: bert\ntrain_file: train.csv\nmax_seq_length: 448 # short\n');
  const nested = 'tokenizer:\n  _component_: torchtune.models.llama3.llama3_tokenizer\n  max_seq_len: 512\n';
  const f2 = fixesForFinding({ ...finding, range: { start: { line: 2, character: 2 }, end: { line: 2, character: 13 } }, data: { maxLengthKey: 'tokenizer.max_seq_len', suggestedMaxLength: 1024 } }, nested);
  assert.equal(applyEdits(nested, f2[0]!.edits), 'tokenizer:\n  _component_: torchtune.models.llama3.llama3_tokenizer\n  max_seq_len: 1024\n');
  const json = '{\n  "model_name_or_path": "bert",\n  "train_file": "train.csv"\n}\n';
  const f3 = fixesForFinding({ ...finding, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, data: { maxLengthKey: 'max_seq_length', suggestedMaxLength: 192, insert: true } }, json);
  assert.match(applyEdits(json, f3[0]!.edits), /"max_seq_length": 192/);
});

test('Axolotl drop / raise: a second quick fix sets excess_length_strategy: truncate (inserted after sequence_len, or replaced); preferred when the length cannot be raised; none for trainers that cut', () => {
  const yaml = 'base_model: m\ndatasets:\n  - path: d.jsonl\n    type: chat_template\nsequence_len: 128  # the model limit\nadapter: lora\n';
  const finding = { code: 'sequence-truncated', severity: 'warning' as const, message: '', file: '/ax.yml', range: { start: { line: 4, character: 0 }, end: { line: 4, character: 12 } }, data: { maxLengthKey: 'sequence_len', maxLength: 128, overLength: 'drop' } };
  // At the model's limit there is no length to raise to: the truncate fix is the preferred one.
  const capped = fixesForFinding(finding, yaml);
  assert.equal(capped[0]!.title, 'Keep over-long samples, cut at 128 tokens (excess_length_strategy: truncate)');
  assert.equal(capped[0]!.isPreferred, true);
  assert.equal(applyEdits(yaml, capped[0]!.edits), 'base_model: m\ndatasets:\n  - path: d.jsonl\n    type: chat_template\nsequence_len: 128  # the model limit\nexcess_length_strategy: truncate\nadapter: lora\n');
  // With a length to raise to, raising stays preferred and truncating is offered second.
  const both = fixesForFinding({ ...finding, data: { ...finding.data, suggestedMaxLength: 256 } }, yaml);
  assert.deepEqual(both.slice(0, 2).map((f) => [f.title.split(' ')[0], f.isPreferred]), [['Raise', true], ['Keep', false]]);
  // An existing raise is replaced.
  const raising = yaml.replace('adapter: lora', 'excess_length_strategy: raise\nadapter: lora');
  const replaced = fixesForFinding({ ...finding, data: { ...finding.data, overLength: 'raise' } }, raising);
  assert.match(applyEdits(raising, replaced[0]!.edits), /^excess_length_strategy: truncate$/m);
  assert.doesNotMatch(applyEdits(raising, replaced[0]!.edits), /raise/);
  // Trainers that cut anyway: no such fix.
  assert.ok(!fixesForFinding({ ...finding, data: { ...finding.data, overLength: 'truncate' } }, yaml).some((f) => /excess_length_strategy/.test(f.title)));
});

test('max length in force: the config key, the script defaults (run_classification 128 capped at model_max_length, TRL 1024, LLaMA-Factory 2048), none for Axolotl', () => {
  const read = (text: string, file: string) => readConfig(text, file).config!;
  const hf = read('model_name_or_path: m\ntrain_file: t.csv\ntext_column_names: text\n', '/x/hf.yaml');
  assert.equal(maxLengthSetting(hf, false, 64, 64)?.value, 64);
  assert.match(maxLengthSetting(hf, false, 512, 512)!.source, /default max_seq_length 128/);
  const capped = read('model_name_or_path: m\ntrain_file: t.csv\nmax_seq_length: 1024\n', '/x/hf.yaml');
  assert.equal(maxLengthSetting(capped, false, 512, 512)?.value, 512);
  const trl = read('model_name_or_path: m\ndataset_name: d\ndataset_text_field: text\nlearning_rate: 1.0e-5\n', '/x/trl.yaml');
  assert.equal(maxLengthSetting(trl, true, undefined, undefined)?.value, 1024);
  const lf = read('model_name_or_path: m\nstage: sft\ndataset: a\ntemplate: qwen\nfinetuning_type: lora\n', '/x/lf.yaml');
  assert.equal(maxLengthSetting(lf, true, undefined, undefined)?.key, 'cutoff_len');
  const axolotl = read('base_model: m\ndatasets:\n  - path: d.jsonl\n    type: chat_template\nadapter: lora\n', '/x/ax.yml');
  assert.equal(maxLengthSetting(axolotl, true, undefined, undefined), undefined);
  const ax2 = read('base_model: m\ndatasets:\n  - path: d.jsonl\n    type: chat_template\nsequence_len: 4096\nadapter: lora\n', '/x/ax.yml');
  assert.deepEqual([maxLengthSetting(ax2, true, undefined, undefined)?.value, maxLengthSetting(ax2, true, undefined, undefined)?.key], [4096, 'sequence_len']);
});

test('runTokenizerChecks on the llama fixture: counts equal the tokenizer encoding each text itself', async () => {
  const folder = join(__dirname, '..', '..', 'fixtures', 'hf-models', 'llama');
  const config = readConfig('base_model: m\ndatasets:\n  - path: chat.jsonl\n    type: chat_template\nsequence_len: 48\nadapter: lora\n', '/x/ax.yml').config!;
  const sample = await readTextDataset(join(__dirname, '..', '..', 'fixtures', 'text', 'chat.jsonl'), { maxRows: 100, seed: 0, spec: { generative: true } });
  const r = await runTokenizerChecks(folder, config, sample, { datasetName: 'chat.jsonl' });
  const tok = await loadTokenizer(folder);
  const lengths = sample.texts.map((t) => tok.encode(t).ids.length);
  assert.equal(r.stats.truncatedSamples, lengths.filter((n) => n > 48).length);
  assert.equal(r.stats.tokensCut, lengths.reduce((s, n) => s + Math.max(0, n - 48), 0));
  assert.ok(r.facts.byteFallback);
  assert.ok(r.findings.some((f) => f.code === 'chat-template-missing'));
});

test("Axolotl drops over-long samples by default (excess_length_strategy): the finding says dropped and counts their whole tokens; truncate cuts; raise is an error", async () => {
  const folder = join(__dirname, '..', '..', 'fixtures', 'hf-models', 'llama');
  const data = join(__dirname, '..', '..', 'fixtures', 'text', 'chat.jsonl');
  const sample = await readTextDataset(data, { maxRows: 100, seed: 0, spec: { generative: true } });
  const tok = await loadTokenizer(folder);
  const lengths = sample.texts.map((t) => tok.encode(t).ids.length);
  const over = lengths.filter((n) => n > 48);
  const run = async (extra: string) => {
    const config = readConfig(`base_model: m\ndatasets:\n  - path: chat.jsonl\n    type: ${extra.startsWith('type:') ? extra.slice(6).trim() : 'chat_template'}\nsequence_len: 48\n${extra.startsWith('type:') ? '' : extra}`, '/x/ax.yml').config!;
    const r = await runTokenizerChecks(folder, config, sample, { datasetName: 'chat.jsonl' });
    return r.findings.find((f) => f.code === 'sequence-truncated')!;
  };
  assert.ok(over.length > 0, 'the fixture has over-long samples at 48');
  const dropped = await run('');
  assert.equal(dropped.data?.overLength, 'drop');
  assert.equal(dropped.data?.tokensDropped, over.reduce((s, n) => s + n, 0), 'whole samples are lost, not just their tails');
  assert.match(dropped.message, /are dropped from training \(Axolotl's default, excess_length_strategy: drop\)/);
  assert.match(dropped.message, /excess_length_strategy: truncate/);
  const cut = await run('excess_length_strategy: truncate\n');
  assert.equal(cut.data?.overLength, 'truncate');
  assert.match(cut.message, /get cut/);
  const raised = await run('excess_length_strategy: raise\n');
  assert.equal(raised.severity, 'error');
  assert.match(raised.message, /training stops/);
  // The completion type chunks long texts (prompt_strategies/completion.py): nothing is dropped.
  const completion = await run('type: completion');
  assert.equal(completion.data?.overLength, 'split');
  assert.equal(completion.data?.tokensDropped, undefined);
  assert.match(completion.message, /completion type splits each text into sequence_len chunks/);
  // Other trainers cut: a TRL config gets the truncation wording.
  const trl = readConfig('model_name_or_path: m\ndataset_text_field: text\nmax_length: 48\n', '/x/sft.yaml').config!;
  const r = await runTokenizerChecks(folder, trl, sample, { datasetName: 'chat.jsonl' });
  const f = r.findings.find((x) => x.code === 'sequence-truncated');
  if (f) assert.equal(f.data?.overLength, 'truncate');
});

test('packing that splits instead of cutting: LLaMA-Factory pre-training (packing by default) and TRL packing_strategy wrapped / bfd_split — an info finding with no raise fix; TRL bfd and LLaMA-Factory sft cut', async () => {
  const folder = join(__dirname, '..', '..', 'fixtures', 'hf-models', 'llama');
  const sample = await readTextDataset(join(__dirname, '..', '..', 'fixtures', 'text', 'chat.jsonl'), { maxRows: 100, seed: 0, spec: { generative: true } });
  const finding = async (yaml: string, file: string) => {
    const r = await runTokenizerChecks(folder, readConfig(yaml, file).config!, sample, { datasetName: 'chat.jsonl' });
    return r.findings.find((f) => f.code === 'sequence-truncated')!;
  };
  const pt = await finding('model_name_or_path: m\nstage: pt\ndo_train: true\ndataset: c4\ncutoff_len: 48\n', '/x/lf.yaml');
  assert.equal(pt.data?.overLength, 'split');
  assert.equal(pt.severity, 'info');
  assert.equal(pt.data?.suggestedMaxLength, undefined, 'nothing is lost, so no raise fix');
  assert.match(pt.message, /they are not cut \(LLaMA-Factory pre-training packs by default: the texts are concatenated and split into cutoff_len blocks\)/);
  assert.ok(!fixesForFinding(pt, 'cutoff_len: 48\n').some((f) => /^(Raise|Keep)/.test(f.title)), 'only the suppress fix');
  const ptNoPack = await finding('model_name_or_path: m\nstage: pt\ndo_train: true\ndataset: c4\ncutoff_len: 48\npacking: false\n', '/x/lf.yaml');
  assert.equal(ptNoPack.data?.overLength, 'truncate');
  // processor/pretrain.py tokenises messages[0]["content"] + eos without special tokens: the first
  // non-system message only (a conversation's responses are not pre-trained on), one token more.
  const tok = await loadTokenizer(folder);
  const first = sample.messages!.map((m) => m.find((x) => x.role !== 'system')!.content);
  const want = first.map((t) => tok.encode(t, undefined, { addSpecialTokens: false }).ids.length + 1);
  const r = await runTokenizerChecks(folder, readConfig('model_name_or_path: m\nstage: pt\ndo_train: true\ndataset: c4\ncutoff_len: 48\npacking: false\n', '/x/lf.yaml').config!, sample, { datasetName: 'chat.jsonl' });
  assert.equal(r.stats.percentiles.max, Math.max(...want));
  assert.equal(r.stats.percentiles.mean, want.reduce((a, b) => a + b, 0) / want.length);
  assert.ok(r.stats.percentiles.mean < sample.texts.reduce((a, t) => a + tok.encode(t).ids.length, 0) / sample.texts.length / 2, 'well under the whole conversation');
  assert.match(r.findings.find((f) => f.code === 'token-lengths')!.message, /LLaMA-Factory pre-trains on each record's first prompt message .* with the eos token appended/);
  const sft = await finding('model_name_or_path: m\nstage: sft\ndo_train: true\ndataset: c4\ncutoff_len: 48\npacking: true\n', '/x/lf.yaml');
  assert.equal(sft.data?.overLength, 'truncate', 'LLaMA-Factory SFT packing cuts each sample to cutoff_len first');
  const wrapped = await finding('model_name_or_path: m\ndataset_text_field: text\nmax_length: 48\npacking: true\npacking_strategy: wrapped\n', '/x/sft.yaml');
  assert.equal(wrapped.data?.overLength, 'split');
  assert.match(wrapped.message, /packing_strategy: wrapped/);
  const bfd = await finding('model_name_or_path: m\ndataset_text_field: text\nmax_length: 48\npacking: true\n', '/x/sft.yaml');
  assert.equal(bfd.data?.overLength, 'truncate', "TRL's default bfd truncates");
});

test('runTokenizerChecks with a cache: the second run takes the token counts from it (no encoding), same stats and findings; other texts or another tokenizer miss', async () => {
  const folder = join(__dirname, '..', '..', 'fixtures', 'hf-models', 'bert');
  const config = readConfig('model_name_or_path: m\ntrain_file: s.csv\ntext_column_names: text\nmax_seq_length: 8\n', '/x/c.yaml').config!;
  const sample = await readTextDataset(join(__dirname, '..', '..', 'fixtures', 'text', 'sentiment.csv'), { maxRows: 60, seed: 0, spec: { labelColumn: 'label' } });
  const cache = FitCache.under(mkdtempSync(join(tmpdir(), 'tl-tokcache-')));
  const first = await runTokenizerChecks(folder, config, sample, { datasetName: 's.csv', cache });
  const second = await runTokenizerChecks(folder, config, sample, { datasetName: 's.csv', cache });
  assert.equal(first.countsCached, false);
  assert.equal(second.countsCached, true);
  assert.deepEqual(second.stats, first.stats);
  assert.deepEqual(second.findings, first.findings);
  assert.ok(first.stats.truncatedSamples > 0, 'max length 8 cuts some samples');
  // Without a cache: same stats, nothing said about the cache.
  const plain = await runTokenizerChecks(folder, config, sample, { datasetName: 's.csv' });
  assert.deepEqual(plain.stats, first.stats);
  assert.equal(plain.countsCached, undefined);
  // Other texts: a miss.
  const fewer = await readTextDataset(join(__dirname, '..', '..', 'fixtures', 'text', 'sentiment.csv'), { maxRows: 40, seed: 0, spec: { labelColumn: 'label' } });
  assert.equal((await runTokenizerChecks(folder, config, fewer, { datasetName: 's.csv', cache })).countsCached, false);
  // A changed tokenizer file (copy of the folder with another vocabulary size in the config): a miss.
  const copy = mkdtempSync(join(tmpdir(), 'tl-tokcopy-'));
  cpSync(folder, copy, { recursive: true });
  writeFileSync(join(copy, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 77 }));
  const other = await runTokenizerChecks(copy, config, sample, { datasetName: 's.csv', cache });
  assert.equal(other.countsCached, false);
});
