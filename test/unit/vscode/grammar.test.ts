/**
 * The injection grammar is data: check that it is wired in package.json and that its patterns
 * (JavaScript and Oniguruma agree on the constructs used) mark exactly the reference values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const grammar = JSON.parse(readFileSync(join(root, 'syntaxes/transferlens-references.injection.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function valueOf(rule: string, line: string): string | undefined {
  const entry = grammar.repository[rule];
  const match = new RegExp(entry.match).exec(line);
  if (!match) return undefined;
  const group = Object.entries(entry.captures as Record<string, { name: string }>).find(([, c]) => /string\.other\.link/.test(c.name))![0];
  return match[Number(group)];
}

test('the grammar is contributed with its scope name and injected into YAML and JSON', () => {
  const contributed = manifest.contributes.grammars.find((g: { scopeName: string }) => g.scopeName === grammar.scopeName);
  assert.ok(contributed);
  assert.deepEqual([...contributed.injectTo].sort(), ['source.json', 'source.json.comments', 'source.yaml']);
  assert.equal(contributed.path, './syntaxes/transferlens-references.injection.json');
});

test('YAML: checkpoint and dataset values are marked, comments and other keys are not', () => {
  assert.equal(valueOf('yaml-checkpoint', 'model_name_or_path: ./ckpt/model.json  # source'), './ckpt/model.json');
  assert.equal(valueOf('yaml-checkpoint', 'base_model: "org/name"'), 'org/name');
  assert.equal(valueOf('yaml-dataset', '  - path: data/train.jsonl'), undefined);
  assert.equal(valueOf('yaml-dataset', 'train_file: data/train.csv'), 'data/train.csv');
  assert.equal(valueOf('yaml-checkpoint', 'learning_rate: 0.001'), undefined);
  assert.equal(valueOf('yaml-checkpoint', 'model_name_or_path: # nothing yet'), undefined);
});

test('JSON: the string value of a reference key is marked', () => {
  assert.equal(valueOf('json-checkpoint', '  "model_name_or_path": "./ckpt/model.json",'), './ckpt/model.json');
  assert.equal(valueOf('json-dataset', '  "train_file": "data/train.csv"'), 'data/train.csv');
  assert.equal(valueOf('json-dataset', '  "learning_rate": 0.1'), undefined);
});
