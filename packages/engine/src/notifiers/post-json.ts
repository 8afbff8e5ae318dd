import { parseRetryAfter, readTextPrefix } from '@triage/core';
import { DeliveryError } from '../errors/delivery-error.js';

export interface PostJsonOptions {
  /** Names the service in error messages, e.g. `Slack`. */
  service: string;
  url: string;
  /** A value to serialise, or a string sent byte for byte (for bodies that are signed). */
  body: unknown;
  headers?: Record<string, string>;
  /** Milliseconds before the request is aborted (and counted as retryable). */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  /** Pulls the service's own error message out of an error response body. */
  describeError?: (bodyText: string) => string | undefined;
}

export interface PostJsonResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** Error bodies can be whole HTML pages: keep messages readable. */
const MAX_ERROR_DETAIL = 500;
/**
 * How much of an answer is read. Only an error's first words are used, and an endpoint that answers
 * with an endless body (a webhook URL that points at a file, say) grew the server by gigabytes a
 * minute, again at every retry.
 */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs JSON and resolves with the answer when the status is 2xx. Otherwise
 * rejects with a {@link DeliveryError}: retryable for network errors, timeouts,
 * 408, 429 and 5xx (with the server's `Retry-After`), not retryable for any
 * other status, since repeating a request the service refused cannot help.
 */
export async function postJson({
  service,
  url,
  body,
  headers,
  timeoutMs = 10_000,
  fetch = globalThis.fetch,
  describeError,
}: PostJsonOptions): Promise<PostJsonResponse> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    ({ text } = await readTextPrefix(response.body, MAX_ANSWER_BYTES));
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : describeNetworkError(error);
    throw new DeliveryError(`${service} request failed: ${reason}`, { isRetryable: true, cause: error });
  }
  if (response.ok) return { status: response.status, headers: response.headers, text };

  const { status } = response;
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    throw new DeliveryError(
      `${service} answered ${status}, a redirect${location ? ` to ${location.slice(0, MAX_ERROR_DETAIL)}` : ''}: redirects are not followed, set the URL to the address it points to`,
      { isRetryable: false, status },
    );
  }
  const isRetryable = status === 408 || status === 429 || status >= 500;
  let detail: string | undefined;
  try {
    detail = describeError?.(text);
  } catch {
    // A body that is not what the service documents still gets reported, raw.
  }
  detail = (detail || text.trim() || response.statusText).slice(0, MAX_ERROR_DETAIL);
  throw new DeliveryError(`${service} answered ${status}: ${detail}`, {
    isRetryable,
    status,
    retryAfterMs: isRetryable ? parseRetryAfter(response.headers.get('retry-after')) : undefined,
  });
}

// Undici reports "fetch failed" and puts the useful part (ECONNREFUSED …) in `cause`.
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const code = cause && 'code' in cause ? String(cause.code) : undefined;
  return [error.message, code ?? cause?.message].filter(Boolean).join(': ');
}
