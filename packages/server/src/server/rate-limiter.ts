/**
 * Per-key token buckets: each project key may send `perMinute` events a minute
 * with bursts up to `burst`. Kept per instance: several instances each allow
 * the rate, which is fine for protection against a runaway client.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perMinute: number,
    readonly burst = perMinute,
    readonly now: () => number = Date.now,
  ) {}

  /** Takes `count` tokens; returns the seconds to wait when there are not enough. */
  take(key: string, count = 1): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    const rate = this.perMinute / 60_000;
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > 100_000) this.#buckets.clear();
    if (bucket.tokens >= count) {
      bucket.tokens -= count;
      return { allowed: true };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((count - bucket.tokens) / rate / 1_000)),
    };
  }
}
