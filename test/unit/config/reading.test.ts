/**
 * readConfig edge cases: syntax errors on the right line, wrong value types on the key, the
 * modeline, user key maps (fileMatch globs, [*] paths, value maps), unrecognised files, and a
 * property test that no input makes readConfig throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readConfig, globMatches, type KeyMapProfile } from '../../../src/core/config/index';
import { fixture } from './helpers';

test('malformed YAML gives one config-syntax error on the offending line and no config', () => {
  const { file, text } = fixture('huggingface/broken.yaml');
  const { config, problems } = readConfig(text, file);
  assert.equal(config, undefined);
  assert.ok(problems.length >= 1);
  assert.equal(problems[0]!.code, 'config-syntax');
  assert.equal(problems[0]!.severity, 'error');
  assert.equal(problems[0]!.file, file);
  // The unclosed `[label` opens on line 2 (zero-based); the parser notices at the next key.
  assert.ok([2, 3].includes(problems[0]!.range.start.line), `line ${problems[0]!.range.start.line}`);
  assert.match(problems[0]!.message, /^Syntax error: .*\]/);
});

test('duplicate keys are a syntax error that says to remove one', () => {
  const { problems } = readConfig('learning_rate: 1e-5\nlearning_rate: 2e-5\n', '/w/dup.yaml');
  assert.equal(problems[0]!.code, 'config-syntax');
  assert.equal(problems[0]!.range.start.line, 1);
  assert.match(problems[0]!.message, /duplicat|unique/i);
});

test('wrong value types are config-invalid-value on the key, and the field stays unset', () => {
  const text = 'model_name_or_path: m\ntrain_file: t.csv\nmax_train_samples: -3\nlearning_rate: fast\nnum_train_epochs: 2\nfinetuning_type: partial\n';
  const { config, problems } = readConfig(text, '/w/bad.yaml');
  const byField = new Map(problems.map((p) => [p.field, p]));
  assert.equal(byField.get('trainSize')?.code, 'config-invalid-value');
  assert.deepEqual(byField.get('trainSize')?.range, { start: { line: 2, character: 0 }, end: { line: 2, character: 17 } });
  assert.match(byField.get('learningRate')!.message, /learning_rate must be a positive number such as 2e-5; got 'fast'/);
  assert.equal(byField.get('learningRate')!.range.start.line, 3);
  assert.match(byField.get('strategy')!.message, /finetuning_type must be one of full, freeze, lora, oft; got 'partial'/);
  assert.equal(config?.trainSize, undefined);
  assert.equal(config?.learningRate, undefined);
  assert.equal(config?.epochs?.value, 2);
});

test('modeline forces the profile, disables codes and overrides a field path', () => {
  const text = '# transferlens: profile=axolotl disable=dataset-too-small,shape-mismatch checkpoint=weights.file\nweights: { file: w/model.json }\nlearning_rate: 0.1\n';
  const { config, problems } = readConfig(text, '/w/run.yaml');
  assert.deepEqual(problems, []);
  assert.equal(config?.profile, 'axolotl');
  assert.deepEqual(config?.suppressed, ['dataset-too-small', 'shape-mismatch']);
  assert.equal(config?.checkpoint?.value, 'w/model.json');
  assert.equal(config?.checkpoint?.keyPath, 'weights.file');
});

test('the scratch quick fix note is not a modeline: `=` inside the commented-out line is not a setting', () => {
  const text = '# transferlens: train from scratch — was: model_name_or_path: hub://org/model?rev=main checkpoint=x.y\ntrain_file: t.csv\nconfig_name: gpt2\n';
  const { config, problems } = readConfig(text, '/w/run.yaml');
  assert.deepEqual(problems, []);
  assert.equal(config?.checkpoint, undefined);
  assert.equal(config?.dataset?.value, 't.csv');
});

test('an unknown profile in the modeline is reported on the modeline and detection continues', () => {
  const text = '# transferlens: profile=nonsense\nmodel_name_or_path: m\ntrain_file: t.csv\n';
  const { config, problems } = readConfig(text, '/w/run.yaml');
  assert.equal(config?.profile, 'huggingface');
  assert.equal(problems[0]!.code, 'config-invalid-value');
  assert.deepEqual(problems[0]!.range, { start: { line: 0, character: 16 }, end: { line: 0, character: 32 } });
  assert.match(problems[0]!.message, /Unknown profile 'nonsense'. Use one of: huggingface, llama-factory/);
});

test('a file no profile recognises gets one info finding that says how to fix it', () => {
  const { file, text } = fixture('keymap/experiment.yaml');
  const { config, problems } = readConfig(text, file);
  assert.equal(config, undefined);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.code, 'config-unrecognised');
  assert.equal(problems[0]!.severity, 'info');
  assert.match(problems[0]!.message, /transferlens: profile=|transferlens\.configProfiles/);
});

const inHouse: KeyMapProfile = {
  name: 'in-house',
  fileMatch: ['keymap/*.yaml', '!**/sweeps/**'],
  fields: {
    checkpoint: ['run.backbone.weights'],
    dataset: ['run.inputs[*].file'],
    validationDataset: ['run.inputs[1].file'],
    labelColumn: 'run.target',
    trainSize: ['run.budget'],
    strategy: { from: 'run.backbone.mode', map: { frozen: 'linear-probe', tuned: 'full', '/^lora/': 'lora' } },
    learningRate: ['run.optim.lr'],
    epochs: ['run.optim.epochs'],
  },
  pathBase: 'file',
};

test('a user key map reads an in-house format: [*] paths, value maps, flow mappings', () => {
  const { file, text } = fixture('keymap/experiment.yaml');
  const { config, problems } = readConfig(text, file, { keyMaps: [inHouse] });
  assert.deepEqual(problems, []);
  assert.equal(config?.profile, 'in-house');
  assert.equal(config?.checkpoint?.value, '../models/mlp/model.json');
  assert.equal(config?.dataset?.value, '../data/train.csv');
  assert.equal(config?.dataset?.keyPath, 'run.inputs[0].file');
  assert.equal(config?.validationDataset?.value, '../data/validation.csv');
  assert.equal(config?.strategy?.value, 'linear-probe');
  assert.equal(config?.learningRate?.value, 0.01);
  assert.equal(config?.epochs?.value, 4);
  assert.equal(config?.trainSize?.value, 60);
  const lrLine = text.split('\n').findIndex((line) => line.includes('optim:'));
  assert.equal(config?.learningRate?.range.start.line, lrLine);
  assert.equal(config?.learningRate?.range.start.character, text.split('\n')[lrLine]!.indexOf('0.01'));
});

test('a user key map applies only where its fileMatch matches (negations exclude)', () => {
  const { text } = fixture('keymap/experiment.yaml');
  assert.equal(readConfig(text, '/w/keymap/sweeps/x.yaml', { keyMaps: [{ ...inHouse, fileMatch: ['**/*.yaml', '!**/sweeps/**'] }] }).config, undefined);
  assert.equal(readConfig(text, '/w/keymap/x.yaml', { keyMaps: [inHouse] }).config?.profile, 'in-house');
  // Detection-only user maps compete by score; regex value maps work.
  const sniffing: KeyMapProfile = { ...inHouse, fileMatch: undefined, detect: { anyKey: ['run.backbone'] } } as KeyMapProfile;
  const lora = text.replace('mode: frozen', 'mode: lora-r8');
  assert.equal(readConfig(lora, '/anywhere/e.yaml', { keyMaps: [sniffing] }).config?.strategy?.value, 'lora');
});

test('glob matching: ** crosses folders, * does not, braces alternate, relative globs match at folder boundaries', () => {
  assert.ok(globMatches('configs/**/*.yaml', '/w/configs/a/b/run.yaml'));
  assert.ok(globMatches('configs/**/*.yaml', '/w/configs/run.yaml'));
  assert.ok(!globMatches('configs/*.yaml', '/w/configs/a/run.yaml'));
  assert.ok(globMatches('*.{yml,yaml}', '/w/x.yml'));
  assert.ok(!globMatches('fig/*.yaml', '/w/configfig/x.yaml'));
  assert.ok(globMatches('C:/w/**', 'C:\\w\\x.yaml'.replace(/\\/g, '/')));
});

test('JSON configs and YAML anchors/merge keys keep exact ranges', () => {
  const text = 'base: &base\n  learning_rate: 3.0e-5\nrun:\n  <<: *base\n  model_name_or_path: m\n';
  const keyMap: KeyMapProfile = { name: 'anchors', fileMatch: ['*.yaml'], fields: { learningRate: ['run.learning_rate'], checkpoint: ['run.model_name_or_path'] } };
  const { config } = readConfig(text, '/w/a.yaml', { keyMaps: [keyMap] });
  assert.equal(config?.learningRate?.value, 3e-5);
  // The merged value's range is where it was written (line 1), which is what a fix must edit.
  assert.equal(config?.learningRate?.range.start.line, 1);
});

test('readConfig never throws, whatever the text (property)', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      const result = readConfig(text, '/w/fuzz.yaml');
      assert.ok(Array.isArray(result.problems));
    }),
    { numRuns: 300, seed: 42 },
  );
  const yamlish = fc.array(fc.constantFrom('a:', ' b', ': ', '- ', '[', ']', '{', '}', '"', "'", '\n', '  ', '*x', '&x', '${', 'model_name_or_path: ', '1e-5', '#', 'transferlens: profile=', '<<: '), { maxLength: 60 });
  fc.assert(fc.property(yamlish, (parts) => {
    readConfig(parts.join(''), '/w/fuzz.yaml');
  }), { numRuns: 500, seed: 7 });
});

test('modeline values: features_file for trainers that reject unknown keys, with the value range', () => {
  const text = 'model_name_or_path: m.pt\nstage: sft\ntemplate: llama3\ndataset: d\n# transferlens: features_file=feats/train.npy feature_layer=pool\n';
  const { config, problems } = readConfig(text, '/w/lf.yaml');
  assert.deepEqual(problems, []);
  assert.equal(config?.profile, 'llama-factory');
  assert.equal(config?.featuresFile?.value, 'feats/train.npy');
  const line = 4;
  const column = text.split('\n')[line]!.indexOf('feats/train.npy');
  assert.deepEqual(config?.featuresFile?.range, { start: { line, character: column }, end: { line, character: column + 'feats/train.npy'.length } });
  assert.equal(config?.featureLayer?.value, 'pool');
});

test('YAML 1.1 booleans (yes/no/on/off) count as booleans in value maps, as PyYAML reads them', () => {
  const text = '# transferlens: profile=hydra\nmodel:\n  freeze_backbone: yes\n';
  assert.equal(readConfig(text, '/w/h.yaml').config?.strategy?.value, 'linear-probe');
  assert.equal(readConfig(text.replace('yes', 'off'), '/w/h.yaml').config?.strategy?.value, 'full');
});

test('nested aliases ("billion laughs") are bounded: a warning, and the rest of the file still reads', () => {
  let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 9; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
  text = `model_name_or_path: m\ntrain_file: t.csv\n${text}`;
  const { config, problems } = readConfig(text, '/w/bomb.yaml');
  assert.equal(config?.checkpoint?.value, 'm');
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.message, /Aliases \(\*name\) expand this file to more than 100,000 values/);
});
