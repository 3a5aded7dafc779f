/**
 * Engine choice and the fallback when onnxruntime-node cannot load (src/node/hf/engine.ts): a
 * loader that throws (as on a platform without the binary, or the universal VSIX) and the
 * TRANSFERLENS_DISABLE_ONNX switch both leave everything on TF.js, with a note saying which engine
 * runs and why; a checkpoint loaded through loadHfCheckpoint says so in `engineNote`. Also the
 * ONNX export discovery in the optimum and transformers.js layouts, and TF.js vs ONNX features
 * on the same fixture at rtol 1e-4 (when the runtime loads here).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../../src/node/backend';
import { chooseEngine, findOnnxExports, loadOnnxRuntime, pickOnnxExport, setOnnxRuntimeLoader, type OnnxRuntimeModule } from '../../../src/node/hf/engine';
import { loadOnnxIfAvailable } from '../../../src/node/hf/onnx';
import { loadHfCheckpoint } from '../../../src/node/hf/checkpoint';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'hf-models');
const realRuntime = loadOnnxRuntime();
const noRuntime = realRuntime.ok ? false : `onnxruntime-node unavailable: ${realRuntime.reason}`;
const missingBinary = () => {
  throw new Error('libonnxruntime.so.1: cannot open shared object file: No such file or directory');
};

let scratch: string;
before(async () => {
  await initBackend('wasm');
  scratch = mkdtempSync(join(tmpdir(), 'tl-onnx-engine-'));
});
after(() => {
  setOnnxRuntimeLoader(undefined);
  delete process.env.TRANSFERLENS_DISABLE_ONNX;
  rmSync(scratch, { recursive: true, force: true });
});

test('findOnnxExports: transformers.js layout (onnx/) before optimum (top level), one entry per variant; external data counted', () => {
  const folder = join(scratch, 'layouts');
  mkdirSync(join(folder, 'onnx'), { recursive: true });
  writeFileSync(join(folder, 'onnx', 'model.onnx'), 'x'.repeat(10));
  writeFileSync(join(folder, 'onnx', 'model.onnx_data'), 'x'.repeat(100));
  writeFileSync(join(folder, 'onnx', 'model_quantized.onnx'), 'x'.repeat(3));
  writeFileSync(join(folder, 'model.onnx'), 'x');
  writeFileSync(join(folder, 'model_fp16.onnx'), 'xx');
  const found = findOnnxExports(folder);
  assert.deepEqual(found.map((e) => [e.variant, e.file.slice(folder.length + 1), e.bytes]).sort(), [
    ['fp16', 'model_fp16.onnx', 2], ['fp32', join('onnx', 'model.onnx'), 110], ['quantized', join('onnx', 'model_quantized.onnx'), 3],
  ].sort());
  assert.equal(pickOnnxExport(found, 'quantized').export?.variant, 'quantized');
  assert.match(pickOnnxExport(found, 'q4').note ?? '', /no model_q4\.onnx.*fp32/);
  assert.deepEqual(findOnnxExports(join(scratch, 'nothing-here')), []);
});

test('a runtime that fails to load: auto and onnx fall back to TF.js with a note; ONNX-only folders cannot run', () => {
  setOnnxRuntimeLoader(missingBinary);
  try {
    const status = loadOnnxRuntime();
    assert.equal(status.ok, false);
    assert.match(status.ok ? '' : status.reason, /did not load: libonnxruntime\.so\.1/);
    const both = { folder: join(FIXTURES, 'vit'), modelType: 'vit', hasWeights: true, tfjsSupported: true };
    const auto = chooseEngine(both, 'auto');
    assert.equal(auto.engine, 'tfjs');
    assert.equal(auto.fellBack, false);
    assert.match(auto.note, /engine: TF\.js \(onnxruntime-node did not load: libonnxruntime/);
    const onnx = chooseEngine(both, 'onnx');
    assert.equal(onnx.engine, 'tfjs');
    assert.equal(onnx.fellBack, true);
    const onlyOnnx = chooseEngine({ folder: join(FIXTURES, 'onnx-only-mpnet'), modelType: 'mpnet', hasWeights: false, tfjsSupported: false }, 'auto');
    assert.equal(onlyOnnx.engine, 'none');
    assert.match(onlyOnnx.note, /onnxruntime-node did not load.*TF\.js does not implement model_type 'mpnet'/);
  } finally {
    setOnnxRuntimeLoader(undefined);
  }
});

test('a missing package is reported as not installed (the universal VSIX case)', () => {
  setOnnxRuntimeLoader(() => {
    throw Object.assign(new Error("Cannot find module 'onnxruntime-node'\nRequire stack: …"), { code: 'MODULE_NOT_FOUND' });
  });
  try {
    const status = loadOnnxRuntime();
    assert.equal(status.ok, false);
    assert.match(status.ok ? '' : status.reason, /not installed/);
  } finally {
    setOnnxRuntimeLoader(undefined);
  }
});

test('TRANSFERLENS_DISABLE_ONNX=1 forces the TF.js path; loadOnnxIfAvailable then returns undefined', async () => {
  process.env.TRANSFERLENS_DISABLE_ONNX = '1';
  try {
    assert.deepEqual(loadOnnxRuntime(), { ok: false, reason: 'disabled by TRANSFERLENS_DISABLE_ONNX' });
    assert.equal(await loadOnnxIfAvailable(join(FIXTURES, 'onnx-only-bert')), undefined);
    const choice = chooseEngine({ folder: join(FIXTURES, 'vit'), modelType: 'vit', hasWeights: true, tfjsSupported: true }, 'auto');
    assert.equal(choice.engine, 'tfjs');
    assert.match(choice.note, /disabled by TRANSFERLENS_DISABLE_ONNX/);
  } finally {
    delete process.env.TRANSFERLENS_DISABLE_ONNX;
  }
});

test('with the runtime: auto prefers ONNX when an export exists, tfjs when asked; a folder without an export stays on TF.js', () => {
  const fake = { InferenceSession: { create: async () => ({}) }, env: { versions: { common: '9.9.9' } } } as unknown as OnnxRuntimeModule;
  setOnnxRuntimeLoader(() => fake);
  try {
    const both = { folder: join(FIXTURES, 'vit'), modelType: 'vit', hasWeights: true, tfjsSupported: true };
    const auto = chooseEngine(both, 'auto');
    assert.equal(auto.engine, 'onnx');
    assert.match(auto.note, /onnxruntime-node 9\.9\.9 .*vit[\\/]onnx[\\/]model\.onnx/);
    assert.equal(chooseEngine(both, 'tfjs').engine, 'tfjs');
    const mpnet = chooseEngine({ folder: join(FIXTURES, 'onnx-only-mpnet'), modelType: 'mpnet', hasWeights: false, tfjsSupported: false }, 'tfjs');
    assert.equal(mpnet.engine, 'onnx');
    assert.equal(mpnet.fellBack, true);
    const noExport = chooseEngine({ folder: join(scratch, 'nothing-here'), modelType: 'vit', hasWeights: true, tfjsSupported: true }, 'auto');
    assert.equal(noExport.engine, 'tfjs');
    assert.match(noExport.note, /no ONNX export/);
  } finally {
    setOnnxRuntimeLoader(undefined);
  }
});

test('loadHfCheckpoint on a folder with both forms: the fallback runs TF.js and says so; same features as ONNX at rtol 1e-4', async () => {
  // A copy of the vit fixture (safetensors + onnx/): the same weights in both forms.
  const folder = join(scratch, 'vit-both');
  mkdirSync(join(folder, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'model.safetensors', 'preprocessor_config.json']) copyFileSync(join(FIXTURES, 'vit', f), join(folder, f));
  copyFileSync(join(FIXTURES, 'vit', 'onnx', 'model.onnx'), join(folder, 'onnx', 'model.onnx'));
  const { readFileSync } = await import('node:fs');
  const ref = JSON.parse(readFileSync(join(FIXTURES, 'vit', 'reference.json'), 'utf8')) as { pixel_values: { shape: number[]; data: number[] } };
  const tf = await import('@tensorflow/tfjs-core');
  const [b, c, h, w] = ref.pixel_values.shape as [number, number, number, number];
  const images = {
    count: b,
    async *batches() {
      yield tf.tidy(() => tf.transpose(tf.tensor4d(ref.pixel_values.data, [b, c, h, w]), [0, 2, 3, 1]) as import('@tensorflow/tfjs-core').Tensor4D);
    },
  };
  setOnnxRuntimeLoader(missingBinary);
  let tfjsFeatures: Float64Array;
  try {
    const ck = await loadHfCheckpoint(folder, { engine: 'auto' });
    assert.equal(ck.info.engine, 'tfjs');
    assert.match(ck.info.engineNote ?? '', /TF\.js.*libonnxruntime/);
    tfjsFeatures = Float64Array.from((await ck.extract({ images })).data);
    ck.dispose();
  } finally {
    setOnnxRuntimeLoader(undefined);
  }
  if (noRuntime) return;
  const ck = await loadHfCheckpoint(folder, { engine: 'auto' });
  assert.equal(ck.info.engine, 'onnx');
  assert.match(ck.info.engineNote ?? '', /onnxruntime-node/);
  const onnxFeatures = (await ck.extract({ images })).data;
  ck.dispose();
  assert.equal(onnxFeatures.length, tfjsFeatures.length);
  for (let i = 0; i < onnxFeatures.length; i++) {
    assert.ok(Math.abs(onnxFeatures[i]! - tfjsFeatures[i]!) <= 1e-5 + 1e-4 * Math.abs(tfjsFeatures[i]!), `feature ${i}: onnx ${onnxFeatures[i]} vs tfjs ${tfjsFeatures[i]}`);
  }
});
