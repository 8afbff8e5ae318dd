import { HttpError } from '../http-error.js';
import type { Project } from '../projects.js';
import type { ServerContext } from '../server-context.js';

/** The project of an ingest key: 401 without one, 403 for a key no project has. */
export async function projectByKey(context: ServerContext, key: string | undefined): Promise<Project> {
  if (!key) throw new HttpError(401, 'missing project key: send X-Triage-Key (or a Sentry DSN key)');
  const project = await context.projects.byKey(key);
  if (!project) throw new HttpError(403, 'unknown project key');
  return project;
}

/** 429 with Retry-After (and Sentry's X-Sentry-Rate-Limits) when a project's key sends faster than allowed. */
export function limitRate(context: ServerContext, projectId: string, count: number): void {
  const verdict = context.rateLimiter.take(projectId, count);
  if (verdict.allowed) return;
  throw new HttpError(429, `rate limit exceeded for this key: retry in ${verdict.retryAfterSeconds}s`, {
    'retry-after': String(verdict.retryAfterSeconds),
    'x-sentry-rate-limits': `${verdict.retryAfterSeconds}::key`,
  });
}
