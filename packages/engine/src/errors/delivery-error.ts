const marker = Symbol.for('triage.error.delivery');

/**
 * A notifier could not deliver. `isRetryable` says whether trying again can
 * help (network errors, 429, 5xx) or not (400, 401, 403, 404: the request or
 * the configuration is wrong); `retryAfterMs` carries the server's Retry-After.
 */
export class DeliveryError extends Error {
  readonly [marker] = true;
  override readonly name = 'DeliveryError';
  readonly isRetryable: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;

  constructor(
    message: string,
    {
      isRetryable,
      retryAfterMs,
      status,
      cause,
    }: { isRetryable: boolean; retryAfterMs?: number; status?: number; cause?: unknown },
  ) {
    super(message, { cause });
    this.isRetryable = isRetryable;
    this.retryAfterMs = retryAfterMs;
    this.status = status;
  }

  static isInstance(error: unknown): error is DeliveryError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
