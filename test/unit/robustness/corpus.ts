/**
 * Shared helpers of the bad-input corpus test (test/fixtures/bad, issue #9 §1): lists the cases
 * of manifest.json with their config paths (building the runtime-only cases — FIFO, symlink
 * loop, oversized files — in a temporary folder), runs one case through the real CLI
 * (dist/cli.js, with a hard timeout), and checks an outcome against the case's expectation.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Finding } from '../../../src/core/model/finding';
import { makeRuntimeCase, type BadCase } from '../../fixtures/bad/generate';

export const repoRoot = resolve(__dirname, '..', '..', '..');
export const badRoot = join(repoRoot, 'test', 'fixtures', 'bad');
export const cliPath = join(repoRoot, 'dist', 'cli.js');

export interface PreparedCase {
  readonly meta: BadCase;
  readonly configPath: string;
  /** The workspace root references are checked against. */
  readonly workspace: string;
}

/** All cases of the manifest, runtime ones built under a fresh temporary folder. */
export function prepareCorpus(): { cases: PreparedCase[]; runtimeFolder: string } {
  const manifest = JSON.parse(readFileSync(join(badRoot, 'manifest.json'), 'utf8')) as BadCase[];
  const runtimeFolder = mkdtempSync(join(tmpdir(), 'tl-bad-'));
  const cases = manifest.map((meta): PreparedCase => {
    if (meta.runtime) {
      const folder = join(runtimeFolder, meta.name);
      makeRuntimeCase(meta.runtime, folder, join(badRoot, 'shared'));
      // The shared model lives outside this temporary workspace: that warning is expected noise.
      return { meta, configPath: join(folder, meta.config), workspace: runtimeFolder };
    }
    return { meta, configPath: join(badRoot, 'cases', meta.name, meta.config), workspace: badRoot };
  });
  return { cases, runtimeFolder };
}

export interface CliOutcome {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

/** Runs `transferlens analyze <config> --format json` in a child process, killed after `timeoutMs`. */
export function runCli(prepared: PreparedCase, timeoutMs: number, extraArgs: readonly string[] = []): Promise<CliOutcome> {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [cliPath, 'analyze', prepared.configPath, '--format', 'json', '--workspace', prepared.workspace, '--max-samples', '200', '--time-budget', '5', '--backend', 'cpu', ...extraArgs], {
      cwd: repoRoot,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

/** Findings of a CLI JSON answer (empty when stdout is not JSON, e.g. a usage error). */
export function findingsOf(stdout: string): Finding[] {
  try {
    const parsed = JSON.parse(stdout) as { findings?: Finding[] };
    return parsed.findings ?? [];
  } catch {
    return [];
  }
}

/** Problems with an outcome against the expectation; empty when it is as expected. */
export function expectationProblems(meta: BadCase, findings: readonly Finding[], stderr: string): string[] {
  const problems: string[] = [];
  const patterns = meta.expect.mentions.map((m) => new RegExp(m, 'i'));
  if (meta.expect.code) {
    const withCode = findings.filter((f) => f.code === meta.expect.code);
    if (withCode.length === 0) {
      problems.push(`expected a '${meta.expect.code}' finding, got ${findings.map((f) => `${f.code}: ${f.message.slice(0, 120)}`).join(' | ') || 'none'}${stderr ? ` (stderr: ${stderr.slice(0, 200)})` : ''}`);
    } else if (!withCode.some((f) => patterns.every((p) => p.test(f.message)))) {
      problems.push(`'${meta.expect.code}' message does not mention ${meta.expect.mentions.join(' and ')}: ${withCode.map((f) => f.message).join(' | ')}`);
    }
  } else if (!patterns.every((p) => p.test(stderr))) {
    problems.push(`stderr does not mention ${meta.expect.mentions.join(' and ')}: ${stderr}`);
  }
  return problems;
}

/** True when text looks like an uncaught exception's stack trace. */
export function hasStackTrace(text: string): boolean {
  return /\n\s+at .+\(.+:\d+:\d+\)/.test(text) || /internal error|Uncaught|FATAL ERROR|TypeError:|RangeError:|ReferenceError:/.test(text);
}
