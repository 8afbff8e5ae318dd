const marker = Symbol.for('triage.error.invalid-analysis');

/** The model answered, but not with a valid analysis; keeps the raw text for inspection. */
export class InvalidAnalysisError extends Error {
  readonly [marker] = true;
  override readonly name = 'InvalidAnalysisError';

  constructor(
    message: string,
    readonly text: string,
    /** What the answers that failed cost (they were billed all the same); undefined for a model with no price. */
    readonly costUsd?: number,
  ) {
    super(message);
  }

  static isInstance(error: unknown): error is InvalidAnalysisError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
