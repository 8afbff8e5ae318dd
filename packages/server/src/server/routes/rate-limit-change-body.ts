import { HttpError } from '../http-error.js';
import { MIB, RATE_LIMIT_BOUNDS, type RateLimitChange } from '../projects.js';

/**
 * The body of `PATCH /api/v1/projects/:id`: `rateLimitPerMinute` (events) and `rateLimitMbPerMinute`
 * (decompressed MB, at least 2, as TRIAGE_RATE_LIMIT_MB_PER_MINUTE), each a number or null for the
 * server's. 400 naming the field otherwise, and for a body that changes nothing.
 */
export function readRateLimitChange(body: unknown): RateLimitChange {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(
      400,
      'send a JSON object, e.g. {"rateLimitPerMinute": 600, "rateLimitMbPerMinute": null}',
    );
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find(
    (name) => name !== 'rateLimitPerMinute' && name !== 'rateLimitMbPerMinute',
  );
  if (unknown !== undefined)
    throw new HttpError(
      400,
      `unknown field "${unknown.slice(0, 100)}": use rateLimitPerMinute, rateLimitMbPerMinute`,
    );
  const events = limit(fields, 'rateLimitPerMinute', RATE_LIMIT_BOUNDS.eventsPerMinute, true);
  const megabytes = limit(fields, 'rateLimitMbPerMinute', RATE_LIMIT_BOUNDS.megabytesPerMinute);
  if (events === undefined && megabytes === undefined)
    throw new HttpError(
      400,
      'send rateLimitPerMinute or rateLimitMbPerMinute (a number, or null for the server’s)',
    );
  return {
    eventsPerMinute: events == null ? events : Math.round(events),
    bytesPerMinute: megabytes == null ? megabytes : Math.round(megabytes * MIB),
  };
}

function limit(
  fields: Record<string, unknown>,
  name: string,
  { min, max }: { min: number; max: number },
  whole = false,
): number | null | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return value;
  // Events are counted whole: 1.5 a minute was taken as 2.
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (whole && !Number.isInteger(value))
  )
    throw new HttpError(
      400,
      `${name} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}, or null for the server's`,
    );
  return value;
}
