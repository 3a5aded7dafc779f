/** Tests for the image-folder reader: labels, stratified sampling, bad files as named problems, batching, cancellation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../../src/node/backend';
import { readImageFolder, stratifiedAllocation } from '../../../src/node/readers/images/folder';
import { defaultPreprocessing } from '../../../src/core/formats/imagePreprocess';
import { CancelledError } from '../../../src/core/model/progress';
import { DatasetError } from '../../../src/core/formats/errors';

const fixture = join(__dirname, '..', '..', 'fixtures', 'images', 'folder');
const shape = [8, 8, 3] as const;
const preprocessing = defaultPreprocessing(shape);

test('fixture folder: classes, bad files named as problems, batches decode the rest', async () => {
  await initBackend('cpu');
  const result = await readImageFolder(fixture, { inputShape: shape, preprocessing, maxImages: 100, batchSize: 3 });
  assert.deepEqual(result.classNames, ['bright', 'dark']);
  assert.equal(result.labelSource, 'folder');
  const scanProblems = new Map(result.problems.map((p) => [p.file.slice(fixture.length + 1), p.message]));
  assert.match(scanProblems.get('bright/notes.jpg')!, /image extension but is a text file/);
  assert.match(scanProblems.get('dark/anim.gif')!, /GIF/);
  assert.match(scanProblems.get('stray.png')!, /not in a class subfolder/);
  assert.ok(!scanProblems.has('.DS_Store'));
  // corrupt/truncated files have valid signatures: found only when decoding.
  assert.ok(!scanProblems.has('bright/corrupt.png'));
  assert.equal(result.total, 11);
  assert.equal(result.used, 11);
  assert.deepEqual(result.classCounts, [5, 6]);

  let rows = 0;
  const seenLabels: number[] = [];
  for await (const batch of result.batches()) {
    assert.deepEqual(batch.images.shape.slice(1), [8, 8, 3]);
    assert.equal(batch.images.shape[0], batch.files.length);
    assert.equal(batch.labels.length, batch.files.length);
    const values = await batch.images.data();
    for (const v of values) assert.ok(v >= 0 && v <= 1, `value ${v} outside [0, 1]`);
    rows += batch.files.length;
    seenLabels.push(...batch.labels);
    batch.images.dispose();
  }
  const decodeProblems = result.problems.filter((p) => /corrupt or truncated/.test(p.message)).map((p) => p.file.slice(fixture.length + 1)).sort();
  assert.deepEqual(decodeProblems, ['bright/corrupt.png', 'dark/cut.jpg', 'dark/truncated.png']);
  assert.equal(rows, 8);
  assert.deepEqual(seenLabels.sort(), [0, 0, 0, 0, 1, 1, 1, 1]);
});

test('16-bit, gray+alpha and RGBA fixtures give the expected pixel values', async () => {
  await initBackend('cpu');
  const result = await readImageFolder(fixture, { inputShape: [2, 2, 3], preprocessing: defaultPreprocessing([2, 2, 3]), batchSize: 100 });
  const byFile = new Map<string, number[]>();
  for await (const batch of result.batches()) {
    const values = Array.from(await batch.images.data());
    batch.files.forEach((f, i) => byFile.set(f.slice(fixture.length + 1), values.slice(i * 12, i * 12 + 12)));
    batch.images.dispose();
  }
  for (const v of byFile.get('bright/deep16.png')!) assert.ok(Math.abs(v - 250 / 255) < 1e-4);
  for (const v of byFile.get('dark/gray-alpha.png')!) assert.ok(Math.abs(v - 20 / 255) < 1e-4);
  assert.deepEqual(byFile.get('bright/rgba.png')!.slice(0, 3).map((v) => Math.round(v * 255)), [240, 230, 220]);
});

test('stratifiedAllocation is proportional, bounded by class sizes and sums to the budget', () => {
  assert.deepEqual(stratifiedAllocation([100, 100], 10), [5, 5]);
  assert.deepEqual(stratifiedAllocation([3, 100], 200), [3, 100]);
  const take = stratifiedAllocation([90, 9, 1], 10);
  assert.equal(take.reduce((a, b) => a + b, 0), 10);
  assert.ok(take[2]! === 1 && take[1]! >= 1 && take[0]! >= 7);
  for (const [counts, budget] of [[[5, 0, 7], 6], [[1, 1, 1, 1], 2], [[10, 20, 30], 31]] as const) {
    const t = stratifiedAllocation(counts, budget);
    assert.equal(t.reduce((a, b) => a + b, 0), budget);
    t.forEach((v, i) => assert.ok(v <= counts[i]!));
  }
});

function makeFolder(perClass: Record<string, number>): string {
  const root = mkdtempSync(join(tmpdir(), 'tl-images-'));
  const sample = join(fixture, 'bright', 'gray.png');
  for (const [name, count] of Object.entries(perClass)) {
    mkdirSync(join(root, name));
    for (let i = 0; i < count; i++) copyFileSync(sample, join(root, name, `${String(i).padStart(3, '0')}.png`));
  }
  return root;
}

test('sampling is stratified and reproducible by seed', async () => {
  const root = makeFolder({ a: 40, b: 20, c: 10 });
  const one = await readImageFolder(root, { inputShape: shape, preprocessing, maxImages: 14, seed: 1 });
  const again = await readImageFolder(root, { inputShape: shape, preprocessing, maxImages: 14, seed: 1 });
  const other = await readImageFolder(root, { inputShape: shape, preprocessing, maxImages: 14, seed: 2 });
  assert.equal(one.total, 70);
  assert.equal(one.used, 14);
  const perClass = [0, 0, 0];
  for (const l of one.labels) perClass[l]!++;
  assert.deepEqual(perClass, [8, 4, 2]);
  assert.deepEqual(one.files, again.files);
  assert.notDeepEqual(one.files, other.files);
});

test('metadata.csv labels a flat folder', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tl-meta-'));
  const sample = join(fixture, 'bright', 'gray.png');
  const lines = ['file_name,label'];
  for (let i = 0; i < 6; i++) {
    copyFileSync(sample, join(root, `img${i}.png`));
    lines.push(`img${i}.png,${i % 2 ? 'cat' : '"dog"'}`);
  }
  copyFileSync(sample, join(root, 'unlisted.png'));
  writeFileSync(join(root, 'metadata.csv'), lines.join('\r\n') + '\r\n');
  const result = await readImageFolder(root, { inputShape: shape, preprocessing });
  assert.equal(result.labelSource, 'metadata:metadata.csv#label');
  assert.deepEqual(result.classNames, ['cat', 'dog']);
  assert.equal(result.used, 6);
  assert.match(result.problems.find((p) => p.file.endsWith('unlisted.png'))!.message, /no row in metadata\.csv/);

  writeFileSync(join(root, 'metadata.csv'), 'file_name,a,b\nimg0.png,1,2\n');
  await assert.rejects(readImageFolder(root, { inputShape: shape, preprocessing }), (e: unknown) => e instanceof DatasetError && e.code === 'label-column-missing' && /columns: file_name, a, b/.test(e.message));
});

test('unusable folders raise typed errors naming the folder', async () => {
  await assert.rejects(readImageFolder('/no/such/folder', { inputShape: shape, preprocessing }), (e: unknown) => e instanceof DatasetError && e.code === 'dataset-missing' && e.message.includes('/no/such/folder'));
  const single = makeFolder({ only: 3 });
  await assert.rejects(readImageFolder(single, { inputShape: shape, preprocessing }), (e: unknown) => e instanceof DatasetError && e.code === 'single-class');
  const empty = mkdtempSync(join(tmpdir(), 'tl-empty-'));
  writeFileSync(join(empty, 'notes.txt'), 'hello');
  await assert.rejects(readImageFolder(empty, { inputShape: shape, preprocessing }), (e: unknown) => e instanceof DatasetError && e.code === 'dataset-invalid' && /no PNG or JPEG images/.test(e.message));
});

test('an aborted signal stops batching with CancelledError', async () => {
  await initBackend('cpu');
  const root = makeFolder({ a: 5, b: 5 });
  const controller = new AbortController();
  const result = await readImageFolder(root, { inputShape: shape, preprocessing, batchSize: 2, signal: controller.signal });
  let batches = 0;
  await assert.rejects(
    (async () => {
      for await (const batch of result.batches()) {
        batch.images.dispose();
        batches++;
        controller.abort();
      }
    })(),
    CancelledError,
  );
  assert.equal(batches, 1);
});
