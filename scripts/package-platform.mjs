// Platform-specific VSIXs (issue #16): VS Code's convention for native code is one VSIX per
// platform (`vsce package --target linux-x64`), each carrying only its platform's binary, plus a
// universal VSIX without it. Here the native part is onnxruntime-node (the optional ONNX engine);
// the universal VSIX runs everything on TF.js WASM (src/node/hf/engine.ts falls back and says so).
//
// vsce never packs the extension's own node_modules/ with --no-dependencies (the bundles in dist/
// hold all JavaScript), so the runtime is staged under native/node_modules/ — onnxruntime-node's
// package.json + dist/*.js + bin/napi-v6/<os>/<arch>/, and onnxruntime-common's dist/cjs — where
// engine.ts's loader looks when `require('onnxruntime-node')` fails. The staging folder is removed
// afterwards; the ignore file used is .vscodeignore plus `!native/**`.
//
// Usage: node scripts/package-platform.mjs [--targets linux-x64,win32-x64,…|all] [--no-universal]
//                                          [--skip-build] [--out-dir DIR]
// Prints each VSIX's size. Targets without a binary in the installed onnxruntime-node (e.g.
// darwin-x64 since 1.2x) are skipped with a note: users there install the universal VSIX.
/* global process, console */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
// VS Code target → onnxruntime-node's bin/napi-v6/<platform>/<arch>. Alpine (musl) has no binary.
const TARGETS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'darwin-x64': 'darwin/x64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};
const requested = option('targets', 'linux-x64');
const targets = requested === 'all' ? Object.keys(TARGETS) : requested.split(',').map((t) => t.trim()).filter(Boolean);
const outDir = option('out-dir', root);
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const ort = join(root, 'node_modules', 'onnxruntime-node');
const common = join(root, 'node_modules', 'onnxruntime-common');
const staging = join(root, 'native');

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
function du(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, f) => sum + du(join(path, f)), 0);
}

function vscePackage(args) {
  execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--skip-license', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
}

/** Copies only what `require('onnxruntime-node')` needs at run time for one platform/arch. */
function stage(platformArch) {
  rmSync(staging, { recursive: true, force: true });
  const to = join(staging, 'node_modules', 'onnxruntime-node');
  mkdirSync(join(to, 'dist'), { recursive: true });
  cpSync(join(ort, 'package.json'), join(to, 'package.json'));
  for (const f of readdirSync(join(ort, 'dist'))) if (f.endsWith('.js')) cpSync(join(ort, 'dist', f), join(to, 'dist', f));
  cpSync(join(ort, 'bin', 'napi-v6', platformArch), join(to, 'bin', 'napi-v6', platformArch), { recursive: true });
  for (const license of ['LICENSE', 'ThirdPartyNotices.txt', 'README.md']) if (existsSync(join(ort, license))) cpSync(join(ort, license), join(to, license));
  const commonTo = join(staging, 'node_modules', 'onnxruntime-common');
  mkdirSync(commonTo, { recursive: true });
  cpSync(join(common, 'package.json'), join(commonTo, 'package.json'));
  cpSync(join(common, 'dist', 'cjs'), join(commonTo, 'dist', 'cjs'), { recursive: true, filter: (src) => !src.endsWith('.map') && !src.endsWith('.d.ts') });
  return du(staging);
}

if (!existsSync(vsce)) throw new Error('@vscode/vsce is not installed (npm ci)');
if (!argv.includes('--skip-build')) execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--minify'], { cwd: root, stdio: 'inherit' });
mkdirSync(outDir, { recursive: true });
const ignoreFile = join(tmpdir(), `transferlens-vscodeignore-${process.pid}`);
writeFileSync(ignoreFile, readFileSync(join(root, '.vscodeignore'), 'utf8') + '\n# staged by scripts/package-platform.mjs\n!native/**\n');
const results = [];
try {
  if (!argv.includes('--no-universal')) {
    rmSync(staging, { recursive: true, force: true });
    const out = join(outDir, 'transferlens-universal.vsix');
    vscePackage(['--out', out]);
    results.push({ target: 'universal (TF.js only)', file: out, size: statSync(out).size });
  }
  for (const target of targets) {
    const platformArch = TARGETS[target];
    if (!platformArch) {
      results.push({ target, note: `unknown target (known: ${Object.keys(TARGETS).join(', ')})` });
      continue;
    }
    if (!existsSync(join(ort, 'bin', 'napi-v6', platformArch, 'onnxruntime_binding.node'))) {
      results.push({ target, note: `onnxruntime-node ${JSON.parse(readFileSync(join(ort, 'package.json'), 'utf8')).version} has no ${platformArch} binary: use the universal VSIX there` });
      continue;
    }
    const staged = stage(platformArch);
    const out = join(outDir, `transferlens-${target}.vsix`);
    try {
      vscePackage(['--target', target, '--ignoreFile', ignoreFile, '--out', out]);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    results.push({ target, file: out, size: statSync(out).size, staged });
  }
} finally {
  rmSync(ignoreFile, { force: true });
  rmSync(staging, { recursive: true, force: true });
}
for (const r of results) {
  console.log(r.note ? `${r.target}: skipped — ${r.note}` : `${r.target}: ${r.file} ${mb(r.size)}${r.staged ? ` (onnxruntime staged ${mb(r.staged)} uncompressed)` : ''}`);
}
