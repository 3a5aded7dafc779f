// Runs the same integration suite (out/integration/index.js, the `run(): Promise<void>` contract)
// in desktop VS Code through @vscode/test-electron 2.5.2, for machines that have VS Code or can
// download it. On machines without internet access use run-code-server.mjs instead.
//
// Usage: node scripts/e2e/run-electron.mjs [--mode trusted|restricted|all] [--grep PATTERN]
//          [--vscode /path/to/code] [--version 1.100.3] [--skip-build]
// VS Code is taken from --vscode or $VSCODE_EXECUTABLE_PATH when given, otherwise downloaded
// (version 1.100.3 by default, the VS Code of code-server 4.100.3, so both runners agree).
// Tests that need the Chromium driver bridge (screenshots, webview DOM) skip themselves here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSuite } from './build-suite.mjs';
import { prepareWorkspace } from './workspace.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function parseArgs(argv) {
  const options = { mode: 'all', grep: undefined, vscode: process.env.VSCODE_EXECUTABLE_PATH, version: '1.100.3', skipBuild: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--mode') options.mode = argv[++i];
    else if (arg === '--grep') options.grep = argv[++i];
    else if (arg === '--vscode') options.vscode = argv[++i];
    else if (arg === '--version') options.version = argv[++i];
    else if (arg === '--skip-build') options.skipBuild = true;
    else throw new Error(`unknown argument '${arg}' (see the usage comment at the top of scripts/e2e/run-electron.mjs)`);
  }
  if (!['trusted', 'restricted', 'all'].includes(options.mode)) throw new Error(`--mode must be trusted, restricted or all, not '${options.mode}'`);
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const { runTests } = await import('@vscode/test-electron');
  if (!options.skipBuild) {
    const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit', timeout: 300_000, killSignal: 'SIGKILL' });
    if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status ?? build.signal})`);
  }
  if (!existsSync(join(root, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run npm run build');
  const { entry } = await buildSuite();
  const suiteFiles = readdirSync(join(dirname(entry), 'suite'));

  let failures = 0;
  const modes = options.mode === 'all' ? ['trusted', 'restricted'] : [options.mode];
  for (const mode of modes) {
    if (!suiteFiles.some((name) => (mode === 'restricted') === name.startsWith('restricted'))) continue;
    const scratch = mkdtempSync(join(root, '.vscode-test', `electron-${mode}-`));
    try {
      const workspace = prepareWorkspace(join(scratch, 'workspace'));
      const code = await runTests({
        ...(options.vscode ? { vscodeExecutablePath: options.vscode } : { version: options.version }),
        extensionDevelopmentPath: root,
        extensionTestsPath: entry,
        extensionTestsEnv: {
          TRANSFERLENS_E2E_MODE: mode,
          TRANSFERLENS_E2E_ARTIFACTS: join(root, 'test-artifacts', 'e2e', `electron-${mode}`),
          ...(options.grep ? { TRANSFERLENS_E2E_GREP: options.grep } : {}),
        },
        launchArgs: [
          workspace,
          '--disable-extensions',
          '--user-data-dir', join(scratch, 'user-data'),
          '--extensions-dir', join(scratch, 'extensions'),
          ...(mode === 'trusted' ? ['--disable-workspace-trust'] : []),
        ],
      }).catch((error) => {
        const message = error instanceof Error ? error.message : String(error);
        const offline = /ENOTFOUND|ECONNREFUSED|EAI_AGAIN/.test(message);
        console.error(`[e2e-electron] ${mode}: ${message}${offline ? ' (VS Code cannot be downloaded here: pass --vscode /path/to/code, or use npm run test:e2e, the code-server runner)' : ''}`);
        return 1;
      });
      if (code !== 0) failures++;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => { process.exitCode = code; },
  (error) => {
    console.error(`[e2e-electron] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
