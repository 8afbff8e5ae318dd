/** One request the SDK made, as the local server received it. */
export interface RecordedEnvelope {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** Runs sentry-app.mjs with the real @sentry/node SDK against a local server; resolves with its requests. */
export function recordEnvelopes(options?: { timeoutMs?: number }): Promise<RecordedEnvelope[]>;
