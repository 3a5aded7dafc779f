// Bundles the extension, the analysis worker, the CLI and the report webview with esbuild,
// and copies the TensorFlow.js WASM binaries next to the bundles that load them.
// Usage: node scripts/build.mjs [--watch] [--minify]
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, existsSync, chmodSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });

// Native or optional modules are never bundled: tfjs-node is loaded only if present,
// sharp ships a native binary, vscode is provided by the editor, onnxruntime-node (issue #16) is
// an optional native engine required lazily by the worker / CLI (src/node/hf/engine.ts).
const nodeExternals = ['vscode', '@tensorflow/tfjs-node', 'sharp', 'fsevents', 'onnxruntime-node'];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify,
  logLevel: 'warning',
  external: nodeExternals,
  // tfjs-core prints a banner recommending tfjs-node; the worker decides the backend itself.
  define: { 'process.env.NODE_ENV': '"production"' },
};

const entries = [
  { entryPoints: [join(root, 'src/vscode/extension.ts')], outfile: join(dist, 'extension.js') },
  { entryPoints: [join(root, 'src/node/worker/main.ts')], outfile: join(dist, 'worker.js') },
  // Gram worker threads of src/node/parallelGram.ts, started from cli.js and worker.js (same folder).
  { entryPoints: [join(root, 'src/node/gramWorker.ts')], outfile: join(dist, 'gramWorker.js') },
  {
    entryPoints: [join(root, 'src/cli/main.ts')],
    outfile: join(dist, 'cli.js'),
    banner: { js: '#!/usr/bin/env node' },
  },
];

const builds = entries
  .filter((e) => existsSync(e.entryPoints[0]))
  .map((e) => ({ ...common, ...e }));

const webviewEntry = join(root, 'src/webview/main.ts');
if (existsSync(webviewEntry)) {
  builds.push({
    entryPoints: [webviewEntry],
    outfile: join(dist, 'webview.js'),
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: false,
    minify: true,
    logLevel: 'warning',
  });
}

// The WASM backend looks for its binaries next to the bundle (see src/node/backend.ts).
const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const f of readdirSync(wasmDir)) {
  if (f.endsWith('.wasm')) copyFileSync(join(wasmDir, f), join(dist, f));
}

if (watch) {
  const ctxs = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(ctxs.map((c) => c.watch()));
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (existsSync(join(dist, 'cli.js'))) chmodSync(join(dist, 'cli.js'), 0o755);
}
