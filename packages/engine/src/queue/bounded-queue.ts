export interface BoundedQueueOptions {
  /** Most tasks waiting; when full, the oldest waiting task is dropped and counted. */
  maxPending?: number;
  /** Tasks running at once. */
  concurrency?: number;
  /** Called once per dropped task. */
  onDrop?: () => void;
  /** Called when a task rejects; the queue carries on. */
  onError?: (error: unknown) => void;
}

/**
 * The background queue between the host's request path and the pipeline. It
 * takes task *producers*, so a dropped task costs nothing, and starts work on a
 * later tick so enqueueing never runs pipeline code synchronously.
 */
export class BoundedQueue {
  readonly #pending: Array<{ run: () => Promise<unknown>; dropped?: () => void }> = [];
  readonly #maxPending: number;
  readonly #concurrency: number;
  readonly #onDrop: () => void;
  readonly #onError: (error: unknown) => void;
  #running = 0;
  #scheduled = false;
  #idleWaiters: Array<() => void> = [];

  constructor({
    maxPending = 1_000,
    concurrency = 2,
    onDrop = () => {},
    onError = () => {},
  }: BoundedQueueOptions = {}) {
    if (!(maxPending >= 1)) throw new RangeError(`maxPending must be at least 1, got ${maxPending}`);
    if (!(concurrency >= 1)) throw new RangeError(`concurrency must be at least 1, got ${concurrency}`);
    this.#maxPending = maxPending;
    this.#concurrency = concurrency;
    this.#onDrop = onDrop;
    this.#onError = onError;
  }

  get size(): number {
    return this.#pending.length + this.#running;
  }

  /**
   * Queues a task; returns false when it pushed out an older one. `dropped` is called if this task is
   * pushed out in turn, never run.
   */
  push(task: () => Promise<unknown>, dropped?: () => void): boolean {
    let pushedOut = false;
    if (this.#pending.length >= this.#maxPending) {
      this.#pending.shift()?.dropped?.();
      pushedOut = true;
      this.#onDrop();
    }
    this.#pending.push({ run: task, dropped });
    this.#schedule();
    return !pushedOut;
  }

  /** Resolves true once every queued task finished, false if `timeoutMs` passed first. */
  onIdle(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        resolve(true);
      };
      this.#idleWaiters.push(done);
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          this.#idleWaiters = this.#idleWaiters.filter((waiter) => waiter !== done);
          resolve(false);
        }, timeoutMs);
        timer.unref?.();
      }
    });
  }

  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain() {
    while (this.#running < this.#concurrency && this.#pending.length > 0) {
      const { run } = this.#pending.shift()!;
      this.#running++;
      let promise: Promise<unknown>;
      try {
        promise = Promise.resolve(run());
      } catch (error) {
        promise = Promise.reject(error);
      }
      promise
        .catch((error: unknown) => this.#onError(error))
        .finally(() => {
          this.#running--;
          // The next task on a later turn, not from this promise callback: tasks that need no I/O (offline
          // analysis, a memory store) ran back to back, and a burst of 1,000 errors held the host's event
          // loop 0.5–2.5 s in a reviewer's throwaway script.
          if (this.#pending.length > 0) this.#schedule();
          else if (this.#running === 0) this.#notifyIdle();
        });
    }
  }

  #notifyIdle() {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
