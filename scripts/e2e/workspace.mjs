// Builds the fixture workspace each e2e window opens: a fresh copy of the repo's examples/
// (the bundled example projects) plus test/integration/fixtures/workspace (editor settings and
// hand-made configs such as a malformed one). A fresh copy per window keeps tests from seeing
// each other's edits and keeps the repo's own examples untouched.
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Copies the fixture into `target` (created) and returns its absolute path. */
export function prepareWorkspace(target) {
  mkdirSync(target, { recursive: true });
  const examples = join(root, 'examples');
  if (existsSync(examples)) {
    mkdirSync(join(target, 'examples'), { recursive: true });
    for (const name of readdirSync(examples)) {
      // Only example folders and their files; caches written by earlier CLI runs are skipped.
      if (name === 'node_modules' || name.startsWith('.cache')) continue;
      cpSync(join(examples, name), join(target, 'examples', name), {
        recursive: true,
        filter: (source) => !/[\\/](\.cache|node_modules)([\\/]|$)/.test(source),
      });
    }
  }
  const extra = join(root, 'test', 'integration', 'fixtures', 'workspace');
  if (existsSync(extra)) cpSync(extra, target, { recursive: true });
  return target;
}
