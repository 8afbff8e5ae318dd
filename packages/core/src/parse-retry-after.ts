/**
 * The longest Retry-After a client of Triage waits: a longer one is more likely a server's bug than its
 * plan, and an alert held for days is worth nothing.
 */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/**
 * `Retry-After` in milliseconds: the header is either delay-seconds or an HTTP
 * date (RFC 9110 §10.2.3). Undefined when absent or unreadable. Shared by every
 * client that honours it (notifiers, the SDK's transport).
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
