/**
 * The WASM Conv2DBackpropFilter bridge (src/node/wasmKernels.ts) against the CPU backend's own
 * kernel: same filter gradients for 'valid'/'same' padding and strides 1 and 2, and a small CNN
 * trains on WASM through initBackend (which registers the bridge).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../../src/node/backend';
import { registerWasmConv2dFilterGradient } from '../../../src/node/wasmKernels';

/** Deterministic pseudo-random values in [-1, 1). */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

async function filterGradient(backend: string, xShape: [number, number, number, number], filterShape: [number, number, number, number], strides: [number, number], pad: 'valid' | 'same'): Promise<Float32Array> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(values(xShape.reduce((a, b) => a * b, 1), 7), xShape);
  // dy has the convolution's output shape, whatever the padding and strides give.
  const probe = tf.conv2d(x, tf.zeros(filterShape) as tf.Tensor4D, strides, pad);
  const dy = tf.tensor4d(values(probe.size, 11), probe.shape as [number, number, number, number]);
  // The filter gradient of Σ conv2d(x, f)·dy is Conv2DBackpropFilter(x, dy): the path training takes.
  const filter = tf.tensor4d(values(filterShape.reduce((a, b) => a * b, 1), 13), filterShape);
  const gradient = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, strides, pad), dy)))(filter);
  const data = (await gradient.data()) as Float32Array;
  tf.dispose([x, probe, dy, filter, gradient]);
  return data;
}

test('the WASM filter gradient equals the CPU kernel (valid/same, stride 1/2)', async () => {
  const info = await initBackend('wasm');
  assert.equal(info.name, 'wasm', JSON.stringify(info.tried));
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'initBackend registered the bridge');
  assert.equal(registerWasmConv2dFilterGradient(), true, 'idempotent');
  const cases: { x: [number, number, number, number]; f: [number, number, number, number]; s: [number, number]; pad: 'valid' | 'same' }[] = [
    { x: [2, 9, 9, 3], f: [3, 3, 3, 4], s: [1, 1], pad: 'valid' },
    { x: [3, 8, 7, 2], f: [3, 3, 2, 5], s: [1, 1], pad: 'same' },
    { x: [2, 11, 10, 1], f: [5, 3, 1, 2], s: [2, 2], pad: 'same' },
    { x: [1, 12, 12, 4], f: [2, 2, 4, 3], s: [2, 1], pad: 'valid' },
  ];
  for (const c of cases) {
    const wasm = await filterGradient('wasm', c.x, c.f, c.s, c.pad);
    const cpu = await filterGradient('cpu', c.x, c.f, c.s, c.pad);
    assert.equal(wasm.length, cpu.length);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < cpu.length; i++) {
      worst = Math.max(worst, Math.abs(wasm[i]! - cpu[i]!));
      scale = Math.max(scale, Math.abs(cpu[i]!));
    }
    assert.ok(scale > 0.1, 'non-trivial gradient');
    assert.ok(worst <= 1e-5 * Math.max(1, scale), `${JSON.stringify(c)}: max |wasm − cpu| = ${worst}`);
  }
  await tf.setBackend('wasm');
});

test('a small CNN trains on WASM (loss falls) without leaking tensors per step', async () => {
  await initBackend('wasm');
  await tf.setBackend('wasm');
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-2), loss: 'categoricalCrossentropy' });
  // Class 1 images are bright in the top half, class 0 in the bottom half.
  const n = 32;
  const x = new Float32Array(n * 64);
  const y = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    for (let p = 0; p < 64; p++) x[i * 64 + p] = (p < 32) === (cls === 1) ? 1 : 0;
    y[i * 2 + cls] = 1;
  }
  const xs = tf.tensor4d(x, [n, 8, 8, 1]);
  const ys = tf.tensor2d(y, [n, 2]);
  const first = await model.fit(xs, ys, { epochs: 1, batchSize: 8, verbose: 0 });
  const before = tf.memory().numTensors;
  const rest = await model.fit(xs, ys, { epochs: 15, batchSize: 8, verbose: 0 });
  assert.ok(tf.memory().numTensors <= before + 2, `tensors ${before} → ${tf.memory().numTensors}`);
  const firstLoss = first.history.loss[0] as number;
  const lastLoss = rest.history.loss.at(-1) as number;
  assert.ok(lastLoss < firstLoss * 0.5, `loss ${firstLoss} → ${lastLoss}`);
  tf.dispose([xs, ys]);
  model.dispose();
});
