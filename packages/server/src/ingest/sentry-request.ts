import { type RequestInfo, SENSITIVE_KEYS, type UserInfo } from '@triage/core';
import { asNumber, asRecord, asText, entriesOf } from './sentry-values.js';

/** Headers kept per request: the ones that explain a failure are few. */
const MAX_HEADERS = 50;
/** What SDKs put in place of a value they scrubbed. */
const SCRUBBED = new Set(['[Filtered]', '[filtered]', '[REDACTED]', '[redacted]']);

/**
 * The request of a Sentry event: method, URL (with its query string), status (from the
 * `response` context) and the headers whose names are not secret-looking (Sentry's own
 * denylist: authorization, cookie, tokens…). Triage redacts again later; this keeps secrets
 * from even being parsed into the event.
 */
export function requestFromSentry(request: unknown, contexts: unknown): RequestInfo | undefined {
  const raw = asRecord(request);
  const status = asNumber(asRecord(asRecord(contexts)?.response)?.status_code);
  if (!raw && status === undefined) return undefined;
  const headers = headersOf(raw?.headers);
  return {
    method: asText(raw?.method)?.toUpperCase(),
    url: urlOf(raw),
    status,
    ...(headers && { headers }),
  };
}

/**
 * The user's `id` (numbers too) and `email`; without either, the `username` (Sentry knows a user by
 * any of them: one known only by a username counted no user at all), which only makes its pseudonym
 * and is not stored. IP addresses and other fields stay behind.
 */
export function userFromSentry(user: unknown): UserInfo | undefined {
  const raw = asRecord(user);
  const id = asText(raw?.id);
  const email = asText(raw?.email);
  if (id || email) return { id, email };
  const username = asText(raw?.username);
  return username ? { username } : undefined;
}

function urlOf(request: Record<string, unknown> | undefined): string | undefined {
  const url = asText(request?.url);
  const query = queryString(request?.query_string);
  if (!url) return undefined;
  return query && !url.includes('?') ? `${url}?${query}` : url;
}

function queryString(query: unknown): string | undefined {
  if (typeof query === 'string') return query.replace(/^\?/, '') || undefined;
  const pairs = entriesOf(query).flatMap(([key, value]) => {
    const text = asText(value);
    return text === undefined ? [] : [[key, text] as [string, string]];
  });
  return pairs.length > 0 ? new URLSearchParams(pairs).toString() : undefined;
}

function headersOf(raw: unknown): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  let count = 0;
  for (const [name, value] of entriesOf(raw)) {
    const text = Array.isArray(value) ? value.map(asText).filter(Boolean).join(', ') : asText(value);
    const key = name.toLowerCase();
    if (!text || SCRUBBED.has(text) || isSensitive(key) || key === '__proto__') continue;
    headers[key] = text;
    if (++count >= MAX_HEADERS) break;
  }
  return count > 0 ? headers : undefined;
}

function isSensitive(name: string): boolean {
  return SENSITIVE_KEYS.some((key) => name.includes(key));
}
