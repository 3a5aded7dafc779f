/**
 * Debounce + latest-wins per key (a config file): scheduling work for a key cancels the pending
 * timer and aborts the running task of that key, so only the newest edit's work finishes.
 * `whenIdle()` resolves once nothing is pending or running, which the real-editor tests use.
 */
export type ScheduledTask = (signal: AbortSignal) => Promise<void>;

interface Slot {
  timer?: ReturnType<typeof setTimeout>;
  controller?: AbortController;
  running?: Promise<void>;
}

export class KeyedScheduler {
  private readonly slots = new Map<string, Slot>();
  private idleWaiters: (() => void)[] = [];
  /** Tasks still running, including aborted ones that have not noticed yet. */
  private active = 0;

  constructor(private readonly onError: (key: string, error: unknown) => void = () => undefined) {}

  /** Runs `task` for `key` after `delayMs`, superseding earlier work for the same key. */
  schedule(key: string, delayMs: number, task: ScheduledTask): void {
    const slot = this.slots.get(key) ?? {};
    this.slots.set(key, slot);
    if (slot.timer) clearTimeout(slot.timer);
    slot.controller?.abort();
    const controller = new AbortController();
    slot.controller = controller;
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      const run = (async () => {
        try {
          await task(controller.signal);
        } catch (error) {
          if (!controller.signal.aborted) this.onError(key, error);
        }
      })();
      slot.running = run;
      this.active++;
      void run.then(() => {
        this.active--;
        if (slot.running === run) slot.running = undefined;
        if (slot.controller === controller && !slot.timer) this.slots.delete(key);
        this.checkIdle();
      });
    }, delayMs);
  }

  /** Aborts pending and running work for `key`. */
  cancel(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.controller?.abort();
    if (!slot.running) this.slots.delete(key);
    this.checkIdle();
  }

  cancelAll(): void {
    for (const key of [...this.slots.keys()]) this.cancel(key);
  }

  /** Keys with a pending timer or a running task. */
  get busyKeys(): string[] {
    return [...this.slots.entries()].filter(([, s]) => s.timer !== undefined || s.running !== undefined).map(([k]) => k);
  }

  whenIdle(): Promise<void> {
    if (this.busyKeys.length === 0 && this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private checkIdle(): void {
    if (this.busyKeys.length > 0 || this.active > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }
}
