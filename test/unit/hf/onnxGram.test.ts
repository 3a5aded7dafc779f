/**
 * XᵀX on onnxruntime-node (src/node/onnxGram.ts): the hand-written Gemm graph loads, the result
 * equals the float64 Gram within float32 rounding, is exactly symmetric, sums several row blocks
 * correctly (a dropped or doubled block fails), and the switches that keep the WASM path
 * (TRANSFERLENS_ONNX_GRAM=0, an explicit TRANSFERLENS_GRAM_WORKERS, small work) are honoured.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { gram } from '../../../src/core/linalg/products';
import { loadOnnxRuntime } from '../../../src/node/hf/engine';
import { lastOnnxGram, nativeGramWanted, NATIVE_GRAM_WORK, onnxGram, releaseOnnxGram } from '../../../src/node/onnxGram';
import { randomMatrix } from '../linalg/helpers';

const runtime = loadOnnxRuntime();
const skip = runtime.ok ? false : `onnxruntime-node unavailable: ${runtime.reason}`;
after(() => releaseOnnxGram());

function withEnv<T>(name: string, value: string | undefined, body: () => T): T {
  const previous = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return body();
  } finally {
    if (previous === undefined) delete process.env[name];
    else process.env[name] = previous;
  }
}

test('onnxGram equals the float64 Gram within float32 rounding, exactly symmetric, over several row blocks', { skip }, async () => {
  const x = randomMatrix(700, 40, 7);
  const exact = gram(x);
  const g = await onnxGram(x, { threads: 1, rowBlock: 300 });
  assert.ok(g, lastOnnxGram().reason);
  assert.deepEqual(lastOnnxGram(), { ran: true, threads: 1, blocks: 3 });
  let worst = 0;
  let largest = 0;
  for (let i = 0; i < exact.data.length; i++) {
    worst = Math.max(worst, Math.abs(g.data[i]! - exact.data[i]!));
    largest = Math.max(largest, Math.abs(exact.data[i]!));
  }
  assert.ok(worst / largest < 1e-5, `relative error ${worst / largest}`);
  for (let r = 0; r < 40; r++) for (let c = 0; c < 40; c++) assert.equal(g.data[r * 40 + c], g.data[c * 40 + r]);
  // One block's worth of rows changes the Gram by far more than rounding: block bookkeeping is tested.
  const partial = gram({ ...x, rows: 400, data: x.data.subarray(0, 400 * 40) });
  assert.ok(Math.abs(partial.data[0]! - g.data[0]!) > 1e3 * worst);
});

test('switches: TRANSFERLENS_ONNX_GRAM=0 and explicit gram workers keep the WASM path; small work stays on it', { skip }, async () => {
  assert.equal(nativeGramWanted(NATIVE_GRAM_WORK / 10), false);
  assert.equal(withEnv('TRANSFERLENS_GRAM_WORKERS', undefined, () => nativeGramWanted(NATIVE_GRAM_WORK)), true);
  assert.equal(withEnv('TRANSFERLENS_GRAM_WORKERS', '2', () => nativeGramWanted(NATIVE_GRAM_WORK)), false);
  assert.equal(withEnv('TRANSFERLENS_ONNX_GRAM', '0', () => nativeGramWanted(NATIVE_GRAM_WORK)), false);
  const disabled = await withEnv('TRANSFERLENS_ONNX_GRAM', '0', () => onnxGram(randomMatrix(10, 3, 1)));
  assert.equal(disabled, undefined);
  assert.match(lastOnnxGram().reason ?? '', /TRANSFERLENS_ONNX_GRAM=0/);
});

test('without the runtime, onnxGram returns undefined and says why', async () => {
  await releaseOnnxGram();
  const result = await withEnv('TRANSFERLENS_DISABLE_ONNX', '1', () => onnxGram(randomMatrix(10, 3, 1)));
  assert.equal(result, undefined);
  assert.match(lastOnnxGram().reason ?? '', /disabled by TRANSFERLENS_DISABLE_ONNX/);
  assert.equal(withEnv('TRANSFERLENS_DISABLE_ONNX', '1', () => nativeGramWanted(NATIVE_GRAM_WORK)), false);
});
