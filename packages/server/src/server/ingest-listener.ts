import type { RequestListener, ServerResponse } from 'node:http';
import { isStoreUnavailable } from '@triage/engine';
import { IngestError, sentryKeyOf } from '../ingest/index.js';
import { HttpError, RETRY_AFTER_SECONDS } from './http-error.js';
import type { IngestReply } from './ingest-request.js';
import { readBody } from './read-body.js';
import { projectByKey } from './routes/ingest-guards.js';
import { ingestNative, nativeKeyOf } from './routes/native-ingest.js';
import { ingestSentry } from './routes/sentry-ingest.js';
import type { ServerContext } from './server-context.js';

// A DSN may carry a path (`http://KEY@host/triage/1`, behind a proxy that keeps it): SDKs post under it
// (`/triage/api/1/envelope/`, `/triage/api/v1/events`). A prefix is never the REST API's own path.
const PREFIX = `(?:(?!/api/v1/)/[^?#]*)?`;
const SENTRY_PATH = new RegExp(`^${PREFIX}/api/([^/]+)/(envelope|store)/?$`);
const NATIVE_PATH = new RegExp(`^${PREFIX}/api/v1/events/?$`);
const ENVELOPE_TYPE = 'application/x-sentry-envelope';

// Browser SDKs post across origins: ingest answers their preflight and lets them read the rate-limit headers.
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'retry-after, x-sentry-rate-limits',
};
const PREFLIGHT_HEADERS = {
  ...CORS_HEADERS,
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers':
    'content-type, content-encoding, x-sentry-auth, x-triage-key, authorization, sentry-trace, baggage',
  'access-control-max-age': '86400',
};

/**
 * The node:http listener in front of the Hono app. Ingest (native and Sentry)
 * is the one hot path of the server, so it is served straight from node:http,
 * without Hono's web Request/Response adapters and routing per request.
 * Everything else (the REST API, health) goes on to `fallback`.
 */
export function createIngestListener(context: ServerContext, fallback: RequestListener): RequestListener {
  return (request, response) => {
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const native = NATIVE_PATH.test(path);
    const sentry = native ? null : SENTRY_PATH.exec(path);
    if (!native && !sentry) return fallback(request, response);
    if (request.method === 'OPTIONS') {
      response.writeHead(204, PREFLIGHT_HEADERS).end();
      return;
    }
    if (request.method !== 'POST') {
      request.resume();
      send(response, { status: 405, body: { error: `use POST for ${path}` }, headers: { allow: 'POST' } });
      return;
    }
    const query = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1));
    // Only browsers send Origin; server-side SDKs get no CORS headers to parse.
    const cors = request.headers.origin !== undefined;
    context.ingest.active++;
    const lease = context.bodyMemory.lease();
    const { headers } = request;
    // A key sent beside the body (always, for native ingest) is checked before the body is read: a
    // client without a valid one never has the server read, hold or decompress its body.
    const key = sentry ? sentryKeyOf({ query, headers }) : nativeKeyOf(headers, query);
    // Only an envelope can carry its key inside (its header's DSN): a store body without one is refused
    // unread; an envelope posted to the store endpoint (its content type says so) is an envelope.
    const envelope =
      sentry?.[2] === 'envelope' || headers['content-type']?.toLowerCase().startsWith(ENVELOPE_TYPE) === true;
    const keyed =
      sentry && envelope && key === undefined ? Promise.resolve(undefined) : projectByKey(context, key);
    void keyed
      .then(
        (project) =>
          readBody(request, context.limits.maxBodyBytes, lease, context.limits.bodyIdleMs).then((body) => {
            const ingestRequest = { headers, query, body, take: lease.take };
            return sentry
              ? ingestSentry(
                  context,
                  envelope ? 'envelope' : 'store',
                  projectIdOf(sentry[1]!),
                  ingestRequest,
                  project,
                )
              : ingestNative(context, ingestRequest, project!);
          }),
        (refusal: unknown) => {
          // The body is left unread: let it go by, and end the connection after the answer.
          request.resume();
          if (!HttpError.isInstance(refusal)) throw refusal;
          throw new HttpError(refusal.status, refusal.message, { ...refusal.headers, connection: 'close' });
        },
      )
      .then(
        (reply) => send(response, reply, cors),
        (error: unknown) => send(response, replyToError(context, error), cors),
      )
      .finally(() => {
        lease.release();
        context.ingest.active--;
        context.ingest.lastAt = Date.now();
      });
  };
}

/** A project id as the path gives it: `01` is project 1, as Sentry reads it. */
function projectIdOf(segment: string): string {
  return /^\d{1,15}$/.test(segment) ? String(Number(segment)) : segment;
}

function replyToError(context: ServerContext, error: unknown): IngestReply {
  if (HttpError.isInstance(error)) {
    // Past the size limit the rest of the body is not read: close the connection after answering.
    const headers = error.status === 413 ? { ...error.headers, connection: 'close' } : error.headers;
    return { status: error.status, body: { error: error.message }, headers };
  }
  if (IngestError.isInstance(error)) return { status: error.status, body: { error: error.message } };
  if (isStoreUnavailable(error)) {
    // Nothing of the request was stored: a client that sends it again later loses nothing.
    context.onFailure('ingest: storing events', error);
    return {
      status: 503,
      body: { error: 'the database is unavailable: nothing was stored, send the events again later' },
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
    };
  }
  context.onFailure('http', error);
  return { status: 500, body: { error: 'internal error' } };
}

function send(response: ServerResponse, { status, body, headers }: IngestReply, cors = false): void {
  if (response.headersSent || response.destroyed) return;
  const json = JSON.stringify(body);
  // Object.assign, not spreads: on Node 20 spreading into a literal takes V8's slow path, once per request.
  const head: Record<string, string | number> = {};
  if (cors) Object.assign(head, CORS_HEADERS);
  if (headers) Object.assign(head, headers);
  head['content-type'] = 'application/json';
  head['content-length'] = Buffer.byteLength(json);
  response.writeHead(status, head);
  response.end(json);
}
