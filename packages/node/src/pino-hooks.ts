import type { Scope } from './scope.js';

/** pino's `hooks` option (pino ≥ 7), as far as this bridge fills it. */
export interface PinoHooks {
  logMethod(this: unknown, args: unknown[], method: (...args: unknown[]) => unknown, level: number): unknown;
}

/** pino's numeric levels: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
const levelOf = (level: number) =>
  level >= 50 ? 'error' : level >= 40 ? 'warn' : level >= 30 ? 'info' : 'debug';

/**
 * pino hooks that copy each line a logger writes into the current scope (`current()`), as the scope's
 * own `info`/`error`… would record it, and then let pino write it as it would have. pino's call forms:
 * `(message, ...values)`, `(object, message?, ...values)` (the object kept as the line's fields when the
 * message has no verbs, else appended), and an `Error` first or under `err` (captured, with its stack,
 * on error and fatal lines). Lines outside any scope, and levels pino has off, are not seen. Whatever
 * happens here, pino's own line is written.
 */
export function pinoHooksFor(
  current: () => Scope | undefined,
  onFailure: (error: unknown) => void,
): PinoHooks {
  return {
    logMethod(args, method, level) {
      try {
        const scope = current();
        if (scope) record(scope, levelOf(level), args);
      } catch (error) {
        onFailure(error);
      }
      return method.apply(this, args);
    },
  };
}

function record(scope: Scope, level: 'debug' | 'info' | 'warn' | 'error', args: unknown[]): void {
  const [first, ...rest] = args;
  if (typeof first === 'string' || first === null || typeof first !== 'object') {
    scope[level](first, ...rest);
    return;
  }
  const [message, ...values] = rest;
  const text = typeof message === 'string' ? message : undefined;
  // pino's error forms: the error itself, or a merging object holding it under `err`.
  const error = first instanceof Error ? first : (first as { err?: unknown }).err;
  if (error instanceof Error) {
    if (level === 'error') scope.capture(error, text);
    else scope[level](text ?? '%s', ...values, error);
    return;
  }
  if (text === undefined) scope[level](first);
  else scope[level](text, ...values, first);
}
