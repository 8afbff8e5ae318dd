import { formatLog, toLevel } from '@triage/core';
import type { PinoLines } from './pino-lines.js';
import type { LineSink, Scope } from './scope.js';

/** pino's `hooks` option (pino ≥ 7), as far as this bridge fills it. */
export interface PinoHooks {
  logMethod(this: unknown, args: unknown[], method: (...args: unknown[]) => unknown, level: number): unknown;
}

/**
 * pino hooks that copy each line a logger writes into the current scope (`current()`), as the scope's
 * own `info`/`error`… would record it, and then let pino write it as it would have: the bridge for
 * pino 7 to 9.9, which publish no line on pino's tracing channel. Where `lines` (the channel) recorded
 * the line, it is not recorded again. pino's call forms: `(message, ...values)`, `(object, message?,
 * ...values)` (the object's plain values kept as the line's fields when the message has no verbs, else
 * appended; objects of a class, a request or a response, left out), and an `Error` first or under `err`
 * (captured, with its stack, on error and fatal lines). pino's own serializers and `redact` paths do not
 * apply here; Triage's redaction does, before anything leaves the process. Lines outside any scope, and
 * levels pino has off, are not seen. Whatever happens here, pino's own line is written.
 */
export function pinoHooksFor(sink: LineSink, lines?: PinoLines): PinoHooks {
  return {
    logMethod(args, method, level) {
      let scope: Scope | undefined;
      try {
        scope = sink.current();
      } catch (error) {
        sink.onFailure(error);
      }
      if (!scope) return method.apply(this, args);
      let result: unknown;
      const write = () => {
        result = method.apply(this, args);
      };
      if (lines?.recorded(write)) return result;
      if (!lines) write();
      try {
        record(scope, toLevel(level), args);
      } catch (error) {
        sink.onFailure(error);
      }
      return result;
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
  const fields = first instanceof Error ? undefined : plainFields(first);
  if (error instanceof Error) {
    // Formatted here, not later: the error is not one of the message's values. Errors are rare.
    const line = [
      text === undefined ? undefined : formatLog(text, values),
      fields ? formatLog('%j', [fields]) : undefined,
    ]
      .filter((part) => part !== undefined)
      .join(' ');
    if (level === 'error') scope.capture(error, line === '' ? undefined : line);
    else scope[level](line === '' ? '%s' : `${line.replaceAll('%', '%%')} %s`, error);
    return;
  }
  if (!fields) scope[level](text ?? '', ...values);
  else if (text === undefined) scope[level](fields);
  else scope[level](text, ...values, fields);
}

/**
 * The merging object's own data: its values that are plain (primitives, plain objects and arrays).
 * Objects of a class (a request, a response, a socket: what Fastify's and pino-http's lines pass) are
 * left out. They are pino's serializers' to render, and, recorded whole, they carried every header,
 * cookies included, into the event. Undefined when nothing is left.
 */
function plainFields(object: object): Record<string, unknown> | undefined {
  const fields: Record<string, unknown> = {};
  let kept = 0;
  for (const [key, value] of Object.entries(object)) {
    if (key === 'err' || !isPlain(value, 0)) continue;
    fields[key] = value;
    kept++;
  }
  return kept > 0 ? fields : undefined;
}

function isPlain(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object')
    return typeof value !== 'function' && typeof value !== 'symbol';
  if (depth >= 4) return false;
  const prototype = Object.getPrototypeOf(value);
  if (Array.isArray(value)) return value.every((item) => isPlain(item, depth + 1));
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value).every((inner) => isPlain(inner, depth + 1));
}
