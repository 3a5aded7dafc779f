/**
 * Vision architectures (src/node/hf/architectures/{vit,clip,resnet,convnext,mobilenetV2}.ts) against
 * the outputs `transformers` computes in PyTorch on tiny seeded models
 * (test/fixtures/hf-models/<name>/, scripts/hf-fixtures/make_vision.py): last hidden state, one
 * intermediate hidden state and every pooled output at rtol 1e-4 (+ atol 1e-5), fed with the
 * reference pixel_values; our image processor (src/node/hf/imageProcessor.ts) on the fixture
 * images against the HF (PIL backend) pixel_values; and negative tests that a transposed conv
 * kernel or a wrong BatchNorm epsilon breaks parity.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/node/backend';
import { openWeights } from '../../../src/node/hf/weights';
import type { HfConfig, HfModel, Pooling, WeightSource } from '../../../src/node/hf/types';
import { architectureFor } from '../../../src/node/hf/architectures/registry';
import { pool } from '../../../src/node/hf/pooling';
import { imageBatchFromFiles, loadImageProcessor } from '../../../src/node/hf/imageProcessor';
import { jpegDecoderName } from '../../../src/node/readers/images/decode';
import { PIL_RESAMPLE, centerCrop, parseHfImageProcessor, pilResize, processedSize, shortestEdgeSize } from '../../../src/core/formats/hfImageProcessor';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'hf-models');
/**
 * Largest |Δ| allowed on the JPEG fixture image (normalised units; one grey level is 1/255/std ≈
 * 0.008–0.015): sharp's libjpeg-turbo decodes exactly as Pillow does (measured ≤ 5e-7 overall);
 * the pure-JS fallback jpeg-js differs by a few grey levels (measured up to 0.38 after CLIP's
 * normalisation).
 */
const JPEG_TOLERANCE = jpegDecoderName() === 'sharp' ? 1e-5 : 0.5;

interface Values { shape: number[]; data: number[] }
interface Reference {
  model_type: string;
  images: string[];
  pixel_values: Values;
  last_hidden_state: Values;
  hidden_states: Record<string, Values>;
  num_layers: number;
  pooled: Partial<Record<Pooling, Values>>;
  default_pooling: Pooling;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function reference(name: string): Reference {
  return readJson<Reference>(join(FIXTURES, name, 'reference.json'));
}

/** NCHW reference pixel values → NHWC tensor. */
function pixelsNhwc(ref: Reference): tf.Tensor4D {
  const [b, c, h, w] = ref.pixel_values.shape as [number, number, number, number];
  return tf.tidy(() => tf.transpose(tf.tensor4d(ref.pixel_values.data, [b, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D);
}

/** Max over elements of |a − e| − (atol + rtol·|e|) ≤ 0, with the worst element for messages. */
function assertClose(actual: tf.Tensor, expected: Values, what: string, rtol = 1e-4, atol = 1e-5): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.dataSync();
  let worst = -Infinity;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i]! - expected.data[i]!) - (atol + rtol * Math.abs(expected.data[i]!));
    if (!(excess <= worst)) {
      worst = excess;
      at = i;
    }
  }
  assert.ok(worst <= 0, `${what}: element ${at} is ${a[at]}, expected ${expected.data[at]} (rtol ${rtol}, atol ${atol})`);
}

async function loadFixture(name: string, wrap?: (w: WeightSource) => WeightSource, configPatch?: Record<string, unknown>): Promise<{ model: HfModel; config: HfConfig }> {
  const folder = join(FIXTURES, name);
  const config = { ...readJson<HfConfig>(join(folder, 'config.json')), ...configPatch };
  const arch = architectureFor(config.model_type as string);
  assert.ok(arch, `no architecture for ${String(config.model_type)}`);
  const weights = await openWeights(folder);
  const model = await arch.load(config, wrap ? wrap(weights) : weights);
  return { model, config };
}

/** Runs the model on the reference pixels and compares everything the reference holds. */
function checkParity(model: HfModel, ref: Reference, rtol = 1e-4, atol = 1e-5): void {
  assert.equal(model.numLayers, ref.num_layers, 'numLayers');
  assert.equal(model.defaultPooling, ref.default_pooling, 'defaultPooling');
  const layers = Object.keys(ref.hidden_states).map(Number);
  tf.tidy(() => {
    const out = model.forward({ kind: 'image', pixelValues: pixelsNhwc(ref) }, { layers });
    const last = out.hidden.get(model.numLayers)!;
    assertClose(last, ref.last_hidden_state, `${ref.model_type} last hidden state`, rtol, atol);
    for (const i of layers) assertClose(out.hidden.get(i)!, ref.hidden_states[String(i)]!, `${ref.model_type} hidden state ${i}`, rtol, atol);
    for (const [pooling, expected] of Object.entries(ref.pooled) as [Pooling, Values][]) {
      assert.ok(model.poolings.includes(pooling), `${ref.model_type} offers ${pooling}`);
      const pooled = pooling === 'pooler' ? out.pooler! : pool(pooling as Exclude<Pooling, 'pooler'>, last);
      assertClose(pooled, expected, `${ref.model_type} pooled ${pooling}`, rtol, atol);
    }
  });
}

before(async () => {
  await initBackend('wasm');
});

for (const name of ['vit', 'deit', 'clip', 'clip_vision_model', 'resnet', 'resnet-basic', 'convnext', 'mobilenet_v2']) {
  test(`${name}: last hidden state, intermediate and pooled outputs match transformers at rtol 1e-4`, async () => {
    const ref = reference(name);
    const { model } = await loadFixture(name);
    try {
      checkParity(model, ref);
    } finally {
      model.dispose();
    }
  });
}

/** A WeightSource whose 4-D conv kernels come back with kh and kw swapped (shape unchanged). */
function transposedKernels(inner: WeightSource): WeightSource {
  const swap = (t: tf.Tensor): tf.Tensor => {
    if (t.rank !== 4 || t.shape[2] === 1) return t;
    const swapped = tf.transpose(t, [0, 1, 3, 2]);
    t.dispose();
    return swapped;
  };
  return {
    entries: inner.entries,
    resolve: (n) => inner.resolve(n),
    has: (n) => inner.has(n),
    tensor: async (n, shape) => swap(await inner.tensor(n, shape)),
    optionalTensor: async (n, shape) => {
      const t = await inner.optionalTensor(n, shape);
      return t && swap(t);
    },
  };
}

/** Parity must fail: returns the assertion message. */
function parityFailure(model: HfModel, ref: Reference): string {
  try {
    checkParity(model, ref);
  } catch (e) {
    assert.ok(e instanceof assert.AssertionError, `expected a parity failure, got ${String(e)}`);
    return e.message;
  } finally {
    model.dispose();
  }
  assert.fail('parity held although the model was wrong');
}

for (const name of ['vit', 'resnet', 'convnext', 'mobilenet_v2']) {
  test(`${name}: a conv kernel with kh/kw swapped breaks parity`, async () => {
    const { model } = await loadFixture(name, transposedKernels);
    assert.match(parityFailure(model, reference(name)), /hidden state|pooled/);
  });
}

test('mobilenet_v2: a wrong BatchNorm epsilon (1e-5 instead of config 0.001) or symmetric padding breaks parity', async () => {
  const ref = reference('mobilenet_v2');
  assert.match(parityFailure((await loadFixture('mobilenet_v2', undefined, { layer_norm_eps: 1e-5 })).model, ref), /hidden state|pooled/);
  assert.match(parityFailure((await loadFixture('mobilenet_v2', undefined, { tf_padding: false })).model, ref), /hidden state|pooled|shape/);
});

test('vit: a wrong LayerNorm epsilon breaks parity; images of another size are a shape-mismatch error', async () => {
  const ref = reference('vit');
  assert.match(parityFailure((await loadFixture('vit', undefined, { layer_norm_eps: 1e-3 })).model, ref), /hidden state|pooled/);
  const { model } = await loadFixture('vit');
  try {
    assert.throws(() => tf.tidy(() => { model.forward({ kind: 'image', pixelValues: tf.zeros([1, 48, 48, 3]) as tf.Tensor4D }); }), (e: Error) => e.name === 'CheckpointError' && /image_size is 32×32/.test(e.message));
  } finally {
    model.dispose();
  }
});

test('a config.json that disagrees with the weights is a CheckpointError naming the tensor', async () => {
  await assert.rejects(loadFixture('resnet', undefined, { embedding_size: 16 }), (e: Error) => e.name === 'CheckpointError' && /embedder\.embedder\.convolution\.weight/.test(e.message));
  await assert.rejects(loadFixture('convnext', undefined, { hidden_sizes: [8, 16, 32] }), (e: Error) => e.name === 'CheckpointError' && /encoder\.stages\.2/.test(e.message));
  await assert.rejects(loadFixture('clip', undefined, { vision_config: { hidden_size: 32, intermediate_size: 40, image_size: 32, patch_size: 8, num_hidden_layers: 2, num_attention_heads: 4 } }), (e: Error) => e.name === 'CheckpointError' && /mlp\.fc1/.test(e.message));
});

test('estimateParameters from config.json equals the loaded count (what transformers counts)', async () => {
  for (const name of ['vit', 'deit', 'clip_vision_model', 'resnet', 'resnet-basic', 'convnext', 'mobilenet_v2']) {
    const { model, config } = await loadFixture(name);
    try {
      assert.equal(architectureFor(config.model_type as string)!.estimateParameters!(config), model.parameters, name);
    } finally {
      model.dispose();
    }
  }
});

/** Max |ours − HF| per image row of the batch. */
function maxDiffPerImage(actual: tf.Tensor4D, ref: Reference): number[] {
  const expected = pixelsNhwc(ref);
  try {
    assert.deepEqual(actual.shape, expected.shape, `${ref.model_type}: processed shape`);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(actual, expected)), [1, 2, 3]));
    const out = Array.from(diff.dataSync());
    diff.dispose();
    return out;
  } finally {
    expected.dispose();
  }
}

for (const name of ['vit', 'deit', 'clip', 'resnet', 'resnet-basic', 'convnext', 'mobilenet_v2']) {
  test(`${name}: imageProcessor on the fixture images reproduces transformers' pixel_values`, async () => {
    const folder = join(FIXTURES, name);
    const ref = reference(name);
    const config = readJson<HfConfig>(join(folder, 'config.json'));
    const loaded = await loadImageProcessor(folder, config);
    assert.deepEqual(loaded.problems, [], 'no problems with the saved processor');
    const files = ref.images.map((f) => join(folder, f));
    const result = await imageBatchFromFiles(files, loaded);
    assert.deepEqual(result.failures, []);
    const diffs = maxDiffPerImage(result.batch!.pixelValues, ref);
    result.batch!.pixelValues.dispose();
    // PNGs: Pillow-exact resize → equal up to float32 rounding (measured ≤ 5e-7). JPEG: see JPEG_TOLERANCE.
    ref.images.forEach((f, i) => {
      const limit = f.endsWith('.png') ? 1e-5 : JPEG_TOLERANCE;
      assert.ok(diffs[i]! <= limit, `${name} ${f}: max |Δ| ${diffs[i]} > ${limit}`);
    });
  });
}

test("pilResize equals Pillow's Image.resize bit for bit (all six filters, shrinking, enlarging, one axis only)", () => {
  const ref = readJson<{ source: { width: number; height: number; data: number[] }; resized: { resample: number; width: number; height: number; data: number[] }[] }>(join(FIXTURES, 'images', 'resize_reference.json'));
  const src = Uint8Array.from(ref.source.data);
  assert.equal(ref.resized.length, 18);
  for (const r of ref.resized) {
    const out = pilResize(src, ref.source.height, ref.source.width, 3, r.height, r.width, PIL_RESAMPLE[r.resample]!);
    const mismatches = r.data.filter((v, i) => out[i] !== v).length;
    assert.equal(mismatches, 0, `${PIL_RESAMPLE[r.resample]} ${ref.source.width}×${ref.source.height} → ${r.width}×${r.height}: ${mismatches} values differ`);
  }
});

test('parseHfImageProcessor: legacy int sizes follow the class (square vs shortest edge), crop_pct, class defaults, problems as values', () => {
  const vit = parseHfImageProcessor(JSON.stringify({ feature_extractor_type: 'ViTFeatureExtractor', size: 224, resample: 2 })).processor;
  assert.deepEqual(vit.resize, { kind: 'exact', height: 224, width: 224 });
  assert.deepEqual([vit.mean, vit.std, vit.centerCrop], [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5], null]);
  // microsoft/resnet-50's file: ConvNextFeatureExtractor, size 224 → shortest edge 224/0.875 = 256, crop 224.
  const resnet = parseHfImageProcessor(JSON.stringify({ feature_extractor_type: 'ConvNextFeatureExtractor', size: 224, crop_pct: 0.875, resample: 3 })).processor;
  assert.deepEqual(resnet.resize, { kind: 'crop-pct', shortestEdge: 224, cropPct: 0.875 });
  assert.equal(resnet.resample, 'bicubic');
  assert.deepEqual(processedSize(resnet, 480, 640), { height: 224, width: 224 });
  const clip = parseHfImageProcessor(JSON.stringify({ image_processor_type: 'CLIPImageProcessor', size: 224, crop_size: 224 })).processor;
  assert.deepEqual([clip.resize, clip.centerCrop, clip.convertRgb], [{ kind: 'shortest-edge', shortestEdge: 224 }, { height: 224, width: 224 }, true]);
  assert.deepEqual(clip.mean, [0.48145466, 0.4578275, 0.40821073]);
  assert.deepEqual(shortestEdgeSize(480, 640, 224), [224, 298]);
  assert.deepEqual(shortestEdgeSize(640, 480, 224), [298, 224]);
  const bad = parseHfImageProcessor(JSON.stringify({ image_processor_type: 'FancyProcessor', size: 'big', image_std: [0, 1, 1], resample: 9 }), '/x/preprocessor_config.json');
  assert.deepEqual(bad.problems.map((p) => p.key).sort(), ['image_processor_type', 'image_std', 'resample', 'size']);
  assert.deepEqual(bad.processor.std, [0.5, 0.5, 0.5]);
  const broken = parseHfImageProcessor('{not json', '/x/preprocessor_config.json');
  assert.match(broken.problems[0]!.message, /\/x\/preprocessor_config\.json is not valid JSON/);
  assert.deepEqual(centerCrop(Uint8Array.from([1, 2, 3, 4]), 2, 2, 1, 4, 3), Uint8Array.from([0, 0, 0, 0, 1, 2, 0, 3, 4, 0, 0, 0]));
});

test('loadImageProcessor: a missing preprocessor_config.json gives the ViT default at image_size and a problem naming the file', async () => {
  const loaded = await loadImageProcessor(join(FIXTURES, 'images'), { model_type: 'vit', image_size: 32 });
  assert.deepEqual(loaded.processor.resize, { kind: 'exact', height: 32, width: 32 });
  assert.equal(loaded.problems.length, 1);
  assert.match(loaded.problems[0]!.message, /images[/\\]preprocessor_config\.json is absent/);
  // A ViT whose processor produces another size: a problem, and the batch still has the model's size.
  const mismatch = await loadImageProcessor(join(FIXTURES, 'deit'), { model_type: 'deit', image_size: 24 });
  assert.match(mismatch.problems.map((p) => p.message).join('\n'), /produces 32×32 images but config\.json image_size is 24×24/);
  const result = await imageBatchFromFiles([join(FIXTURES, 'images', 'a.png'), join(FIXTURES, 'images', 'missing.png')], mismatch);
  assert.deepEqual(result.batch!.pixelValues.shape, [1, 24, 24, 3]);
  assert.deepEqual(result.rows, [0]);
  assert.match(result.failures[0]!.file, /missing\.png$/);
  result.batch!.pixelValues.dispose();
});

test('forward inside tf.tidy leaves no tensors behind; dispose() frees every weight', async () => {
  for (const name of ['vit', 'clip', 'resnet', 'convnext', 'mobilenet_v2']) {
    const before = tf.memory().numTensors;
    const { model } = await loadFixture(name);
    const loaded = tf.memory().numTensors;
    const ref = reference(name);
    tf.tidy(() => {
      model.forward({ kind: 'image', pixelValues: pixelsNhwc(ref) }, { layers: [0, 1] });
    });
    assert.equal(tf.memory().numTensors, loaded, `${name}: forward leaked`);
    model.dispose();
    assert.equal(tf.memory().numTensors, before, `${name}: dispose left weights`);
  }
});

test('end to end from image files: processor + model give transformers pooled features (convnext, clip, mobilenet_v2)', async () => {
  for (const name of ['convnext', 'clip', 'mobilenet_v2']) {
    const folder = join(FIXTURES, name);
    const ref = reference(name);
    const { model, config } = await loadFixture(name);
    const loaded = await loadImageProcessor(folder, config);
    const { batch } = await imageBatchFromFiles(ref.images.map((f) => join(folder, f)), loaded);
    try {
      tf.tidy(() => {
        const out = model.forward(batch!);
        const pooled = model.defaultPooling === 'pooler' ? out.pooler! : pool(model.defaultPooling as Exclude<Pooling, 'pooler'>, out.hidden.get(model.numLayers)!);
        assertClose(pooled, ref.pooled[model.defaultPooling]!, `${name} pooled ${model.defaultPooling} from files`, JPEG_TOLERANCE > 1e-5 ? 0.05 : 1e-4, JPEG_TOLERANCE > 1e-5 ? 0.05 : 1e-5);
      });
    } finally {
      batch!.pixelValues.dispose();
      model.dispose();
    }
  }
});
