/** Tests for the feature cache: key sensitivity, round trips, LRU size bound, damaged entries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeatureCache, featureCacheKey, hashFiles, stableStringify, type FeatureCacheKeyInput } from '../../../src/node/cache/featureCache';
import { matrix } from '../../../src/core/linalg/matrix';

const base: FeatureCacheKeyInput = {
  checkpointHash: 'abc',
  files: [
    { relativePath: 'a/1.png', size: 10, mtimeMs: 1000, label: 0 },
    { relativePath: 'b/2.png', size: 20, mtimeMs: 2000, label: 1 },
  ],
  preprocessing: { height: 224, width: 224, mean: null, rescaleFactor: 1 / 255 },
  layer: '',
};

test('the key changes with every input and not with object key order', () => {
  const key = featureCacheKey(base);
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.equal(featureCacheKey({ ...base, preprocessing: { rescaleFactor: 1 / 255, mean: null, width: 224, height: 224 } }), key);
  const variants: FeatureCacheKeyInput[] = [
    { ...base, checkpointHash: 'abd' },
    { ...base, layer: 'block_16' },
    { ...base, preprocessing: { ...(base.preprocessing as object), rescaleFactor: 1 / 127.5 } },
    { ...base, files: [base.files[0]!, { ...base.files[1]!, size: 21 }] },
    { ...base, files: [base.files[0]!, { ...base.files[1]!, mtimeMs: 2001 }] },
    { ...base, files: [base.files[0]!, { ...base.files[1]!, label: 0 }] },
    { ...base, files: [base.files[0]!] },
    { ...base, extra: { backend: 'wasm' } },
  ];
  const keys = new Set(variants.map(featureCacheKey));
  assert.equal(keys.size, variants.length);
  assert.ok(!keys.has(key));
  assert.equal(stableStringify({ b: 1, a: [1, { d: 2, c: 3 }] }), '{"a":[1,{"c":3,"d":2}],"b":1}');
});

test('hashFiles follows the bytes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-hash-'));
  const file = join(dir, 'w.bin');
  writeFileSync(file, 'weights-1');
  const first = await hashFiles([file]);
  assert.equal(await hashFiles([file]), first);
  writeFileSync(file, 'weights-2');
  utimesSync(file, new Date(5000), new Date(5000));
  assert.notEqual(await hashFiles([file]), first);
});

test('entries round-trip exactly (float32 when lossless, float64 otherwise)', async () => {
  const cache = new FeatureCache(mkdtempSync(join(tmpdir(), 'tl-cache-')));
  const key = featureCacheKey(base);
  assert.equal(await cache.get(key), undefined);
  const f32 = matrix(2, 3, Float32Array.from([0.1, 0.2, 0.3, -1, 0, 7.5]));
  assert.equal(await cache.set(key, { features: f32, labels: Int32Array.from([0, 1]), files: ['/x/a', '/x/b'], problems: [{ file: '/x/c', message: 'corrupt' }], meta: { imagesPerSecond: 12 } }), true);
  const hit = await cache.get(key);
  assert.ok(hit);
  assert.deepEqual(Array.from(hit.features.data), Array.from(f32.data));
  assert.deepEqual(Array.from(hit.labels!), [0, 1]);
  assert.deepEqual(hit.files, ['/x/a', '/x/b']);
  assert.deepEqual(hit.problems, [{ file: '/x/c', message: 'corrupt' }]);
  assert.equal(hit.meta!.imagesPerSecond, 12);
  const key2 = featureCacheKey({ ...base, layer: 'x' });
  const f64 = matrix(1, 2, [Math.PI, 1 / 3]);
  await cache.set(key2, { features: f64 });
  assert.deepEqual(Array.from((await cache.get(key2))!.features.data), [Math.PI, 1 / 3]);
});

test('the folder stays under maxBytes by evicting the least recently used entry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-lru-'));
  // Each entry: 1000 float64 values (8000 B, not float32-exact) + a small header.
  const entry = (seed: number): { features: ReturnType<typeof matrix> } => ({ features: matrix(1, 1000, Array.from({ length: 1000 }, (_, i) => Math.sqrt(i + seed + 2))) });
  const cache = new FeatureCache(dir, { maxBytes: 20_000 });
  const [a, b, c] = ['a', 'b', 'c'].map((layer) => featureCacheKey({ ...base, layer }));
  await cache.set(a!, entry(1));
  await cache.set(b!, entry(2));
  // Make recency explicit instead of relying on the clock's resolution.
  for (const [key, t] of [[a!, 1000], [b!, 2000]] as const) {
    for (const ext of ['.json', '.bin']) utimesSync(join(dir, key + ext), new Date(t), new Date(t));
  }
  assert.ok(await cache.get(a!)); // touching a makes b the least recently used
  await cache.set(c!, entry(3));
  assert.ok(await cache.get(a!));
  assert.equal(await cache.get(b!), undefined);
  assert.ok(await cache.get(c!));
  const total = (await cache.list()).reduce((s, e) => s + e.bytes, 0);
  assert.ok(total <= 20_000, `total ${total}`);
  // Larger than the whole budget: not stored.
  const tiny = new FeatureCache(mkdtempSync(join(tmpdir(), 'tl-tiny-')), { maxBytes: 100 });
  assert.equal(await tiny.set(a!, entry(4)), false);
});

test('a damaged entry is a miss and is removed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-bad-'));
  const cache = new FeatureCache(dir);
  const key = featureCacheKey(base);
  await cache.set(key, { features: matrix(2, 2, [1, 2, 3, 4]) });
  writeFileSync(join(dir, key + '.bin'), Buffer.alloc(3));
  assert.equal(await cache.get(key), undefined);
  assert.deepEqual(readdirSync(dir), []);
  writeFileSync(join(dir, key + '.json'), '{not json');
  assert.equal(await cache.get(key), undefined);
  await assert.rejects(cache.get('../../etc/passwd'), /64 hex/);
});
