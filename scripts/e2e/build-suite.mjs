// Compiles the integration suite (test/integration/**/*.ts, run inside the VS Code extension
// host) into out/integration/ with esbuild: one CommonJS file per entry so Mocha can add the test
// files one by one. `vscode` is provided by the editor and `mocha` is loaded from node_modules
// at run time (it reads its own files from disk, so it cannot be bundled).
// Usage: node scripts/e2e/build-suite.mjs
import * as esbuild from 'esbuild';
import { readdirSync, rmSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const suiteSourceDir = join(root, 'test', 'integration');
export const suiteOutDir = join(root, 'out', 'integration');
export const suiteEntry = join(suiteOutDir, 'index.js');

export async function buildSuite() {
  const testDir = join(suiteSourceDir, 'suite');
  const testFiles = existsSync(testDir)
    ? readdirSync(testDir).filter((name) => name.endsWith('.test.ts')).map((name) => join(testDir, name))
    : [];
  rmSync(suiteOutDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [join(suiteSourceDir, 'index.ts'), ...testFiles],
    outbase: suiteSourceDir,
    outdir: suiteOutDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
    external: ['vscode', 'mocha'],
  });
  return { entry: suiteEntry, testFiles: testFiles.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { entry, testFiles } = await buildSuite();
  console.log(`build-suite: ${testFiles} test files -> ${entry}`);
}
