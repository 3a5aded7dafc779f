/**
 * The fine-tuned text arm (src/node/textFineTune.ts): the encoder of scratchTransformer.ts started
 * from a checkpoint's weights computes, before any training, what transformers computes for that
 * checkpoint — the pooled outputs (cls, mean, pooler) of the reference batches
 * scripts/hf-fixtures/make_text_encoders.py saved, for bert (sentence pairs: token types as a
 * segment table), roberta (padding-offset positions, gelu_new), xlm-roberta (one token type folded
 * into the positions) and distilbert (other tensor names, no token types) — at the parity tests'
 * tolerance; a wrong activation or a dropped token-type row fails it. Fine-tuning then learns a
 * marker-token task; the config's recipe (epochs × steps, batch) is what a fit runs; the families
 * it cannot simulate, the cpu backend and a fit over the FLOP budget are declined with the reason.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { initBackend } from '../../../src/node/backend';
import { makeTarget, oneHot, perSampleLoss } from '../../../src/core/analysis/learners';
import { createRandom } from '../../../src/core/formats/random';
import { pretrainedEncode, remapTokens, scheduleFactor, scratchTransformerLearner, type TokenPooling } from '../../../src/node/scratchTransformer';
import { fineTuneRecipe, fineTuneShape, fineTuneUnsupported, loadPretrainedWeights, scheduleOf, textFullFineTune, TRAINER_DEFAULTS } from '../../../src/node/textFineTune';
import { readConfig } from '../../../src/core/config/index';
import { readJson, excess, type Values } from '../hf/parity';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'hf-models');
const RTOL = 1e-4;
const ATOL = 1e-5;

interface Reference {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][];
  pooled: Record<string, Values>;
}

before(async () => {
  const info = await initBackend('wasm');
  assert.equal(info.name, 'wasm');
});

/** The reference batch as per-row encodings (padding dropped: the encoder pads per batch itself). */
function encodings(ref: Reference): { ids: number[]; typeIds?: number[] }[] {
  return ref.input_ids.map((row, r) => {
    const keep = row.map((_, i) => ref.attention_mask[r]![i] === 1);
    const ids = row.filter((_, i) => keep[i]);
    const types = ref.token_type_ids?.[r]?.filter((_, i) => keep[i]);
    return types ? { ids, typeIds: types } : { ids };
  });
}

async function pooledExcess(folder: string, pooling: TokenPooling, override?: (config: Record<string, unknown>) => Record<string, unknown>): Promise<number> {
  const ref = readJson<Reference>(join(FIXTURES, folder, 'reference.json'));
  let config = readJson<Record<string, unknown>>(join(FIXTURES, folder, 'config.json'));
  if (override) config = override(config);
  const shape = fineTuneShape(config)!;
  const tokens = remapTokens(encodings(ref));
  const weights = await loadPretrainedWeights(join(FIXTURES, folder), config, shape, tokens, pooling === 'pooler');
  const out = await pretrainedEncode(shape, tokens, weights, Int32Array.from(ref.input_ids.keys()), pooling);
  return excess(out, ref.pooled[pooling === 'pooler' ? 'pooler' : pooling]!, RTOL, ATOL).excess;
}

for (const [folder, poolings] of [
  ['bert', ['cls', 'mean', 'pooler']],
  ['roberta', ['cls', 'mean', 'pooler']],
  ['xlm-roberta', ['cls', 'mean']],
  ['distilbert', ['cls', 'mean']],
] as const) {
  test(`${folder}: the pretrained-initialised encoder reproduces transformers' pooled outputs (${poolings.join(', ')})`, async () => {
    const config = readJson<Record<string, unknown>>(join(FIXTURES, folder, 'config.json'));
    assert.equal(fineTuneUnsupported(config), undefined);
    for (const pooling of poolings) {
      const e = await pooledExcess(folder, pooling as TokenPooling);
      assert.ok(e <= 0, `${folder} ${pooling}: outside atol ${ATOL} + rtol ${RTOL} (excess ${e})`);
    }
  });
}

test('the parity can fail: gelu instead of RoBERTa\'s gelu_new, or BERT without its token types', async () => {
  assert.ok((await pooledExcess('roberta', 'mean', (c) => ({ ...c, hidden_act: 'gelu' }))) > 0);
  // type_vocab_size 0 reads no token-type table: BERT's type-0 row is then missing from every token.
  assert.ok((await pooledExcess('bert', 'mean', (c) => ({ ...c, model_type: 'distilbert', activation: 'gelu', type_vocab_size: 0 })).catch(() => 1)) > 0);
});

/** The fixture BERT, its config and encoder shape, and a balanced two-class target of `rows` rows. */
function bertFixture(rows: number) {
  const folder = join(FIXTURES, 'bert');
  const config = readJson<Record<string, unknown>>(join(folder, 'config.json'));
  const classes = Int32Array.from({ length: rows }, (_, i) => i % 2);
  return { folder, config, shape: fineTuneShape(config)!, classes, target: makeTarget('classification', oneHot(classes, 2), classes, 2) };
}

test('fine-tuning from the pretrained weights learns a marker-token task; the fit runs the configured epochs × steps', async () => {
  const folder = join(FIXTURES, 'bert');
  const config = readJson<Record<string, unknown>>(join(folder, 'config.json'));
  const shape = fineTuneShape(config)!;
  const random = createRandom(4);
  const n = 200;
  const classes = Int32Array.from({ length: n }, (_, i) => i % 2);
  const texts = Array.from({ length: n }, (_, i) => {
    const body = Array.from({ length: 6 + random.nextInt(4) }, () => 100 + random.nextInt(60));
    body.splice(random.nextInt(body.length + 1), 0, classes[i] ? 20 : 21);
    return { ids: [2, ...body, 3] };
  });
  const tokens = remapTokens(texts);
  const target = makeTarget('classification', oneHot(classes, 2), classes, 2);
  const recipe = fineTuneRecipe({ learningRate: 2e-3, epochs: 12, batchSize: 16 }, 0.1);
  const learner = scratchTransformerLearner(tokens, target, {
    id: 'transfer:full', shape, seed: 1, recipe, pooling: 'mean',
    pretrained: () => loadPretrainedWeights(folder, config, shape, tokens, false),
  });
  const train = Int32Array.from({ length: 140 }, (_, i) => i);
  const test_ = Int32Array.from({ length: n - 140 }, (_, i) => 140 + i);
  const predictions = await learner.fitPredict(train, test_);
  const losses = perSampleLoss(target, test_, predictions);
  const error = losses.reduce((a, b) => a + b, 0) / losses.length;
  assert.ok(error <= 0.15, `error ${error}`);
  // No inner validation split: all 140 rows train, 9 steps per epoch × 12 epochs.
  assert.equal(learner.fits[0]!.steps, 12 * Math.ceil(140 / 16));
});

test('partial freeze trains only the top blocks and the head: the arm is transfer:partial-freeze', async () => {
  const { folder, config, shape, target } = bertFixture(40);
  const tokens = remapTokens(Array.from({ length: 40 }, (_, i) => ({ ids: [2, 10 + (i % 50), 11 + (i % 7), 3] })));
  const recipe = fineTuneRecipe({ epochs: 1 }, 0.1);
  const fit = async (trainableFromBlock?: number) => {
    const learner = scratchTransformerLearner(tokens, target, { id: 'x', shape, seed: 0, recipe, pretrained: () => loadPretrainedWeights(folder, config, shape, tokens, false), ...(trainableFromBlock !== undefined ? { trainableFromBlock } : {}) });
    await learner.fitPredict(Int32Array.from({ length: 30 }, (_, i) => i), Int32Array.from({ length: 10 }, (_, i) => 30 + i));
    return learner.fits[0]!.trainedParameters;
  };
  const h = shape.hidden;
  const block = 4 * h * h + 4 * h + 2 * h * shape.intermediate + shape.intermediate + h + 4 * h;
  const head = h * 2 + 2;
  assert.equal(await fit(1), block + head, 'the top block and the head');
  assert.equal(await fit(2), head, 'only the head');
  assert.ok((await fit()) > 2 * block + head, 'everything, embeddings included');
  const arm = await textFullFineTune({
    backend: 'wasm', modelType: 'bert', folder, target, trainRows: 40, seed: 0, pooling: 'mean', settings: {}, identity: 'x', trainableTop: 1,
    tokens: () => remapTokens(Array.from({ length: 40 }, (_, i) => ({ ids: [2, 10 + (i % 50), 3] }))),
  });
  assert.equal(arm.learner?.id, 'transfer:partial-freeze');
  assert.match(arm.note, /the top 1 of its 2 blocks trainable, the embeddings and lower blocks frozen/);
});

test('the recipe follows the config, with transformers\' defaults for what it leaves out', () => {
  const r = fineTuneRecipe({}, 0.1);
  assert.equal(r.learningRate, TRAINER_DEFAULTS.learningRate);
  assert.equal(r.fixedEpochs, TRAINER_DEFAULTS.epochs);
  assert.equal(r.batchSize, TRAINER_DEFAULTS.batchSize);
  assert.equal(r.weightDecay, 0);
  assert.equal(r.decayFloor, 0);
  const set = fineTuneRecipe({ learningRate: 3e-4, epochs: 2.5, batchSize: 16, weightDecay: 0.01 }, 0.2);
  assert.deepEqual([set.learningRate, set.fixedEpochs, set.batchSize, set.weightDecay, set.dropout], [3e-4, 2.5, 16, 0.01, 0.2]);
});

test('schedules are transformers\' lr_lambda: warm-up from 0, then linear / cosine decay to 0, or constant', () => {
  // get_linear_schedule_with_warmup(warmup 2, total 10): 0, 0.5, then (10 − c) / 8.
  assert.deepEqual([0, 1, 2, 6, 10].map((c) => scheduleFactor('linear', c, 2, 10)), [0, 0.5, 1, 0.5, 0]);
  assert.ok(Math.abs(scheduleFactor('cosine', 6, 2, 10) - 0.5) < 1e-12);
  assert.equal(scheduleFactor('cosine', 10, 2, 10), 0);
  assert.equal(scheduleFactor('constant', 9, 2, 10), 1);
  assert.equal(scheduleFactor('linear', 0, 0, 10), 1, 'no warm-up: the first step at the full rate');
  assert.deepEqual(scheduleOf(undefined), { schedule: 'linear', exact: true });
  assert.deepEqual(scheduleOf('constant_with_warmup'), { schedule: 'constant', exact: true });
  assert.deepEqual(scheduleOf('cosine_with_restarts'), { schedule: 'cosine', exact: false });
  assert.deepEqual(scheduleOf('inverse_sqrt'), { schedule: 'linear', exact: false });
  const r = fineTuneRecipe({ lrScheduler: 'cosine', warmupRatio: 0.1 }, 0.1);
  assert.deepEqual([r.schedule, r.warmupShare, r.warmupSteps], ['cosine', 0.1, undefined]);
  assert.equal(fineTuneRecipe({ warmupSteps: 30 }, 0.1).warmupSteps, 30);
  // gradient_accumulation_steps multiplies the batch; max_steps > 0 overrides the epochs (≤ 0: by epochs).
  assert.equal(fineTuneRecipe({ batchSize: 8, gradientAccumulation: 4 }, 0.1).batchSize, 32);
  assert.equal(fineTuneRecipe({ maxSteps: 40 }, 0.1).fixedSteps, 40);
  assert.equal(fineTuneRecipe({ maxSteps: -1 }, 0.1).fixedSteps, undefined);
});

test('max_steps sets the optimiser steps of a fit whatever the epochs', async () => {
  const { folder, config, shape, target } = bertFixture(40);
  const tokens = remapTokens(Array.from({ length: 40 }, (_, i) => ({ ids: [2, 10 + (i % 50), 3] })));
  const learner = scratchTransformerLearner(tokens, target, { id: 'x', shape, seed: 0, recipe: fineTuneRecipe({ maxSteps: 7, epochs: 50, batchSize: 4 }, 0.1), pretrained: () => loadPretrainedWeights(folder, config, shape, tokens, false) });
  const messages: string[] = [];
  await learner.fitPredict(Int32Array.from({ length: 30 }, (_, i) => i), Int32Array.from({ length: 10 }, (_, i) => 30 + i), { onProgress: (e) => messages.push(e.message) });
  assert.equal(learner.fits[0]!.steps, 7);
  // 30 rows in batches of 4: 8 steps per epoch, so the 7 steps are one epoch, reported as it starts.
  assert.deepEqual(messages, ['fine-tuning the checkpoint on 30 rows: epoch 1 of 1']);
});

test('the recipe keys are read from Hugging Face and LLaMA-Factory configs, with findings on bad values', () => {
  const hf = readConfig('model_name_or_path: m\ntrain_file: t.csv\nlearning_rate: 3e-4\nper_device_train_batch_size: 16\nweight_decay: 0.01\nlr_scheduler_type: cosine\nwarmup_ratio: 0.1\nwarmup_steps: 20\nmax_steps: 300\ngradient_accumulation_steps: 4\n', 'train.yaml');
  assert.ok(hf.config);
  assert.deepEqual([hf.config.batchSize?.value, hf.config.weightDecay?.value, hf.config.lrScheduler?.value, hf.config.warmupRatio?.value, hf.config.warmupSteps?.value, hf.config.maxSteps?.value, hf.config.gradientAccumulation?.value], [16, 0.01, 'cosine', 0.1, 20, 300, 4]);
  const bad = readConfig('model_name_or_path: m\ntrain_file: t.csv\nper_device_train_batch_size: 0\nwarmup_ratio: 1.5\n', 'train.yaml');
  assert.ok(bad.problems.some((f) => f.code === 'config-invalid-value' && /per_device_train_batch_size/.test(f.message)), bad.problems.map((f) => f.message).join('\n'));
  assert.ok(bad.problems.some((f) => f.code === 'config-invalid-value' && /warmup_ratio/.test(f.message)));
});

test('families and settings it cannot simulate are declined with the reason; so are the cpu backend and a fit over budget', async () => {
  assert.match(fineTuneUnsupported({ model_type: 'gpt2', n_embd: 32, n_layer: 2, n_head: 2 })!, /BERT-like/);
  assert.match(fineTuneUnsupported({ model_type: 'electra', hidden_size: 32, embedding_size: 24, hidden_act: 'gelu' })!, /projected/);
  assert.match(fineTuneUnsupported({ model_type: 'bert', hidden_act: 'relu' })!, /activation/);
  assert.match(fineTuneUnsupported({ model_type: 'bert', position_embedding_type: 'relative_key' })!, /position_embedding_type/);
  const folder = join(FIXTURES, 'bert');
  const classes = Int32Array.from({ length: 40 }, (_, i) => i % 2);
  const common = {
    modelType: 'bert', folder, target: makeTarget('classification', oneHot(classes, 2), classes, 2), trainRows: 40, seed: 0, pooling: 'pooler' as const,
    settings: { epochs: 3 }, identity: 'x', tokens: () => remapTokens(Array.from({ length: 40 }, (_, i) => ({ ids: [2, 10 + (i % 50), 3] }))),
  };
  const cpu = await textFullFineTune({ ...common, backend: 'cpu' });
  assert.equal(cpu.learner, undefined);
  assert.match(cpu.note, /cpu/);
  const over = await textFullFineTune({ ...common, backend: 'wasm', budget: 1 });
  assert.equal(over.learner, undefined);
  assert.match(over.note, /costs ≈ \d+ MFLOP, over the 0 MFLOP budget per fit/);
  const ok = await textFullFineTune({ ...common, backend: 'wasm' });
  assert.equal(ok.learner?.id, 'transfer:full');
  assert.match(ok.note, /lr 5e-5 \(transformers' default\)/);
  assert.match(ok.note, /epochs 3[,;]/);
});
