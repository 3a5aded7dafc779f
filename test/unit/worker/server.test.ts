/**
 * The worker's request loop in-process: one answer per request, latest-wins on the worker side
 * (queued and running requests), cancellation of queued work, malformed input ignored with a log,
 * failures answered as errors, and a missing ranking engine answered as `unavailable`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerServer, type AnalyzeFunction } from '../../../src/node/worker/server';
import type { WorkerToHost } from '../../../src/node/worker/protocol';
import { CancelledError } from '../../../src/core/model/progress';

function harness(analyze: AnalyzeFunction): { server: WorkerServer; sent: WorkerToHost[]; settled: () => Promise<void> } {
  const sent: WorkerToHost[] = [];
  const server = new WorkerServer({ analyze, send: (m) => sent.push(m), progressIntervalMs: 0 });
  return { server, sent, settled: () => new Promise((r) => setTimeout(r, 60)) };
}

const cooperative: AnalyzeFunction = (file, _options, control) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve({ file, findings: [] }), 30);
    control.signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new CancelledError());
    });
  });

function answers(sent: WorkerToHost[]): string[] {
  return sent.filter((m) => m.type === 'result' || m.type === 'error').map((m) =>
    m.type === 'result' ? `${m.id}:result` : `${m.id}:${(m as Extract<WorkerToHost, { type: 'error' }>).reason}`,
  );
}

test('latest wins for queued and running requests of the same file', async () => {
  const { server, sent, settled } = harness(cooperative);
  server.handle({ type: 'analyze', id: 1, file: '/a', options: {} });
  server.handle({ type: 'analyze', id: 2, file: '/b', options: {} });
  server.handle({ type: 'analyze', id: 3, file: '/b', options: {} }); // supersedes queued 2
  server.handle({ type: 'analyze', id: 4, file: '/a', options: {} }); // supersedes running 1
  await settled();
  await settled();
  assert.deepEqual(answers(sent).sort(), ['1:superseded', '2:superseded', '3:result', '4:result']);
  assert.equal(server.busy, 0);
});

test('cancel of a queued request answers it and never runs it', async () => {
  const ran: string[] = [];
  const { server, sent, settled } = harness((file, o, c) => {
    ran.push(file);
    return cooperative(file, o, c);
  });
  server.handle({ type: 'analyze', id: 1, file: '/a', options: {} });
  server.handle({ type: 'analyze', id: 2, file: '/b', options: {} });
  server.handle({ type: 'cancel', id: 2 });
  await settled();
  assert.deepEqual(ran, ['/a']);
  assert.deepEqual(answers(sent).sort(), ['1:result', '2:cancelled']);
});

test('failures become error answers; malformed messages are logged, not thrown', async () => {
  const { server, sent, settled } = harness(async () => {
    throw new Error('reader exploded');
  });
  server.handle({ nonsense: true });
  server.handle({ type: 'analyze', id: 'x' });
  server.handle({ type: 'analyze', id: 7, file: '/a', options: {} });
  server.handle({ type: 'rank', id: 8, file: '/a', candidates: ['/c'], options: {} });
  await settled();
  assert.equal(sent.filter((m) => m.type === 'log' && m.level === 'warn').length, 2);
  const error = sent.find((m) => m.type === 'error' && m.id === 7);
  assert.ok(error && error.type === 'error' && error.reason === 'failed' && /reader exploded/.test(error.message));
  const rank = sent.find((m) => m.type === 'error' && m.id === 8);
  assert.ok(rank && rank.type === 'error' && rank.reason === 'unavailable');
});

test('ping answers with the number of busy requests', async () => {
  const { server, sent, settled } = harness(cooperative);
  server.handle({ type: 'analyze', id: 1, file: '/a', options: {} });
  server.handle({ type: 'ping', id: 99 });
  const pong = sent.find((m) => m.type === 'pong');
  assert.ok(pong && pong.type === 'pong' && pong.busy === 1);
  await settled();
});
