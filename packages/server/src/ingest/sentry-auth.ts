import { IngestError } from './ingest-error.js';

/** A Sentry DSN, `{protocol}://{publicKey}@{host}{path}/{projectId}`, taken apart. */
export interface Dsn {
  protocol: 'http' | 'https';
  publicKey: string;
  /** Host name and, when given, port. */
  host: string;
  /** Path prefix before the project id ('' for most DSNs). */
  path: string;
  projectId: string;
}

/** Query parameters or headers: a record (as Hono and node:http give them) or a Headers/URLSearchParams. */
export type Lookup = URLSearchParams | Headers | Record<string, string | readonly string[] | undefined>;

export interface SentryKeySources {
  query?: Lookup;
  headers?: Lookup;
  /** The `dsn` of the envelope header, sent by SDKs that use a tunnel. */
  envelopeDsn?: unknown;
}

/**
 * The public key a Sentry SDK authenticated with, looked up where SDKs put it, first found
 * wins: the `sentry_key` query parameter (JavaScript SDKs), the `X-Sentry-Auth` header, an
 * `Authorization: Sentry …` header, then the envelope header's DSN. `undefined` when none.
 */
export function sentryKeyOf({ query, headers, envelopeDsn }: SentryKeySources): string | undefined {
  const fromQuery = nonEmpty(lookup(query, 'sentry_key'));
  if (fromQuery) return fromQuery;
  const fromHeaders = sentryAuthField(headers, 'sentry_key');
  if (fromHeaders) return fromHeaders;
  if (typeof envelopeDsn === 'string') {
    try {
      return parseDsn(envelopeDsn).publicKey;
    } catch {
      // A malformed DSN in the body authenticates nothing; the caller answers 401 for a missing key.
      return undefined;
    }
  }
  return undefined;
}

/**
 * Reads the `Sentry sentry_key=…, sentry_version=7, sentry_client=…` format of `X-Sentry-Auth`
 * (and of `Authorization: Sentry …`). Unknown or malformed parts are left out.
 */
export function parseSentryAuth(header: string | undefined): Record<string, string> {
  // No prototype: a client-chosen key such as `__proto__` must stay a plain key.
  const fields: Record<string, string> = Object.create(null);
  if (!header) return fields;
  const match = /^\s*sentry\s+(.*)$/is.exec(header);
  // Some clients omit the "Sentry" scheme in X-Sentry-Auth; an Authorization header without it is someone else's.
  const body = match ? match[1]! : header.includes('sentry_key=') ? header : '';
  for (const part of body.split(',')) {
    const equals = part.indexOf('=');
    if (equals <= 0) continue;
    const key = part.slice(0, equals).trim().toLowerCase();
    const value = part
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (key) fields[key] = value;
  }
  return fields;
}

/** Takes a DSN apart; a malformed one is an IngestError 400 saying what is wrong (never echoing the DSN). */
export function parseDsn(dsn: string): Dsn {
  let url: URL;
  try {
    url = new URL(dsn.trim());
  } catch (error) {
    throw new IngestError(400, 'invalid DSN: not a URL', { cause: error });
  }
  const protocol = url.protocol.slice(0, -1);
  if (protocol !== 'http' && protocol !== 'https') {
    throw new IngestError(400, `invalid DSN: protocol must be http or https, not ${protocol}`);
  }
  const publicKey = decodeURIComponent(url.username);
  if (!publicKey) throw new IngestError(400, 'invalid DSN: missing public key (http://KEY@host/PROJECT_ID)');
  const segments = url.pathname.split('/');
  const projectId = segments.pop() ?? '';
  // Sentry's SDKs refuse a non-numeric project id, so a DSN with one could never reach Triage.
  if (!/^\d+$/.test(projectId)) {
    throw new IngestError(400, 'invalid DSN: the path must end with a numeric project id');
  }
  return { protocol, publicKey, host: url.host, path: segments.join('/'), projectId };
}

/** A field of Sentry's auth header (`X-Sentry-Auth`, else `Authorization: Sentry …`), when it has one. */
export function sentryAuthField(headers: Lookup | undefined, name: string): string | undefined {
  return (
    nonEmpty(parseSentryAuth(lookup(headers, 'x-sentry-auth'))[name]) ??
    nonEmpty(parseSentryAuth(lookup(headers, 'authorization'))[name])
  );
}

function lookup(source: Lookup | undefined, name: string): string | undefined {
  if (source == null) return undefined;
  if (source instanceof URLSearchParams || source instanceof Headers) return source.get(name) ?? undefined;
  for (const [key, value] of Object.entries(source)) {
    if (key.toLowerCase() !== name) continue;
    return typeof value === 'string' ? value : value?.[0];
  }
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
