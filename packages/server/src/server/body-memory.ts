import { HttpError } from './http-error.js';

/** The part of a BodyMemory one request holds. */
export interface BodyLease {
  /** Takes `bytes` more for this request; throws a 503 HttpError when the memory is full. */
  take(bytes: number): void;
  /** Gives back all this request took; later calls do nothing. */
  release(): void;
}

/**
 * What a request may hold and still count as small: Sentry's limit for one event, so a request that
 * carries one ordinary event always is.
 */
export const SMALL_BODY_BYTES = 1024 * 1024;

/**
 * The memory that ingest gives the bodies of the requests in flight, as received and as decompressed,
 * all requests together. Each request's limits (20 MiB received, 100 MiB decompressed) bound one
 * request, not thirty at once: thirty gzip bodies of 142 KiB that each inflated to 95 MiB took a
 * server to 4.3 GB (bench/ingest-bombs.mjs). Past the limit a request is answered 503 with
 * Retry-After and the connection closed, and what it had read is let go.
 *
 * A sixteenth of it is kept for small requests (at most SMALL_BODY_BYTES each): requests that grow
 * past that share the rest, so a flood of large bodies, or of bombs, cannot keep the ordinary
 * one-event requests of every other client out.
 */
export class BodyMemory {
  #used = 0;
  #usedByLarge = 0;
  /** Requests refused because the memory was full, since the start. */
  refused = 0;
  /** What requests past SMALL_BODY_BYTES may hold together. */
  readonly largeLimitBytes: number;

  constructor(readonly limitBytes: number) {
    this.largeLimitBytes = limitBytes - Math.floor(limitBytes / 16);
  }

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }

  lease(): BodyLease {
    let taken = 0;
    let large = false;
    let released = false;
    return {
      take: (bytes) => {
        if (released) return;
        const becomesLarge = !large && taken + bytes > SMALL_BODY_BYTES;
        // A request turning large brings what it held as small along into the large share.
        const largeGrowth = large ? bytes : becomesLarge ? taken + bytes : 0;
        if (
          this.#used + bytes > this.limitBytes ||
          (largeGrowth > 0 && this.#usedByLarge + largeGrowth > this.largeLimitBytes)
        ) {
          this.refused++;
          throw new HttpError(
            503,
            'the server holds as much request data as it can just now: send again shortly',
            { 'retry-after': '1', connection: 'close' },
          );
        }
        this.#used += bytes;
        this.#usedByLarge += largeGrowth;
        taken += bytes;
        large ||= becomesLarge;
      },
      release: () => {
        if (released) return;
        released = true;
        this.#used -= taken;
        if (large) this.#usedByLarge -= taken;
      },
    };
  }
}
