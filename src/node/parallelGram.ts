/**
 * XᵀX on several cores: a small lazy pool of worker threads (gramWorker.ts), each with its own
 * TF.js WASM backend (the WASM backend is single-threaded under Node: its threaded build does not
 * run here). The features are copied once into a SharedArrayBuffer as float32 — the precision the
 * float32 Gram rounds them to anyway — each worker computes the Gram of one block of rows with
 * tensorGramRows, writes it into its slot of a shared float64 result, and the calling thread
 * sums the slots. Row blocks keep the work of every worker equal (each does the same
 * block-upper-triangle products on fewer rows); the sum of two float32 partial Grams in float64
 * is as accurate as one float32 Gram.
 *
 * The pool starts on first use, its threads are unref'd while idle (they never keep a CLI alive)
 * and shutdownGramPool() terminates them. Anything that stops the pool from working — a worker
 * that cannot start, load its backend or finish a job — makes parallelGram fall back to the
 * single-threaded tensorGram on the calling thread, and the pool stays disabled for the process.
 *
 * computeScores is synchronous, so callers compute the Gram first (await parallelGram) and pass
 * precomputedGram(features, result, fallback) as its `gram` option.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { matrix, type Matrix } from '../core/linalg/matrix';
import { LARGE_GRAM_WORK, tensorGram, tensorGramRows } from '../core/linalg/tensorGram';

/** A job for one worker: rows r0..r1 of the shared rows×cols features. */
export interface GramJob {
  readonly id: number;
  readonly features: SharedArrayBuffer;
  readonly float32: boolean;
  readonly rows: number;
  readonly cols: number;
  readonly r0: number;
  readonly r1: number;
  readonly result: SharedArrayBuffer;
  /** Offset of this job's cols×cols slot in `result`, in float64 elements. */
  readonly resultOffset: number;
}

export type GramWorkerMessage =
  | { readonly type: 'ready'; readonly backend: string }
  | { readonly type: 'done'; readonly id: number; readonly ms: number }
  | { readonly type: 'failed'; readonly id: number; readonly error: string };

export interface ParallelGramOptions {
  /** Worker threads when the pool is created (default: the available cores, at most MAX_WORKERS). */
  readonly workers?: number;
  /**
   * Whether the calling thread computes one row block itself while the workers compute the others
   * (default false). It needs the calling thread's TF.js backend initialised.
   */
  readonly callerBlock?: boolean;
  /** Milliseconds to wait for the workers to start before falling back (default 30 s). */
  readonly startTimeoutMs?: number;
}

/** More workers than this gain nothing for one Gram (and each holds its own WASM heap). */
const MAX_WORKERS = 8;

/** What the last parallelGram call did: for benchmarks, tests and logs. */
export interface GramRunInfo {
  readonly parallel: boolean;
  readonly workers: number;
  readonly reason?: string;
  readonly workerMs?: readonly number[];
}

let lastRun: GramRunInfo = { parallel: false, workers: 0, reason: 'not run' };

export function lastGramRun(): GramRunInfo {
  return lastRun;
}

/**
 * The worker to start: the bundle's dist/gramWorker.js next to this bundle, or, when running from
 * source (tests, benchmarks under tsx), a tiny bootstrap that registers tsx's require hook in the
 * thread and loads gramWorker.ts — tsx's loader flags are not applied to worker threads.
 */
function workerEntry(): { file: string; eval: boolean } | undefined {
  const bundled = join(__dirname, 'gramWorker.js');
  if (existsSync(bundled)) return { file: bundled, eval: false };
  const source = join(__dirname, 'gramWorker.ts');
  if (!existsSync(source)) return undefined;
  let tsx: string;
  try {
    tsx = require.resolve('tsx/cjs/api');
  } catch {
    return undefined;
  }
  return { file: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(source)});`, eval: true };
}

interface Pending {
  readonly resolve: (ms: number) => void;
  readonly reject: (error: Error) => void;
}

class GramPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private broken: Error | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private features: SharedArrayBuffer | undefined;
  private result: SharedArrayBuffer | undefined;
  readonly ready: Promise<void>;

  constructor(count: number, startTimeoutMs: number) {
    const entry = workerEntry();
    if (!entry) {
      this.broken = new Error('gramWorker entry not found next to ' + __dirname);
      this.ready = Promise.reject(this.broken);
      return;
    }
    const starts: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const worker = new Worker(entry.file, { eval: entry.eval, workerData: { backend: 'wasm' } });
      this.workers.push(worker);
      starts.push(new Promise<void>((resolve, reject) => {
        const onMessage = (message: GramWorkerMessage) => {
          if (message.type === 'ready') {
            if (message.backend === 'wasm') resolve();
            else reject(new Error(`gram worker got the ${message.backend} backend, not wasm`));
          } else if (message.type === 'failed' && message.id === -1) {
            reject(new Error('gram worker: ' + message.error));
          }
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`gram worker exited with code ${code} while starting`)));
      }));
      worker.on('message', (message: GramWorkerMessage) => this.onMessage(message));
      worker.on('error', (error: Error) => this.fail(error));
      worker.on('exit', (code) => this.fail(new Error(`gram worker exited with code ${code}`)));
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`gram workers did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
    });
    this.ready = Promise.race([Promise.all(starts).then(() => undefined), timeout]).finally(() => {
      clearTimeout(timer);
      this.setRef(false);
    });
    // A rejection here is reported to whoever awaits `ready`; never as an unhandled one.
    this.ready.catch((error: Error) => this.fail(error));
  }

  get size(): number {
    return this.workers.length;
  }

  private setRef(on: boolean): void {
    for (const worker of this.workers) {
      if (on) worker.ref();
      else worker.unref();
    }
  }

  private onMessage(message: GramWorkerMessage): void {
    if (message.type === 'ready') return;
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (message.type === 'done') {
      waiting.resolve(message.ms);
    } else {
      // A job that failed (e.g. out of WASM memory) would fail again: the pool is done for.
      const error = new Error('gram worker: ' + message.error);
      waiting.reject(error);
      this.fail(error);
    }
  }

  private fail(error: Error): void {
    if (this.broken) return;
    this.broken = error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    void this.terminate();
  }

  get failure(): Error | undefined {
    return this.broken;
  }

  async terminate(): Promise<void> {
    const workers = this.workers.splice(0);
    this.broken ??= new Error('gram pool shut down');
    for (const waiting of this.pending.values()) waiting.reject(this.broken);
    this.pending.clear();
    await Promise.all(workers.map((w) => w.terminate().catch(() => undefined)));
  }

  private buffer(kind: 'features' | 'result', bytes: number): SharedArrayBuffer {
    const current = this[kind];
    if (current && current.byteLength >= bytes) return current;
    const created = new SharedArrayBuffer(bytes);
    this[kind] = created;
    return created;
  }

  /** Release the shared buffers (they are kept between calls of the same or smaller size). */
  dropBuffers(): void {
    this.features = undefined;
    this.result = undefined;
  }

  /** One Gram at a time: a second call waits for the first (they share the buffers). */
  gram(x: Matrix, callerBlock: boolean): Promise<{ gram: Matrix; workerMs: number[] }> {
    const run = this.queue.then(() => this.compute(x, callerBlock));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async compute(x: Matrix, callerBlock: boolean): Promise<{ gram: Matrix; workerMs: number[] }> {
    await this.ready;
    if (this.broken) throw this.broken;
    const n = x.rows;
    const d = x.cols;
    const parts = this.workers.length + (callerBlock ? 1 : 0);
    const features = this.buffer('features', n * d * 4);
    const shared = new Float32Array(features, 0, n * d);
    const result = this.buffer('result', this.workers.length * d * d * 8);
    // Row block i is rows bounds[i]..bounds[i+1]; the caller's block, if any, is the last.
    const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.round((i * n) / parts));
    const convert = (i: number) => shared.set(x.data.subarray(bounds[i]! * d, bounds[i + 1]! * d), bounds[i]! * d);
    this.setRef(true);
    try {
      // Each block is converted to float32 just before its job is posted, so the first worker
      // starts while the calling thread still converts the rows of the next.
      const jobs = this.workers.map((worker, i) => {
        convert(i);
        const id = this.nextId++;
        const job: GramJob = { id, features, float32: true, rows: n, cols: d, r0: bounds[i]!, r1: bounds[i + 1]!, result, resultOffset: i * d * d };
        return new Promise<number>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          worker.postMessage(job);
        });
      });
      const out = matrix(d, d);
      if (callerBlock) {
        convert(parts - 1);
        tensorGramRows(shared, d, bounds[parts - 1]!, n, out.data);
      }
      const workerMs = await Promise.all(jobs);
      const sums = out.data;
      for (let i = 0; i < this.workers.length; i++) {
        const slot = new Float64Array(result, i * d * d * 8, d * d);
        for (let k = 0; k < d * d; k++) sums[k] += slot[k]!;
      }
      return { gram: out, workerMs };
    } finally {
      this.setRef(false);
    }
  }
}

let pool: GramPool | undefined;

/** TRANSFERLENS_GRAM_WORKERS when it is set to a number (0 = no worker threads), else undefined. */
function configuredWorkers(): number | undefined {
  const configured = process.env.TRANSFERLENS_GRAM_WORKERS;
  if (configured === undefined || configured.trim() === '' || !Number.isFinite(Number(configured))) return undefined;
  return Math.max(0, Math.min(MAX_WORKERS, Math.floor(Number(configured))));
}

/** The available cores, at most MAX_WORKERS, unless TRANSFERLENS_GRAM_WORKERS says otherwise. */
function defaultWorkers(): number {
  return configuredWorkers() ?? Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));
}

/**
 * N·D² from which a one-shot process (the CLI) gains from starting the pool, whose threads take
 * ≈ 150–250 ms to load TF.js and compile its WASM. Measured with the bundled CLI (`score --scores
 * logme`, wall clock, 2 cores): 3,000×260 (2·10⁸) +70 ms, 10,000×512 (2.6·10⁹) ±0,
 * 10,000×1,024 (10¹⁰) −100 ms, 10,000×2,048 (4.2·10¹⁰) −500 ms. A long-lived process that
 * reuses the pool gains from LARGE_GRAM_WORK on.
 */
export const ONE_SHOT_PARALLEL_GRAM_WORK = 5e9;

/**
 * Whether a one-shot process should compute a Gram of `work` = N·D² multiply-adds in the pool:
 * from ONE_SHOT_PARALLEL_GRAM_WORK on by default; TRANSFERLENS_GRAM_WORKERS=0 never, and an
 * explicit TRANSFERLENS_GRAM_WORKERS ≥ 1 whenever the float32 Gram is used at all.
 */
export function oneShotParallelGram(work: number): boolean {
  const configured = configuredWorkers();
  if (configured === 0) return false;
  return work >= (configured === undefined ? ONE_SHOT_PARALLEL_GRAM_WORK : LARGE_GRAM_WORK);
}

/**
 * Starts the pool (once) without computing anything, so the workers' start-up — a second or so
 * of module loading and WASM compilation — can overlap other work. Resolves to whether it works.
 */
export async function startGramPool(options: ParallelGramOptions = {}): Promise<boolean> {
  const count = Math.floor(options.workers ?? defaultWorkers());
  if (!pool && count < 1) return false;
  if (!pool) pool = new GramPool(count, options.startTimeoutMs ?? 30_000);
  try {
    await pool.ready;
    return !pool.failure;
  } catch {
    return false;
  }
}

/**
 * XᵀX (float32 products, float64 sums), exactly symmetric, computed in the worker pool; equal to
 * tensorGram(x) within float32 rounding. Falls back to tensorGram(x) on the calling thread when
 * the pool cannot run (see the module comment); lastGramRun() says which happened.
 */
export async function parallelGram(x: Matrix, options: ParallelGramOptions = {}): Promise<Matrix> {
  const started = await startGramPool(options);
  const current = pool;
  if (!started || !current || current.failure) {
    lastRun = { parallel: false, workers: 0, reason: current?.failure?.message ?? 'no worker threads (TRANSFERLENS_GRAM_WORKERS=0)' };
    return tensorGram(x);
  }
  try {
    const { gram, workerMs } = await current.gram(x, options.callerBlock ?? false);
    lastRun = { parallel: true, workers: current.size, workerMs };
    return gram;
  } catch (error) {
    lastRun = { parallel: false, workers: 0, reason: error instanceof Error ? error.message : String(error) };
    return tensorGram(x);
  }
}

/** Terminates the pool's threads; the next parallelGram starts a new pool. */
export async function shutdownGramPool(): Promise<void> {
  const current = pool;
  pool = undefined;
  if (current) {
    current.dropBuffers();
    await current.terminate();
  }
}

/** Live worker threads of the pool (0 when none was started or it was shut down). */
export function gramPoolThreads(): number {
  return pool && !pool.failure ? pool.size : 0;
}

/**
 * A `gram` option for computeScores that returns the precomputed `gram` for the matrix `x` it
 * was computed from (the same object, as computeScores passes the features through) and
 * `otherwise(m)` for any other matrix. The returned matrix is shared: callers must not modify it.
 */
export function precomputedGram(x: Matrix, gram: Matrix, otherwise: (m: Matrix) => Matrix): (m: Matrix) => Matrix {
  return (m) => (m === x || (m.data === x.data && m.rows === x.rows && m.cols === x.cols) ? gram : otherwise(m));
}
