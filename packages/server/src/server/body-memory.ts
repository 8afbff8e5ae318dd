import { HttpError } from './http-error.js';

/** The part of a BodyMemory one request holds. */
export interface BodyLease {
  /** Takes `bytes` more for this request; throws a 503 HttpError when the memory is full. */
  take(bytes: number): void;
  /** Gives back all this request took; later calls do nothing. */
  release(): void;
}

/**
 * The memory that ingest gives the bodies of the requests in flight, as received and as decompressed,
 * all requests together. Each request's limits (20 MiB received, 100 MiB decompressed) bound one
 * request, not thirty at once: thirty gzip bodies of 142 KiB that each inflated to 95 MiB took a
 * server to 4.3 GB (bench/ingest-bombs.mjs). Past the limit a request is answered 503 with
 * Retry-After and the connection closed, and what it had read is let go.
 */
export class BodyMemory {
  #used = 0;
  /** Requests refused because the memory was full, since the start. */
  refused = 0;

  constructor(readonly limitBytes: number) {}

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }

  lease(): BodyLease {
    let taken = 0;
    let released = false;
    return {
      take: (bytes) => {
        if (released) return;
        if (this.#used + bytes > this.limitBytes) {
          this.refused++;
          throw new HttpError(
            503,
            'the server holds as much request data as it can just now: send again shortly',
            { 'retry-after': '1', connection: 'close' },
          );
        }
        this.#used += bytes;
        taken += bytes;
      },
      release: () => {
        if (released) return;
        released = true;
        this.#used -= taken;
      },
    };
  }
}
