const marker = Symbol.for('triage.error.http');

/** What a 503 asks the client to wait: long enough for a database restart or failover to finish. */
export const RETRY_AFTER_SECONDS = 5;

/** Thrown by route handlers; the app's single error handler turns it into `{ "error": message }`. */
export class HttpError extends Error {
  readonly [marker] = true;
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  static isInstance(error: unknown): error is HttpError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
