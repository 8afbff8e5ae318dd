/**
 * One analysis per fingerprint per window (the write-up's 1-hour dedupe), keyed
 * by root cause rather than by function, so different errors of one handler are
 * analysed separately and one error is analysed once.
 */
export class Throttle {
  readonly #last = new Map<string, number>();

  constructor(
    readonly windowMs = 60 * 60 * 1000,
    readonly maxKeys = 10_000,
  ) {}

  /** True (and the window starts) when `key` was not let through within the window. */
  take(key: string, now = Date.now()): boolean {
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.windowMs) return false;
    this.#last.delete(key);
    this.#last.set(key, now);
    if (this.#last.size > this.maxKeys) this.#last.delete(this.#last.keys().next().value as string);
    return true;
  }

  /** Gives the window back, e.g. when the analysis it allowed failed outright. */
  release(key: string): void {
    this.#last.delete(key);
  }
}
