/**
 * Quick-fix edits on real-looking YAML and JSON configs: each fix changes only the intended key,
 * keeps comments and formatting, produces text that still parses, and is offered (preferred
 * first) for the codes it answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import {
  applyEdits, fixesForFinding, formatNumber, setLearningRateEdits, suppressCodeEdits, suppressedCodes, switchStrategyEdits,
} from '../../../src/core/fixes';
import type { Finding } from '../../../src/core/model/finding';
import { makeRange } from '../../../src/core/model/range';

const yamlConfig = [
  '# fine-tune the small vision model',
  'model_name_or_path: ./checkpoints/source/model.json  # pretrained',
  'train_file: data/train.csv',
  'max_train_samples: 200',
  'finetuning_type: full   # everything trains',
  'learning_rate: 0.001',
  'num_train_epochs: 20',
  '',
].join('\n');

const jsonConfig = `{
  "model_name_or_path": "./checkpoints/source/model.json",
  "train_file": "data/train.csv",
  "learning_rate": 0.001,
  "max_train_samples": 200
}
`;

function finding(code: string, data: Record<string, unknown>, field?: string, range = makeRange(4, 0, 4, 15)): Finding {
  return { code, severity: 'warning', message: 'x', file: '/w/config.yaml', range, field, data };
}

test('switching to a linear probe edits only finetuning_type and inserts the layer count below it', () => {
  const after = applyEdits(yamlConfig, switchStrategyEdits(yamlConfig, { strategy: 'linear-probe' })!);
  assert.match(after, /^finetuning_type: freeze {3}# everything trains\nfreeze_trainable_layers: 0\nlearning_rate: 0.001$/m);
  assert.match(after, /# fine-tune the small vision model/);
  assert.match(after, /model\.json {2}# pretrained/);
  const value = parse(after);
  assert.equal(value.finetuning_type, 'freeze');
  assert.equal(value.freeze_trainable_layers, 0);
  assert.equal(value.learning_rate, 0.001);
  // Exactly the two intended keys changed.
  const before = parse(yamlConfig);
  for (const key of Object.keys(before)) if (key !== 'finetuning_type') assert.deepEqual(value[key], before[key]);
});

test('a missing strategy key is inserted below the checkpoint key, in YAML and JSON', () => {
  const yamlWithout = yamlConfig.replace(/finetuning_type.*\n/, '');
  const yamlAfter = applyEdits(yamlWithout, switchStrategyEdits(yamlWithout, { strategy: 'partial-freeze', trainableLayers: 2 })!);
  assert.match(yamlAfter, /# pretrained\nfinetuning_type: freeze\nfreeze_trainable_layers: 2\ntrain_file/);
  const jsonAfter = applyEdits(jsonConfig, switchStrategyEdits(jsonConfig, { strategy: 'linear-probe' })!);
  const parsed = JSON.parse(jsonAfter);
  assert.equal(parsed.finetuning_type, 'freeze');
  assert.equal(parsed.freeze_trainable_layers, 0);
  assert.equal(parsed.max_train_samples, 200);
  assert.match(jsonAfter, /"model_name_or_path": "\.\/checkpoints\/source\/model\.json",\n {2}"finetuning_type": "freeze",\n {2}"freeze_trainable_layers": 0,\n {2}"train_file"/);
});

test('JSON insertion after the last key stays valid', () => {
  const tail = '{\n  "base_model": "m"\n}\n';
  const after = applyEdits(tail, switchStrategyEdits(tail, { strategy: 'full' })!);
  assert.deepEqual(JSON.parse(after), { base_model: 'm', finetuning_type: 'full' });
});

test('partial freeze without a depth and scratch give no edit', () => {
  assert.equal(switchStrategyEdits(yamlConfig, { strategy: 'partial-freeze' }), undefined);
  assert.equal(switchStrategyEdits(yamlConfig, { strategy: 'scratch' }), undefined);
  assert.equal(switchStrategyEdits('a: [unclosed', { strategy: 'full' }), undefined);
});

test('the learning rate is written as a YAML-1.1-safe float and keeps its comment', () => {
  const commented = yamlConfig.replace('learning_rate: 0.001', 'learning_rate: 1e-3 # from the paper');
  const after = applyEdits(commented, setLearningRateEdits(commented, 2e-5)!);
  assert.match(after, /^learning_rate: 2\.0e-5 # from the paper$/m);
  assert.equal(parse(after).learning_rate, 2e-5);
  assert.equal(formatNumber(1e-4, false), '1.0e-4');
  assert.equal(formatNumber(3.5e-5, false), '3.5e-5');
  assert.equal(formatNumber(0.01, false), '0.01');
  assert.equal(JSON.parse(formatNumber(2e-5, true)), 2e-5);
});

test('a nested learning-rate key at the finding range is the one edited', () => {
  const nested = 'model: m\noptimizer:\n  name: adamw\n  lr: 0.01  # too hot\nlr: 5\n';
  const edits = setLearningRateEdits(nested, 1e-4, makeRange(3, 2, 3, 4))!;
  const after = applyEdits(nested, edits);
  assert.equal(after, 'model: m\noptimizer:\n  name: adamw\n  lr: 1.0e-4  # too hot\nlr: 5\n');
});

test('suppression adds to, or creates, the modeline and is read back', () => {
  const first = applyEdits(yamlConfig, suppressCodeEdits(yamlConfig, 'negative-transfer')!);
  assert.ok(first.startsWith('# transferlens: disable=negative-transfer\n# fine-tune'));
  const second = applyEdits(first, suppressCodeEdits(first, 'crossover-near')!);
  assert.deepEqual(suppressedCodes(second), ['negative-transfer', 'crossover-near']);
  assert.deepEqual(suppressCodeEdits(second, 'crossover-near'), []);
  const withProfile = '# transferlens: profile=axolotl\nbase_model: x\n';
  assert.equal(applyEdits(withProfile, suppressCodeEdits(withProfile, 'x-code')!), '# transferlens: profile=axolotl disable=x-code\nbase_model: x\n');
  assert.equal(suppressCodeEdits(jsonConfig, 'x'), undefined);
});

test('fixesForFinding: preferred fix first, keyed by the finding code', () => {
  const distortion = fixesForFinding(finding('feature-distortion-risk', { learningRate: 1e-5, strategy: 'lp-ft' }, 'learningRate', makeRange(5, 0, 5, 13)), yamlConfig);
  assert.equal(distortion[0]!.isPreferred, true);
  assert.match(distortion[0]!.title, /learning_rate to 1e-5/);
  assert.equal(distortion.filter((f) => f.isPreferred).length, 1);
  assert.ok(distortion.some((f) => /LP-FT/.test(f.title)));
  assert.ok(distortion.every((f) => f.code === 'feature-distortion-risk'));
  const lpft = applyEdits(yamlConfig, distortion.find((f) => /LP-FT/.test(f.title))!.edits);
  assert.match(lpft, /# LP-FT stage 1/);
  assert.equal(parse(lpft).finetuning_type, 'freeze');

  const probe = fixesForFinding(finding('prefer-linear-probe', {}), yamlConfig);
  assert.match(probe[0]!.title, /linear probe/);
  assert.equal(probe[0]!.isPreferred, true);
  assert.match(probe.at(-1)!.title, /Suppress 'prefer-linear-probe'/);

  const partial = fixesForFinding(finding('prefer-partial-freeze', { freezeDepth: 3, totalLayers: 5 }), yamlConfig);
  assert.equal(parse(applyEdits(yamlConfig, partial[0]!.edits)).freeze_trainable_layers, 2);

  const verdictOnly = fixesForFinding(finding('too-close-to-call', {}), yamlConfig);
  assert.equal(verdictOnly.length, 1);
  assert.equal(verdictOnly[0]!.isPreferred, false);
});

test('no fix that leaves the text unchanged is offered: suspicious-learning-rate under full fine-tuning', () => {
  // The finding carries the CONFIGURED strategy (full): "switch to full" would be a no-op.
  const fixes = fixesForFinding(finding('suspicious-learning-rate', { strategy: 'full', suggestedLearningRate: 2e-5 }, 'learningRate', makeRange(5, 0, 5, 13)), yamlConfig);
  assert.ok(!fixes.some((f) => /full fine-tuning/.test(f.title)), fixes.map((f) => f.title).join(' | '));
  for (const fix of fixes) assert.notEqual(applyEdits(yamlConfig, fix.edits), yamlConfig, `${fix.title} changes the text`);
  assert.match(fixes[0]!.title, /^Lower learning_rate to 2e-5/);
  assert.equal(fixes[0]!.isPreferred, true);
  assert.ok(fixes.some((f) => /LP-FT/.test(f.title)), 'the message suggests LP-FT as the alternative');

  // The same holds for any code: a recommendation equal to what the config already says.
  const alreadyFull = fixesForFinding(finding('too-close-to-call', { strategy: 'full' }), yamlConfig);
  assert.deepEqual(alreadyFull.map((f) => f.title), ["Suppress 'too-close-to-call' in this file"]);
  const alreadyThere = fixesForFinding(finding('feature-distortion-risk', { learningRate: 0.001 }, 'learningRate', makeRange(5, 0, 5, 13)), yamlConfig);
  assert.ok(!alreadyThere.some((f) => /learning_rate/.test(f.title)), 'setting the rate it already has is not offered');
  // A probe whose rate is too LOW is raised, and the title says so.
  const raise = fixesForFinding(finding('suspicious-learning-rate', { strategy: 'linear-probe', suggestedLearningRate: 1e-3 }, 'learningRate', makeRange(5, 0, 5, 13)), yamlConfig.replace('0.001', '1.0e-6'));
  assert.match(raise[0]!.title, /^Raise learning_rate to 0\.001/);
  assert.equal(raise.filter((f) => /Switch|Freeze/.test(f.title)).length, 0);
});

test('prefer-partial-freeze gets an edit from the analysis payload (freezeDepth + totalLayers)', () => {
  const fixes = fixesForFinding(finding('prefer-partial-freeze', { strategy: 'partial-freeze', freezeDepth: 2, totalLayers: 5, verdict: 'positive' }), yamlConfig);
  assert.equal(fixes[0]!.isPreferred, true);
  assert.match(fixes[0]!.title, /train the top 3/);
  const after = parse(applyEdits(yamlConfig, fixes[0]!.edits));
  assert.equal(after.finetuning_type, 'freeze');
  assert.equal(after.freeze_trainable_layers, 3);
  // Without the layer count there is nothing honest to write: no strategy edit, only suppression.
  const withoutTotal = fixesForFinding(finding('prefer-partial-freeze', { strategy: 'partial-freeze', freezeDepth: 2 }), yamlConfig);
  assert.ok(withoutTotal.every((f) => /Suppress/.test(f.title)));
});

test('negative transfer recommending scratch: a preferred fix comments out the checkpoint line', () => {
  const checkpointRange = makeRange(1, 0, 1, 18);
  const negative = { ...finding('negative-transfer', { strategy: 'scratch', verdict: 'negative' }, 'checkpoint', checkpointRange), severity: 'warning' as const };
  const fixes = fixesForFinding(negative, yamlConfig);
  assert.equal(fixes[0]!.isPreferred, true);
  assert.match(fixes[0]!.title, /^Train from scratch: comment out model_name_or_path \(Hugging Face scripts then initialise a new model from config_name \/ model_type — set one of them\)/);
  const after = applyEdits(yamlConfig, fixes[0]!.edits);
  const lines = after.split('\n');
  assert.equal(lines[1], '# transferlens: train from scratch — was: model_name_or_path: ./checkpoints/source/model.json  # pretrained');
  assert.equal(lines.length, yamlConfig.split('\n').length, 'one line replaced, none added');
  const parsed = parse(after);
  assert.equal(parsed.model_name_or_path, undefined);
  assert.equal(parsed.train_file, 'data/train.csv');
  // Undo is the inverse edit: the original line comes back byte for byte.
  assert.equal(after.replace(/# transferlens: train from scratch — was: /, ''), yamlConfig);
  // The comment is not a modeline: suppression still creates its own line and reads back.
  const suppressed = applyEdits(after, suppressCodeEdits(after, 'negative-transfer')!);
  assert.match(suppressed, /^# transferlens: disable=negative-transfer\n/);
  assert.match(suppressed, /was: model_name_or_path: \.\/checkpoints\/source\/model\.json {2}# pretrained$/m);
  assert.deepEqual(suppressedCodes(suppressed), ['negative-transfer']);

  // With config_name present the title does not ask for it; prefer-scratch (on the strategy key) finds the checkpoint key itself.
  const withConfigName = yamlConfig.replace('train_file:', 'config_name: ./checkpoints/source\ntrain_file:');
  const prefer = fixesForFinding(finding('prefer-scratch', { strategy: 'scratch' }, 'strategy'), withConfigName);
  assert.match(prefer[0]!.title, /config_name \/ model_type\)$/);
  assert.equal(parse(applyEdits(withConfigName, prefer[0]!.edits)).model_name_or_path, undefined);
  // Other checkpoint keys, indented ones too.
  const nested = 'model:\n  pretrained_checkpoint: ckpt/last.ckpt\n  lr: 0.1\n';
  const nestedFix = fixesForFinding(finding('negative-transfer', { strategy: 'scratch' }, 'checkpoint', makeRange(1, 2, 1, 23)), nested);
  assert.equal(applyEdits(nested, nestedFix[0]!.edits), 'model:\n  # transferlens: train from scratch — was: pretrained_checkpoint: ckpt/last.ckpt\n  lr: 0.1\n');
  assert.match(nestedFix[0]!.title, /comment out pretrained_checkpoint/);
  // JSON has no comments: no scratch edit, and nothing else pretends to be one.
  const json = fixesForFinding(finding('negative-transfer', { strategy: 'scratch' }, 'checkpoint', makeRange(1, 2, 1, 22)), jsonConfig);
  assert.deepEqual(json, []);
});
