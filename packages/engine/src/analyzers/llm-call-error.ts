const marker = Symbol.for('triage.error.llm-call');

/**
 * An LLM call that failed (the provider refused it, the connection broke, the time ran out), with its
 * message scrubbed of the configured secrets (see scrubSecrets): the provider's own error is not kept,
 * since its text, URL and request may hold the key.
 */
export class LlmCallError extends Error {
  readonly [marker] = true;
  override readonly name = 'LlmCallError';

  constructor(
    message: string,
    /**
     * What the analysis's calls cost before it failed (a paid answer that failed validation, then a
     * repair call that failed); undefined when that is not known.
     */
    readonly costUsd?: number,
  ) {
    super(message);
  }

  static isInstance(error: unknown): error is LlmCallError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
