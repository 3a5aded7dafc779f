/**
 * The extension-host side of the analysis worker: forks the worker (with a heap limit), sends
 * requests with ids and matches the answers, forwards progress, cancels, enforces a time budget,
 * pings it for health, and restarts it after a crash, an out-of-memory abort, a kill or a hang,
 * reporting the reason (exit code / signal / last stderr line). No `vscode` import here: the
 * editor passes a logger and listens to events, so this is tested with a real child process in
 * plain Node (test/unit/worker).
 *
 * Latest wins: a new `analyze` for a file rejects the pending one for that file with a
 * CancelledError (the worker supersedes it on its side too).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import type { AnalysisReport } from '../../core/model/analysis';
import { CancelledError, type ProgressEvent } from '../../core/model/progress';
import type { AnalyzeOptions } from '../pipeline';
import { isWorkerToHost, type HostToWorker, type PongMessage, type RankedCandidate, type ReadyMessage, type WorkerToHost } from './protocol';

/** Where the host writes what happened; the editor passes its LogOutputChannel. */
export interface WorkerLogger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type WorkerExitReason = 'crash' | 'out-of-memory' | 'killed' | 'hung' | 'time-budget' | 'cancel-timeout' | 'restart' | 'shutdown';

/** Why and how a worker process ended. */
export interface WorkerExit {
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly reason: WorkerExitReason;
  /** One sentence for the user, e.g. "the worker ran out of memory (limit 2048 MB)". */
  readonly description: string;
}

export type WorkerHostEvent =
  | { readonly type: 'started'; readonly pid: number | undefined }
  | { readonly type: 'ready'; readonly ready: ReadyMessage }
  | { readonly type: 'exited'; readonly exit: WorkerExit; readonly willRestart: boolean };

export interface WorkerHostOptions {
  /** The worker entry (dist/worker.js, or a test worker). */
  readonly workerScript: string;
  /** Extra Node flags (tests use `--import tsx`); the heap limit is added from `memoryMb`. */
  readonly execArgv?: readonly string[];
  /** Arguments for the worker, e.g. `--backend=wasm`. */
  readonly args?: readonly string[];
  /** Heap limit of the worker (`--max-old-space-size`). */
  readonly memoryMb?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly logger: WorkerLogger;
  readonly onEvent?: (event: WorkerHostEvent) => void;
  /** Period of health pings while requests are pending (0 = never). Default 15 s. */
  readonly healthIntervalMs?: number;
  /** A worker that has not answered a ping for this long is killed as hung. Default 60 s. */
  readonly healthTimeoutMs?: number;
  /** After a cancel, how long the worker may take to acknowledge before it is killed. Default 3 s. */
  readonly cancelGraceMs?: number;
  /** Automatic restarts allowed within `restartWindowMs` before waiting for the next request. Default 3. */
  readonly maxRestarts?: number;
  readonly restartWindowMs?: number;
  /** Extra time past a request's budget before the host cancels it: max(this, budget / 2). Default 5 s. */
  readonly budgetGraceMs?: number;
  /**
   * Run the worker at a lower OS scheduling priority (nice +10) so that, on a busy machine, the
   * editor's own process still gets the CPU first. Default true.
   */
  readonly lowPriority?: boolean;
}

export interface RequestControl {
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: ProgressEvent) => void;
  /**
   * Soft budget given to the pipeline (it skips optional steps past it); the host cancels the
   * request at budget + max(budgetGraceMs, budget / 2) and kills the worker if it does not stop.
   */
  readonly timeBudgetMs?: number;
  readonly noCache?: boolean;
}

export interface AnalyzeOutcome {
  readonly report: AnalysisReport;
  readonly cached: boolean;
  readonly durationMs: number;
}

export type WorkerErrorKind = 'failed' | 'unavailable' | 'worker-exited' | 'time-budget' | 'disposed';

/** A request that ended without a result for a reason other than cancellation. */
export class WorkerError extends Error {
  constructor(
    message: string,
    readonly kind: WorkerErrorKind,
    readonly exit?: WorkerExit,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

interface Pending {
  readonly id: number;
  readonly file: string;
  readonly type: 'analyze' | 'rank';
  readonly resolve: (message: Extract<WorkerToHost, { type: 'result' }>) => void;
  readonly reject: (error: Error) => void;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly timers: NodeJS.Timeout[];
  readonly cleanup: () => void;
}

interface Running {
  readonly child: ChildProcess;
  readonly pid: number | undefined;
  ready?: ReadyMessage;
  stderrTail: string;
  /** Set when the host itself ends the process, so the exit is reported with the right reason. */
  killReason?: WorkerExitReason;
  lastPongAt: number;
}

const STDERR_TAIL_CHARS = 4000;

export class WorkerHost {
  private running: Running | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Ids cancelled by the host whose acknowledgement is awaited (kill after the grace period). */
  private readonly awaitingAck = new Map<number, NodeJS.Timeout>();
  private readonly pings = new Map<number, (pong: PongMessage) => void>();
  private restarts: number[] = [];
  private healthTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(private readonly options: WorkerHostOptions) {}

  /** PID of the live worker process, if one is running. */
  get pid(): number | undefined {
    return this.running?.pid;
  }

  /** Backend reported by the live worker, once ready. */
  get backend(): string | undefined {
    return this.running?.ready?.backend;
  }

  /** Requests sent and not yet answered. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Starts the worker if it is not running (requests do this themselves). */
  start(): void {
    this.ensureRunning();
  }

  /** Resolves with the worker's `ready` message (starting it when needed). */
  whenReady(timeoutMs = 60_000): Promise<ReadyMessage> {
    const running = this.ensureRunning();
    if (running.ready) return Promise.resolve(running.ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new WorkerError(`the analysis worker did not become ready within ${timeoutMs} ms`, 'unavailable'));
      }, timeoutMs);
      const poll = setInterval(() => {
        if (this.running !== running) {
          clearInterval(poll);
          clearTimeout(timer);
          reject(new WorkerError('the analysis worker exited before it was ready', 'worker-exited'));
        } else if (running.ready) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve(running.ready);
        }
      }, 20);
    });
  }

  /** Analyses a config file in the worker. Rejects with CancelledError when cancelled or superseded, WorkerError otherwise. */
  async analyze(file: string, options: AnalyzeOptions, control: RequestControl = {}): Promise<AnalyzeOutcome> {
    const answer = await this.request('analyze', file, (id) => ({ type: 'analyze', id, file, options, noCache: control.noCache }), control);
    if (!answer.report) throw new WorkerError('the worker answered an analysis without a report', 'failed');
    return { report: answer.report, cached: answer.cached, durationMs: answer.durationMs };
  }

  /** Ranks candidate checkpoints for a config (issue #4's engine, in the worker). */
  async rank(file: string, candidates: readonly string[], options: AnalyzeOptions, control: RequestControl = {}): Promise<readonly RankedCandidate[]> {
    const answer = await this.request('rank', file, (id) => ({ type: 'rank', id, file, candidates, options }), control);
    return answer.ranking ?? [];
  }

  /** Cancels every pending request for `file` (all files when omitted). */
  cancel(file?: string): number {
    let count = 0;
    for (const pending of [...this.pending.values()]) {
      if (file === undefined || pending.file === file) {
        this.cancelPending(pending, new CancelledError());
        count++;
      }
    }
    return count;
  }

  /** Round trip to the worker; rejects when it does not answer within `timeoutMs`. */
  ping(timeoutMs = 5000): Promise<PongMessage & { rttMs: number }> {
    const running = this.ensureRunning();
    const id = this.nextId++;
    const sentAt = Date.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pings.delete(id);
        reject(new WorkerError(`the analysis worker did not answer a ping within ${timeoutMs} ms`, 'unavailable'));
      }, timeoutMs);
      this.pings.set(id, (pong) => {
        clearTimeout(timer);
        resolve({ ...pong, rttMs: Date.now() - sentAt });
      });
      this.send(running, { type: 'ping', id });
    });
  }

  /** Ends the current worker (pending requests fail with the reason) and starts a fresh one. */
  async restart(reason: WorkerExitReason = 'restart'): Promise<void> {
    const running = this.running;
    if (running) await this.kill(running, reason);
    if (!this.disposed) this.ensureRunning();
  }

  /** Stops the worker for good: asks it to exit, kills it after a second. */
  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.healthTimer) clearInterval(this.healthTimer);
    for (const pending of [...this.pending.values()]) this.finish(pending, new WorkerError('the analysis worker was shut down', 'disposed'));
    const running = this.running;
    if (!running) return;
    running.killReason = 'shutdown';
    this.send(running, { type: 'shutdown' });
    await this.waitForExit(running, 1000);
    if (this.running === running) await this.kill(running, 'shutdown');
  }

  // -------------------------------------------------------------------------------------------

  private request(
    type: 'analyze' | 'rank',
    file: string,
    build: (id: number) => HostToWorker,
    control: RequestControl,
  ): Promise<Extract<WorkerToHost, { type: 'result' }>> {
    if (this.disposed) return Promise.reject(new WorkerError('the analysis worker was shut down', 'disposed'));
    if (control.signal?.aborted) return Promise.reject(new CancelledError());
    // Latest wins: the worker supersedes the older request itself when it sees the new one.
    for (const pending of [...this.pending.values()]) {
      if (pending.file === file && pending.type === type) {
        this.finish(pending, new CancelledError('superseded by a newer analysis of the same file'));
      }
    }
    const running = this.ensureRunning();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      const onAbort = (): void => {
        const pending = this.pending.get(id);
        if (pending) this.cancelPending(pending, new CancelledError());
      };
      control.signal?.addEventListener('abort', onAbort, { once: true });
      const pending: Pending = {
        id, file, type, resolve, reject, onProgress: control.onProgress, timers,
        cleanup: () => control.signal?.removeEventListener('abort', onAbort),
      };
      if (control.timeBudgetMs !== undefined && control.timeBudgetMs > 0) {
        const hardLimit = control.timeBudgetMs + Math.max(this.options.budgetGraceMs ?? 5000, control.timeBudgetMs / 2);
        timers.push(setTimeout(() => {
          this.options.logger.warn(`analysis of ${file} exceeded its time budget (${Math.round(hardLimit / 1000)} s): cancelling`);
          this.cancelPending(pending, new WorkerError(
            `the analysis took longer than its time budget (${Math.round(control.timeBudgetMs! / 1000)} s); raise transferlens.timeBudgetSeconds or lower transferlens.maxSamples`,
            'time-budget',
          ), 'time-budget');
        }, hardLimit));
      }
      this.pending.set(id, pending);
      this.scheduleHealth();
      this.send(running, build(id));
    });
  }

  /** Rejects a pending request at once and tells the worker; kills the worker if it does not acknowledge. */
  private cancelPending(pending: Pending, error: Error, killReason: WorkerExitReason = 'cancel-timeout'): void {
    const running = this.running;
    this.finish(pending, error);
    if (!running) return;
    this.send(running, { type: 'cancel', id: pending.id });
    const grace = this.options.cancelGraceMs ?? 3000;
    this.awaitingAck.set(pending.id, setTimeout(() => {
      this.awaitingAck.delete(pending.id);
      if (this.running === running) {
        this.options.logger.warn(`worker ${running.pid} did not stop request ${pending.id} within ${grace} ms: restarting it`);
        void this.kill(running, killReason).then(() => {
          if (!this.disposed) this.ensureRunning();
        });
      }
    }, grace));
  }

  private finish(pending: Pending, outcome: Error | Extract<WorkerToHost, { type: 'result' }>): void {
    if (!this.pending.delete(pending.id)) return;
    pending.timers.forEach(clearTimeout);
    pending.cleanup();
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  private ensureRunning(): Running {
    if (this.running) return this.running;
    if (this.disposed) throw new WorkerError('the analysis worker was shut down', 'disposed');
    const execArgv = [...(this.options.execArgv ?? [])];
    if (this.options.memoryMb) execArgv.push(`--max-old-space-size=${Math.round(this.options.memoryMb)}`);
    const child = fork(this.options.workerScript, [...(this.options.args ?? [])], {
      execArgv,
      env: { ...(this.options.env ?? process.env), TF_CPP_MIN_LOG_LEVEL: '2' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    if ((this.options.lowPriority ?? true) && child.pid !== undefined) {
      try {
        setPriority(child.pid, 10);
      } catch (error) {
        this.options.logger.debug(`could not lower the worker's priority: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const running: Running = { child, pid: child.pid, stderrTail: '', lastPongAt: Date.now() };
    this.running = running;
    this.options.logger.info(`started analysis worker ${child.pid ?? '?'} (${this.options.workerScript}${execArgv.length ? ' ' + execArgv.join(' ') : ''})`);
    this.options.onEvent?.({ type: 'started', pid: child.pid });

    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) this.options.logger.debug(`worker stdout: ${line}`);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      running.stderrTail = (running.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
      for (const line of chunk.split('\n')) if (line.trim()) this.options.logger.warn(`worker stderr: ${line}`);
    });
    child.on('message', (message: unknown) => this.onMessage(running, message));
    child.on('error', (error) => this.options.logger.error(`analysis worker error: ${error.message}`));
    child.on('exit', (code, signal) => this.onExit(running, code, signal));
    return running;
  }

  private onMessage(running: Running, message: unknown): void {
    if (!isWorkerToHost(message)) {
      this.options.logger.warn(`ignored a malformed message from the worker: ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    running.lastPongAt = Date.now(); // any message proves the event loop is alive
    switch (message.type) {
      case 'ready':
        running.ready = message;
        this.options.logger.info(`worker ${message.pid} ready: backend '${message.backend}' in ${message.initMs} ms` +
          (message.backendAttempts.some((a) => a.error) ? ` (skipped: ${message.backendAttempts.filter((a) => a.error).map((a) => `${a.name}: ${a.error}`).join('; ')})` : ''));
        this.options.onEvent?.({ type: 'ready', ready: message });
        return;
      case 'log':
        this.options.logger[message.level](`[worker] ${message.message}`);
        return;
      case 'pong':
        this.pings.get(message.id)?.(message);
        this.pings.delete(message.id);
        return;
      case 'progress':
        this.pending.get(message.id)?.onProgress?.(message.event);
        return;
      case 'result':
      case 'error': {
        const ack = this.awaitingAck.get(message.id);
        if (ack) {
          clearTimeout(ack);
          this.awaitingAck.delete(message.id);
        }
        const pending = this.pending.get(message.id);
        if (!pending) return; // answered already (cancelled, superseded, timed out)
        if (message.type === 'result') this.finish(pending, message);
        else if (message.cancelled) this.finish(pending, new CancelledError(message.message));
        else {
          if (message.stack) this.options.logger.debug(`worker error stack: ${message.stack}`);
          this.finish(pending, new WorkerError(message.message, message.reason === 'unavailable' ? 'unavailable' : 'failed'));
        }
        return;
      }
    }
  }

  private onExit(running: Running, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.running !== running) return;
    this.running = undefined;
    for (const timer of this.awaitingAck.values()) clearTimeout(timer);
    this.awaitingAck.clear();
    const exit = describeExit(running, code, signal, this.options.memoryMb);
    const wantsRestart = !this.disposed && exit.reason !== 'shutdown' && exit.reason !== 'restart';
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < (this.options.restartWindowMs ?? 120_000));
    const willRestart = wantsRestart && this.restarts.length < (this.options.maxRestarts ?? 3);
    const level = exit.reason === 'shutdown' || exit.reason === 'restart' ? 'info' : 'error';
    this.options.logger[level](`analysis worker ${running.pid ?? '?'} exited: ${exit.description}` +
      (wantsRestart ? (willRestart ? '; restarting it' : '; it will start again on the next analysis (too many restarts)') : ''));
    for (const pending of [...this.pending.values()]) {
      this.finish(pending, new WorkerError(`the analysis worker stopped: ${exit.description}`, 'worker-exited', exit));
    }
    this.options.onEvent?.({ type: 'exited', exit, willRestart });
    if (willRestart) {
      this.restarts.push(now);
      this.ensureRunning();
    }
  }

  private async kill(running: Running, reason: WorkerExitReason): Promise<void> {
    running.killReason ??= reason;
    running.child.kill('SIGKILL');
    await this.waitForExit(running, 5000);
  }

  private waitForExit(running: Running, timeoutMs: number): Promise<void> {
    if (running.child.exitCode !== null || running.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      running.child.once('exit', () => {
        clearTimeout(timer);
        // Let onExit (registered earlier) run first.
        setImmediate(resolve);
      });
    });
  }

  private send(running: Running, message: HostToWorker): void {
    if (!running.child.connected) return; // the exit handler reports what happened
    running.child.send(message, (error) => {
      if (error) this.options.logger.warn(`could not send '${message.type}' to the worker: ${error.message}`);
    });
  }

  /** Pings the worker while requests are pending; a worker silent for too long is killed as hung. */
  private scheduleHealth(): void {
    const interval = this.options.healthIntervalMs ?? 15_000;
    if (interval <= 0 || this.healthTimer) return;
    this.healthTimer = setInterval(() => {
      const running = this.running;
      if (!running || this.pending.size === 0) {
        clearInterval(this.healthTimer);
        this.healthTimer = undefined;
        return;
      }
      const silentFor = Date.now() - running.lastPongAt;
      if (silentFor > (this.options.healthTimeoutMs ?? 60_000)) {
        this.options.logger.error(`analysis worker ${running.pid} has not answered for ${Math.round(silentFor / 1000)} s: restarting it`);
        void this.kill(running, 'hung');
        return;
      }
      this.ping(interval).catch(() => undefined);
    }, interval);
    this.healthTimer.unref();
  }
}

/** Turns an exit code / signal into a reason and a sentence (pure; exported for tests). */
export function describeExit(
  running: { pid: number | undefined; stderrTail: string; killReason?: WorkerExitReason },
  code: number | null,
  signal: NodeJS.Signals | null,
  memoryMb?: number,
): WorkerExit {
  const how = signal ? `signal ${signal}` : `exit code ${code}`;
  const base = { pid: running.pid, code, signal };
  if (running.killReason) {
    const sentences: Record<WorkerExitReason, string> = {
      'shutdown': 'shut down',
      'restart': 'restarted on request',
      'hung': 'stopped answering and was restarted',
      'time-budget': 'exceeded the time budget and did not stop when asked; it was restarted',
      'cancel-timeout': 'did not stop a cancelled analysis in time; it was restarted',
      'crash': 'crashed',
      'out-of-memory': 'ran out of memory',
      'killed': 'was killed',
    };
    return { ...base, reason: running.killReason, description: `${sentences[running.killReason]} (${how})` };
  }
  if (/heap out of memory|Allocation failed|Reached heap limit/i.test(running.stderrTail)) {
    return {
      ...base,
      reason: 'out-of-memory',
      description: `ran out of memory${memoryMb ? ` (limit ${memoryMb} MB; raise transferlens.workerMemoryMb or lower transferlens.maxSamples)` : ''} (${how})`,
    };
  }
  if (signal === 'SIGKILL' || signal === 'SIGTERM') {
    return { ...base, reason: 'killed', description: `was killed from outside (${how}; the system may have run out of memory)` };
  }
  const lastLine = running.stderrTail.trim().split('\n').filter((l) => l.trim()).pop();
  return { ...base, reason: 'crash', description: `crashed (${how})${lastLine ? `: ${lastLine.slice(0, 200)}` : ''}` };
}
