// Runs the integration suite (test/integration, compiled to out/integration) inside a real VS Code:
// code-server 4.100.3 (installed by install-code-server.mjs) on a free loopback port, driven by
// Debian's Chromium through playwright-core. The workbench URL carries the
// extensionDevelopmentPath / extensionTestsPath payload, and the workbench reports the suite's
// result through the exposed functions codeAutomationLog / codeAutomationExit.
//
// Two windows are run, because workspace trust is fixed when a window opens: `trusted` (started
// with --disable-workspace-trust: everything but the Restricted Mode tests) and `restricted`
// (no flag, so the fixture folder is untrusted: only the Restricted Mode tests).
//
// A small loopback HTTP "driver bridge" lets tests running in the extension host ask this
// process for a screenshot of the page or for the DOM text of a webview (see helpers.ts).
//
// Usage: node scripts/e2e/run-code-server.mjs [--mode trusted|restricted|all] [--grep PATTERN]
//          [--smoke] [--skip-install] [--skip-build] [--keep] [--timeout SECONDS]
// Every wait is bounded; code-server (its whole process group) and Chromium are killed by PID
// at the end, also on failure, timeout or Ctrl-C. Artefacts: test-artifacts/e2e/.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { main as installCodeServer, codeServerEntry } from './install-code-server.mjs';
import { buildSuite } from './build-suite.mjs';
import { prepareWorkspace } from './workspace.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const artifactsDir = join(root, 'test-artifacts', 'e2e');
const chromiumPath = process.env.TRANSFERLENS_E2E_CHROMIUM ?? '/usr/bin/chromium';

function parseArgs(argv) {
  const options = { mode: 'all', grep: undefined, smoke: false, skipInstall: false, skipBuild: false, keep: false, timeoutSeconds: 600 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--mode') options.mode = argv[++i];
    else if (arg === '--grep') options.grep = argv[++i];
    else if (arg === '--smoke') options.smoke = true;
    else if (arg === '--skip-install') options.skipInstall = true;
    else if (arg === '--skip-build') options.skipBuild = true;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--timeout') options.timeoutSeconds = Number(argv[++i]);
    else throw new Error(`unknown argument '${arg}' (see the usage comment at the top of scripts/e2e/run-code-server.mjs)`);
  }
  if (!['trusted', 'restricted', 'all'].includes(options.mode)) throw new Error(`--mode must be trusted, restricted or all, not '${options.mode}'`);
  if (!(options.timeoutSeconds > 0)) throw new Error('--timeout must be a positive number of seconds');
  return options;
}

const started = Date.now();
function log(message) {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}`);
}

/** Rejects after `ms` with a message naming what was awaited; the timer never keeps Node alive. */
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills a whole process group (code-server, its extension host and the analysis worker). */
async function killGroup(pid, name) {
  if (!pid || !isAlive(pid)) return;
  try { process.kill(-pid, 'SIGTERM'); } catch { /* already gone */ }
  const deadline = Date.now() + 5000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
  log(`stopped ${name} (pid ${pid})`);
}

/** PIDs to kill if this process is interrupted; cleared as each is stopped normally. */
const liveProcessGroups = new Set();
function killEverythingNow() {
  for (const pid of liveProcessGroups) {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
  }
  liveProcessGroups.clear();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`[e2e] ${signal}: killing code-server and Chromium`);
    killEverythingNow();
    process.exit(130);
  });
}
process.on('exit', killEverythingNow);

async function waitForHealth(port, child, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited early with code ${child.exitCode} (see its log)`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer /healthz within ${ms / 1000} s`);
}

/** Reads a JSON request body with a size cap. */
function readBody(request) {
  return new Promise((resolveBody, reject) => {
    let data = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      data += chunk;
      if (data.length > 1e6) reject(new Error('request body too large'));
    });
    request.on('end', () => {
      try { resolveBody(data ? JSON.parse(data) : {}); } catch (error) { reject(error); }
    });
    request.on('error', reject);
  });
}

/**
 * The innermost frame whose body text contains `marker` (ignoring case), looked for among the webview frames
 * (VS Code renders each webview as an iframe holding an inner `active-frame` iframe).
 */
async function webviewSnapshot(page, marker) {
  let best = null;
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    try {
      const snapshot = await withTimeout(frame.evaluate(() => ({
        text: document.body ? document.body.innerText : '',
        svgCount: document.querySelectorAll('svg').length,
        canvasCount: document.querySelectorAll('canvas').length,
        html: document.documentElement ? document.documentElement.outerHTML.slice(0, 200000) : '',
        iframes: document.querySelectorAll('iframe').length,
      })), 5000, 'a webview frame to answer');
      if (snapshot.text.toLowerCase().includes(marker.toLowerCase()) && snapshot.iframes === 0) best = { ...snapshot, url: frame.url() };
    } catch { /* frame detached or cross-process hiccup: skip it */ }
  }
  return best;
}

/** Runs in the page: every status bar entry with its id, visible text and accessible label. */
function readStatusBar() {
  return Array.from(document.querySelectorAll('.part.statusbar .statusbar-item')).map((item) => ({
    id: item.id || '',
    text: (item.textContent || '').trim(),
    ariaLabel: item.getAttribute('aria-label') || item.querySelector('[aria-label]')?.getAttribute('aria-label') || '',
    // The spinning codicon is how VS Code shows `$(sync~spin)` / `$(loading~spin)` progress.
    spinning: item.querySelector('.codicon-modifier-spin') !== null,
  }));
}

/** Runs in the page: the notification toasts currently shown, with their severity. */
function readNotifications() {
  return Array.from(document.querySelectorAll('.notifications-toasts .notification-toast')).map((toast) => {
    const icon = toast.querySelector('.notification-list-item-icon');
    const className = icon ? icon.className : '';
    const severity = /codicon-error/.test(className) ? 'error' : /codicon-warning/.test(className) ? 'warning' : 'info';
    return { severity, text: (toast.querySelector('.notification-list-item-message')?.textContent || toast.textContent || '').trim() };
  });
}

function startDriverBridge(getPage, runArtifacts) {
  const server = createServer(async (request, response) => {
    try {
      const body = await readBody(request);
      const page = getPage();
      if (!page) throw new Error('the page is not open yet');
      let result;
      if (request.url === '/screenshot') {
        const name = String(body.name ?? 'screenshot').replace(/[^a-z0-9._-]+/gi, '-');
        const file = join(runArtifacts, `${name}.png`);
        await withTimeout(page.screenshot({ path: file }), 20_000, 'a screenshot');
        log(`screenshot saved: ${file}`);
        result = { file };
      } else if (request.url === '/webview') {
        result = { snapshot: await webviewSnapshot(page, String(body.marker ?? '')) };
      } else if (request.url === '/statusbar') {
        result = { items: await withTimeout(page.evaluate(readStatusBar), 10_000, 'the status bar to be read') };
      } else if (request.url === '/notifications') {
        result = { toasts: await withTimeout(page.evaluate(readNotifications), 10_000, 'the notifications to be read') };
      } else {
        response.writeHead(404).end('unknown driver action');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } catch (error) {
      response.writeHead(500).end(error instanceof Error ? error.message : String(error));
    }
  });
  return new Promise((resolveServer) => {
    server.listen(0, '127.0.0.1', () => resolveServer(server));
  });
}

/** Counts "N passing / N failing / N pending" lines of Mocha's spec reporter. */
function tally(lines) {
  const count = (word) => {
    const line = lines.find((l) => new RegExp(`^\\s*\\d+ ${word}`).test(l));
    return line ? Number(line.trim().split(' ')[0]) : undefined;
  };
  // A suite cut short by the time limit has no summary: count its ✔ and "N) title" lines.
  const passed = count('passing') ?? lines.filter((l) => /^\s*✔/.test(l)).length;
  const failed = count('failing') ?? lines.filter((l) => /^\s*\d+\) /.test(l)).length;
  return { passed, failed, pending: count('pending') ?? 0 };
}

async function runWindow(mode, options, extensionPath, extensionId, suiteEntry) {
  const runArtifacts = join(artifactsDir, mode);
  // Start clean so a screenshot in the folder always comes from this run.
  rmSync(runArtifacts, { recursive: true, force: true });
  mkdirSync(runArtifacts, { recursive: true });
  const scratch = mkdtempSync(join(root, '.vscode-test', `run-${mode}-`));
  const workspace = prepareWorkspace(join(scratch, 'workspace'));
  const port = await freePort();
  const configFile = join(scratch, 'config.yaml');
  writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);

  // User settings of the throwaway profile: no welcome page over the editors in screenshots, no
  // trust prompt (the restricted window stays untrusted without a modal dialog), no gallery calls.
  mkdirSync(join(scratch, 'user-data', 'User'), { recursive: true });
  writeFileSync(join(scratch, 'user-data', 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.banner': 'never',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'chat.commandCenter.enabled': false,
    // The scratch workspace lies inside the repo: keep Git's "open the parent repository?" prompt
    // out of the screenshots and out of the notification counts.
    'git.enabled': false,
    'git.openRepositoryInParentFolders': 'never',
  }, null, 2));

  let page;
  const bridge = await startDriverBridge(() => page, runArtifacts);
  const driverUrl = `http://127.0.0.1:${bridge.address().port}`;

  const args = [
    codeServerEntry,
    '--config', configFile,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--user-data-dir', join(scratch, 'user-data'),
    '--extensions-dir', join(scratch, 'extensions'),
    ...(mode === 'trusted' ? ['--disable-workspace-trust'] : []),
    workspace,
  ];
  const serverLog = createWriteStream(join(runArtifacts, 'code-server.log'));
  const child = spawn(process.execPath, args, {
    cwd: scratch,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      XDG_CONFIG_HOME: join(scratch, 'xdg-config'),
      XDG_DATA_HOME: join(scratch, 'xdg-data'),
      TRANSFERLENS_E2E_MODE: mode,
      TRANSFERLENS_E2E_DRIVER_URL: driverUrl,
      TRANSFERLENS_E2E_EXTENSION_ID: extensionId,
      TRANSFERLENS_E2E_ARTIFACTS: runArtifacts,
      ...(options.grep ? { TRANSFERLENS_E2E_GREP: options.grep } : {}),
      ...(options.smoke ? { TRANSFERLENS_E2E_SMOKE: '1' } : {}),
    },
  });
  liveProcessGroups.add(child.pid);
  child.stdout.pipe(serverLog, { end: false });
  child.stderr.pipe(serverLog, { end: false });
  log(`${mode}: code-server pid ${child.pid} on 127.0.0.1:${port}, workspace ${workspace}`);

  let browserServer;
  let browser;
  const suiteLines = [];
  let exitCode = 1;
  let failure;
  try {
    await waitForHealth(port, child, 60_000);
    log(`${mode}: code-server is up`);

    const { chromium } = await import('playwright-core');
    browserServer = await withTimeout(chromium.launchServer({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    }), 60_000, 'Chromium to start');
    const browserPid = browserServer.process().pid;
    liveProcessGroups.add(browserPid);
    browser = await withTimeout(chromium.connect(browserServer.wsEndpoint()), 30_000, 'a connection to Chromium');
    const context = await browser.newContext({ viewport: { width: 1280, height: 960 } });
    page = await context.newPage();
    const browserLog = createWriteStream(join(runArtifacts, 'browser-console.log'));
    page.on('console', (message) => browserLog.write(`[${message.type()}] ${message.text()}\n`));
    page.on('pageerror', (error) => browserLog.write(`[pageerror] ${error.message}\n`));

    let reportExit;
    const exited = new Promise((r) => { reportExit = r; });
    // The workbench forwards the extension host's console here as (type, [format, ...args]).
    // Everything goes to suite.log; the console shows only what the suite prints, from its
    // first line on (the workbench's own start-up chatter and offline gallery errors are noise).
    const suiteLog = createWriteStream(join(runArtifacts, 'suite.log'));
    let suiteStarted = false;
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = Array.isArray(args) ? format(...args) : String(args ?? type);
      suiteLog.write(`${text}\n`);
      if (text.includes('[transferlens-e2e]')) suiteStarted = true;
      if (!suiteStarted) return;
      for (const line of text.split('\n')) {
        suiteLines.push(line);
        console.log(`  | ${line}`);
      }
    });
    await page.exposeFunction('codeAutomationExit', (code) => reportExit(Number(code)));

    const remote = (path) => `vscode-remote://127.0.0.1:${port}${path}`;
    const payload = [
      ['extensionDevelopmentPath', remote(extensionPath)],
      ['extensionTestsPath', remote(suiteEntry)],
    ];
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await withTimeout(page.goto(url, { waitUntil: 'domcontentloaded' }), 60_000, 'the workbench page to load');
    log(`${mode}: workbench loaded, suite running (limit ${options.timeoutSeconds} s)`);
    exitCode = await withTimeout(exited, options.timeoutSeconds * 1000, `the ${mode} suite to finish`);
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    log(`${mode}: FAILED: ${failure}`);
  } finally {
    if (page && exitCode !== 0) {
      await withTimeout(page.screenshot({ path: join(runArtifacts, 'failure.png') }), 15_000, 'the failure screenshot')
        .then(() => log(`${mode}: failure screenshot: ${join(runArtifacts, 'failure.png')}`))
        .catch(() => {});
    }
    if (browser) await withTimeout(browser.close(), 10_000, 'Chromium to close').catch(() => {});
    if (browserServer) {
      const pid = browserServer.process().pid;
      await withTimeout(browserServer.close(), 10_000, 'the Chromium server to close').catch(() => {});
      await killGroup(pid, 'Chromium');
      liveProcessGroups.delete(pid);
    }
    await killGroup(child.pid, 'code-server');
    liveProcessGroups.delete(child.pid);
    serverLog.end();
    bridge.close();
    // The extension's own log (LogOutputChannel) and the extension host's live in the profile.
    const logs = join(scratch, 'user-data', 'logs');
    if (existsSync(logs)) cpSync(logs, join(runArtifacts, 'logs'), { recursive: true });
    if (!options.keep) rmSync(scratch, { recursive: true, force: true });
  }
  const counts = tally(suiteLines);
  return { mode, exitCode, failure, ...counts };
}

export async function runE2e(argv = process.argv.slice(2)) {
  const options = parseArgs(argv);
  mkdirSync(artifactsDir, { recursive: true });
  if (!options.skipInstall && installCodeServer([]) !== 0) throw new Error('code-server installation failed');
  if (!existsSync(codeServerEntry)) throw new Error(`code-server is not installed at ${codeServerEntry}: run node scripts/e2e/install-code-server.mjs`);
  if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath} (apt-get install -y chromium, or set TRANSFERLENS_E2E_CHROMIUM)`);

  let extensionPath = root;
  let extensionId = 'transferlens.transferlens';
  if (options.smoke) {
    extensionPath = join(root, 'test', 'integration', 'smoke-extension');
    extensionId = 'transferlens.transferlens-smoke';
  } else if (!options.skipBuild) {
    log('building the extension (npm run build)');
    const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit', timeout: 300_000, killSignal: 'SIGKILL' });
    if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status ?? build.signal})`);
  }
  if (!options.smoke && !existsSync(join(root, 'dist', 'extension.js'))) {
    throw new Error('dist/extension.js is missing (src/vscode/extension.ts not built); use --smoke to prove the runner with the throwaway extension');
  }
  const { entry, testFiles } = await buildSuite();
  log(`suite compiled: ${testFiles} test files -> ${entry}`);

  // The smoke extension only proves the runner, which the trusted window does.
  const modes = options.smoke ? ['trusted'] : options.mode === 'all' ? ['trusted', 'restricted'] : [options.mode];
  const results = [];
  for (const mode of modes) {
    const hasFiles = readdirSync(join(dirname(entry), 'suite')).some((name) => (mode === 'restricted') === name.startsWith('restricted'));
    if (!hasFiles) {
      log(`${mode}: no test files for this window, skipped`);
      continue;
    }
    results.push(await runWindow(mode, options, extensionPath, extensionId, entry));
  }
  const passed = results.reduce((sum, r) => sum + r.passed, 0);
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  const pending = results.reduce((sum, r) => sum + r.pending, 0);
  const ok = results.length > 0 && results.every((r) => r.exitCode === 0 && !r.failure);
  for (const r of results) log(`${r.mode}: exit ${r.exitCode}, ${r.passed} passing, ${r.failed} failing, ${r.pending} pending${r.failure ? ` (${r.failure})` : ''}`);
  log(`total ${((Date.now() - started) / 1000).toFixed(1)} s; artefacts in ${artifactsDir}`);
  console.log(`e2e: ${passed} passed, ${failed + (ok ? 0 : Math.max(0, 1 - failed))} failed${pending ? `, ${pending} skipped` : ''}`);
  return ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runE2e().then(
    (code) => { process.exitCode = code; },
    (error) => {
      console.error(`[e2e] ${error instanceof Error ? error.message : String(error)}`);
      killEverythingNow();
      process.exitCode = 1;
    },
  );
}
