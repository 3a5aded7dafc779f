/**
 * The static tier on Hugging Face model folders and cache snapshots (src/node/resolve/hfModel.ts):
 * runnable folders resolve to 'hf-safetensors' without the old "cannot run here" warning; weights
 * never downloaded, shards absent, pytorch_model.bin only, an unsupported model_type, no
 * config.json, a damaged header or tokenizer.json each get one finding on the checkpoint key that
 * names the file and says what to do.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { staticCheck } from '../../../src/node/resolve/index';
import { architectureFor, supportedModelTypes } from '../../../src/node/hf/architectures/registry';

const MODELS = join(__dirname, '..', '..', 'fixtures', 'hf-models');
const VARIANTS = join(MODELS, 'variants');
const SHARDS = JSON.parse(readFileSync(join(VARIANTS, 'reference.json'), 'utf8')).shards as string[];
let scratch: string;

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'tl-hfresolve-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function copyOf(source: string, name: string, without: readonly string[] = [], extra: Record<string, string | Uint8Array> = {}): string {
  const folder = join(scratch, name);
  mkdirSync(folder, { recursive: true });
  for (const file of readdirSync(source, { withFileTypes: true })) {
    if (file.isFile() && !without.includes(file.name) && file.name !== 'reference.json') copyFileSync(join(source, file.name), join(folder, file.name));
  }
  for (const [file, content] of Object.entries(extra)) writeFileSync(join(folder, file), content);
  return folder;
}

async function checkModel(reference: string, extra = '') {
  const file = join(scratch, 'config.yaml');
  const text = `model_name_or_path: ${reference}\nlearning_rate: 1e-5\n${extra}`;
  const result = await staticCheck(text, file, { env: {}, home: '/nonexistent-home', hfHome: join(scratch, 'hf-home') });
  const checkpointFindings = result.findings.filter((f) => f.field === 'checkpoint');
  return { ...result, checkpointFindings, codes: checkpointFindings.map((f) => f.code) };
}

test('a runnable folder (config.json + safetensors, supported model_type) resolves to hf-safetensors with no finding', async () => {
  const { resolved, codes } = await checkModel(join(MODELS, 'vit'));
  assert.equal(resolved.checkpoint?.format, 'hf-safetensors');
  assert.equal(resolved.checkpoint?.hf?.modelType, 'vit');
  assert.ok((resolved.checkpoint?.hf?.parameters ?? 0) > 0);
  assert.deepEqual(codes, []);
  const sharded = await checkModel(join(VARIANTS, 'sharded'));
  assert.equal(sharded.resolved.checkpoint?.format, 'hf-safetensors');
  assert.ok(!sharded.checkpointFindings.some((f) => /cannot run here/.test(f.message)));
});

test('an unsupported model_type names it, lists the supported ones and the two ways out', async () => {
  const folder = copyOf(join(VARIANTS, 'f32'), 'made-up', ['config.json'], { 'config.json': JSON.stringify({ model_type: 'made_up_former', architectures: ['MadeUpModel'] }) });
  const { checkpointFindings, resolved } = await checkModel(folder);
  assert.equal(resolved.checkpoint?.format, 'hf-safetensors');
  assert.equal(checkpointFindings.length, 1);
  const f = checkpointFindings[0]!;
  assert.equal(f.code, 'checkpoint-unsupported');
  assert.match(f.message, /'made_up_former' model \(MadeUpModel\)/);
  assert.ok(f.message.includes(`supported model_type: ${supportedModelTypes().join(', ')}`), f.message);
  assert.match(f.message, /features_file: path\/to\/features\.npy/);
  assert.match(f.message, /optimum-cli export onnx --model ORG\/NAME out\//);
  // A features file replaces the run: nothing to say then.
  const withFeatures = await checkModel(folder, `features_file: ${join(scratch, 'absent.npy')}\n`);
  assert.ok(!withFeatures.findings.some((x) => x.code === 'checkpoint-unsupported'));
});

test('Hub cache: shards absent → checkpoint-missing listing them with the download command for that repo', async () => {
  const snapshot = join(scratch, 'hf-home', 'hub', 'models--acme--sharded', 'snapshots', 'abc');
  mkdirSync(snapshot, { recursive: true });
  for (const f of ['config.json', 'model.safetensors.index.json', SHARDS[0]!]) copyFileSync(join(VARIANTS, 'sharded', f), join(snapshot, f));
  const { resolved, checkpointFindings } = await checkModel('acme/sharded');
  assert.equal(resolved.checkpoint?.kind, 'hub-cache');
  assert.equal(resolved.checkpoint?.format, 'hf-no-weights');
  assert.deepEqual(checkpointFindings.map((f) => f.code), ['checkpoint-missing']);
  const message = checkpointFindings[0]!.message;
  assert.match(message, /acme\/sharded: model\.safetensors\.index\.json lists 3 weight shards but 2 are downloaded/);
  assert.ok(message.includes(`${SHARDS[1]}, ${SHARDS[2]}`));
  assert.match(message, /huggingface-cli download acme\/sharded --include "\*\.safetensors"/);
});

test('pytorch_model.bin only: runnable through the restricted reader; a pickle with code is refused, never run', async () => {
  const { resolved, codes } = await checkModel(join(VARIANTS, 'pytorch'));
  assert.equal(resolved.checkpoint?.format, 'hf-pytorch');
  assert.equal(resolved.checkpoint?.hf?.parameters, resolved.checkpoint?.hf?.dtypes?.F32);
  assert.deepEqual(codes, architectureFor('bert') ? [] : ['checkpoint-unsupported']);
  const folder = copyOf(join(VARIANTS, 'f32'), 'pt-evil', ['model.safetensors'], { 'pytorch_model.bin': "cos\nsystem\n(S'echo pwned'\ntR." });
  const evil = await checkModel(folder);
  assert.equal(evil.resolved.checkpoint?.format, 'hf-pytorch');
  assert.deepEqual(evil.codes, ['checkpoint-invalid']);
  assert.match(evil.checkpointFindings[0]!.message, /pt-evil\/pytorch_model\.bin: is not a zip archive .*never unpickles.*save_pretrained\('.*pt-evil-safetensors', safe_serialization=True\)/);
});

test('damage names the file: truncated safetensors, config.json without weights’ architecture, bad tokenizer.json', async () => {
  const good = readFileSync(join(VARIANTS, 'f32', 'model.safetensors'));
  const truncated = await checkModel(copyOf(join(VARIANTS, 'f32'), 'truncated', ['model.safetensors'], { 'model.safetensors': good.subarray(0, good.length - 64) }));
  assert.deepEqual(truncated.codes, ['checkpoint-invalid']);
  assert.match(truncated.checkpointFindings[0]!.message, /truncated\/model\.safetensors: needs \d+ bytes .* truncated/);
  const noConfig = await checkModel(copyOf(join(VARIANTS, 'f32'), 'no-config', ['config.json']));
  assert.equal(noConfig.resolved.checkpoint?.format, 'safetensors');
  assert.match(noConfig.checkpointFindings[0]!.message, /holds safetensors weights but no config\.json/);
  const tokenizer = await checkModel(copyOf(join(MODELS, 'vit'), 'bad-tokenizer', [], { 'tokenizer.json': '{"model": ' }));
  assert.deepEqual(tokenizer.codes, ['checkpoint-invalid']);
  assert.match(tokenizer.checkpointFindings[0]!.message, /bad-tokenizer\/tokenizer\.json: is not valid JSON/);
});

test('ONNX exports without weights resolve to hf-onnx (the ONNX engine runs them)', async () => {
  const { resolved, codes } = await checkModel(join(MODELS, 'onnx-only-bert'));
  assert.equal(resolved.checkpoint?.format, 'hf-onnx');
  assert.deepEqual(codes, []);
});

test('a config.json that disagrees with the weights is caught from the headers (parameters implied vs stored)', async () => {
  const config = JSON.parse(readFileSync(join(MODELS, 'vit', 'config.json'), 'utf8')) as Record<string, unknown>;
  const folder = copyOf(join(MODELS, 'vit'), 'vit-wrong-config', ['config.json'], { 'config.json': JSON.stringify({ ...config, hidden_size: 128, intermediate_size: 512 }) });
  const { codes, checkpointFindings } = await checkModel(folder);
  assert.deepEqual(codes, ['checkpoint-invalid']);
  assert.match(checkpointFindings[0]!.message, /vit-wrong-config\/config\.json disagrees with the weights: it describes a 'vit' model of about \d+ k parameters \(hidden_size 128, .*\), but the weight files hold \d+ k/);
  // The unchanged config passes (the ratio check has room for heads and buffers).
  assert.deepEqual((await checkModel(join(MODELS, 'vit'))).codes, []);
});

test('a reference to model.safetensors inside a model folder points the user at the folder', async () => {
  const { checkpointFindings } = await checkModel(join(VARIANTS, 'f32', 'model.safetensors'));
  assert.deepEqual(checkpointFindings.map((f) => f.code), ['checkpoint-unsupported']);
  assert.match(checkpointFindings[0]!.message, /model\.safetensors is one weight file of the Hugging Face model folder .*f32.*point model_name_or_path at the folder/);
});
