/**
 * Per-kernel timings of the TF.js ops the Hugging Face transformer architectures spend their time
 * in (src/node/hf/architectures/layers.ts), on the WASM backend at BERT-base (batch 16 × 128
 * tokens, hidden 768, 12 heads, FFN 3072) and ViT-base (batch 8 × 197 tokens) shapes. A
 * benchmark, never a test: it exists to decide which formulation each layer uses (plain vs
 * transposeB matMul, fused vs separate bias, 4-D vs 3-D batched attention products, softmax,
 * layer norm, gelu). Variants of one op run interleaved (round-robin) so that the load of a
 * shared machine hits them alike; medians in ms per call.
 *
 *   npx tsx bench/hf-wasm-kernels.ts [--runs 5] [--only matmul,attention,norm,act] [--shape bert|vit]
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/node/backend';
import { geluExact, geluTanh, layerNorm, splitHeads, mergeHeads } from '../src/node/hf/architectures/layers';
import { median, option } from './common';

type Case = { name: string; fn: () => tf.Tensor };

function randn(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

async function timeOnce(fn: () => tf.Tensor): Promise<number> {
  const start = performance.now();
  const y = tf.tidy(fn);
  await y.data();
  const ms = performance.now() - start;
  y.dispose();
  return ms;
}

/** Runs the cases round-robin `runs` times after one warm-up each; prints medians. */
async function group(title: string, cases: Case[], runs: number): Promise<void> {
  for (const c of cases) await timeOnce(c.fn);
  const times = cases.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < cases.length; i++) times[i]!.push(await timeOnce(cases[i]!.fn));
  }
  console.log(`\n## ${title} (load ${loadavg()[0]!.toFixed(1)})`);
  const base = median(times[0]!);
  cases.forEach((c, i) => {
    const m = median(times[i]!);
    console.log(`${c.name.padEnd(58)} ${m.toFixed(1).padStart(9)} ms  ×${(m / base).toFixed(2)}  [${times[i]!.map((t) => t.toFixed(0)).join(' ')}]`);
  });
}

async function main(): Promise<void> {
  const runs = Number(option('runs', '5'));
  const only = new Set(option('only', 'matmul,attention,norm,act').split(','));
  const shape = option('shape', 'bert');
  const backend = await initBackend('wasm');
  const [batch, seq] = shape === 'vit' ? [8, 197] : [16, 128];
  const hidden = 768;
  const heads = 12;
  const d = hidden / heads;
  const ffn = 3072;
  const rows = batch * seq;
  console.log(`backend ${backend.name}; ${shape}: batch ${batch} × ${seq} tokens (rows ${rows}), hidden ${hidden}, heads ${heads}, ffn ${ffn}; ${runs} runs`);

  const x = randn([rows, hidden], 1) as tf.Tensor2D;
  const wOutIn = randn([hidden, hidden], 2) as tf.Tensor2D; // PyTorch layout [out, in]
  const wInOut = tf.transpose(wOutIn) as tf.Tensor2D;
  const bias = randn([hidden], 3) as tf.Tensor1D;
  const w1 = randn([hidden, ffn], 4) as tf.Tensor2D; // [in, out]
  const b1 = randn([ffn], 5) as tf.Tensor1D;
  const h1 = randn([rows, ffn], 6) as tf.Tensor2D;
  const w2 = randn([ffn, hidden], 7) as tf.Tensor2D;

  if (only.has('matmul')) {
    await group(`linear [${rows},${hidden}]·[${hidden},${hidden}]`, [
      { name: 'matMul plain (W [in,out])', fn: () => tf.matMul(x, wInOut) },
      { name: 'fused.matMul plain + bias', fn: () => tf.fused.matMul({ a: x, b: wInOut, bias }) },
      { name: 'matMul plain, then add(bias)', fn: () => tf.add(tf.matMul(x, wInOut), bias) },
      { name: 'matMul transposeB (W [out,in])', fn: () => tf.matMul(x, wOutIn, false, true) },
    ], Math.min(runs, 3));
    await group(`FFN [${rows},${hidden}]·[${hidden},${ffn}] and back`, [
      { name: `fused.matMul + bias, [${hidden},${ffn}]`, fn: () => tf.fused.matMul({ a: x, b: w1, bias: b1 }) },
      { name: `fused.matMul + bias + relu, [${hidden},${ffn}]`, fn: () => tf.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' }) },
      { name: `fused.matMul + bias, [${ffn},${hidden}]`, fn: () => tf.fused.matMul({ a: h1, b: w2, bias }) },
    ], runs);
  }

  if (only.has('attention')) {
    const q4 = randn([batch, heads, seq, d], 8) as tf.Tensor4D;
    const k4 = randn([batch, heads, seq, d], 9) as tf.Tensor4D;
    const kT4 = tf.transpose(k4, [0, 1, 3, 2]) as tf.Tensor4D;
    const q3 = tf.reshape(q4, [batch * heads, seq, d]) as tf.Tensor3D;
    const k3 = tf.reshape(k4, [batch * heads, seq, d]) as tf.Tensor3D;
    const kT3 = tf.reshape(kT4, [batch * heads, d, seq]) as tf.Tensor3D;
    const p4 = tf.softmax(randn([batch, heads, seq, seq], 10)) as tf.Tensor4D;
    const p3 = tf.reshape(p4, [batch * heads, seq, seq]) as tf.Tensor3D;
    const qkv = randn([batch, seq, hidden], 11);
    await group(`scores q·kᵀ [${batch},${heads},${seq},${d}]`, [
      { name: '4-D matMul(q, k, false, true)', fn: () => tf.matMul(q4, k4, false, true) },
      { name: '4-D matMul(q, kᵀ) (k pre-transposed)', fn: () => tf.matMul(q4, kT4) },
      { name: '4-D transpose(k) then matMul', fn: () => tf.matMul(q4, tf.transpose(k4, [0, 1, 3, 2]) as tf.Tensor4D) },
      { name: '3-D matMul(q, k, false, true)', fn: () => tf.matMul(q3, k3, false, true) },
      { name: '3-D matMul(q, kᵀ)', fn: () => tf.matMul(q3, kT3) },
      {
        name: 'depthwiseConv2d, one channel per (b, h) (layers.ts)',
        fn: () => {
          const n = batch * heads;
          const xq = tf.reshape(tf.transpose(q4, [2, 3, 0, 1]), [1, seq, d, n]) as tf.Tensor4D;
          const fk = tf.reshape(tf.transpose(k4, [3, 0, 1, 2]), [1, d, n, seq]) as tf.Tensor4D;
          return tf.depthwiseConv2d(xq, fk, 1, 'valid');
        },
      },
      {
        name: 'per (batch·head) 2-D matMul, concat',
        fn: () => {
          const ks = tf.unstack(kT3);
          return tf.stack(tf.unstack(q3).map((qi, i) => tf.matMul(qi as tf.Tensor2D, ks[i] as tf.Tensor2D)));
        },
      },
    ], runs);
    await group(`probs·v [${batch},${heads},${seq},${seq}]·[…,${seq},${d}]`, [
      { name: '4-D matMul(p, v)', fn: () => tf.matMul(p4, q4) },
      { name: '3-D matMul(p, v)', fn: () => tf.matMul(p3, q3) },
      {
        name: 'depthwiseConv2d, one channel per (b, h) (layers.ts)',
        fn: () => {
          const n = batch * heads;
          const xp = tf.reshape(tf.transpose(p4, [2, 3, 0, 1]), [1, seq, seq, n]) as tf.Tensor4D;
          const fv = tf.reshape(tf.transpose(q4, [2, 0, 1, 3]), [1, seq, n, d]) as tf.Tensor4D;
          return tf.depthwiseConv2d(xp, fv, 1, 'valid');
        },
      },
    ], runs);
    await group(`softmax / heads reshuffles`, [
      { name: `softmax [${batch},${heads},${seq},${seq}]`, fn: () => tf.softmax(p4, -1) },
      { name: 'add mask bias [B,1,1,T] to scores', fn: () => tf.add(p4, tf.zeros([batch, 1, 1, seq])) },
      { name: 'splitHeads [B,T,768] → [B,H,T,d]', fn: () => splitHeads(qkv, heads) },
      { name: 'mergeHeads [B,H,T,d] → [B,T,768]', fn: () => mergeHeads(q4) },
      { name: 'mul(q, scale)', fn: () => tf.mul(q4, 0.125) },
    ], runs);
  }

  if (only.has('norm')) {
    const gamma = randn([hidden], 12) as tf.Tensor1D;
    const beta = randn([hidden], 13) as tf.Tensor1D;
    const norm = { weight: gamma, bias: beta, eps: 1e-12 };
    await group(`layerNorm [${rows},${hidden}]`, [
      { name: 'layers.layerNorm (moments)', fn: () => layerNorm(x, norm) },
      {
        name: 'mean, sub, mean(square), rsqrt',
        fn: () => {
          const centred = tf.sub(x, tf.mean(x, -1, true));
          const v = tf.mean(tf.square(centred), -1, true);
          return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(v, 1e-12))), gamma), beta);
        },
      },
      { name: 'residual add [rows,768]', fn: () => tf.add(x, x) },
    ], runs);
  }

  if (only.has('act')) {
    await group(`activations [${rows},${ffn}]`, [
      { name: 'geluExact (erf)', fn: () => geluExact(h1) },
      { name: 'erf alone', fn: () => tf.erf(h1) },
      { name: 'geluTanh', fn: () => geluTanh(h1) },
      { name: 'relu (reference: one elementwise pass)', fn: () => tf.relu(h1) },
      { name: 'mul by scalar', fn: () => tf.mul(h1, 0.5) },
    ], runs);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
