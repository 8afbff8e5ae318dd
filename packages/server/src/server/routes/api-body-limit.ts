import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/** The largest body of a REST API request (a status change, a project's limits, jobs to retry). */
export const MAX_API_BODY_BYTES = 1024 * 1024;

/**
 * 413 for an API body over MAX_API_BODY_BYTES: a 60 MB PATCH was read whole before it was refused.
 * Mounted after the admin token's check, so a client without one is refused before any of its body is
 * read (ingest, served in front of the API, has limits of its own).
 */
export const apiBodyLimit: MiddlewareHandler = bodyLimit({
  maxSize: MAX_API_BODY_BYTES,
  onError: (c) => c.json({ error: `the body is larger than ${MAX_API_BODY_BYTES} bytes` }, 413),
});
