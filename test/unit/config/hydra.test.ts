/**
 * Hydra composition and OmegaConf interpolation on in-memory files (the reader is injected, so
 * the merge rules are tested without a file system).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConfig } from '../../../src/core/config/index';

function reader(files: Record<string, string>) {
  const reads: string[] = [];
  return { reads, read: (path: string) => { reads.push(path); return files[path]; } };
}

const primary = [
  '# transferlens: profile=hydra',
  'defaults:',
  '  - _self_',
  '  - model: big',
  '  - optional extra: none',
  '  - data@data: csv',
  '  - global_overrides',
  'model:',
  '  optimizer:',
  '    lr: 0.5',
  '',
].join('\n');

test('defaults: _self_ first lets groups override; @package and _global_ headers place content', () => {
  const { read, reads } = reader({
    '/c/model/big.yaml': 'pretrained_checkpoint: /ckpt/big\noptimizer:\n  lr: 0.001\n',
    '/c/data/csv.yaml': 'train_file: /d/train.csv\nmax_train_samples: ${trainer.max_epochs}\n',
    '/c/global_overrides.yaml': '# @package _global_\ntrainer:\n  max_epochs: 7\n',
  });
  const { config, problems } = readConfig(primary, '/c/train.yaml', { readInclude: read });
  assert.deepEqual(problems, []);
  assert.deepEqual(reads, ['/c/model/big.yaml', '/c/extra/none.yaml', '/c/data/csv.yaml', '/c/global_overrides.yaml']);
  // _self_ is first, so the group's lr overrides the primary's 0.5.
  assert.equal(config?.learningRate?.value, 0.001);
  assert.equal(config?.learningRate?.file, '/c/model/big.yaml');
  assert.deepEqual(config?.learningRate?.range, { start: { line: 2, character: 6 }, end: { line: 2, character: 11 } });
  assert.equal(config?.checkpoint?.value, '/ckpt/big');
  assert.equal(config?.dataset?.file, '/c/data/csv.yaml');
  // Interpolation across files: ${trainer.max_epochs} comes from the _global_ file.
  assert.equal(config?.trainSize?.value, 7);
  assert.equal(config?.epochs?.value, 7);
  assert.deepEqual(config?.includedFiles, ['/c/model/big.yaml', '/c/data/csv.yaml', '/c/global_overrides.yaml']);
});

test('a missing group file is reported on its defaults entry; optional ones are skipped silently', () => {
  const { read } = reader({});
  const { problems } = readConfig(primary, '/c/train.yaml', { readInclude: read });
  const lines = problems.map((p) => p.range.start.line);
  assert.deepEqual(lines, [3, 5, 6]);
  assert.match(problems[0]!.message, /Hydra default 'model: big' needs model\/big.yaml/);
});

test('nested defaults in a group file resolve relative to that group', () => {
  const { read } = reader({
    '/c/model/big.yaml': 'defaults:\n  - optimizer: adam\npretrained_checkpoint: x\n',
    '/c/model/optimizer/adam.yaml': 'lr: 0.02\n',
    '/c/data/csv.yaml': 'train_file: t.csv\n',
    '/c/global_overrides.yaml': '# @package _global_\n{}\n',
  });
  const { config } = readConfig(primary, '/c/train.yaml', { readInclude: read });
  assert.equal(config?.learningRate?.value, 0.02);
  assert.equal(config?.learningRate?.file, '/c/model/optimizer/adam.yaml');
});

test('interpolation: unknown keys and unset env vars become findings on the key; other resolvers are left alone', () => {
  const text = '# transferlens: profile=hydra\ndata:\n  train_file: ${paths.nope}/t.csv\n  data_dir: ${oc.env:NOT_SET}\nmodel:\n  pretrained_checkpoint: ${hydra:runtime.cwd}/m\n';
  const { config, problems } = readConfig(text, '/c/x.yaml', { env: {} });
  assert.equal(problems.length, 2);
  assert.deepEqual(problems.map((p) => p.range.start.line), [2, 3]);
  assert.match(problems[0]!.message, /paths\.nope/);
  assert.match(problems[1]!.message, /NOT_SET is not set/);
  assert.equal(config?.checkpoint?.value, '${hydra:runtime.cwd}/m');
});

test('interpolation cycles terminate', () => {
  const text = '# transferlens: profile=hydra\na: ${b}\nb: ${a}\ntrainer:\n  max_epochs: ${a}\n';
  const { problems } = readConfig(text, '/c/x.yaml');
  assert.ok(Array.isArray(problems));
});
