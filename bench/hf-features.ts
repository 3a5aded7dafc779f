/**
 * Feature-extraction speed of Hugging Face checkpoints (issues #14 and #16), a benchmark, never a
 * test: samples/second for a BERT-base-sized model (128 tokens), a ViT-base-sized model (224 px)
 * and ResNet-50, all randomly initialised and seeded, on
 *   - onnxruntime-node (src/node/hf/onnx.ts, intraOpNumThreads = --threads),
 *   - the TF.js architectures on WASM (src/node/hf/architectures; the WASM backend is single-threaded
 *     under Node: it runs on one core whatever --threads says),
 *   - PyTorch CPU (bench/hf_features_torch.py, torch.set_num_threads(--threads)),
 * in the same run, engine after engine per model, median of --runs timed batches after a warm-up;
 * forward pass + the family's pooling (tokenisation and image decoding excluded: identical inputs
 * for all three). Prints one JSON line per model and a table with the ratios to PyTorch's time.
 *
 *   npx tsx bench/hf-features.ts [--models bert-base,vit-base,resnet-50] [--runs 3] [--threads 2]
 *                                [--batch 8] [--dir /tmp/transferlens-hf-bench] [--engines onnx,tfjs,torch]
 *
 * Models are generated into --dir by `hf_features_torch.py make` (needs torch + transformers; run
 * with /work/venv/bin/python when it exists, else python3); without Python and without the models
 * the benchmark says so and stops. Without onnxruntime-node the ONNX column is skipped with a note.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/node/backend';
import { loadOnnxRuntime } from '../src/node/hf/engine';
import { loadOnnxModel } from '../src/node/hf/onnx';
import { architectureFor } from '../src/node/hf/architectures/registry';
import { openWeights } from '../src/node/hf/weights';
import { pool } from '../src/node/hf/pooling';
import type { HfConfig, HfModel, ModelBatch, Pooling } from '../src/node/hf/types';
import { median, option } from './common';

const SEQ = 128;
const SIDE = 224;

function python(): string | undefined {
  for (const candidate of ['/work/venv/bin/python', 'python3']) {
    try {
      execFileSync(candidate, ['-c', 'import torch, transformers'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Seeded inputs of the same shapes the PyTorch side uses (values differ; speed does not depend on them). */
function batchFor(name: string, batch: number): ModelBatch {
  let state = 7;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  if (name === 'bert-base') {
    const ids = Array.from({ length: batch }, () => Array.from({ length: SEQ }, (_, j) => (j === 0 ? 101 : j === SEQ - 1 ? 102 : 1000 + Math.floor(next() * 29000))));
    return { kind: 'text', inputIds: tf.tensor2d(ids, [batch, SEQ], 'int32'), attentionMask: tf.ones([batch, SEQ], 'int32') as tf.Tensor2D, tokenTypeIds: tf.zeros([batch, SEQ], 'int32') as tf.Tensor2D };
  }
  const pixels = new Float32Array(batch * SIDE * SIDE * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = next() * 2 - 1;
  return { kind: 'image', pixelValues: tf.tensor4d(pixels, [batch, SIDE, SIDE, 3]) };
}

function pooledOf(model: HfModel, out: { hidden: ReadonlyMap<number, tf.Tensor>; pooler?: tf.Tensor2D }, batch: ModelBatch): tf.Tensor {
  const pooling: Pooling = model.defaultPooling;
  if (pooling === 'pooler') return out.pooler!;
  return pool(pooling, out.hidden.get(model.numLayers)!, batch.kind === 'text' ? batch.attentionMask : undefined);
}

async function timeEngine(model: HfModel, batch: ModelBatch, runs: number): Promise<number[]> {
  const once = async () => {
    if (model.forwardAsync) {
      const out = await model.forwardAsync(batch);
      const pooled = tf.tidy(() => tf.clone(pooledOf(model, out, batch)));
      await pooled.data();
      pooled.dispose();
      for (const t of out.hidden.values()) t.dispose();
      out.pooler?.dispose();
    } else {
      const pooled = tf.tidy(() => pooledOf(model, model.forward(batch), batch));
      await pooled.data();
      pooled.dispose();
    }
  };
  await once(); // warm-up (kernel selection, first allocations)
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    await once();
    times.push((performance.now() - start) / 1000);
  }
  return times;
}

async function main(): Promise<void> {
  const models = option('models', 'bert-base,vit-base,resnet-50').split(',');
  const runs = Number(option('runs', '3'));
  const threads = Number(option('threads', '2'));
  const batchSize = Number(option('batch', '8'));
  const directory = option('dir', '/tmp/transferlens-hf-bench');
  const engines = new Set(option('engines', 'onnx,tfjs,torch').split(','));
  const py = python();
  if (models.some((m) => !existsSync(join(directory, m, 'onnx', 'model.onnx')))) {
    if (!py) {
      console.log(`models missing in ${directory} and no Python with torch + transformers to generate them (bench/hf_features_torch.py make ${directory})`);
      return;
    }
    console.error(`generating models into ${directory} …`);
    execFileSync(py, [join(__dirname, 'hf_features_torch.py'), 'make', directory], { stdio: 'inherit' });
  }
  const backend = await initBackend('wasm');
  const runtime = loadOnnxRuntime();
  console.log(`TF.js backend ${backend.name} (single-threaded); onnxruntime-node ${runtime.ok ? runtime.version : `unavailable: ${runtime.reason}`}; PyTorch ${py ? `via ${py}` : 'unavailable: no python with torch + transformers'}; ${threads} threads for ORT and PyTorch; batch ${batchSize}, ${runs} runs; load ${loadavg()[0]!.toFixed(2)}`);
  const rows: { model: string; onnx?: number; tfjs?: number; torch?: number; note?: string }[] = [];
  for (const name of models) {
    const folder = join(directory, name);
    const row: { model: string; onnx?: number; tfjs?: number; torch?: number; note?: string } = { model: name };
    const detail: Record<string, unknown> = { model: name, batch: batchSize, loadStart: +loadavg()[0]!.toFixed(2) };
    if (engines.has('torch') && py) {
      const out = JSON.parse(execFileSync(py, [join(__dirname, 'hf_features_torch.py'), 'time', directory, name, String(batchSize), String(runs), String(threads)], { encoding: 'utf8' })) as { samples_per_s: number; runs_s: number[] };
      row.torch = out.samples_per_s;
      detail.torch = { samplesPerSecond: +out.samples_per_s.toFixed(2), runsS: out.runs_s.map((t) => +t.toFixed(3)) };
    }
    const batch = batchFor(name, batchSize);
    if (engines.has('onnx') && runtime.ok) {
      const model = await loadOnnxModel(folder, { threads });
      const times = await timeEngine(model, batch, runs);
      model.dispose();
      row.onnx = batchSize / median(times);
      detail.onnx = { samplesPerSecond: +row.onnx.toFixed(2), runsS: times.map((t) => +t.toFixed(3)), threads };
    }
    if (engines.has('tfjs')) {
      const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as HfConfig;
      const architecture = architectureFor(config.model_type as string);
      if (!architecture) {
        row.note = `TF.js does not implement ${String(config.model_type)} yet`;
      } else {
        const model = await architecture.load(config, await openWeights(folder));
        const times = await timeEngine(model, batch, runs);
        model.dispose();
        row.tfjs = batchSize / median(times);
        detail.tfjs = { samplesPerSecond: +row.tfjs.toFixed(2), runsS: times.map((t) => +t.toFixed(3)), threads: 1 };
      }
    }
    if (batch.kind === 'image') batch.pixelValues.dispose();
    else tf.dispose([batch.inputIds, batch.attentionMask, ...(batch.tokenTypeIds ? [batch.tokenTypeIds] : [])]);
    detail.loadEnd = +loadavg()[0]!.toFixed(2);
    console.log(JSON.stringify(detail));
    rows.push(row);
  }
  // Time ratios to PyTorch: (PyTorch samples/s) / (engine samples/s); ≤ 1.0 means as fast or faster.
  const fmt = (v?: number) => (v === undefined ? '—' : v.toFixed(2));
  const ratio = (v?: number, t?: number) => (v === undefined || t === undefined ? '—' : `${(t / v).toFixed(2)}×`);
  console.log('\n| model | PyTorch CPU samples/s | onnxruntime-node samples/s (time vs PyTorch) | TF.js WASM samples/s (time vs PyTorch) |');
  console.log('|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.model} | ${fmt(r.torch)} | ${fmt(r.onnx)} (${ratio(r.onnx, r.torch)}) | ${fmt(r.tfjs)} (${ratio(r.tfjs, r.torch)})${r.note ? ` ${r.note}` : ''} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
