/**
 * The strategy × learning-rate rules of the static checks, on synthetic configs: each
 * combination fires (or stays quiet) at the documented thresholds, on the learning-rate value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staticChecks, FULL_FINE_TUNE_HIGH_LR, ADAPTER_LOW_LR } from '../../../src/node/resolve/checks';
import type { NormalizedConfig, SourceValue, Strategy } from '../../../src/core/model/config';

function value<T>(v: T, line: number): SourceValue<T> {
  return { value: v, keyPath: `key${line}`, file: '/w/c.yaml', range: { start: { line, character: 15 }, end: { line, character: 20 } }, keyRange: { start: { line, character: 0 }, end: { line, character: 13 } } };
}

function config(strategy: Strategy | undefined, lr: number, profile = 'huggingface'): NormalizedConfig {
  return { file: '/w/c.yaml', profile, checkpoint: value('m', 0), learningRate: value(lr, 3), ...(strategy ? { strategy: value(strategy, 2) } : {}) };
}

const lrFindings = (c: NormalizedConfig) => staticChecks(c, { findings: [] }).filter((f) => f.code === 'suspicious-learning-rate');

test('full fine-tuning at or above 1e-3 warns on the learning rate, below does not', () => {
  const high = lrFindings(config('full', FULL_FINE_TUNE_HIGH_LR));
  assert.equal(high.length, 1);
  assert.equal(high[0]!.range.start.line, 3);
  assert.equal(high[0]!.data?.suggestedLearningRate, 2e-5);
  assert.equal(lrFindings(config('full', 9e-4)).length, 0);
  // No strategy written = the trainer's default, a full fine-tune.
  assert.equal(lrFindings(config(undefined, 5e-3)).length, 1);
  // YOLO's SGD default lr0 = 0.01 is normal there.
  assert.equal(lrFindings(config(undefined, 1e-2, 'ultralytics')).length, 0);
});

test('LoRA/QLoRA at or below 1e-6 warns; typical adapter rates do not', () => {
  assert.equal(lrFindings(config('lora', ADAPTER_LOW_LR)).length, 1);
  assert.match(lrFindings(config('qlora', 1e-7))[0]!.message, /QLoRA/);
  assert.equal(lrFindings(config('lora', 2e-4)).length, 0);
  assert.equal(lrFindings(config('lora', 1e-2)).length, 0);
});

test('partial freeze and linear probe at normal rates stay quiet', () => {
  assert.equal(lrFindings(config('partial-freeze', 1e-3)).length, 0);
  assert.equal(lrFindings(config('linear-probe', 1e-3)).length, 0);
  assert.equal(lrFindings(config('linear-probe', 1e-7)).length, 1);
});
