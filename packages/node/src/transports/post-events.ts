import { promisify } from 'node:util';
import { gzip as gzipCallback, gzipSync } from 'node:zlib';
import { readTextPrefix, type TriageEvent } from '@triage/core';

const gzip = promisify(gzipCallback);
/** Bodies above this are gzipped: batches of log lines compress several-fold. */
const GZIP_ABOVE_BYTES = 1024;

/** What one POST came back with: an HTTP answer, or the error that stopped it. */
export type Answer =
  | { status: number; retryAfter: string | null; location: string | null; text: string }
  | { error: unknown };

/** The server answers a few hundred bytes; only an error's first words are used. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface PostEventsOptions {
  endpoint: string;
  publicKey: string;
  /** Events already serialised, in order. */
  events: string[];
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
  /** Aborts the request when the transport closes. */
  closing: AbortSignal;
}

/**
 * POSTs `{"events": [...]}` to a Triage server (gzipped above 1 KB) and reads the start of the answer.
 * A redirect is answered as it is, not followed: fetch would turn a 301 into a GET that loses the
 * events, and would carry the project key to wherever the redirect points.
 */
export async function postEvents({
  endpoint,
  publicKey,
  events,
  timeoutMs,
  fetch,
  closing,
}: PostEventsOptions): Promise<Answer> {
  const controller = new AbortController();
  const abort = () => controller.abort(closing.reason);
  closing.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    const json = eventsJson(events);
    const compress = json.length > GZIP_ABOVE_BYTES;
    const headers = eventsHeaders(publicKey, compress);
    const body = compress ? await gzip(json) : json;
    const response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body,
      signal: controller.signal,
      redirect: 'manual',
    });
    // Reading the answer, or cancelling it past the limit, frees the connection for the next batch.
    const { text } = await readTextPrefix(response.body, MAX_ANSWER_BYTES);
    const { headers: answer } = response;
    return {
      status: response.status,
      retryAfter: answer.get('retry-after'),
      location: answer.get('location'),
      text,
    };
  } catch (error) {
    return { error: controller.signal.aborted ? (controller.signal.reason ?? error) : error };
  } finally {
    clearTimeout(timer);
    closing.removeEventListener('abort', abort);
  }
}

/** The request of `events` built at once, for a thread that cannot wait for an asynchronous gzip. */
export function eventsRequestSync(
  publicKey: string,
  events: string[],
): { headers: Record<string, string>; body: Buffer } {
  const json = eventsJson(events);
  const compress = json.length > GZIP_ABOVE_BYTES;
  return { headers: eventsHeaders(publicKey, compress), body: compress ? gzipSync(json) : json };
}

const eventsJson = (events: string[]) => Buffer.from(`{"events":[${events.join(',')}]}`);

const eventsHeaders = (publicKey: string, gzipped: boolean): Record<string, string> => ({
  'content-type': 'application/json',
  'x-triage-key': publicKey,
  ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
});

/** One event as JSON; a log line's `fields` that cannot be serialised (cycles, BigInt) is left out. */
export function serializeEvent(event: TriageEvent): string {
  try {
    return JSON.stringify(event);
  } catch {
    return JSON.stringify({ ...event, log: event.log.map(({ fields: _fields, ...entry }) => entry) });
  }
}

/** The server's `{"error": "…"}`, or the start of whatever else it answered. */
export function errorOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed?.error === 'string') return parsed.error.slice(0, 500);
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 200) || 'no reason given';
}
