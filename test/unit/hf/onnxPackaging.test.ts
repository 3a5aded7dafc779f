/**
 * The platform-specific VSIX (scripts/package-platform.mjs, issue #16): `vsce package --target
 * linux-x64` carries onnxruntime-node for linux-x64 only (binding, shared library, JavaScript,
 * onnxruntime-common) under extension/native/node_modules/, where the runtime loader
 * (src/node/hf/engine.ts bundledRuntimePath) looks; no other platform's binary, no sources, and
 * it stays small. Needs the bundles in dist/ (`npm run build`), like test/unit/vscode/vsix.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';

const root = join(__dirname, '..', '..', '..');
const built = existsSync(join(root, 'dist', 'extension.js')) && existsSync(join(root, 'dist', 'worker.js'));
const hasLinuxBinary = existsSync(join(root, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'onnxruntime_binding.node'));
const skip = !built ? 'dist/ is not built: run `npm run build` first (npm test does)' : !hasLinuxBinary ? 'onnxruntime-node (linux-x64 binary) is not installed' : false;

test('the linux-x64 VSIX carries only linux-x64 onnxruntime under native/node_modules and stays small', { skip, timeout: 600_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'tl-vsix-platform-'));
  try {
    execFileSync(process.execPath, [join(root, 'scripts', 'package-platform.mjs'), '--targets', 'linux-x64', '--no-universal', '--skip-build', '--out-dir', out], { cwd: root, encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const file = join(out, 'transferlens-linux-x64.vsix');
    const size = statSync(file).size;
    assert.ok(size < 30 * 1024 * 1024, `platform VSIX is ${(size / 1024 / 1024).toFixed(1)} MB`);
    const zip = await JSZip.loadAsync(readFileSync(file));
    const entries = Object.keys(zip.files).filter((e) => !e.endsWith('/'));
    const native = 'extension/native/node_modules/';
    for (const required of [
      'extension/dist/worker.js', 'extension/dist/cli.js',
      `${native}onnxruntime-node/package.json`, `${native}onnxruntime-node/dist/index.js`, `${native}onnxruntime-node/dist/binding.js`,
      `${native}onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node`, `${native}onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1`,
      `${native}onnxruntime-common/package.json`, `${native}onnxruntime-common/dist/cjs/index.js`,
    ]) assert.ok(entries.includes(required), `missing ${required}`);
    const otherPlatforms = entries.filter((e) => e.includes('/bin/napi-v6/') && !e.includes('/bin/napi-v6/linux/x64/'));
    assert.deepEqual(otherPlatforms, []);
    assert.deepEqual(entries.filter((e) => /\.(ts|map)$/.test(e) || /\/(src|test|bench)\//.test(e) || e.includes('/script/')), []);
    const manifest = await zip.file('extension.vsixmanifest')!.async('string');
    assert.match(manifest, /TargetPlatform="linux-x64"/);
    assert.ok(!existsSync(join(root, 'native')), 'the staging folder is removed');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
