/**
 * Load cost of src/node/hf/weights.ts on a large bf16 checkpoint (issue #14 §1: "peak memory
 * stays near the model's float32 size"): writes a synthetic BERT-large-shaped ~400 MB BF16
 * model.safetensors to /tmp (not committed; reused across runs), then in this process opens it
 * (header only: bytes read, time) and uploads every tensor to the backend as float32 the way an
 * architecture's load does (tensor() one after another, kept), reporting time, MB/s and the
 * peak RSS against the float32 size.
 *
 * Usage: node --import tsx bench/hf-weights.ts [--backend wasm|cpu] [--folder /tmp/tl-bench-bf16]
 */
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendPreference } from '../src/node/backend';
import { openWeights } from '../src/node/hf/weights';
import { inspectHfSnapshot } from '../src/node/hf/snapshot';

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1]! : fallback;
}

const folder = arg('folder', '/tmp/tl-bench-bf16');
const backend = arg('backend', 'wasm') as BackendPreference;

/** BERT-large-like shapes at hidden 1024: embeddings + 12 layers ≈ 202 M parameters. */
function shapes(): [string, number[]][] {
  const out: [string, number[]][] = [['embeddings.word_embeddings.weight', [50000, 1024]]];
  for (let l = 0; l < 12; l++) {
    for (const p of ['query', 'key', 'value']) out.push([`encoder.layer.${l}.attention.self.${p}.weight`, [1024, 1024]], [`encoder.layer.${l}.attention.self.${p}.bias`, [1024]]);
    out.push([`encoder.layer.${l}.attention.output.dense.weight`, [1024, 1024]], [`encoder.layer.${l}.intermediate.dense.weight`, [4096, 1024]], [`encoder.layer.${l}.output.dense.weight`, [1024, 4096]]);
  }
  return out;
}

function writeModel(): void {
  mkdirSync(folder, { recursive: true });
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of shapes()) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 2;
    header[name] = { dtype: 'BF16', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const fd = openSync(join(folder, 'model.safetensors'), 'w');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  writeSync(fd, prefix);
  writeSync(fd, json);
  // Random bf16 values of magnitude ~2^-7 (no NaN/Inf), 16 MB at a time.
  const chunk = new Uint16Array(8 * 1024 * 1024);
  for (let written = 0; written < offset; written += chunk.byteLength) {
    randomFillSync(chunk);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (chunk[i]! & 0x807f) | 0x3c00;
    const bytes = Math.min(chunk.byteLength, offset - written);
    writeSync(fd, new Uint8Array(chunk.buffer, 0, bytes));
  }
  closeSync(fd);
  mkdirSync(folder, { recursive: true });
  writeSync(openSync(join(folder, 'config.json'), 'w'), JSON.stringify({ model_type: 'bert', hidden_size: 1024, num_hidden_layers: 12 }));
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  if (!existsSync(join(folder, 'model.safetensors'))) writeModel();
  const fileBytes = statSync(join(folder, 'model.safetensors')).size;
  await initBackend(backend);
  const baseline = process.memoryUsage().rss;
  let t = performance.now();
  const info = await inspectHfSnapshot(folder);
  const inspectMs = performance.now() - t;
  t = performance.now();
  const weights = await openWeights(folder);
  const openMs = performance.now() - t;
  const float32 = weights.parameters * 4;
  t = performance.now();
  const kept: tf.Tensor[] = [];
  for (const name of weights.entries.keys()) kept.push(await weights.tensor(name));
  const loadMs = performance.now() - t;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  console.log(`backend ${tf.getBackend()}; file ${mb(fileBytes)} BF16, ${(weights.parameters / 1e6).toFixed(1)} M parameters, float32 ${mb(float32)}`);
  console.log(`inspectHfSnapshot: ${info.bytesRead} bytes read, ${inspectMs.toFixed(1)} ms; openWeights: ${weights.stats.headerBytes} bytes read, ${openMs.toFixed(1)} ms`);
  console.log(`tensor() × ${kept.length}: ${(loadMs / 1000).toFixed(2)} s (${(fileBytes / 1024 / 1024 / (loadMs / 1000)).toFixed(0)} MB/s of bf16 read + converted + uploaded)`);
  console.log(`RSS before ${mb(baseline)}, peak ${mb(peakRss)}: peak − before = ${mb(peakRss - baseline)} = ${((peakRss - baseline) / float32).toFixed(2)} × the float32 size (${((peakRss) / float32).toFixed(2)} × counting the process baseline)`);
  tf.dispose(kept);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
