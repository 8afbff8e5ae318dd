const marker = Symbol.for('triage.error.config');

/** Bad configuration, found at start-up: names the option and its environment variable. */
export class ConfigError extends Error {
  readonly [marker] = true;
  override readonly name = 'ConfigError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  static isInstance(error: unknown): error is ConfigError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
