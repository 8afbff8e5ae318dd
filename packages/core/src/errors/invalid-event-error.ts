const marker = Symbol.for('triage.error.invalid-event');

/** Input that cannot become an event (not text, not an object, no usable content). */
export class InvalidEventError extends Error {
  readonly [marker] = true;
  override readonly name = 'InvalidEventError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** Works across duplicated package copies, where `instanceof` does not. */
  static isInstance(error: unknown): error is InvalidEventError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
