import type { IncomingHttpHeaders } from 'node:http';

/** An ingest request, read off the socket, independent of any web framework. */
export interface IngestRequest {
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  /** The body as sent (still compressed when `content-encoding` says so). */
  body: Buffer;
  /** Takes memory for the decompressed body from the server's share for request bodies (503 when full). */
  take: (bytes: number) => void;
}

/** What an ingest handler answers: a status and a JSON body, plus any extra headers. */
export interface IngestReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** One value of a header that may repeat. */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
