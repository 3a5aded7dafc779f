/**
 * The VSIX contains what the installed extension needs and nothing it must not: lists the
 * package entries with `vsce ls` (the same file selection `vsce package` uses, driven by the
 * .vscodeignore allowlist) and checks them. Needs the bundles in dist/ (`npm run build`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

function listEntries(): string[] {
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const output = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return output.split('\n').map((l) => l.trim()).filter(Boolean);
}

test('the VSIX file list holds the bundles, WASM binaries, grammar and docs, and no sources', (t) => {
  if (!existsSync(join(root, 'dist', 'extension.js')) || !existsSync(join(root, 'dist', 'worker.js'))) {
    t.skip('dist/ is not built: run `npm run build` first (npm test does)');
    return;
  }
  const entries = listEntries();
  for (const required of ['package.json', 'dist/extension.js', 'dist/worker.js', 'dist/tfjs-backend-wasm.wasm', 'dist/tfjs-backend-wasm-simd.wasm', 'syntaxes/transferlens-references.injection.json']) {
    assert.ok(entries.includes(required), `missing ${required}`);
  }
  for (const optional of ['dist/cli.js', 'dist/gramWorker.js', 'dist/webview.js', 'README.md', 'CHANGELOG.md', 'LICENSE']) {
    if (existsSync(join(root, optional))) assert.ok(entries.includes(optional), `missing ${optional}`);
  }
  const forbidden = entries.filter((e) =>
    /^(src|test|bench|scripts|examples|node_modules|media\/screenshots|\.ci|\.vscode-test)\//.test(e) || /\.(ts|map)$/.test(e) || e.endsWith('threaded-simd.wasm') || e.startsWith('.'));
  assert.deepEqual(forbidden, []);
});

test('vsce package succeeds (README images resolve through package.json repository) and stays small', (t) => {
  if (!existsSync(join(root, 'dist', 'extension.js')) || !existsSync(join(root, 'dist', 'worker.js'))) {
    t.skip('dist/ is not built: run `npm run build` first (npm test does)');
    return;
  }
  const out = join(mkdtempSync(join(tmpdir(), 'tl-vsix-')), 'transferlens.vsix');
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  try {
    execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--skip-license', '--out', out], { cwd: root, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const size = statSync(out).size;
    // Unminified bundles (npm run build) are larger than the release build (npm run package).
    assert.ok(size < 6 * 1024 * 1024, `VSIX is ${(size / 1024 / 1024).toFixed(1)} MB`);
  } finally {
    rmSync(dirname(out), { recursive: true, force: true });
  }
});
