/** How a bucket fills: `perMs` tokens a millisecond, up to `burst`. */
export interface RateBucketRefill {
  perMs: number;
  burst: number;
}

/** The buckets every instance shares (the database): where each instance's use meets the others'. */
export interface SharedRateBuckets {
  /**
   * Refills `bucket` to `now`, takes `used` tokens from it and answers what is left; a bucket not
   * seen before starts full. Negative when the instances together let through more than it held.
   */
  settle(bucket: string, used: number, now: number, refill: RateBucketRefill): Promise<number>;
}

export interface RateLimiterOptions {
  /** Tokens a bucket holds at most; the rate a minute by default. */
  burst?: number;
  /**
   * Put before each key to name its shared bucket: limiters of different things (events, bytes) share
   * one table, and a project's buckets must not meet.
   */
  prefix?: string;
  now?: () => number;
  /** Shares the buckets with the other instances; without, each instance limits on its own. */
  shared?: SharedRateBuckets;
  /** How often the use of the last interval is settled with the shared buckets. */
  syncMs?: number;
  onFailure?: (stage: string, error: unknown) => void;
}

interface Bucket {
  /** How it fills: the limiter's, or the key's own (`take`'s `perMinute`). */
  refill: RateBucketRefill;
  tokens: number;
  /** When `tokens` was last refilled. */
  at: number;
  /** Tokens taken here and not yet settled with the shared bucket. */
  unsent: number;
  /** When a request last asked this bucket here. */
  askedAt: number;
}

/** Buckets kept at most; beyond, idle ones go (they start full again, as they would be). */
const MAX_BUCKETS = 100_000;

/**
 * Token buckets, one per project: each may send `perMinute` tokens (events, bytes) a minute with bursts
 * up to `burst`.
 * Decisions are local, so a request never waits on the database; with `shared`, every `syncMs` each
 * instance settles what it let through with the buckets all instances share and takes up what is left.
 * A project new to an instance starts full there and is settled at once; until the answer a bucket can
 * pass its burst at each instance, and what passed beyond is a debt paid back before the next event
 * gets through.
 */
export class RateLimiter {
  /** Requests this instance refused since it started, and the tokens (events, bytes) they asked for. */
  readonly refused = { requests: 0, tokens: 0 };
  readonly #buckets = new Map<string, Bucket>();
  readonly #refill: RateBucketRefill;
  /** The refills of keys with a rate of their own, by rate: one object per rate, not per bucket. */
  readonly #refills = new Map<number, RateBucketRefill>();
  readonly #now: () => number;
  readonly #shared: SharedRateBuckets | undefined;
  readonly #syncMs: number;
  readonly #onFailure: (stage: string, error: unknown) => void;
  readonly #prefix: string;
  #timer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;

  constructor(
    readonly perMinute: number,
    {
      burst = perMinute,
      prefix = '',
      now = Date.now,
      shared,
      syncMs = 1_000,
      onFailure = () => {},
    }: RateLimiterOptions = {},
  ) {
    this.#refill = { perMs: perMinute / 60_000, burst };
    this.#now = now;
    this.#shared = shared;
    this.#syncMs = syncMs;
    this.#onFailure = onFailure;
    this.#prefix = prefix;
  }

  /**
   * The most a bucket holds, the limiter's or (with `perMinute`) a key's with its own rate: a request
   * asking for more is refused however long it waits.
   */
  burstOf(perMinute?: number): number {
    return this.#refillOf(perMinute).burst;
  }

  /**
   * Takes `count` tokens; returns the seconds to wait when there are not enough. `perMinute`: the key's
   * own rate (a project's limit), its burst as large; undefined, the limiter's. A key whose rate changes
   * keeps its tokens, up to the new burst.
   */
  take(
    key: string,
    count = 1,
    perMinute?: number,
  ): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.#now();
    const bucket = this.#refilled(key, now, this.#refillOf(perMinute));
    if (bucket.tokens >= count) {
      bucket.tokens -= count;
      bucket.unsent += count;
      return { allowed: true };
    }
    this.refused.requests++;
    this.refused.tokens += count;
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((count - bucket.tokens) / bucket.refill.perMs / 1_000)),
    };
  }

  /**
   * Refuses `count` tokens that no bucket could ever hold (more than its burst), counted as refused:
   * for callers that answer such a request with a wait rather than a 413.
   */
  refuse(count: number): { allowed: false; retryAfterSeconds: number } {
    this.refused.requests++;
    this.refused.tokens += count;
    return { allowed: false, retryAfterSeconds: 60 };
  }

  /** Settles with the shared buckets every `syncMs` (nothing to do without them). */
  start(): void {
    if (!this.#shared || this.#timer) return;
    this.#timer = setInterval(() => void this.sync(), this.#syncMs);
    this.#timer.unref();
  }

  /** Stops settling, after a last settle of what was let through (call before the store closes). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    // A settle under way may have started before the last requests were let through.
    await this.#syncing;
    await this.sync();
  }

  /**
   * Settles every bucket used here with the shared ones: sends what was let through since the last time
   * and takes up what all instances left. A failed settle keeps the use for the next one, and the
   * instance limits on its own meanwhile. Joins a settle under way.
   */
  sync(): Promise<void> {
    this.#syncing ??= this.#settleAll().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #settleAll(): Promise<void> {
    const shared = this.#shared;
    if (!shared) return;
    for (const [key, bucket] of this.#buckets) {
      const sentAt = this.#now();
      const used = bucket.unsent;
      if (this.#idle(bucket, sentAt)) {
        this.#buckets.delete(key);
        continue;
      }
      bucket.unsent = 0;
      try {
        const left = await shared.settle(this.#prefix + key, used, sentAt, bucket.refill);
        const now = this.#now();
        // What arrived while the settle was under way is taken from what was left at `sentAt`.
        bucket.tokens = this.#filled(bucket.refill, left, sentAt, now) - bucket.unsent;
        bucket.at = now;
      } catch (error) {
        bucket.unsent += used;
        this.#onFailure('rate limit: settling with the other instances', error);
      }
    }
  }

  #refillOf(perMinute: number | undefined): RateBucketRefill {
    if (perMinute === undefined || perMinute === this.perMinute) return this.#refill;
    let refill = this.#refills.get(perMinute);
    if (!refill) {
      refill = { perMs: perMinute / 60_000, burst: perMinute };
      this.#refills.set(perMinute, refill);
    }
    return refill;
  }

  #refilled(key: string, now: number, refill: RateBucketRefill): Bucket {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= MAX_BUCKETS) this.#forgetIdle(now);
      bucket = { refill, tokens: refill.burst, at: now, unsent: 0, askedAt: now };
      this.#buckets.set(key, bucket);
      // Full until told otherwise: what the other instances left is asked for now, not at the next
      // tick, so a key they are draining gets at most one round trip's worth of requests through here
      // (after this request has taken its tokens, so the settle sends them).
      if (this.#timer) queueMicrotask(() => void this.sync());
      return bucket;
    }
    bucket.tokens = this.#filled(bucket.refill, bucket.tokens, bucket.at, now);
    if (refill !== bucket.refill) {
      bucket.refill = refill;
      bucket.tokens = Math.min(bucket.tokens, refill.burst);
    }
    bucket.at = now;
    bucket.askedAt = now;
    return bucket;
  }

  /**
   * Nobody asked here for as long as the bucket takes to fill, it owes the shared bucket nothing and it
   * is full again: forgotten, it starts full when asked again, as it would, with no round trip meanwhile.
   */
  #idle(bucket: Bucket, now: number): boolean {
    const { perMs, burst } = bucket.refill;
    return (
      bucket.unsent === 0 &&
      now - bucket.askedAt >= burst / perMs &&
      this.#filled(bucket.refill, bucket.tokens, bucket.at, now) >= burst
    );
  }

  /** `tokens` as of `from`, refilled to `to` by `refill` and capped at its burst. */
  #filled({ perMs, burst }: RateBucketRefill, tokens: number, from: number, to: number): number {
    return Math.min(burst, tokens + Math.max(0, to - from) * perMs);
  }

  /** Forgets the idle buckets; all of them if none is (a flood of projects). */
  #forgetIdle(now: number): void {
    for (const [key, bucket] of this.#buckets) if (this.#idle(bucket, now)) this.#buckets.delete(key);
    if (this.#buckets.size >= MAX_BUCKETS) this.#buckets.clear();
  }
}
