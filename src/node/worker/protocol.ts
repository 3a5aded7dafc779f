/**
 * The typed IPC protocol between the extension host (the "host", src/node/worker/host.ts) and the
 * long-lived analysis worker process (the "worker", src/node/worker/main.ts). This is the ONE
 * place that defines these messages; both sides import it. Messages travel over Node's
 * `child_process.fork` IPC channel (structured as JSON), so every field is plain data.
 *
 * Conversation:
 *   worker → host  `ready`     once, after the TensorFlow.js backend is initialised
 *   host → worker  `analyze`   start (or queue) an analysis; answered by `result` or `error`
 *   worker → host  `progress`  zero or more times while an analysis runs
 *   host → worker  `cancel`    abandon an analysis; it is answered by an `error` with `cancelled`
 *   host → worker  `rank`      rank candidate checkpoints for one config; answered like `analyze`
 *   host → worker  `ping`      health check; answered by `pong` as soon as the event loop is free
 *   worker → host  `log`       anything worth recording in the editor's log (backend, timings)
 *   host → worker  `shutdown`  finish nothing, exit 0 (the host kills it if it does not)
 */
import type { AnalysisReport } from '../../core/model/analysis';
import type { ProgressEvent } from '../../core/model/progress';
import type { AnalyzeOptions } from '../pipeline';

// ---------------------------------------------------------------------------------------------
// host → worker

/** Host → worker: analyse the config `file`. A newer `analyze` for the same file supersedes this one (latest wins). */
export interface AnalyzeMessage {
  readonly type: 'analyze';
  /** Request id, unique per host; every answer carries it. */
  readonly id: number;
  /** Absolute path of the config file. */
  readonly file: string;
  readonly options: AnalyzeOptions;
  /** Skip the in-memory result cache (e.g. the user explicitly asked again). */
  readonly noCache?: boolean;
}

/** Host → worker: stop request `id` (queued or running). The worker answers with an `error` whose `cancelled` is true. */
export interface CancelMessage {
  readonly type: 'cancel';
  readonly id: number;
}

/** Host → worker: rank candidate checkpoints against the target data of config `file` (issue #4's ranking engine). */
export interface RankMessage {
  readonly type: 'rank';
  readonly id: number;
  readonly file: string;
  /** Absolute paths of the candidate checkpoints. */
  readonly candidates: readonly string[];
  readonly options: AnalyzeOptions;
}

/** Host → worker: are you alive? Answered with `pong` carrying the same id. */
export interface PingMessage {
  readonly type: 'ping';
  readonly id: number;
}

/** Host → worker: exit cleanly now. */
export interface ShutdownMessage {
  readonly type: 'shutdown';
}

export type HostToWorker = AnalyzeMessage | CancelMessage | RankMessage | PingMessage | ShutdownMessage;

// ---------------------------------------------------------------------------------------------
// worker → host

/** Worker → host: the worker is initialised and accepts requests. */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly pid: number;
  /** TensorFlow.js backend that is active (`tensorflow`, `wasm`, `cpu`), or `none` when every backend failed. */
  readonly backend: string;
  /** Why preferred backends were skipped, for the log. */
  readonly backendAttempts: readonly { readonly name: string; readonly error?: string }[];
  /** Milliseconds the backend initialisation took. */
  readonly initMs: number;
}

/** Worker → host: progress of request `id`, throttled by the worker (a few per second at most). */
export interface ProgressMessage {
  readonly type: 'progress';
  readonly id: number;
  readonly event: ProgressEvent;
}

/** One candidate of a ranking (the JSON form of `transferlens rank`, issue #4). */
export interface RankedCandidate {
  readonly checkpoint: string;
  readonly scores: Readonly<Record<string, number>>;
  readonly verdict?: string;
  readonly gain?: { readonly mean: number; readonly low: number; readonly high: number };
  /** Why this candidate could not be scored, when it could not. */
  readonly error?: string;
}

/** Worker → host: request `id` finished. Exactly one `result` or `error` answers each request. */
export interface ResultMessage {
  readonly type: 'result';
  readonly id: number;
  /** Set for `analyze` requests. */
  readonly report?: AnalysisReport;
  /** Set for `rank` requests, best first. */
  readonly ranking?: readonly RankedCandidate[];
  /** True when the report came from the worker's content-hash cache. */
  readonly cached: boolean;
  /** Wall time spent in the worker for this request, ms. */
  readonly durationMs: number;
}

/** Worker → host: request `id` ended without a result. */
export interface ErrorMessage {
  readonly type: 'error';
  readonly id: number;
  /** True when it ended because it was cancelled or superseded (not a failure). */
  readonly cancelled: boolean;
  /** `superseded` when a newer request for the same file replaced it. */
  readonly reason?: 'cancelled' | 'superseded' | 'failed' | 'unavailable';
  readonly message: string;
  /** Stack of the exception, for the log only. */
  readonly stack?: string;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Worker → host: a line for the editor's log channel. */
export interface LogMessage {
  readonly type: 'log';
  readonly level: LogLevel;
  readonly message: string;
}

/** Worker → host: answer to `ping`. */
export interface PongMessage {
  readonly type: 'pong';
  readonly id: number;
  /** Requests queued or running. */
  readonly busy: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

export type WorkerToHost = ReadyMessage | ProgressMessage | ResultMessage | ErrorMessage | LogMessage | PongMessage;

// ---------------------------------------------------------------------------------------------
// validation at the boundary: IPC input is untrusted in the sense that a broken worker may send anything

const HOST_TYPES = new Set(['analyze', 'cancel', 'rank', 'ping', 'shutdown']);
const WORKER_TYPES = new Set(['ready', 'progress', 'result', 'error', 'log', 'pong']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** True when `value` has the shape of a host → worker message (type and id checked). */
export function isHostToWorker(value: unknown): value is HostToWorker {
  if (!isRecord(value) || typeof value.type !== 'string' || !HOST_TYPES.has(value.type)) return false;
  if (value.type === 'shutdown') return true;
  if (typeof value.id !== 'number') return false;
  if (value.type === 'analyze') return typeof value.file === 'string' && isRecord(value.options);
  if (value.type === 'rank') return typeof value.file === 'string' && Array.isArray(value.candidates) && isRecord(value.options);
  return true;
}

/** True when `value` has the shape of a worker → host message. */
export function isWorkerToHost(value: unknown): value is WorkerToHost {
  if (!isRecord(value) || typeof value.type !== 'string' || !WORKER_TYPES.has(value.type)) return false;
  if (value.type === 'log') return typeof value.message === 'string';
  if (value.type === 'ready') return typeof value.backend === 'string';
  return typeof value.id === 'number';
}
