/**
 * The worker host against a REAL child process (test/unit/worker/fixtures/fake-worker.ts run
 * through tsx): answers, progress, cache, latest-wins, cancellation (cooperative and of a
 * blocked worker), crash / out-of-memory / external kill with the reason reported and a working
 * worker afterwards, and the time budget.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { WorkerHost, WorkerError, describeExit, type WorkerHostEvent } from '../../../src/node/worker/host';
import { CancelledError } from '../../../src/core/model/progress';

const script = join(__dirname, 'fixtures', 'fake-worker.ts');
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const hosts: WorkerHost[] = [];
const folder = mkdtempSync(join(tmpdir(), 'tl-host-'));

function makeHost(extra: Partial<ConstructorParameters<typeof WorkerHost>[0]> = {}): { host: WorkerHost; events: WorkerHostEvent[] } {
  const events: WorkerHostEvent[] = [];
  const host = new WorkerHost({
    workerScript: script,
    execArgv: ['--import', 'tsx'],
    logger: silent,
    onEvent: (e) => events.push(e),
    cancelGraceMs: 500,
    healthIntervalMs: 0,
    ...extra,
  });
  hosts.push(host);
  return { host, events };
}

function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (predicate()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error('timed out waiting'));
      }
    }, 10);
  });
}

after(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  rmSync(folder, { recursive: true, force: true });
});

test('answers, reports the backend and forwards progress', async () => {
  const { host } = makeHost();
  const ready = await host.whenReady(20_000);
  assert.equal(ready.backend, 'fake');
  const progress: string[] = [];
  const outcome = await host.analyze('/nowhere/slow-150.yaml', {}, { onProgress: (e) => progress.push(e.step) });
  assert.equal(outcome.report.file, '/nowhere/slow-150.yaml');
  assert.equal(outcome.cached, false);
  assert.ok(progress.length >= 1, 'at least one progress event');
  const pong = await host.ping();
  assert.equal(pong.busy, 0);
});

test('caches by content hash and notices edits and dependency changes', async () => {
  const { host } = makeHost();
  const file = join(folder, 'config.yaml');
  writeFileSync(file, 'model_name_or_path: a\n');
  const first = await host.analyze(file, { maxSamples: 100 });
  const second = await host.analyze(file, { maxSamples: 100 });
  assert.equal(second.cached, true);
  assert.equal(second.report.cacheKey, first.report.cacheKey);
  const otherOptions = await host.analyze(file, { maxSamples: 200 });
  assert.equal(otherOptions.cached, false);
  writeFileSync(file, 'model_name_or_path: b\n');
  const edited = await host.analyze(file, { maxSamples: 200 });
  assert.equal(edited.cached, false);
  // The fake report depends on <file>.ckpt: creating it invalidates the entry.
  writeFileSync(file + '.ckpt', 'weights');
  utimesSync(file + '.ckpt', new Date(), new Date(Date.now() + 5000));
  const dependencyChanged = await host.analyze(file, { maxSamples: 200 });
  assert.equal(dependencyChanged.cached, false);
  const noCache = await host.analyze(file, { maxSamples: 200 }, { noCache: true });
  assert.equal(noCache.cached, false);
});

test('latest wins per file: the older request is cancelled, the newer answered', async () => {
  const { host } = makeHost();
  await host.whenReady(20_000);
  const older = host.analyze('/nowhere/slow-2000.yaml', {});
  const newer = host.analyze('/nowhere/slow-2000.yaml', { seed: 2 });
  const otherFile = host.analyze('/nowhere/fast.yaml', {});
  await assert.rejects(older, CancelledError);
  const started = Date.now();
  // Cancel the newer one too so the test stays fast: what matters is that it was the one running.
  setTimeout(() => host.cancel('/nowhere/slow-2000.yaml'), 100);
  await assert.rejects(newer, CancelledError);
  assert.ok(Date.now() - started < 1500, 'cancel answered promptly');
  const other = await otherFile;
  assert.equal(other.report.file, '/nowhere/fast.yaml');
});

test('AbortSignal cancels a cooperative analysis without restarting the worker', async () => {
  const { host, events } = makeHost();
  await host.whenReady(20_000);
  const pid = host.pid;
  const controller = new AbortController();
  const run = host.analyze('/nowhere/slow-5000.yaml', {}, { signal: controller.signal });
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(run, CancelledError);
  await new Promise((r) => setTimeout(r, 700)); // past the cancel grace period
  assert.equal(host.pid, pid);
  assert.equal(events.filter((e) => e.type === 'exited').length, 0);
});

test('a blocked worker that cannot hear the cancel is killed and restarted', async () => {
  const { host, events } = makeHost();
  await host.whenReady(20_000);
  const pid = host.pid;
  const run = host.analyze('/nowhere/hang.yaml', {});
  await new Promise((r) => setTimeout(r, 200));
  host.cancel('/nowhere/hang.yaml');
  await assert.rejects(run, CancelledError);
  await waitFor(() => events.some((e) => e.type === 'exited'));
  const exited = events.find((e) => e.type === 'exited');
  assert.ok(exited && exited.type === 'exited');
  assert.equal(exited.exit.reason, 'cancel-timeout');
  assert.equal(exited.willRestart, true);
  const next = await host.analyze('/nowhere/fine.yaml', {});
  assert.equal(next.report.file, '/nowhere/fine.yaml');
  assert.notEqual(host.pid, pid);
});

test('a crash rejects the request with the reason and the next analysis succeeds', async () => {
  const { host, events } = makeHost();
  await host.whenReady(20_000);
  await assert.rejects(host.analyze('/nowhere/crash.yaml', {}), (e: unknown) => e instanceof WorkerError && /boom/.test(e.message));
  await waitFor(() => events.some((e) => e.type === 'exited'));
  const exited = events.find((e) => e.type === 'exited');
  assert.ok(exited && exited.type === 'exited');
  assert.equal(exited.exit.reason, 'crash');
  assert.equal(exited.exit.code, 70);
  const next = await host.analyze('/nowhere/fine.yaml', {});
  assert.equal(next.report.file, '/nowhere/fine.yaml');
});

test('an out-of-memory abort is reported as such and the worker restarts', async () => {
  const { host, events } = makeHost({ memoryMb: 48 });
  await host.whenReady(20_000);
  await assert.rejects(host.analyze('/nowhere/oom.yaml', {}), (e: unknown) => e instanceof WorkerError && e.kind === 'worker-exited' && e.exit?.reason === 'out-of-memory');
  assert.match(events.find((e) => e.type === 'exited' && e.exit.reason === 'out-of-memory') ? 'ok' : 'missing', /ok/);
  const next = await host.analyze('/nowhere/fine.yaml', {});
  assert.equal(next.report.file, '/nowhere/fine.yaml');
});

test('a worker killed from outside mid-analysis is reported and replaced', async () => {
  const { host, events } = makeHost();
  await host.whenReady(20_000);
  const run = host.analyze('/nowhere/slow-5000.yaml', {});
  await new Promise((r) => setTimeout(r, 100));
  process.kill(host.pid!, 'SIGKILL');
  await assert.rejects(run, (e: unknown) => e instanceof WorkerError && e.exit?.reason === 'killed');
  assert.ok(events.some((e) => e.type === 'exited' && e.willRestart));
  const next = await host.analyze('/nowhere/fine.yaml', {});
  assert.equal(next.report.file, '/nowhere/fine.yaml');
});

test('a request past its time budget is cancelled with a time-budget error', async () => {
  const { host } = makeHost({ budgetGraceMs: 200 });
  await host.whenReady(20_000);
  await assert.rejects(
    host.analyze('/nowhere/stubborn-3000.yaml', {}, { timeBudgetMs: 100 }),
    (e: unknown) => e instanceof WorkerError && e.kind === 'time-budget' && /timeBudgetSeconds/.test(e.message),
  );
});

test('describeExit names the reason from the exit code, signal and stderr', () => {
  const oom = describeExit({ pid: 1, stderrTail: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory' }, 134, null, 512);
  assert.equal(oom.reason, 'out-of-memory');
  assert.match(oom.description, /512 MB/);
  assert.equal(describeExit({ pid: 1, stderrTail: '' }, null, 'SIGKILL').reason, 'killed');
  const crash = describeExit({ pid: 1, stderrTail: 'Error: bad thing\n' }, 1, null);
  assert.equal(crash.reason, 'crash');
  assert.match(crash.description, /exit code 1\): Error: bad thing/);
  assert.equal(describeExit({ pid: 1, stderrTail: '', killReason: 'hung' }, null, 'SIGKILL').reason, 'hung');
});
