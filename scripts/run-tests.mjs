// Runs the plain-Node test suites (no VS Code) with node's built-in test runner.
// Usage: node scripts/run-tests.mjs [dir-or-file ...]   (default: test/unit test/cli test/webview test/fuzz)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['test/unit', 'test/cli', 'test/webview', 'test/fuzz'];
const files = [];
function walk(p) {
  let st;
  try { st = statSync(p); } catch { return; }
  if (st.isDirectory()) {
    for (const name of readdirSync(p).sort()) walk(join(p, name));
  } else if (/\.test\.(ts|mjs|js)$/.test(p)) {
    files.push(p);
  }
}
roots.forEach(walk);
if (files.length === 0) {
  console.error('run-tests: no test files found under ' + roots.join(', '));
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } },
);
process.exit(result.status ?? 1);
