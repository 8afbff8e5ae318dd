import type { Engine, SqlStore } from '@triage/engine';
import type { BodyMemory } from './body-memory.js';
import type { EventWriter } from './event-writer.js';
import type { JobQueue } from './job-queue.js';
import type { ProjectRegistry } from './projects.js';
import type { RateLimiter } from './rate-limiter.js';

/** Ingest limits, as Sentry documents its own. */
export interface IngestLimits {
  /** Compressed request body. */
  maxBodyBytes: number;
  /** Decompressed body (envelopes with attachments). */
  maxDecodedBytes: number;
  /** One event's JSON. */
  maxEventBytes: number;
  /** Events in one native batch. */
  maxBatch: number;
  /**
   * JSON values (objects, arrays and their members) in one request, all its events together: not
   * Sentry's, but what bounds the memory parsing takes (about 60 MiB of heap for a million).
   */
  maxJsonValues: number;
  /**
   * How long a body may stop arriving before the request is answered 408 and closed. Node's own bound
   * is on the whole request (five minutes): a client that stopped mid-body held its share of the
   * ingest memory (up to 20 MiB) for that long.
   */
  bodyIdleMs: number;
}

export const DEFAULT_LIMITS: IngestLimits = {
  maxBodyBytes: 20 * 1024 * 1024,
  maxDecodedBytes: 100 * 1024 * 1024,
  maxEventBytes: 1024 * 1024,
  maxBatch: 100,
  maxJsonValues: 1_000_000,
  bodyIdleMs: 30_000,
};

/** What the routes share: built once by `startServer`. */
export interface ServerContext {
  store: SqlStore;
  engine: Engine;
  projects: ProjectRegistry;
  jobs: JobQueue;
  /** Where ingest stores accepted events. */
  events: EventWriter;
  /**
   * Per key, all instances together: the events, the bytes (decompressed) of the requests, and, apart,
   * the bytes of the telemetry in envelopes that Triage skips (see limitTelemetry).
   */
  rateLimits: { events: RateLimiter; bytes: RateLimiter; telemetry: RateLimiter };
  adminToken: string;
  limits: IngestLimits;
  /** Ingest requests in flight and the time of the last one: the job workers yield to them. */
  ingest: { active: number; lastAt: number };
  /** The memory the bodies of ingest requests in flight may take, all together. */
  bodyMemory: BodyMemory;
  onFailure: (stage: string, error: unknown) => void;
}
