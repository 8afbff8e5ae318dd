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
  /** Aborts the request: the transport closed, or the process is exiting with its events kept. */
  signal: AbortSignal;
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
  signal,
}: PostEventsOptions): Promise<Answer> {
  const controller = new AbortController();
  const abort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  // A server that never answers must not keep an exiting process alive: the exit waits flushAtExitMs.
  timer.unref();
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
    // The status decides: a 2xx whose body is cut short (the timeout, a reset) stored the events, and
    // sending them again would be for nothing.
    const { text } = await readTextPrefix(endingOnError(response.body), MAX_ANSWER_BYTES);
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
    signal.removeEventListener('abort', abort);
  }
}

/** `body` ending where reading it fails, rather than failing: what was read so far is kept. */
function endingOnError(body: ReadableStream<Uint8Array> | null): ReadableStream<Uint8Array> | null {
  if (!body) return null;
  const reader = body.getReader();
  return new ReadableStream({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch {
        controller.close();
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
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

/**
 * The events a 2xx says the server refused (`{"ids": […], "errors": [{"index": n, "error": "…"}]}`: the
 * native endpoint stores the others), by their index in the batch, with the reason; empty when none or
 * when the answer cannot be read.
 */
export function refusedOf(text: string, count: number): Map<number, string> {
  const refused = new Map<number, string>();
  try {
    const { errors } = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(errors)) return refused;
    for (const item of errors as Array<{ index?: unknown; error?: unknown }>) {
      const { index, error } = item ?? {};
      if (Number.isInteger(index) && (index as number) >= 0 && (index as number) < count)
        refused.set(index as number, typeof error === 'string' ? error.slice(0, 500) : 'no reason given');
    }
  } catch {
    // not JSON (cut short, or not the native endpoint's answer): nothing said to be refused
  }
  return refused;
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
