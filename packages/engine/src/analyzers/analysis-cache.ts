import type { AnalysisResult } from '@triage/core';

/**
 * One LLM analysis per key (fingerprint + prompt version) within a TTL;
 * concurrent requests for one key share the call in flight, so a storm of the
 * same error costs one call.
 */
export class AnalysisCache {
  readonly #entries = new Map<string, { result: AnalysisResult; at: number }>();
  readonly #inFlight = new Map<string, Promise<AnalysisResult>>();
  hits = 0;

  constructor(
    readonly ttlMs = 24 * 60 * 60 * 1000,
    readonly maxEntries = 5_000,
    readonly now: () => number = Date.now,
  ) {}

  /**
   * `fresh`: produce a new result even when one is kept (it replaces it); a call in flight is shared.
   * `earlier`: a result made elsewhere at `at` (another process sharing the store), kept and answered
   * with when this cache holds none as recent and it is within the TTL.
   */
  async get(
    key: string,
    produce: () => Promise<AnalysisResult>,
    { fresh = false, earlier }: { fresh?: boolean; earlier?: { result: AnalysisResult; at: number } } = {},
  ): Promise<{ result: AnalysisResult; cached: boolean }> {
    let entry = fresh ? undefined : this.#entries.get(key);
    if (!fresh && earlier && earlier.at > (entry?.at ?? Number.NEGATIVE_INFINITY)) {
      entry = earlier;
      this.#keep(key, earlier.result, earlier.at);
    }
    if (entry && this.now() - entry.at < this.ttlMs) {
      this.hits++;
      return { result: entry.result, cached: true };
    }
    const pending = this.#inFlight.get(key);
    if (pending) {
      this.hits++;
      return { result: await pending, cached: true };
    }
    const running = produce();
    this.#inFlight.set(key, running);
    try {
      const result = await running;
      this.#keep(key, result, this.now());
      return { result, cached: false };
    } finally {
      this.#inFlight.delete(key);
    }
  }

  #keep(key: string, result: AnalysisResult, at: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { result, at });
    if (this.#entries.size > this.maxEntries)
      this.#entries.delete(this.#entries.keys().next().value as string);
  }
}
