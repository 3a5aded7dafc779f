/** Progress and cancellation plumbing shared by the core, the worker and the CLI. */
export interface ProgressEvent {
  /** Machine-readable step id: `config`, `checkpoint`, `dataset`, `features`, `overlap`, `curves`, `scores`, ... */
  readonly step: string;
  /** Human-readable, e.g. "extracting features (1,200/5,000 rows, 850 rows/s, ETA 5 s)". */
  readonly message: string;
  /** Overall progress in [0, 1] when known. */
  readonly fraction?: number;
}

export interface RunControl {
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** Thrown (and only thrown) when a run is cancelled through its AbortSignal. */
export class CancelledError extends Error {
  constructor(message = 'analysis cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Yields to the event loop so cancellation messages can arrive between heavy steps. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
