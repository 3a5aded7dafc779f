/**
 * Entry of the integration suite, loaded by VS Code's extension host through
 * `extensionTestsPath` (the `@vscode/test-electron` contract: export `run(): Promise<void>`,
 * resolve on success, reject on failure). Both runners use it: the code-server + Chromium one
 * (scripts/e2e/run-code-server.mjs) and the `@vscode/test-electron` one.
 *
 * Which test files run is chosen by the runner through TRANSFERLENS_E2E_MODE: `trusted` (the
 * default) runs everything except the Restricted Mode file, `restricted` runs only that file,
 * because workspace trust is fixed when the window opens. TRANSFERLENS_E2E_SMOKE=1 (the runner's
 * --smoke) runs only the activation and driver-bridge self-tests against the throwaway smoke
 * extension in test/integration/smoke-extension.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import Mocha from 'mocha';

const ORDER = ['activation', 'bridge', 'verdict', 'robustness', 'restricted'];
function rank(file: string): number {
  const index = ORDER.findIndex((prefix) => file.startsWith(prefix));
  return index < 0 ? ORDER.length : index;
}

export function run(): Promise<void> {
  const mode = process.env.TRANSFERLENS_E2E_MODE ?? 'trusted';
  const grep = process.env.TRANSFERLENS_E2E_GREP;
  const smoke = process.env.TRANSFERLENS_E2E_SMOKE === '1';
  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    reporter: 'spec',
    // Per-test ceilings; the individual waits inside the tests are shorter and say what they waited for.
    timeout: Number(process.env.TRANSFERLENS_E2E_TEST_TIMEOUT_MS ?? 120_000),
    ...(grep ? { grep } : {}),
  });
  const suiteDir = path.join(__dirname, 'suite');
  const files = fs
    .readdirSync(suiteDir)
    .filter((name) => name.endsWith('.test.js'))
    .filter((name) => (mode === 'restricted' ? name.startsWith('restricted') : !name.startsWith('restricted')))
    // The bridge self-test needs the smoke extension; the product tests need the real one.
    .filter((name) => (smoke ? name.startsWith('activation') || name.startsWith('bridge') : !name.startsWith('bridge')))
    // The cheap checks first, then what a user sees, then the failure cases.
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const name of files) mocha.addFile(path.join(suiteDir, name));
  // Print each failure's reason as it happens: the spec reporter prints them only at the end,
  // which a runner that times out never reaches.
  mocha.suite.afterEach(function () {
    const current = this.currentTest;
    if (current?.state === 'failed') console.log(`      ✖ ${current.title}: ${current.err?.message ?? 'failed'}`);
  });
  console.log(`[transferlens-e2e] mode=${mode} files=${files.join(', ')}`);

  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        const summary = `[transferlens-e2e] ${failures === 0 ? 'all tests passed' : `${failures} test(s) failed`}`;
        console.log(summary);
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
