/**
 * Entry point of a Gram worker thread (see parallelGram.ts), bundled as dist/gramWorker.js.
 * Initialises the TF.js backend once, then answers jobs: the float32 Gram of rows r0..r1 of the
 * shared N×D features, written into its slot of the shared result buffer. Replies
 * { type: 'ready', backend } once, then { type: 'done', id, ms } or { type: 'failed', id, error }
 * per job.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendPreference } from './backend';
import { tensorGramRows } from '../core/linalg/tensorGram';
import type { GramJob, GramWorkerMessage } from './parallelGram';

const port = parentPort;
if (!port) throw new Error('gramWorker.ts runs only as a worker thread');

function reply(message: GramWorkerMessage): void {
  port!.postMessage(message);
}

const preference = ((workerData as { backend?: BackendPreference } | undefined)?.backend ?? 'wasm');
initBackend(preference).then(
  (info) => reply({ type: 'ready', backend: info.name }),
  (error: unknown) => reply({ type: 'failed', id: -1, error: error instanceof Error ? error.message : String(error) }),
);

port.on('message', (job: GramJob) => {
  const start = performance.now();
  try {
    const features = job.float32
      ? new Float32Array(job.features, 0, job.rows * job.cols)
      : new Float64Array(job.features, 0, job.rows * job.cols);
    const out = new Float64Array(job.result, job.resultOffset * 8, job.cols * job.cols);
    tensorGramRows(features, job.cols, job.r0, job.r1, out);
    reply({ type: 'done', id: job.id, ms: performance.now() - start });
  } catch (error) {
    reply({ type: 'failed', id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
});
