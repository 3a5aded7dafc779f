/**
 * Text configs end to end through the bundled CLI (issue #15), on committed fixtures: a Hugging
 * Face run_classification config with a BERT checkpoint folder (a verdict), an Axolotl chat config
 * and a LLaMA-Factory config with dataset_info.json alpaca + sharegpt (tokenizer findings, no
 * verdict), and bad input. Truncation counts are checked against token counts computed
 * independently in Python: chat data rendered with the chat template the trainer applies, as
 * `transformers`' apply_chat_template(tokenize=True) counts it (Axolotl, the llama-chat fixture's
 * Llama-3-style template) or as LLaMA-Factory's template.py encodes its `qwen` template
 * (scripts/hf-fixtures/chat_template_counts.py → test/fixtures/text/chat-template-counts.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const CONFIGS = join(ROOT, 'test', 'fixtures', 'text', 'configs');
const COUNTS = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'text', 'chat-template-counts.json'), 'utf8')) as Record<string, number[]>;

interface Finding { code: string; severity: string; message: string; field?: string; data?: Record<string, unknown>; range: { start: { line: number } } }

/** Runs `analyze --format json`; exit 2 is the CLI's code for invalid input (error findings on the data). */
function analyze(config: string, ...extra: string[]): { findings: Finding[]; analysis?: Record<string, any> } {
  assert.ok(existsSync(CLI), 'dist/cli.js missing: run `npm run build` first');
  const r = spawnSync(process.execPath, [CLI, 'analyze', config, '--format', 'json', '--fail-on', 'never', '--seed', '0', ...extra], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  assert.ok(r.status === 0 || r.status === 2, `exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function truncation(lengths: readonly number[], max: number): { samples: number; cut: number } {
  return { samples: lengths.filter((n) => n > max).length, cut: lengths.reduce((s, n) => s + Math.max(0, n - max), 0) };
}

test('run_classification on a text CSV with a BERT folder: a verdict, TF-IDF scratch arm, tokenizer findings', () => {
  const out = analyze(join(CONFIGS, 'classify.yaml'));
  const a = out.analysis;
  assert.ok(a, JSON.stringify(out.findings.map((f) => f.code)));
  assert.ok(['positive', 'negative', 'too-close'].includes(a.verdict));
  for (const key of ['gain', 'crossoverN', 'overlap', 'recommendation']) assert.ok(key in a, key);
  assert.equal(a.dataset.format, 'text');
  assert.equal(a.n, 200);
  assert.equal(a.checkpoint.format, 'hf-bert');
  assert.deepEqual(a.preprocessing.text.columns.text, ['text']);
  assert.equal(a.preprocessing.text.maxLength, 24);
  const ids = a.curves.curves.map((c: { id: string }) => c.id);
  assert.ok(ids.includes('transfer:linear-probe') && ids.includes('scratch'), ids.join());
  assert.match(a.curves.curves.find((c: { id: string }) => c.id === 'scratch').label, /TF-IDF/);
  // Two scratch arms (issue #15 item 2): the TF-IDF model and the checkpoint's architecture from
  // random initialisation, both in the curves; the gain is measured against the better at n.
  assert.ok(ids.includes('scratch-transformer'), ids.join());
  assert.ok(a.notes.some((n: string) => /Second scratch arm: the bert architecture trained from random initialisation/.test(n)));
  assert.ok(['scratch', 'scratch-transformer'].includes(a.scratchArm), a.scratchArm);
  for (const phase of ['tokenize', 'features', 'crossValidation']) assert.ok(typeof a.timings[phase] === 'number', phase);
  const truncated = out.findings.find((f) => f.code === 'sequence-truncated');
  assert.ok(truncated, 'max_seq_length 24 cuts these reviews');
  assert.equal(truncated.data?.maxLengthKey, 'max_seq_length');
  assert.equal(truncated.range.start.line, 6, 'on the max_seq_length key');
  assert.ok(!out.findings.some((f) => f.code === 'checkpoint-unsupported' || f.code === 'dataset-invalid'));
});

test('Axolotl chat config: truncation share equals independent counts of the rendered chat template; no verdict', () => {
  const out = analyze(join(CONFIGS, 'axolotl-chat.yml'));
  assert.ok(!out.analysis);
  // sequence_len 128: 44 of 50 rendered conversations are longer; the contents alone would give 40.
  const expected = truncation(COUNTS['llama-chat:chat.jsonl']!, 128);
  const f = out.findings.find((x) => x.code === 'sequence-truncated')!;
  assert.ok(f, JSON.stringify(out.findings.map((x) => x.code)));
  assert.equal(f.data?.truncatedSamples, expected.samples);
  assert.equal(f.data?.tokensCut, expected.cut);
  assert.equal(f.data?.truncatedShare, expected.samples / 50);
  assert.equal(f.data?.maxLengthKey, 'sequence_len');
  // Axolotl drops over-long samples by default (excess_length_strategy: drop): whole samples are lost.
  assert.equal(f.data?.overLength, 'drop');
  assert.equal(f.data?.tokensDropped, COUNTS['llama-chat:chat.jsonl']!.filter((n) => n > 128).reduce((s, n) => s + n, 0));
  assert.match(String(f.data?.chatTemplate), /the tokenizer's chat_template \(chat_template\.jinja\)/);
  assert.ok(!out.findings.some((x) => x.code === 'chat-template-missing' || x.code === 'chat-template-invalid'));
  assert.equal(out.findings.filter((x) => x.code === 'generative-no-verdict').length, 1);
});

test('Axolotl chat_template on sharegpt-style messages without message_property_mappings: one error naming the rows and the mapping to add; with the mapping, none', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-axolotl-fields-'));
  const chatRows = readFileSync(join(ROOT, 'test', 'fixtures', 'text', 'chat.jsonl'), 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'sg.jsonl'), chatRows.map((line) => JSON.stringify({ conversations: (JSON.parse(line).messages as { role: string; content: string }[]).map((m) => ({ from: m.role === 'user' ? 'human' : 'gpt', value: m.content })) })).join('\n') + '\n');
  const qwen = join(ROOT, 'test', 'fixtures', 'hf-models', 'qwen2');
  const yaml = (mapping: string) => `base_model: ${qwen}\nsequence_len: 256\ndatasets:\n  - path: ${join(dir, 'sg.jsonl')}\n    type: chat_template\n    field_messages: conversations\n${mapping}`;
  writeFileSync(join(dir, 'ax.yml'), yaml(''));
  const unmapped = analyze(join(dir, 'ax.yml')).findings.filter((f) => f.code === 'dataset-invalid');
  assert.equal(unmapped.length, 1);
  assert.equal(unmapped[0]!.severity, 'error');
  assert.match(unmapped[0]!.message, /50 of the 50 sampled rows .* have messages in fields the trainer does not read/);
  assert.equal(unmapped[0]!.message.match(/Map them/g)?.length, 1, 'the fix is said once');
  writeFileSync(join(dir, 'ax.yml'), yaml('    message_property_mappings:\n      role: from\n      content: value\n'));
  assert.ok(!analyze(join(dir, 'ax.yml')).findings.some((f) => f.code === 'dataset-invalid'));
});

test('Axolotl with two datasets: each is read and rendered with its own type, field_messages and chat_template (not the first one\'s)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-axolotl-two-'));
  const chatRows = readFileSync(join(ROOT, 'test', 'fixtures', 'text', 'chat.jsonl'), 'utf8').trim().split('\n');
  // The same conversations under another field name, for the second dataset.
  writeFileSync(join(dir, 'conv.jsonl'), chatRows.map((line) => JSON.stringify({ conversation: JSON.parse(line).messages })).join('\n') + '\n');
  const llama = join(ROOT, 'test', 'fixtures', 'hf-models', 'llama');
  writeFileSync(join(dir, 'ax.yml'), `base_model: ${llama}\nsequence_len: 300\ndatasets:\n  - path: ${join(ROOT, 'test', 'fixtures', 'text', 'chat.jsonl')}\n    type: chat_template\n    chat_template: chatml\n  - path: ${join(dir, 'conv.jsonl')}\n    type: chat_template\n    field_messages: conversation\n    chat_template: chatml\n`);
  const out = analyze(join(dir, 'ax.yml'));
  assert.ok(!out.analysis);
  const want = truncation(COUNTS['axolotl-chatml:llama:chat.jsonl']!, 300);
  const truncated = out.findings.filter((f) => f.code === 'sequence-truncated');
  assert.equal(truncated.length, 2, JSON.stringify(out.findings.map((f) => [f.code, f.message.slice(0, 120)])));
  for (const f of truncated) {
    assert.deepEqual([f.data?.truncatedSamples, f.data?.tokensCut], [want.samples, want.cut]);
    assert.match(String(f.data?.chatTemplate), /Axolotl's built-in 'chatml'/);
  }
  assert.ok(!out.findings.some((f) => f.code === 'dataset-invalid' || f.code === 'chat-template-missing'), JSON.stringify(out.findings.map((f) => f.message.slice(0, 160))));
});

test('LLaMA-Factory dataset_info.json (alpaca + sharegpt): cutoff_len truncation per dataset against independent counts', () => {
  const out = analyze(join(CONFIGS, 'llamafactory.yaml'));
  assert.ok(!out.analysis);
  assert.ok(!out.findings.some((x) => x.code === 'dataset-unsupported'), 'JSON arrays are read');
  const truncated = out.findings.filter((x) => x.code === 'sequence-truncated');
  assert.equal(truncated.length, 2);
  // template: qwen — every record goes through LLaMA-Factory's qwen slots (default system prompt included).
  const alpaca = truncation(COUNTS['llamafactory-qwen:alpaca:qwen2']!, 64);
  const sharegpt = truncation(COUNTS['llamafactory-qwen:sharegpt:qwen2']!, 64);
  assert.deepEqual(truncated.map((f) => [f.data?.truncatedSamples, f.data?.tokensCut]), [[alpaca.samples, alpaca.cut], [sharegpt.samples, sharegpt.cut]]);
  for (const f of truncated) assert.match(String(f.data?.chatTemplate), /LLaMA-Factory's 'qwen' template/);
  assert.ok(!out.findings.some((x) => x.code === 'chat-template-missing'), 'template: qwen is set');
  assert.equal(out.findings.filter((x) => x.code === 'generative-no-verdict').length, 1);
});

test('bad input: empty, over-long and single-class text data become findings naming the file and row', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-text-cli-'));
  const bert = join(ROOT, 'test', 'fixtures', 'hf-models', 'bert');
  writeFileSync(join(dir, 'bad.yaml'), `model_name_or_path: ${bert}\ntrain_file: ${join(ROOT, 'test', 'fixtures', 'text', 'bad.csv')}\ntext_column_names: text\nmax_seq_length: 32\n`);
  const bad = analyze(join(dir, 'bad.yaml'), '--max-samples', '40');
  const problems = bad.findings.filter((f) => f.code === 'dataset-invalid');
  assert.ok(problems.some((f) => /bad\.csv: row 4: 'text' is empty/.test(f.message)), JSON.stringify(problems));
  assert.ok(problems.some((f) => /bad\.csv: row 12: 'text' has 199,999 characters/.test(f.message)));
  // A 10 MB document in one CSV cell (quoted): read, cut to the text limit, reported on its row.
  const big = join(dir, 'big.csv');
  writeFileSync(big, 'text,label\n' + Array.from({ length: 30 }, (_, i) => (i === 6 ? `"${'word '.repeat(2_000_000)}",pos` : `review ${i} good,${i % 2 ? 'pos' : 'neg'}`)).join('\n') + '\n');
  writeFileSync(join(dir, 'big.yaml'), `model_name_or_path: ${bert}\ntrain_file: ${big}\ntext_column_names: text\nmax_seq_length: 32\n`);
  const huge = analyze(join(dir, 'big.yaml'), '--backend', 'cpu');
  assert.ok(huge.findings.some((f) => f.code === 'dataset-invalid' && f.severity === 'warning' && /big\.csv: row 8: 'text' has 10,000,000 characters; only the first 100,000 were used/.test(f.message)), JSON.stringify(huge.findings.map((f) => f.message)));
  assert.ok(huge.analysis, 'the analysis goes on with the cut cell');
  const one = join(dir, 'one.csv');
  writeFileSync(one, 'text,label\n' + Array.from({ length: 30 }, (_, i) => `review ${i},pos`).join('\n') + '\n');
  writeFileSync(join(dir, 'one.yaml'), `model_name_or_path: ${bert}\ntrain_file: ${one}\ntext_column_names: text\n`);
  const single = analyze(join(dir, 'one.yaml'));
  assert.ok(single.findings.some((f) => f.code === 'single-class' && /one\.csv/.test(f.message)));
  writeFileSync(join(dir, 'pair.yaml'), `model_name_or_path: ${bert}\ntrain_file: ${join(ROOT, 'test', 'fixtures', 'text', 'sentiment.csv')}\nsentence1_key: text\nsentence2_key: hypothesis\n`);
  const pair = analyze(join(dir, 'pair.yaml'));
  assert.ok(pair.findings.some((f) => f.code === 'dataset-invalid' && /sentiment\.csv: there is no second sentence column 'hypothesis'/.test(f.message)));
});

test('examples/text: the verdict agrees with the measured truth stored beside it (examples/text/truth.json)', () => {
  const truth = JSON.parse(readFileSync(join(ROOT, 'examples', 'text', 'truth.json'), 'utf8')) as { verdict: string; n: number; gain: number };
  const out = analyze(join(ROOT, 'examples', 'text', 'config.yaml'));
  assert.ok(out.analysis, JSON.stringify(out.findings.map((f) => f.code)));
  assert.equal(out.analysis.n, truth.n);
  assert.equal(out.analysis.verdict, truth.verdict, `tool gain ${JSON.stringify(out.analysis.gain)}, truth gain ${truth.gain}`);
});
