/**
 * Hub snapshots that hold only an ONNX export, analysed end to end (issue #16 "Must show"): a
 * cache laid out as huggingface_hub writes it (refs/main, blobs/<sha256>, snapshots/<rev>/ of
 * relative symlinks) is built in a temporary folder from the ONNX-only fixtures
 * (test/fixtures/hf-models/onnx-only-*, scripts/hf-fixtures/export_onnx.py), and configs that name
 * them by Hub id go through analyzeConfigFile:
 *   - vision: onnx-only-vit on 40 mnist digits (an image folder);
 *   - text: onnx-only-bert, and onnx-only-mpnet — an architecture the TF.js side does not
 *     implement — on the sentiment CSV;
 * each gets a verdict and a note saying onnxruntime-node ran. With the runtime forced off
 * (TRANSFERLENS_DISABLE_ONNX=1) the same snapshot gets a checkpoint-unsupported finding that says
 * the ONNX engine is unavailable, instead of a crash or a wrong "weights not downloaded".
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { analyzeConfigFile } from '../../../src/node/pipeline';
import { loadOnnxRuntime } from '../../../src/node/hf/engine';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'hf-models');
const runtime = loadOnnxRuntime();
const skip = runtime.ok ? false : `onnxruntime-node unavailable: ${runtime.reason}`;

let scratch: string;
let hub: string;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

/** Writes fixture `name` into the cache as `repoId`, as huggingface_hub does; returns the snapshot folder. */
function cacheRepo(name: string, repoId: string): string {
  const source = join(FIXTURES, name);
  const repo = join(hub, `models--${repoId.replace('/', '--')}`);
  const manifest: [string, string][] = [];
  for (const file of files(source).filter((f) => !f.endsWith('reference.json') && !f.endsWith('.png'))) {
    const bytes = readFileSync(file);
    const blob = createHash('sha256').update(bytes).digest('hex');
    mkdirSync(join(repo, 'blobs'), { recursive: true });
    writeFileSync(join(repo, 'blobs', blob), bytes);
    manifest.push([relative(source, file), blob]);
  }
  const commit = createHash('sha1').update(JSON.stringify(manifest)).digest('hex');
  mkdirSync(join(repo, 'refs'), { recursive: true });
  writeFileSync(join(repo, 'refs', 'main'), commit);
  for (const [path, blob] of manifest) {
    const link = join(repo, 'snapshots', commit, path);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), join(repo, 'blobs', blob)), link);
  }
  return join(repo, 'snapshots', commit);
}

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'tl-onnx-snapshot-'));
  hub = join(scratch, 'hub');
  const vit = cacheRepo('onnx-only-vit', 'tiny-org/vit-onnx');
  const bert = cacheRepo('onnx-only-bert', 'tiny-org/bert-onnx');
  const mpnet = cacheRepo('onnx-only-mpnet', 'tiny-org/mpnet-onnx');
  for (const snapshot of [vit, bert, mpnet]) {
    const names = readdirSync(snapshot);
    assert.ok(!names.some((n) => n.endsWith('.safetensors') || n.endsWith('.bin')), 'ONNX only');
    assert.ok(readdirSync(join(snapshot, 'onnx')).includes('model.onnx'));
  }
  const project = join(scratch, 'project');
  cpSync(join(ROOT, 'test', 'fixtures', 'hf-vision-cache', 'project', 'data'), join(project, 'data'), { recursive: true });
  cpSync(join(ROOT, 'test', 'fixtures', 'text', 'sentiment.csv'), join(project, 'sentiment.csv'));
  writeFileSync(join(project, 'vision.yaml'), 'model_name_or_path: tiny-org/vit-onnx\ntrain_dir: ./data/train\nmax_train_samples: 40\nlearning_rate: 0.0001\nnum_train_epochs: 3\n');
  for (const m of ['bert', 'mpnet']) {
    writeFileSync(join(project, `${m}.yaml`), `model_name_or_path: tiny-org/${m}-onnx\ntrain_file: ./sentiment.csv\ntext_column_names: text\nmax_seq_length: 48\nmax_train_samples: 100\n`);
  }
});

after(() => rmSync(scratch, { recursive: true, force: true }));

async function analyze(config: string) {
  const project = join(scratch, 'project');
  return analyzeConfigFile(join(project, config), { workspaceRoot: project, env: { ...process.env, HF_HUB_CACHE: hub }, seed: 0, maxSamples: 300 });
}

for (const [config, what] of [['vision.yaml', 'vision (ViT)'], ['bert.yaml', 'text (BERT)'], ['mpnet.yaml', 'text (MPNet, no TF.js implementation)']] as const) {
  test(`an ONNX-only cache snapshot, ${what}, is analysed end to end on onnxruntime-node`, { skip }, async () => {
    const report = await analyze(config);
    const blocking = report.findings.filter((f) => f.severity === 'error' || f.code.startsWith('checkpoint-'));
    assert.deepEqual(blocking.map((f) => `${f.code}: ${f.message}`), []);
    const analysis = report.analysis as unknown as { verdict?: string; notes?: string[]; hfModel?: { engine?: string; engineNote?: string } } | undefined;
    assert.ok(analysis, `no analysis: ${report.findings.map((f) => f.code).join(', ')}`);
    assert.ok(['positive', 'negative', 'too-close'].includes(analysis.verdict ?? ''), `verdict ${analysis.verdict}`);
    // Which engine ran: in the notes (text branch) or analysis.hfModel.engineNote (image branch, report rows).
    const said = [...(analysis.notes ?? []), analysis.hfModel?.engineNote ?? ''].join('\n');
    assert.match(said, /ngine: onnxruntime-node [0-9.]+ \(native CPU\)/, 'the report says the ONNX engine ran');
    if (config === 'bert.yaml') {
      // No strategy key: a full fine-tune, which needs trainable weights; ONNX ones are not: the probe stands in, said so.
      assert.ok((analysis.notes ?? []).some((n) => /^Full fine-tuning of the bert is not simulated: fine-tuning needs the checkpoint's PyTorch \/ safetensors weights/.test(n)), (analysis.notes ?? []).join('\n'));
    }
    if (config === 'vision.yaml') {
      // The ViT export has only the last hidden state (as optimum / Xenova exports): no per-layer overlap, said so.
      assert.ok((analysis.notes ?? []).some((n) => /outputs hidden state 2 only, so the per-layer overlap is not computed/.test(n)), (analysis.notes ?? []).join('\n'));
    }
  });
}

test('with the runtime forced off, an ONNX-only snapshot gets a finding that says the ONNX engine is unavailable', async () => {
  // The switch is read from the process environment (the worker's / CLI's), not the config's.
  process.env.TRANSFERLENS_DISABLE_ONNX = '1';
  let report;
  try {
    report = await analyze('mpnet.yaml');
  } finally {
    delete process.env.TRANSFERLENS_DISABLE_ONNX;
  }
  assert.ok(!report.analysis);
  const finding = report.findings.find((f) => f.code === 'checkpoint-unsupported');
  assert.ok(finding, report.findings.map((f) => `${f.code}: ${f.message}`).join('\n'));
  assert.match(finding.message, /ONNX export but the ONNX engine is unavailable here/);
});
