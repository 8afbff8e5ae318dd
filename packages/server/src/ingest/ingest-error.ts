const marker = Symbol.for('triage.error.ingest');

/** The HTTP statuses an ingest request can be refused with. */
export type IngestStatus = 400 | 401 | 403 | 404 | 413 | 415;

/**
 * A refused ingest request: `status` is the HTTP status to answer with and `message` the
 * reason shown to the client (it never echoes secrets from the request).
 */
export class IngestError extends Error {
  readonly [marker] = true;
  override readonly name = 'IngestError';
  readonly status: IngestStatus;

  constructor(status: IngestStatus, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }

  /** Works across duplicated package copies, where `instanceof` does not. */
  static isInstance(error: unknown): error is IngestError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
