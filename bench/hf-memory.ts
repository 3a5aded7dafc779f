/**
 * Peak memory while extracting features with a BERT-base-sized Hugging Face checkpoint (issue #14
 * "Must show": peak RSS stays under 2× the model's float32 weight size). A benchmark, never a test.
 *
 * The model is the randomly initialised, seeded BERT-base (110 M parameters, float32
 * model.safetensors, 438 MB) that bench/hf_features_torch.py `make` writes (run with
 * /work/venv/bin/python when it exists); this script links it into --dir with a generated
 * 30,522-token WordPiece vocab.txt (the tokenizer reader builds BERT's tokenizer from it), then
 * runs, in a fresh child process, exactly what the analysis does — loadHfCheckpoint (TF.js on WASM)
 * and extract() of --texts texts of 128 tokens in batches of --batch — and reads the process's
 * high-water mark (VmHWM in /proc/self/status, Linux) before loading, after loading and after
 * extracting. Nothing is committed; the model stays in /tmp.
 *
 *   node --import tsx bench/hf-memory.ts [--texts 64] [--batch 4] [--engine tfjs|onnx]
 *                                        [--dir /tmp/transferlens-hf-memory] [--models /tmp/transferlens-hf-bench]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/node/backend';
import { loadHfCheckpoint } from '../src/node/hf/checkpoint';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1]! : fallback;
}

function status(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync('/proc/self/status', 'utf8').split('\n')) {
    const m = /^(VmHWM|VmRSS):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function child(folder: string, texts: number, batch: number, engine: 'tfjs' | 'onnx'): Promise<void> {
  await initBackend('wasm');
  const before = status();
  const t0 = performance.now();
  const ck = await loadHfCheckpoint(folder, { engine });
  const loadSeconds = (performance.now() - t0) / 1000;
  const loaded = status();
  // Texts of 126 vocabulary words: 128 tokens with [CLS] and [SEP].
  let state = 7;
  const word = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return `w${1000 + (state % 29000)}`;
  };
  const inputs = Array.from({ length: texts }, () => Array.from({ length: 126 }, word).join(' '));
  const lengths = ck.tokenize(inputs.slice(0, 2)).map((e) => e.ids.length);
  const t1 = performance.now();
  const features = await ck.extract({ texts: inputs }, { batchSize: batch, maxLength: 128 });
  const extractSeconds = (performance.now() - t1) / 1000;
  const after = status();
  ck.dispose();
  const float32 = ck.info.parameters * 4;
  console.log(JSON.stringify({
    model: folder, engine: ck.info.engine, parameters: ck.info.parameters, dtype: ck.info.dtype, float32WeightBytes: float32,
    texts, tokens: lengths[0], batch, features: [features.rows, features.cols],
    rssBeforeLoad: before.VmRSS, peakAfterLoad: loaded.VmHWM, peakAfterExtract: after.VmHWM,
    peakOverFloat32: after.VmHWM! / float32, loadSeconds, extractSeconds, textsPerSecond: texts / extractSeconds,
  }));
}

async function main(): Promise<void> {
  const texts = Number(option('texts', '64'));
  const batch = Number(option('batch', '4'));
  const engine = option('engine', 'tfjs') === 'onnx' ? 'onnx' : 'tfjs';
  if (process.argv.includes('--child')) return child(option('folder', ''), texts, batch, engine);
  const models = option('models', '/tmp/transferlens-hf-bench');
  const dir = option('dir', '/tmp/transferlens-hf-memory');
  const source = join(models, 'bert-base');
  if (!existsSync(join(source, 'model.safetensors'))) {
    const python = existsSync('/work/venv/bin/python') ? '/work/venv/bin/python' : 'python3';
    console.error(`generating the random BERT-base into ${models} with ${python} bench/hf_features_torch.py make …`);
    execFileSync(python, [join(__dirname, 'hf_features_torch.py'), 'make', models], { stdio: 'inherit' });
  }
  const folder = join(dir, 'bert-base');
  mkdirSync(folder, { recursive: true });
  for (const name of ['config.json', 'model.safetensors', 'onnx']) if (!existsSync(join(folder, name)) && existsSync(join(source, name))) symlinkSync(join(source, name), join(folder, name));
  if (!existsSync(join(folder, 'vocab.txt'))) {
    const vocab = ['[PAD]', ...Array.from({ length: 99 }, (_, i) => `[unused${i + 1}]`), '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
    while (vocab.length < 30522) vocab.push(`w${vocab.length}`);
    writeFileSync(join(folder, 'vocab.txt'), vocab.join('\n') + '\n');
    writeFileSync(join(folder, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true, model_max_length: 512, tokenizer_class: 'BertTokenizer' }));
  }
  const run = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', '--folder', folder, '--texts', String(texts), '--batch', String(batch), '--engine', engine], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) throw new Error(`the measuring process failed (exit ${run.status})`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, number>;
  console.log(JSON.stringify(result));
  console.log(`BERT-base on ${result.engine} (${(result.parameters! / 1e6).toFixed(1)} M parameters, float32 ${mb(result.float32WeightBytes!)}): ` +
    `RSS before loading ${mb(result.rssBeforeLoad!)}, peak after loading ${mb(result.peakAfterLoad!)}, peak after extracting ${result.texts} × ${result.tokens} tokens (batch ${result.batch}) ${mb(result.peakAfterExtract!)} ` +
    `= ${result.peakOverFloat32!.toFixed(2)}× the float32 weights (limit 2×); load ${result.loadSeconds!.toFixed(1)} s, ${result.textsPerSecond!.toFixed(2)} texts/s`);
}

void main();
