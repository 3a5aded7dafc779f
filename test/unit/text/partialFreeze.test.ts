/**
 * How many top blocks a text partial freeze trains (textDataset.ts partialFreezeBlocks), as
 * LLaMA-Factory's FreezeArguments define `freeze_trainable_layers`: k ≥ 1 the top k; absent
 * under `finetuning_type` the default 2 (said); negative = bottom blocks, and layer names — not
 * simulated, each with a note saying why; other strategies never.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NormalizedConfig } from '../../../src/core/model/config';
import { DEFAULT_TRAINABLE_LAYERS, partialFreezeBlocks } from '../../../src/node/textDataset';

const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
const at = <T>(keyPath: string, value: T) => ({ value, keyPath, file: '/w/c.yaml', range, keyRange: range });

function config(frozen: unknown, strategyKey = 'finetuning_type'): NormalizedConfig {
  return {
    file: '/w/c.yaml',
    profile: 'huggingface',
    strategy: at(strategyKey, 'partial-freeze'),
    ...(frozen === undefined ? {} : { frozenLayers: at('freeze_trainable_layers', frozen) }),
  } as unknown as NormalizedConfig;
}

test('a count ≥ 1 is the number of top blocks; no note', () => {
  const notes: string[] = [];
  assert.equal(partialFreezeBlocks('partial-freeze', config(3), notes), 3);
  assert.deepEqual(notes, []);
});

test('absent under finetuning_type: LLaMA-Factory\'s default 2, said in a note', () => {
  const notes: string[] = [];
  assert.equal(DEFAULT_TRAINABLE_LAYERS, 2);
  assert.equal(partialFreezeBlocks('partial-freeze', config(undefined), notes), 2);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /^freeze_trainable_layers is not set: LLaMA-Factory's default is simulated — the top 2 blocks trainable/);
});

test('absent under another strategy key (e.g. Lightning freeze flags): no default assumed, no note', () => {
  const notes: string[] = [];
  assert.equal(partialFreezeBlocks('partial-freeze', config(undefined, 'model.freeze_backbone_until'), notes), undefined);
  assert.deepEqual(notes, []);
});

test('negative counts and layer names are not simulated, and the note says why', () => {
  const notes: string[] = [];
  assert.equal(partialFreezeBlocks('partial-freeze', config(-2), notes), undefined);
  assert.match(notes[0]!, /^freeze_trainable_layers: -2 trains the bottom 2 blocks with the blocks above frozen/);
  assert.equal(partialFreezeBlocks('partial-freeze', config(['encoder.layer.0', 'encoder.layer.1']), notes), undefined);
  assert.match(notes[1]!, /^freeze_trainable_layers names layers \(encoder\.layer\.0, encoder\.layer\.1\) rather than a number of top blocks/);
  assert.equal(partialFreezeBlocks('partial-freeze', config(0), notes), undefined, '0 is the probe (the profile makes it linear-probe)');
  assert.equal(notes.length, 2);
});

test('other strategies: never a partial freeze', () => {
  const notes: string[] = [];
  for (const s of ['full', 'linear-probe', 'lora']) assert.equal(partialFreezeBlocks(s, config(2), notes), undefined);
  assert.deepEqual(notes, []);
});
