/**
 * The fit cache on disk (src/node/cache/fitCache.ts, issue #15): exact round trip of predictions
 * and meta, misses for unknown / damaged / colliding entries (damaged ones removed), and the size
 * bound (least recently used entries evicted on flush).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FitCache } from '../../../src/node/cache/fitCache';

const dir = () => mkdtempSync(join(tmpdir(), 'tl-fits-'));

test('round trip: exact float64 bits, shape and meta; unknown keys miss', async () => {
  const cache = FitCache.under(dir());
  const data = Float64Array.of(0.1 + 0.2, -0, 1e-300, Math.PI, -123456.789, 5e-324);
  await cache.set('learner|k|train:1|test:2', { predictions: { rows: 3, cols: 2, data }, meta: { lambda: 0.3, note: 'x' } });
  const hit = await cache.get('learner|k|train:1|test:2');
  assert.ok(hit);
  assert.equal(hit.predictions.rows, 3);
  assert.equal(hit.predictions.cols, 2);
  assert.deepEqual(Array.from(hit.predictions.data), Array.from(data));
  assert.ok(Object.is(hit.predictions.data[1], -0), 'negative zero kept');
  assert.deepEqual(hit.meta, { lambda: 0.3, note: 'x' });
  assert.equal(await cache.get('learner|k|train:1|test:3'), undefined);
  await cache.set('empty', { predictions: { rows: 0, cols: 0, data: new Float64Array(0) } });
  const empty = await cache.get('empty');
  assert.ok(empty && empty.meta === undefined && empty.predictions.data.length === 0);
  assert.deepEqual(cache.counters, { hits: 2, misses: 1, writes: 2 });
});

test('damaged or truncated entries and a different stored key read as misses; damaged ones are removed', async () => {
  const folder = dir();
  const cache = new FitCache(folder);
  await cache.set('a', { predictions: { rows: 1, cols: 4, data: Float64Array.of(1, 2, 3, 4) } });
  const [name] = readdirSync(folder);
  const file = join(folder, name!);
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, bytes.length - 3));
  assert.equal(await cache.get('a'), undefined);
  assert.deepEqual(readdirSync(folder), [], 'the damaged entry is gone');
  // An entry whose stored key differs (as a hash collision would look) is not returned.
  await cache.set('b', { predictions: { rows: 1, cols: 1, data: Float64Array.of(7) } });
  const [bName] = readdirSync(folder);
  const text = readFileSync(join(folder, bName!)).toString('latin1').replace('"key":"b"', '"key":"c"');
  writeFileSync(join(folder, bName!), Buffer.from(text, 'latin1'));
  assert.equal(await cache.get('b'), undefined);
});

test('size bound: least recently used entries are evicted on flush; a hit refreshes recency', async () => {
  const folder = dir();
  const entryBytes = async () => {
    const probe = new FitCache(dir());
    await probe.set('k0', { predictions: { rows: 100, cols: 1, data: new Float64Array(100) } });
    return (await probe.list())[0]!.bytes;
  };
  const size = await entryBytes();
  const cache = new FitCache(folder, { maxBytes: size * 3 + 10 });
  for (let i = 0; i < 4; i++) {
    await cache.set(`k${i}`, { predictions: { rows: 100, cols: 1, data: new Float64Array(100).fill(i) } });
    // Distinct, increasing mtimes (some file systems have coarse timestamps).
    const entries = await cache.list();
    const newest = entries.find((e) => readFileSync(e.file).includes(`"key":"k${i}"`))!;
    utimesSync(newest.file, new Date(1_000_000 + i * 1000), new Date(1_000_000 + i * 1000));
  }
  const old = await cache.list();
  assert.equal(old.length, 4);
  // k0 is the oldest; reading it makes it the most recent, so k1 goes instead.
  assert.ok(await cache.get('k0'));
  await cache.flush();
  assert.equal((await cache.list()).length, 3);
  assert.ok(await cache.get('k0'));
  assert.equal(await cache.get('k1'), undefined);
  assert.ok(await cache.get('k3'));
});
