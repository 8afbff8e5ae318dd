const marker = Symbol.for('triage.error.status-conflict');

/** A status change made for an issue in one status found it in another (an event changed it meanwhile). */
export class StatusConflictError extends Error {
  readonly [marker] = true;
  override readonly name = 'StatusConflictError';

  static isInstance(error: unknown): error is StatusConflictError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
