import { readdirSync, readFileSync } from 'node:fs';

/** One request recorded from the real @sentry/node SDK by capture-envelopes.mjs. */
export interface RecordedRequest {
  name: string;
  sdk: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The body exactly as sent (gzipped when `content-encoding` says so). */
  body: Buffer;
}

const directory = new URL('./sentry-node/', import.meta.url);

/** Every recorded request, by name (`error-with-cause`, `sessions`…). */
export function loadRecordedRequests(): Map<string, RecordedRequest> {
  const requests = new Map<string, RecordedRequest>();
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.request.json'))) {
    const name = file.slice(0, -'.request.json'.length);
    const meta = JSON.parse(readFileSync(new URL(file, directory), 'utf8')) as Omit<
      RecordedRequest,
      'body' | 'name'
    > & {
      body: string;
    };
    requests.set(name, { ...meta, name, body: readFileSync(new URL(meta.body, directory)) });
  }
  return requests;
}
