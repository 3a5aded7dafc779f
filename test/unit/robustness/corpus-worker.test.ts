/**
 * The bad-input corpus (test/fixtures/bad, issue #9 §1) through the worker (the CLI path is
 * corpus.test.ts):
 *   - the CLI (dist/cli.js in a child process, killed after a timeout): no stack trace, no hang,
 *     exit 0/1/2 as the manifest says, and a finding with the expected code whose message names
 *     the problem;
 *   - the worker request path (dist/worker.js forked by WorkerHost, the real pipeline): every
 *     case is answered with a report (never an error or a dead worker) holding the same finding.
 * Prints "N bad inputs, 0 crashes, 0 hangs". Needs `npm run build` first (npm test does it).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WorkerHost } from '../../../src/node/worker/host';
import { prepareCorpus, expectationProblems, repoRoot, type PreparedCase } from './corpus';

const WORKER_TIMEOUT_MS = 30_000;
const { cases, runtimeFolder } = prepareCorpus();
after(() => rmSync(runtimeFolder, { recursive: true, force: true }));

test('every bad input through the worker (dist/worker.js, real pipeline): a report, never a dead worker', { skip: !existsSync(join(repoRoot, 'dist', 'worker.js')) && 'run npm run build first' }, async () => {
  const exits: string[] = [];
  let current = '';
  const host = new WorkerHost({
    workerScript: join(repoRoot, 'dist', 'worker.js'),
    args: ['--backend=cpu'],
    memoryMb: 1024,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    onEvent: (e) => {
      if (e.type === 'exited' && e.exit.reason !== 'shutdown') exits.push(`${current}: ${e.exit.description}`);
    },
    healthIntervalMs: 0,
    lowPriority: false,
  });
  const failures: string[] = [];
  let crashes = 0;
  let hangs = 0;
  try {
    await host.whenReady(60_000);
    for (const prepared of cases as PreparedCase[]) {
      current = prepared.meta.name;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), WORKER_TIMEOUT_MS)));
      try {
        const answer = await Promise.race([
          host.analyze(prepared.configPath, { workspaceRoot: prepared.workspace, maxSamples: 200, timeBudgetMs: 5000, backend: 'cpu' }, { noCache: true }),
          timeout,
        ]);
        if (answer === 'timeout') {
          hangs++;
          failures.push(`${prepared.meta.name}: no answer within ${WORKER_TIMEOUT_MS} ms`);
          host.cancel(prepared.configPath);
          continue;
        }
        if (prepared.meta.expect.code) {
          failures.push(...expectationProblems(prepared.meta, answer.report.findings, '').map((p) => `${prepared.meta.name}: ${p}`));
        } else {
          assert.ok(answer.report.findings.length > 0, `${prepared.meta.name}: no finding`);
        }
      } catch (e) {
        crashes++;
        failures.push(`${prepared.meta.name}: the worker answered with an error: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    await host.dispose();
  }
  console.log(`worker: ${cases.length} bad inputs, ${crashes} crashes, ${hangs} hangs`);
  assert.deepEqual(exits, [], 'the worker process exited during the corpus');
  assert.deepEqual(failures, []);
});
