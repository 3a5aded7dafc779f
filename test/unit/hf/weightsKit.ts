/**
 * Shared set-up of the weight-reader tests (weights.test.ts for safetensors, weightsTorch.test.ts
 * for pytorch_model.bin): the WASM backend and a scratch folder for hand-made checkpoints, a
 * writer of small model folders in it, the check that a promise fails with a CheckpointError
 * of a given code whose message matches (names the file, says what to do), and the fuzz loop over
 * damaged copies of a real checkpoint. One copy, so both readers are held to the same contract.
 */
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../../src/node/backend';
import { openWeights } from '../../../src/node/hf/weights';
import { CheckpointError } from '../../../src/core/formats/errors';

/** One tiny BertModel saved float32, bfloat16, sharded and by torch.save (scripts/hf-fixtures/make_variants.py). */
export const VARIANTS = join(__dirname, '..', '..', 'fixtures', 'hf-models', 'variants');

export interface Scratch {
  /** The scratch folder (set once the file's `before` hook ran). */
  readonly path: string;
  /** Writes `files` (name → content) into a new folder `name` of the scratch folder and returns its path. */
  writeFolder(name: string, files: Record<string, Uint8Array | string>): string;
}

/**
 * Registers the test file's hooks: before all tests the WASM backend is initialised and a scratch
 * folder `<tmp>/<prefix>XXXXXX` created; after them it is removed.
 */
export function useScratch(prefix: string): Scratch {
  let folder: string | undefined;
  before(async () => {
    await initBackend('wasm');
    folder = mkdtempSync(join(tmpdir(), prefix));
  });
  after(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
  });
  const scratch: Scratch = {
    get path(): string {
      if (!folder) throw new Error('the scratch folder is made in the before hook');
      return folder;
    },
    writeFolder(name, files) {
      const target = join(scratch.path, name);
      mkdirSync(target, { recursive: true });
      for (const [file, content] of Object.entries(files)) writeFileSync(join(target, file), content);
      return target;
    },
  };
  return scratch;
}

/** Fails unless `promise` rejects with a CheckpointError of `code` whose message matches `pattern`. */
export async function rejectsWith(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `not a CheckpointError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

/** A seeded linear congruential generator: `next(n)` is a whole number in [0, n). */
export function seededNext(seed: number): (n: number) => number {
  let state = seed;
  return (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

/**
 * Writes `cases` damaged copies (`damaged(i)`, through `write(i, bytes)`, which returns the folder
 * and a pattern of the file's path) and opens each, reading every tensor: each must either open
 * and read or fail with a CheckpointError naming the file. Both outcomes must occur. Returns the
 * counts.
 */
export async function fuzzOpenWeights(
  cases: number,
  damaged: (i: number) => Buffer,
  write: (i: number, bytes: Buffer) => { readonly folder: string; readonly file: RegExp },
): Promise<{ opened: number; refused: number }> {
  let opened = 0;
  let refused = 0;
  for (let i = 0; i < cases; i++) {
    const { folder, file } = write(i, damaged(i));
    try {
      const source = await openWeights(folder);
      opened++;
      for (const name of source.entries.keys()) (await source.tensor(name)).dispose();
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw new Error(`case ${i}: ${String(e)}`);
      assert.match(e.message, file);
      refused++;
    }
  }
  assert.ok(opened > 0 && refused > 0, `${opened} opened, ${refused} refused`);
  return { opened, refused };
}
