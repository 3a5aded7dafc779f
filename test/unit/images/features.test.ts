/** Tests for image feature extraction: row alignment with labels, progress (images/s, ETA), cache hits and invalidation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/node/backend';
import { readImageFolder } from '../../../src/node/readers/images/folder';
import { extractImageFeatures, type ImageFeatureSource } from '../../../src/node/readers/images/features';
import { FeatureCache } from '../../../src/node/cache/featureCache';
import { defaultPreprocessing } from '../../../src/core/formats/imagePreprocess';
import type { ProgressEvent } from '../../../src/core/model/progress';
import type { LoadedCheckpoint } from '../../../src/node/readers/checkpoint';

// Compile-time check: the checkpoint reader's loaded checkpoint is usable as an image feature source.
const _checkpointFits: (c: LoadedCheckpoint) => ImageFeatureSource = (c) => c;
void _checkpointFits;

const fixture = join(__dirname, '..', '..', 'fixtures', 'images', 'folder');
const shape = [8, 8, 3] as const;

/** A stand-in checkpoint: per-channel mean and max of the image (2×3 features), counting its calls. */
function fakeCheckpoint(): ImageFeatureSource & { calls: number } {
  const source = {
    calls: 0,
    async features(inputs: tf.Tensor) {
      source.calls++;
      const out = tf.tidy(() => tf.concat([tf.mean(inputs, [1, 2]), tf.max(inputs, [1, 2])], 1));
      const values = await out.data();
      out.dispose();
      return { rows: out.shape[0]!, cols: out.shape[1]!, data: Float64Array.from(values) };
    },
  };
  return source;
}

test('features line up with labels and files; bad images are skipped and named', async () => {
  await initBackend('cpu');
  const folder = await readImageFolder(fixture, { inputShape: shape, preprocessing: defaultPreprocessing(shape) });
  const events: ProgressEvent[] = [];
  const checkpoint = fakeCheckpoint();
  const result = await extractImageFeatures(checkpoint, folder, { batchSize: 3, onProgress: (e) => events.push(e) });
  assert.equal(result.features.rows, 8);
  assert.equal(result.features.cols, 6);
  assert.equal(result.labels.length, 8);
  assert.equal(result.files.length, 8);
  assert.equal(result.fromCache, false);
  // Row i's mean brightness must match its class: bright (0) above 0.5, dark (1) below.
  for (let i = 0; i < result.features.rows; i++) {
    const brightness = result.features.data[i * 6]!;
    assert.equal(brightness > 0.5 ? 0 : 1, result.labels[i], `${result.files[i]} brightness ${brightness}`);
  }
  assert.ok(result.problems.some((p) => p.file.endsWith('truncated.png')));
  assert.ok(events.length >= 3);
  assert.match(events.at(-1)!.message, /8\/11 images, [\d.]+ images\/s, ETA/);
  assert.equal(events.at(-1)!.fraction, 1);
});

test('a second extraction is served from the cache; touching an image invalidates it', async () => {
  await initBackend('cpu');
  const root = mkdtempSync(join(tmpdir(), 'tl-feat-'));
  for (const [cls, file] of [['bright', 'gray.png'], ['bright', 'rgb.png'], ['dark', 'photo.jpg'], ['dark', 'rgb16.png']]) {
    mkdirSync(join(root, cls!), { recursive: true });
    copyFileSync(join(fixture, cls!, file!), join(root, cls!, file!));
  }
  writeFileSync(join(root, 'dark', 'broken.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(10)]));
  const weights = join(root, 'model.bin');
  writeFileSync(weights, 'pretend weights');
  const cache = new FeatureCache(join(root, '.cache'));
  const run = async (checkpoint: ImageFeatureSource) => {
    const folder = await readImageFolder(root, { inputShape: shape, preprocessing: defaultPreprocessing(shape) });
    return extractImageFeatures(checkpoint, folder, { cache: { cache, checkpointFiles: [weights] } });
  };
  const first = fakeCheckpoint();
  const cold = await run(first);
  assert.equal(cold.fromCache, false);
  assert.equal(cold.features.rows, 4);
  const second = fakeCheckpoint();
  const warm = await run(second);
  assert.equal(warm.fromCache, true);
  assert.equal(second.calls, 0);
  assert.equal(warm.cacheKey, cold.cacheKey);
  assert.deepEqual(Array.from(warm.features.data), Array.from(cold.features.data));
  assert.deepEqual(Array.from(warm.labels), Array.from(cold.labels));
  assert.ok(warm.problems.some((p) => p.file.endsWith('broken.png')), 'the problem is re-reported on a hit');

  utimesSync(join(root, 'dark', 'photo.jpg'), new Date(), new Date(Date.now() + 60_000));
  const third = fakeCheckpoint();
  const touched = await run(third);
  assert.equal(touched.fromCache, false);
  assert.ok(third.calls > 0);

  writeFileSync(weights, 'other weights!');
  const fourth = fakeCheckpoint();
  assert.equal((await run(fourth)).fromCache, false);
});
