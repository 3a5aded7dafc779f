/**
 * Reference resolution and static checks on the fixture configs: findings on the right file and
 * line, offline Hugging Face cache lookups (present and absent), LLaMA-Factory dataset names,
 * environment variables, the workspace boundary, and precomputed features.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { staticCheck, type StaticCheckOptions } from '../../../src/node/resolve/index';
import { writeNpy } from '../../../src/core/formats/npy';
import { FIXTURES, HF_HOME, fixture } from '../config/helpers';

const base: StaticCheckOptions = { workspaceRoot: FIXTURES, env: {}, hfHome: HF_HOME, home: '/nonexistent-home' };

async function check(relativePath: string, options: StaticCheckOptions = base, text?: string) {
  const f = fixture(relativePath);
  const result = await staticCheck(text ?? f.text, f.file, options);
  return { ...result, file: f.file, text: text ?? f.text };
}

/** Zero-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const line = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `test bug: '${needle}' not in text`);
  return line;
}

function codesAt(findings: readonly { code: string; range: { start: { line: number } } }[]): string[] {
  return findings.map((f) => `${f.code}@${f.range.start.line}`).sort();
}

test('our example vocabulary resolves cleanly: no findings, formats and header facts known', async () => {
  const { findings, resolved } = await check('huggingface/run.yaml');
  assert.deepEqual(findings, []);
  assert.equal(resolved.checkpoint?.format, 'tfjs-layers');
  assert.equal(resolved.checkpoint?.path, join(FIXTURES, 'models/mlp/model.json'));
  assert.deepEqual(resolved.checkpoint?.shape, [null, 4]);
  assert.equal(resolved.dataset?.format, 'csv');
  assert.equal(resolved.dataset?.rows, 120);
  assert.deepEqual(resolved.dataset?.columns, ['x1', 'x2', 'x3', 'x4', 'label']);
  assert.equal(resolved.validation?.rows, 30);
});

test('every static check lands on its exact key line', async () => {
  const { findings, text } = await check('huggingface/problems.yaml');
  assert.deepEqual(codesAt(findings), [
    `config-invalid-value@${lineOf(text, 'num_train_epochs')}`,
    `dataset-too-small@${lineOf(text, 'max_train_samples')}`,
    `label-column-missing@${lineOf(text, 'label_column_name')}`,
    `suspicious-learning-rate@${lineOf(text, 'learning_rate')}`,
  ].sort());
  const tooSmall = findings.find((f) => f.code === 'dataset-too-small')!;
  assert.match(tooSmall.message, /max_train_samples is 5000 but wide\.csv has 20 rows/);
  assert.equal(tooSmall.data?.suggestedValue, 20);
  // With the label column fixed, the width check speaks (6 features vs the checkpoint's 4).
  const fixed = await check('huggingface/problems.yaml', base, text.replace('label_column_name: target', 'label_column_name: label'));
  const shape = fixed.findings.find((f) => f.code === 'shape-mismatch')!;
  assert.equal(shape.range.start.line, lineOf(text, 'model_name_or_path'));
  assert.match(shape.message, /expects 4 input features but wide\.csv has 6 feature columns/);
  const label = findings.find((f) => f.code === 'label-column-missing')!;
  assert.match(label.message, /Column 'target' is not in wide\.csv \(columns: x1, x2, x3, x4, x5, x6, label\)/);
});

test('a Hub ID present in the fixture cache resolves offline (refs/main → snapshot)', async () => {
  const { findings, resolved } = await check('axolotl/qlora.yml');
  // The second datasets[] item is a Hub dataset that is not cached: the only finding, on that item.
  assert.deepEqual(findings.map((f) => [f.code, f.data?.datasetIndex]), [['dataset-missing', 1]]);
  assert.equal(resolved.checkpoint?.kind, 'hub-cache');
  assert.equal(resolved.checkpoint?.hubId, 'org/name');
  assert.equal(resolved.checkpoint?.format, 'tfjs-layers');
  assert.match(resolved.checkpoint!.path, /hf-cache\/hub\/models--org--name\/snapshots\/3f1c0ffee0+1\/model\.json$/);
  // Same through $HF_HOME and $HF_HUB_CACHE instead of the option.
  const viaEnv = await check('axolotl/qlora.yml', { ...base, hfHome: undefined, env: { HF_HOME: HF_HOME } });
  assert.equal(viaEnv.resolved.checkpoint?.kind, 'hub-cache');
  const viaHubCache = await check('axolotl/qlora.yml', { ...base, hfHome: undefined, env: { HF_HUB_CACHE: join(HF_HOME, 'hub') } });
  assert.equal(viaHubCache.resolved.checkpoint?.kind, 'hub-cache');
});

test('an absent Hub ID gives a clear checkpoint-missing finding on the value, naming the cache folder', async () => {
  const { findings, text } = await check('huggingface/trl_qlora.yaml');
  const missing = findings.find((f) => f.code === 'checkpoint-missing');
  assert.ok(missing);
  assert.equal(missing.range.start.line, lineOf(text, 'model_name_or_path'));
  assert.equal(missing.range.start.character, text.split('\n')[missing.range.start.line]!.indexOf('org/missing-model'));
  assert.match(missing.message, /'org\/missing-model' is not a local path and is not in the local Hugging Face cache/);
  assert.match(missing.message, /models--org--missing-model/);
  assert.match(missing.message, /huggingface-cli download org\/missing-model/);
  // And the QLoRA learning rate is flagged.
  assert.ok(findings.some((f) => f.code === 'suspicious-learning-rate' && f.range.start.line === lineOf(text, 'learning_rate')));
});

test('a local path that does not exist says where it looked', async () => {
  const { findings, text } = await check('axolotl/full.yml');
  const missing = findings.find((f) => f.code === 'checkpoint-missing')!;
  assert.equal(missing.range.start.line, lineOf(text, 'base_model'));
  assert.match(missing.message, /base_model: '\.\/models\/missing-model' does not exist \(looked for .*configs\/models\/missing-model/);
});

test('LLaMA-Factory dataset names go through dataset_info.json; unknown names list the defined ones', async () => {
  const ok = await check('llama-factory/freeze.yaml');
  assert.equal(ok.resolved.dataset?.path, join(FIXTURES, 'data/train.csv'));
  // other_demo's file_name (other.json) is absent: a finding on that name; max_samples is checked against tabular_demo.
  assert.deepEqual(codesAt(ok.findings), [`dataset-missing@${lineOf(ok.text, 'dataset:')}`, `dataset-too-small@${lineOf(ok.text, 'max_samples')}`]);
  const bad = await check('llama-factory/lora_unknown.yaml');
  const missing = bad.findings.find((f) => f.code === 'dataset-missing')!;
  assert.equal(missing.range.start.line, lineOf(bad.text, 'dataset:'));
  assert.match(missing.message, /Dataset 'not_registered' is not defined in .*dataset_info\.json \(defined: tabular_demo, other_demo\)/);
});

test('Hydra: findings point into the included group file', async () => {
  const { findings } = await check('hydra/conf/train.yaml');
  assert.equal(findings.length, 1);
  const data = fixture('hydra/conf/data/tabular.yaml');
  assert.equal(findings[0]!.code, 'dataset-too-small');
  assert.equal(findings[0]!.file, data.file);
  assert.equal(findings[0]!.range.start.line, lineOf(data.text, 'max_train_samples'));
});

test('unsupported checkpoints say exactly what to do; a features file replaces the checkpoint run', async () => {
  const tune = await check('torchtune/lora_finetune.yaml');
  const unsupported = tune.findings.find((f) => f.code === 'checkpoint-unsupported')!;
  assert.equal(unsupported.range.start.line, lineOf(tune.text, 'checkpoint_dir'));
  assert.match(unsupported.message, /features_file: path\/to\/features\.npy/);
  const yolo = await check('ultralytics/train.yaml');
  assert.match(yolo.findings.find((f) => f.code === 'checkpoint-unsupported')!.message, /yolov8n-cls\.pt is a PyTorch checkpoint/);
  assert.equal(yolo.resolved.dataset?.format, 'image-folder');
  assert.equal(yolo.resolved.dataset?.rows, 6);
  assert.deepEqual(yolo.resolved.dataset?.columns, ['circle', 'square']);

  const folder = mkdtempSync(join(tmpdir(), 'tl-features-'));
  try {
    writeFileSync(join(folder, 'features.npy'), writeNpy({ shape: [40, 3], dtype: 'float32', data: new Float32Array(120) }));
    writeFileSync(join(folder, 'short.npy'), writeNpy({ shape: [39, 3], dtype: 'float32', data: new Float32Array(117) }));
    const withFeatures = `# transferlens: disable=path-outside-workspace\n${tune.text}\nfeatures_file: ${join(folder, 'features.npy')}\n`;
    const good = await check('torchtune/lora_finetune.yaml', base, withFeatures);
    assert.deepEqual(good.findings, []);
    assert.deepEqual(good.resolved.features?.shape, [40, 3]);
    const short = await check('torchtune/lora_finetune.yaml', base, withFeatures.replace('features.npy', 'short.npy'));
    assert.deepEqual(short.findings.map((f) => f.code), ['shape-mismatch']);
    assert.match(short.findings[0]!.message, /39 rows but train\.jsonl has 40/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('paths outside the workspace warn unless disabled; environment variables expand', async () => {
  const narrow = { ...base, workspaceRoot: join(FIXTURES, 'huggingface') };
  const { findings } = await check('huggingface/run.yaml', narrow);
  assert.deepEqual(findings.map((f) => f.code), ['path-outside-workspace', 'path-outside-workspace', 'path-outside-workspace']);
  const json = await check('huggingface/run.json', narrow);
  assert.ok(!json.findings.some((f) => f.code === 'path-outside-workspace'));

  const text = 'model_name_or_path: ${MODELS}/mlp\ntrain_file: $DATA/train.csv\nvalidation_file: ${oc.env:NOPE}/v.csv\n';
  const env = await check('huggingface/run.yaml', { ...base, env: { MODELS: join(FIXTURES, 'models'), DATA: join(FIXTURES, 'data') } }, text);
  assert.equal(env.resolved.checkpoint?.format, 'tfjs-layers');
  assert.equal(env.resolved.dataset?.rows, 120);
  assert.deepEqual(env.findings.map((f) => `${f.code}@${f.range.start.line}`), ['config-invalid-value@2']);
  assert.match(env.findings[0]!.message, /Environment variable NOPE is not set/);
});

test('suppressed codes are filtered, syntax errors never are', async () => {
  const text = readFileSync(join(FIXTURES, 'huggingface/problems.yaml'), 'utf8');
  const { findings } = await check('huggingface/problems.yaml', base, `# transferlens: disable=dataset-too-small,label-column-missing\n${text}`);
  assert.ok(!findings.some((f) => f.code === 'dataset-too-small' || f.code === 'label-column-missing'));
  assert.ok(findings.some((f) => f.code === 'suspicious-learning-rate'));
  const broken = await check('huggingface/broken.yaml', base, `# transferlens: disable=config-syntax\n${fixture('huggingface/broken.yaml').text}`);
  assert.equal(broken.findings[0]?.code, 'config-syntax');
});

test('hub cache without refs/main falls back to the snapshot present', async () => {
  const home = mkdtempSync(join(tmpdir(), 'tl-hf-'));
  try {
    const snapshot = join(home, 'hub', 'models--acme--tiny', 'snapshots', 'abc123');
    mkdirSync(snapshot, { recursive: true });
    // Only config.json was fetched: found, and told apart from a snapshot with weights.
    writeFileSync(join(snapshot, 'config.json'), '{"model_type": "bert", "architectures": ["BertModel"]}');
    const { resolved, findings } = await check('huggingface/run.yaml', { ...base, hfHome: home }, 'model_name_or_path: acme/tiny\nlearning_rate: 1e-5\n');
    assert.equal(resolved.checkpoint?.kind, 'hub-cache');
    assert.equal(resolved.checkpoint?.format, 'hf-no-weights');
    assert.deepEqual(findings.map((f) => f.code), ['checkpoint-missing']);
    assert.match(findings[0]!.message, /acme\/tiny holds only config\.json .*never downloaded.*huggingface-cli download acme\/tiny --include "\*\.safetensors"/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
