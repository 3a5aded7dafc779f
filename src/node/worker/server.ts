/**
 * The worker's request loop, independent of the process it runs in (so it is unit-testable and
 * shared by the real entry `main.ts` and the test workers): one analysis at a time (tensor work
 * is CPU-bound, running two would only make both slower), latest-wins per config file, a
 * content-hash result cache, cancellation through an AbortController per request, throttled
 * progress, and exactly one `result` or `error` answer per request.
 *
 * `runWorkerProcess` wires a server to the current process's IPC channel and makes sure no
 * exception ends the process silently.
 */
import type { AnalysisReport } from '../../core/model/analysis';
import { CancelledError, type ProgressEvent, type RunControl } from '../../core/model/progress';
import type { AnalyzeOptions } from '../pipeline';
import { ResultCache, hashFile } from './cache';
import { isHostToWorker, type HostToWorker, type LogLevel, type RankedCandidate, type WorkerToHost } from './protocol';

export type AnalyzeFunction = (file: string, options: AnalyzeOptions, control: RunControl) => Promise<AnalysisReport>;
export type RankFunction = (
  file: string,
  candidates: readonly string[],
  options: AnalyzeOptions,
  control: RunControl,
) => Promise<readonly RankedCandidate[]>;

export interface WorkerServerDependencies {
  readonly analyze: AnalyzeFunction;
  /** The ranking engine of issue #4; requests answer `unavailable` without it. */
  readonly rank?: RankFunction;
  readonly send: (message: WorkerToHost) => void;
  readonly cache?: ResultCache;
  /** Minimum gap between two progress messages of one request. Default 100 ms. */
  readonly progressIntervalMs?: number;
  /** Resolves when the backend is ready; requests wait for it (pings do not). */
  readonly ready?: Promise<unknown>;
}

interface Job {
  readonly message: Extract<HostToWorker, { type: 'analyze' | 'rank' }>;
  readonly controller: AbortController;
  /** Set once the job has been answered (cancel answers at once, before the work notices). */
  answered: boolean;
}

export class WorkerServer {
  private readonly queue: Job[] = [];
  private running: Job | undefined;
  private readonly progressInterval: number;

  constructor(private readonly deps: WorkerServerDependencies) {
    this.progressInterval = deps.progressIntervalMs ?? 100;
  }

  /** Requests queued or running. */
  get busy(): number {
    return this.queue.length + (this.running && !this.running.answered ? 1 : 0);
  }

  /** Handles one incoming message; never throws (a malformed message is logged). */
  handle(message: unknown): void {
    if (!isHostToWorker(message)) {
      this.log('warn', `ignored a malformed message: ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    switch (message.type) {
      case 'ping': {
        const memory = process.memoryUsage();
        this.deps.send({ type: 'pong', id: message.id, busy: this.busy, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed });
        return;
      }
      case 'cancel':
        this.cancel(message.id, 'cancelled');
        return;
      case 'shutdown':
        return; // handled by the process wrapper
      case 'analyze':
      case 'rank':
        this.enqueue(message);
        return;
    }
  }

  /** Answers every open request with `message` (used before the process exits on a fatal error). */
  failAll(message: string): void {
    for (const job of [...this.queue, ...(this.running ? [this.running] : [])]) {
      this.answerError(job, { reason: 'failed', message, cancelled: false });
    }
    this.queue.length = 0;
  }

  private enqueue(message: Job['message']): void {
    // Latest wins: an older request for the same file is superseded, queued or running.
    for (const job of [...this.queue, ...(this.running ? [this.running] : [])]) {
      if (job.message.file === message.file && job.message.type === message.type && !job.answered) {
        this.cancel(job.message.id, 'superseded');
      }
    }
    this.queue.push({ message, controller: new AbortController(), answered: false });
    void this.pump();
  }

  private cancel(id: number, reason: 'cancelled' | 'superseded'): void {
    const queuedIndex = this.queue.findIndex((j) => j.message.id === id);
    const job = queuedIndex >= 0 ? this.queue.splice(queuedIndex, 1)[0] : this.running?.message.id === id ? this.running : undefined;
    if (!job) return; // already answered: nothing to do
    job.controller.abort();
    this.answerError(job, {
      cancelled: true,
      reason,
      message: reason === 'superseded' ? 'superseded by a newer analysis of the same file' : 'analysis cancelled',
    });
  }

  private answerError(job: Job, error: { cancelled: boolean; reason: 'cancelled' | 'superseded' | 'failed' | 'unavailable'; message: string; stack?: string }): void {
    if (job.answered) return;
    job.answered = true;
    this.deps.send({ type: 'error', id: job.message.id, ...error });
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    try {
      await this.run(job);
    } finally {
      this.running = undefined;
      void this.pump();
    }
  }

  private async run(job: Job): Promise<void> {
    const started = Date.now();
    const { message, controller } = job;
    try {
      await this.deps.ready;
      if (controller.signal.aborted) throw new CancelledError();
      const control: RunControl = { signal: controller.signal, onProgress: this.progressSender(job) };
      if (message.type === 'rank') {
        if (!this.deps.rank) {
          this.answerError(job, { cancelled: false, reason: 'unavailable', message: 'checkpoint ranking is not available in this build' });
          return;
        }
        const ranking = await this.deps.rank(message.file, message.candidates, message.options, control);
        if (!job.answered) {
          job.answered = true;
          this.deps.send({ type: 'result', id: message.id, ranking, cached: false, durationMs: Date.now() - started });
        }
        return;
      }
      const cache = message.noCache ? undefined : this.deps.cache;
      const textHash = this.deps.cache ? await hashFile(message.file) : undefined;
      const cachedReport = await cache?.lookup(message.file, message.options, textHash);
      if (cachedReport) {
        if (!job.answered) {
          job.answered = true;
          this.deps.send({ type: 'result', id: message.id, report: cachedReport, cached: true, durationMs: Date.now() - started });
        }
        this.log('debug', `cache hit for ${message.file}`);
        return;
      }
      const report = await this.deps.analyze(message.file, message.options, control);
      if (controller.signal.aborted) return; // answered by cancel already
      await this.deps.cache?.store(message.file, message.options, textHash, report);
      if (!job.answered) {
        job.answered = true;
        this.deps.send({ type: 'result', id: message.id, report, cached: false, durationMs: Date.now() - started });
      }
      this.log('info', `analysed ${message.file} in ${Date.now() - started} ms`);
    } catch (e) {
      const cancelled = e instanceof CancelledError || controller.signal.aborted;
      this.answerError(job, {
        cancelled,
        reason: cancelled ? 'cancelled' : 'failed',
        message: e instanceof Error ? e.message : String(e),
        stack: e instanceof Error ? e.stack : undefined,
      });
      if (!cancelled) this.log('error', `analysis of ${message.file} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }

  private progressSender(job: Job): (event: ProgressEvent) => void {
    let last = 0;
    return (event) => {
      const now = Date.now();
      if (job.answered || now - last < this.progressInterval) return;
      last = now;
      this.deps.send({ type: 'progress', id: job.message.id, event: { step: event.step, message: event.message, fraction: event.fraction } });
    };
  }

  private log(level: LogLevel, message: string): void {
    this.deps.send({ type: 'log', level, message });
  }
}

export interface WorkerProcessOptions {
  readonly analyze: AnalyzeFunction;
  readonly rank?: RankFunction;
  /** Initialises the compute backend; its outcome is reported in `ready`. */
  readonly init?: () => Promise<{ name: string; tried: readonly { name: string; error?: string }[] }>;
}

/**
 * Runs a WorkerServer on this process's IPC channel. Fatal errors are reported (log + an error
 * answer to every open request) before the process exits with code 70, so the host can say why
 * and restart; the process also exits when the host disconnects, so no orphan keeps running.
 */
export function runWorkerProcess(options: WorkerProcessOptions): WorkerServer {
  const send = (message: WorkerToHost): void => {
    if (process.connected && process.send) process.send(message);
  };
  const startedAt = Date.now();
  const ready = (async () => {
    if (!options.init) {
      send({ type: 'ready', pid: process.pid, backend: 'none', backendAttempts: [], initMs: 0 });
      return;
    }
    try {
      const info = await options.init();
      const initMs = Date.now() - startedAt;
      send({ type: 'ready', pid: process.pid, backend: info.name, backendAttempts: info.tried, initMs });
      send({ type: 'log', level: 'info', message: `worker ${process.pid}: TensorFlow.js backend '${info.name}' ready in ${initMs} ms` });
    } catch (e) {
      // Without a backend, analyses fail with this message rather than the worker dying in a loop.
      const message = e instanceof Error ? e.message : String(e);
      send({ type: 'ready', pid: process.pid, backend: 'none', backendAttempts: [{ name: 'all', error: message }], initMs: Date.now() - startedAt });
      send({ type: 'log', level: 'error', message: `worker ${process.pid}: no compute backend: ${message}` });
      throw e;
    }
  })();
  // The rejection is delivered to every request through `ready`; do not crash on it here.
  ready.catch(() => undefined);
  const server = new WorkerServer({ analyze: options.analyze, rank: options.rank, send, cache: new ResultCache(), ready });

  process.on('message', (message: unknown) => {
    if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'shutdown') {
      process.exit(0);
    }
    server.handle(message);
  });
  process.on('disconnect', () => process.exit(0));
  process.on('uncaughtException', (error) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    send({ type: 'log', level: 'error', message: `worker ${process.pid} crashed: ${text}` });
    server.failAll(`the analysis worker crashed: ${error instanceof Error ? error.message : String(error)}`);
    // Give the IPC channel a moment to flush, then exit with a recognisable code.
    setTimeout(() => process.exit(70), 50).unref();
  });
  process.on('unhandledRejection', (reason) => {
    send({ type: 'log', level: 'error', message: `worker ${process.pid}: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}` });
  });
  return server;
}
