/**
 * The text branch with both scratch arms, end to end on the WASM backend (issue #15 item 2): a
 * run_classification config on the tiny test BERT gets the TF-IDF arm and the BERT architecture
 * trained from random initialisation, both in the curves, the verdict's gain against the better
 * of them at n (analysis.scratchArm), the size decision in the notes and the JSON; a cached
 * re-analysis takes every transformer fit from the fit cache (its cacheKey) and reports the same
 * numbers. With no finetuning_type (a full fine-tune) the transfer arm is the BERT fine-tuned end to
 * end (src/node/textFineTune.ts), cached the same way. (The cpu-backend case, where the arm is not trained, is in scratchTransformer.test.ts:
 * the TF.js backend is chosen once per process.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeConfigFile } from '../../../src/node/pipeline';

const ROOT = join(__dirname, '..', '..', '..');

function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'tl-scratch-transformer-'));
  cpSync(join(ROOT, 'test', 'fixtures', 'hf-models', 'bert'), join(root, 'checkpoint'), { recursive: true });
  mkdirSync(join(root, 'data'));
  cpSync(join(ROOT, 'test', 'fixtures', 'text', 'sentiment.csv'), join(root, 'data', 'train.csv'));
  writeFileSync(join(root, 'config.yaml'), 'model_name_or_path: checkpoint\ntrain_file: data/train.csv\ntext_column_names: text\nlabel_column_name: label\nmax_seq_length: 24\nmax_train_samples: 60\n');
  return root;
}

test('both scratch arms in the curves, the gain against the better, the size decision stated; cached re-run identical', async () => {
  const root = workspace();
  const cacheDir = join(root, '.cache');
  const run = async () => {
    const report = await analyzeConfigFile(join(root, 'config.yaml'), { workspaceRoot: root, backend: 'wasm', cacheDir, seed: 0, timeBudgetMs: 1 });
    assert.ok(report.analysis, report.findings.map((f) => `${f.code}: ${f.message}`).join('\n'));
    return report.analysis;
  };
  const a = await run();
  const curve = (id: string) => a.curves.curves.find((c) => c.id === id);
  assert.ok(curve('scratch') && curve('scratch-transformer'), a.curves.curves.map((c) => c.id).join(','));
  assert.match(curve('scratch-transformer')!.label, /bert architecture \(2 layers, hidden 32, 4 heads\) trained from random initialisation/);
  const riskAt = (id: string) => curve(id)!.points.find((p) => p.n === a.n && p.measured)!.risk.mean;
  const lower = riskAt('scratch') <= riskAt('scratch-transformer') ? 'scratch' : 'scratch-transformer';
  const choiceNote = a.notes.find((n) => n.startsWith('Scratch arms at n = 60'));
  // The lower arm, unless the transformer is lower by less than one SE (then the TF-IDF arm stands).
  const better = lower === 'scratch-transformer' && choiceNote?.includes('by the one-standard-error rule the first-listed arm stands') ? 'scratch' : lower;
  assert.equal(a.scratchArm, better);
  // No finetuning_type: run_classification's default, a full fine-tune, which is simulated for this BERT.
  assert.match(curve('transfer:full')!.label, /^Full fine-tune of the bert/);
  assert.ok(curve('transfer:linear-probe'), 'the probe stays in the curves');
  assert.ok(Math.abs(a.gain!.mean - (riskAt(better) - riskAt('transfer:full'))) < 1e-9);
  const ft = (a.preprocessing?.text as Record<string, any>).fullFineTune;
  assert.equal(ft.trained, true);
  assert.equal(ft.recipe.learningRate, 5e-5, 'no learning_rate in the config: transformers\' default');
  assert.ok(ft.fits.trained >= 5, JSON.stringify(ft.fits));
  assert.ok(a.notes.some((n) => n.startsWith('Transfer arm: the bert fine-tuned on the training rows, as the config\'s full fine-tune would be — every weight trainable')));
  const summary = (a.preprocessing?.text as Record<string, any>).scratchTransformer;
  assert.equal(summary.trained, true);
  assert.equal(summary.own, true, 'a 2-layer hidden-32 BERT on 60 rows is affordable: its own size');
  assert.ok(summary.fits.trained >= 5, JSON.stringify(summary.fits));
  assert.ok(a.notes.some((n) => /^Second scratch arm: the bert architecture trained from random initialisation on the training rows — the checkpoint's own size/.test(n)));
  assert.ok(choiceNote?.includes(better === lower ? `The verdict uses the better one, ${better}` : 'The verdict uses scratch: scratch-transformer is lower by only'), choiceNote);

  const again = await run();
  assert.equal((again.preprocessing?.text as Record<string, any>).scratchTransformer.fits.trained, 0, 'every transformer fit came from the cache');
  assert.equal((again.preprocessing?.text as Record<string, any>).fullFineTune.fits.trained, 0, 'every fine-tuning fit came from the cache');
  assert.deepEqual(again.curves, a.curves);
  assert.deepEqual(again.gain, a.gain);
  assert.equal(again.scratchArm, a.scratchArm);
});

test('partial freeze with one trainable block: the transfer arm is the BERT with its lower block and embeddings frozen', async () => {
  const root = workspace();
  writeFileSync(join(root, 'freeze.yaml'), 'model_name_or_path: checkpoint\ntrain_file: data/train.csv\ntext_column_names: text\nlabel_column_name: label\nmax_seq_length: 24\nmax_train_samples: 60\nfinetuning_type: freeze\nfreeze_trainable_layers: 1\nlearning_rate: 1.0e-4\n');
  const report = await analyzeConfigFile(join(root, 'freeze.yaml'), { workspaceRoot: root, backend: 'wasm', seed: 0, timeBudgetMs: 1 });
  const a = report.analysis;
  assert.ok(a, report.findings.map((f) => `${f.code}: ${f.message}`).join('\n'));
  const curve = (id: string) => a.curves.curves.find((c) => c.id === id);
  assert.match(curve('transfer:partial-freeze')!.label, /^Partial freeze of the bert \(top 1 of 2 blocks trainable/);
  const riskAt = (id: string) => curve(id)!.points.find((p) => p.n === a.n && p.measured)!.risk.mean;
  assert.ok(Math.abs(a.gain!.mean - (riskAt(a.scratchArm!) - riskAt('transfer:partial-freeze'))) < 1e-9);
  const ft = (a.preprocessing?.text as Record<string, any>).fullFineTune;
  assert.equal(ft.trained, true);
  assert.ok(a.notes.some((n) => n.includes('as the config\'s partial freeze would be — the top 1 of its 2 blocks trainable')));
  assert.ok(!a.notes.some((n) => n.startsWith('Partial freeze: probes on lower blocks')), 'the probes no longer stand in');
});

test('finetuning_type: freeze without a layer count: LLaMA-Factory\'s default (the top 2 blocks) is simulated and said; a negative count (bottom blocks) is not', async () => {
  const root = workspace();
  const base = 'model_name_or_path: checkpoint\ntrain_file: data/train.csv\ntext_column_names: text\nlabel_column_name: label\nmax_seq_length: 24\nmax_train_samples: 60\nfinetuning_type: freeze\nlearning_rate: 1.0e-4\n';
  writeFileSync(join(root, 'default.yaml'), base);
  const report = await analyzeConfigFile(join(root, 'default.yaml'), { workspaceRoot: root, backend: 'wasm', seed: 0, timeBudgetMs: 1 });
  const a = report.analysis;
  assert.ok(a, report.findings.map((f) => `${f.code}: ${f.message}`).join('\n'));
  assert.equal(a.strategy, 'partial-freeze');
  assert.match(a.curves.curves.find((c) => c.id === 'transfer:partial-freeze')!.label, /^Partial freeze of the bert \(top 2 of 2 blocks trainable/);
  assert.ok(a.notes.some((n) => n.startsWith('freeze_trainable_layers is not set: LLaMA-Factory\'s default is simulated — the top 2 blocks trainable')), a.notes.join('\n'));
  assert.equal((a.preprocessing?.text as Record<string, any>).fullFineTune.trained, true);

  writeFileSync(join(root, 'bottom.yaml'), `${base}freeze_trainable_layers: -1\n`);
  const bottom = (await analyzeConfigFile(join(root, 'bottom.yaml'), { workspaceRoot: root, backend: 'wasm', seed: 0, timeBudgetMs: 1 })).analysis;
  assert.ok(bottom);
  assert.equal(bottom.curves.curves.find((c) => c.id === 'transfer:partial-freeze'), undefined, 'bottom-block training is not simulated');
  assert.ok(bottom.notes.some((n) => n.startsWith('freeze_trainable_layers: -1 trains the bottom 1 block with the blocks above frozen')), bottom.notes.join('\n'));
  assert.ok(bottom.notes.some((n) => n.startsWith('Partial freeze: probes on lower blocks')), 'the probes stand in');
});

test('in the editor (hard time limit) a fine-tune its budget cannot afford is not started: the probe stands in and the note says why', async () => {
  const root = workspace();
  // 2 s: 60% of it at 1 GFLOP/s over 15 fits is 80 MFLOP per fit; this fine-tune needs ≈ 0.4 GFLOP.
  const report = await analyzeConfigFile(join(root, 'config.yaml'), { workspaceRoot: root, backend: 'wasm', seed: 0, timeBudgetMs: 2000, hardTimeLimit: true });
  const a = report.analysis;
  assert.ok(a, report.findings.map((f) => `${f.code}: ${f.message}`).join('\n'));
  assert.ok(a.notes.some((n) => /^Full fine-tuning of the bert is not simulated: one fine-tuning fit on 60 rows \(3 epochs\) costs ≈ 0\.\d GFLOP, over the 80 MFLOP budget per fit \(what the editor's 2 s analysis budget allows; raise transferlens\.timeBudgetSeconds/.test(n)), a.notes.join('\n'));
  assert.equal(a.curves.curves.find((c) => c.id === 'transfer:full'), undefined);
  assert.equal((a.preprocessing?.text as Record<string, any>).fullFineTune.trained, false);
});
