/**
 * Partial freeze of a Hugging Face vision checkpoint (image branch): `finetuning_type: freeze`
 * without `freeze_trainable_layers` takes LLaMA-Factory's default (the top 2 blocks), as the text
 * branch does, and says so; an explicit count below the model's depth adds the probe on the
 * hidden state under the trainable blocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeConfigFile } from '../../../src/node/pipeline';

const CACHE = join(__dirname, '..', '..', 'fixtures', 'hf-vision-cache');

async function analyse(extra: string) {
  const dir = mkdtempSync(join(tmpdir(), 'tl-hf-freeze-'));
  try {
    cpSync(join(CACHE, 'project', 'data'), join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'config.yaml'), `model_name_or_path: tiny-org/vit-mnist\ntrain_dir: ./data/train\nmax_train_samples: 40\n${extra}`);
    const report = await analyzeConfigFile(join(dir, 'config.yaml'), { env: { ...process.env, HF_HUB_CACHE: join(CACHE, 'hub') }, backend: 'wasm', maxSamples: 60, seed: 0 });
    return report.analysis as unknown as { notes: string[]; recommendation: { alternatives: { strategy: string }[] } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("finetuning_type: freeze without freeze_trainable_layers: LLaMA-Factory's default of 2 blocks, said in a note", async () => {
  const a = await analyse('finetuning_type: freeze\n');
  assert.ok(a.notes.some((n) => /freeze_trainable_layers is not set: LLaMA-Factory's default is assumed — the top 2 blocks trainable/.test(n)), a.notes.join('\n'));
});

test('freeze_trainable_layers: 1 on the 2-block ViT: the partial-freeze probe on hidden state 1; no default note', async () => {
  const a = await analyse('finetuning_type: freeze\nfreeze_trainable_layers: 1\n');
  assert.ok(!a.notes.some((n) => /freeze_trainable_layers is not set/.test(n)));
  assert.ok(a.notes.some((n) => /partial freeze is judged by a probe on hidden state 1 \(below the 1 trainable blocks\)/.test(n)), a.notes.join('\n'));
});
