import type { EnvelopeSplit } from '../../ingest/index.js';
import { HttpError } from '../http-error.js';
import type { Project } from '../projects.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { ServerContext } from '../server-context.js';

/** The project of an ingest key: 401 without one, 403 for a key no project has. */
export async function projectByKey(context: ServerContext, key: string | undefined): Promise<Project> {
  if (!key) throw new HttpError(401, 'missing project key: send X-Triage-Key (or a Sentry DSN key)');
  const project = await context.projects.byKey(key);
  if (!project) throw new HttpError(403, 'unknown project key');
  return project;
}

/**
 * 429 with Retry-After (and Sentry's X-Sentry-Rate-Limits) when a project's key sends more events a
 * minute than its limit (`triage projects limit`, else TRIAGE_RATE_LIMIT_PER_MINUTE); 413 for a batch
 * larger than the whole burst.
 */
export function limitEvents(context: ServerContext, project: Project, count: number): void {
  limit(
    context.rateLimits.events,
    project.id,
    project.rateLimits.eventsPerMinute,
    count,
    (burst) =>
      `a batch of ${count} events: this key may send at most ${burst} at once, send fewer per request`,
  );
}

/**
 * The same for the bytes of a key's requests, decompressed (its own limit, else
 * TRIAGE_RATE_LIMIT_MB_PER_MINUTE): a key
 * within its event limit could still send events of nearly 1 MiB each, and ask for more CPU than the
 * server has (bench/README.md, "One large request"). Checked before the body is parsed, as soon as its
 * key is known.
 */
export function limitBytes(context: ServerContext, project: Project, bytes: number): void {
  limit(
    context.rateLimits.bytes,
    project.id,
    project.rateLimits.bytesPerMinute,
    bytes,
    (burst) =>
      `a request of ${bytes} bytes (decompressed): this key may send at most ${burst} at once, send smaller requests`,
  );
}

/**
 * The bytes of a key's telemetry (spans, transactions, replays, profiles, sessions… that Triage skips;
 * see telemetryCategoriesOf), in a bucket of their own as large as its byte limit: counted with the
 * events, a Sentry SDK with tracing on used up the key's bytes and the 429 held back its errors too.
 * Past it, the answer names the categories in `X-Sentry-Rate-Limits`, so that the SDK holds back only
 * those: a 429 when the envelope holds nothing else, else the events are taken and the header comes
 * with the 200 (SDKs read it on every answer). Returns that header, or undefined when within.
 */
export function limitTelemetry(
  context: ServerContext,
  project: Project,
  split: EnvelopeSplit,
): string | undefined {
  if (split.telemetryBytes === 0) return undefined;
  const limiter = context.rateLimits.telemetry;
  const perMinute = project.rateLimits.bytesPerMinute;
  const verdict =
    split.telemetryBytes > limiter.burstOf(perMinute)
      ? limiter.refuse(split.telemetryBytes)
      : limiter.take(project.id, split.telemetryBytes, perMinute);
  if (verdict.allowed) return undefined;
  const categories = split.telemetryCategories.join(';');
  if (split.events > 0) return sentryRateLimits(verdict.retryAfterSeconds, categories);
  throw rateLimited(
    `rate limit exceeded for this key's ${split.telemetryCategories.join(', ')}: retry in ${verdict.retryAfterSeconds}s (its errors are not held back)`,
    verdict.retryAfterSeconds,
    categories,
  );
}

function limit(
  limiter: RateLimiter,
  projectId: string,
  perMinute: number | undefined,
  count: number,
  tooLarge: (burst: number) => string,
): void {
  // Larger than the bucket ever holds: waiting would never let it through. 413, not 429, so that a
  // client splits it (the Node SDK's transport sends the halves of a batch refused with 413).
  const burst = limiter.burstOf(perMinute);
  if (count > burst) throw new HttpError(413, tooLarge(Math.floor(burst)));
  const verdict = limiter.take(projectId, count, perMinute);
  if (verdict.allowed) return;
  throw rateLimited(
    `rate limit exceeded for this key: retry in ${verdict.retryAfterSeconds}s`,
    verdict.retryAfterSeconds,
  );
}

/** A 429 whose wait is in `Retry-After` and in `X-Sentry-Rate-Limits`, for `categories` (empty: all). */
function rateLimited(message: string, seconds: number, categories = ''): HttpError {
  return new HttpError(429, message, {
    'retry-after': String(seconds),
    'x-sentry-rate-limits': sentryRateLimits(seconds, categories),
  });
}

/** Sentry's `X-Sentry-Rate-Limits`: a wait for some categories (`;` between them; empty: all), per key. */
const sentryRateLimits = (seconds: number, categories: string) => `${seconds}:${categories}:key`;
