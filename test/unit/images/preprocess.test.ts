/** Tests for the pure image preprocessing (src/core/formats/imagePreprocess.ts): channels, resize, HF config parsing, degenerate-feature finding. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adaptChannels,
  applyImagePreprocessing,
  applyOverride,
  defaultPreprocessing,
  degenerateFeaturesFinding,
  describePreprocessing,
  featureDegeneracy,
  parsePreprocessorConfig,
  resizeBilinear,
} from '../../../src/core/formats/imagePreprocess';
import { matrix } from '../../../src/core/linalg/matrix';

const close = (a: number, b: number, tol = 1e-5): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('adaptChannels replicates gray, drops alpha, computes luminance and scales 16-bit', () => {
  const gray = adaptChannels({ width: 2, height: 1, channels: 1, bitDepth: 8, data: Uint8Array.from([10, 200]) }, 3);
  assert.deepEqual(Array.from(gray), [10, 10, 10, 200, 200, 200]);
  const rgba = adaptChannels({ width: 1, height: 1, channels: 4, bitDepth: 8, data: Uint8Array.from([1, 2, 3, 4]) }, 3);
  assert.deepEqual(Array.from(rgba), [1, 2, 3]);
  const lum = adaptChannels({ width: 1, height: 1, channels: 3, bitDepth: 8, data: Uint8Array.from([100, 50, 200]) }, 1);
  close(lum[0]!, 0.299 * 100 + 0.587 * 50 + 0.114 * 200, 1e-3);
  const deep = adaptChannels({ width: 1, height: 1, channels: 2, bitDepth: 16, data: Uint16Array.from([65535, 0]) }, 3);
  assert.deepEqual(Array.from(deep), [255, 255, 255]);
  const padded = adaptChannels({ width: 1, height: 1, channels: 1, bitDepth: 8, data: Uint8Array.from([7]) }, 4);
  assert.deepEqual(Array.from(padded), [7, 7, 7, 255]);
});

test('resizeBilinear keeps constant images constant when growing and shrinking', () => {
  const constant = new Float32Array(5 * 7 * 3).fill(42);
  for (const [h, w] of [[10, 3], [2, 2], [5, 7], [31, 17]] as const) {
    const out = resizeBilinear(constant, 5, 7, 3, h, w);
    assert.equal(out.length, h * w * 3);
    for (const v of out) close(v, 42, 1e-3);
  }
});

test('resizeBilinear shrinking averages instead of skipping pixels (no aliasing)', () => {
  // A 1-pixel checkerboard shrunk 4× must become flat grey, not black or white.
  const size = 16;
  const board = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) board[y * size + x] = (x + y) % 2 ? 255 : 0;
  const out = resizeBilinear(board, size, size, 1, 4, 4);
  for (const v of out) close(v, 127.5, 1);
});

test('resizeBilinear growing interpolates linearly between pixel centres', () => {
  const ramp = Float32Array.from([0, 100]);
  const out = resizeBilinear(ramp, 1, 2, 1, 1, 4);
  // Output centres at 0.25, 0.75, 1.25, 1.75 input pixels → edges clamp, middle interpolates.
  assert.deepEqual(Array.from(out).map((v) => Math.round(v)), [0, 25, 75, 100]);
});

test('applyImagePreprocessing rescales then normalizes per channel', () => {
  const base = parsePreprocessorConfig(JSON.stringify({ image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5], size: { height: 2, width: 2 } }), 'p.json', [2, 2, 3]);
  const values = applyImagePreprocessing({ width: 1, height: 1, channels: 3, bitDepth: 8, data: Uint8Array.from([255, 0, 51]) }, base.preprocessing);
  assert.equal(values.length, 12);
  close(values[0]!, 1);
  close(values[1]!, -1);
  close(values[2]!, (51 / 255 - 0.5) / 0.5);
});

test('parsePreprocessorConfig reads the Hugging Face keys and reports what it cannot honour', () => {
  const text = JSON.stringify({
    do_resize: true, size: { height: 384, width: 384 }, do_rescale: true, rescale_factor: 0.00392156862745098,
    do_normalize: true, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225], do_center_crop: true,
  });
  const result = parsePreprocessorConfig(text, '/ckpt/preprocessor_config.json', [224, 224, 3]);
  assert.equal(result.preprocessing.source, 'preprocessor_config.json');
  assert.deepEqual(result.preprocessing.mean, [0.485, 0.456, 0.406]);
  assert.deepEqual(result.preprocessing.std, [0.229, 0.224, 0.225]);
  close(result.preprocessing.rescaleFactor!, 1 / 255, 1e-12);
  assert.equal(result.preprocessing.height, 224);
  const keys = result.problems.map((p) => p.key).sort();
  assert.deepEqual(keys, ['do_center_crop', 'size']);
  assert.match(result.problems.find((p) => p.key === 'size')!.message, /384×384 differs from the model input 224×224/);
});

test('parsePreprocessorConfig: normalize off, rescale off, bad values, invalid JSON', () => {
  const off = parsePreprocessorConfig('{"do_normalize": false, "do_rescale": false, "size": 224}', 'p.json', [224, 224, 3]);
  assert.equal(off.preprocessing.mean, null);
  assert.equal(off.preprocessing.rescaleFactor, null);
  assert.equal(off.problems.length, 0);
  const zeroStd = parsePreprocessorConfig('{"image_mean": [0,0,0], "image_std": [1,0,1]}', 'p.json', [8, 8, 3]);
  assert.equal(zeroStd.preprocessing.std, null);
  assert.ok(zeroStd.problems.some((p) => p.key === 'image_std'));
  const gray = parsePreprocessorConfig('{"image_mean": [0.5,0.5,0.5], "image_std": [0.25,0.25,0.25]}', 'p.json', [28, 28, 1]);
  assert.deepEqual(gray.preprocessing.mean, [0.5]);
  const broken = parsePreprocessorConfig('{"size": ', 'broken.json', [8, 8, 3]);
  assert.equal(broken.preprocessing.source, 'default');
  assert.match(broken.problems[0]!.message, /broken\.json is not valid JSON/);
  const wrongType = parsePreprocessorConfig('{"do_rescale": "yes", "rescale_factor": -1}', 'p.json', [8, 8, 3]);
  assert.ok(wrongType.problems.some((p) => p.key === 'do_rescale'));
});

test('defaultPreprocessing and overrides are explicit and describable', () => {
  const d = defaultPreprocessing([224, 224, 3]);
  assert.equal(d.source, 'default');
  close(d.rescaleFactor!, 1 / 255, 1e-12);
  assert.equal(d.mean, null);
  const o = applyOverride(d, { mean: [0.5], std: [0.5] });
  assert.equal(o.source, 'override');
  assert.deepEqual(o.mean, [0.5, 0.5, 0.5]);
  assert.equal(applyOverride(d, {}), d);
  assert.match(describePreprocessing(o), /224×224×3.*normalize mean \[0\.5, 0\.5, 0\.5\].*source: override/);
  assert.throws(() => defaultPreprocessing([0, 5, 3]), /positive integer/);
  assert.throws(() => defaultPreprocessing([5, 5, 2]), /1, 3 or 4 channels/);
});

test('featureDegeneracy counts dead and constant columns; the finding fires above half', () => {
  const rows = 6;
  const healthy = matrix(rows, 4);
  const broken = matrix(rows, 4);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < 4; j++) healthy.data[i * 4 + j] = Math.sin(i * (j + 1)) + j;
    broken.data[i * 4] = i; // varies
    broken.data[i * 4 + 1] = 0; // dead
    broken.data[i * 4 + 2] = 0; // dead
    broken.data[i * 4 + 3] = 3.5; // constant
  }
  const good = featureDegeneracy(healthy);
  assert.equal(good.constantColumns, 0);
  assert.equal(degenerateFeaturesFinding(good, undefined, '/c.yaml'), undefined);
  const bad = featureDegeneracy(broken);
  assert.equal(bad.deadColumns, 2);
  assert.equal(bad.constantColumns, 3);
  const finding = degenerateFeaturesFinding(bad, defaultPreprocessing([4, 4, 3]), '/c.yaml');
  assert.ok(finding);
  assert.equal(finding.code, 'degenerate-features');
  assert.equal(finding.severity, 'warning');
  assert.match(finding.message, /75% of the 4 features are dead or constant/);
  assert.match(finding.message, /rescale/);
});
