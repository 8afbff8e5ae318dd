import type { Level } from '@triage/core';
import { formatLog, renderValue } from '@triage/core';
import type { Scope, WrittenLine } from './scope.js';

/** The client a bridge records for: its current scope, and where its failures go. */
export interface LineSink {
  current(): Scope | undefined;
  onFailure(error: unknown): void;
}

/** What this bridge uses of a winston (3) logger: its `write` and its `format`. */
export interface WinstonLogger {
  write(info: unknown, ...rest: unknown[]): unknown;
  format: WinstonFormat;
}

interface WinstonFormat {
  transform(info: unknown, options?: unknown): unknown;
  options?: unknown;
}

/** winston's own keys (triple-beam): the level as logged (before `colorize`) and the values of `%s`. */
const LEVEL = Symbol.for('level');
const SPLAT = Symbol.for('splat');

/** Lines logged in a scope and not yet formatted, at most: winston formats them in order, soon. */
const MAX_WAITING_LINES = 10_000;

/** Keys of every line that say nothing about the failure (the error's stack goes to the diagnosis). */
const LINE_KEYS = new Set(['level', 'message', 'stack', 'timestamp']);

/**
 * Copies each line a winston logger writes inside a scope into it, as the logger's format left it
 * (after its redacting and other formats), then lets winston go on. A line is taken to the scope that
 * was current when the application logged it, even when winston formats it later (a logger whose
 * transports are behind formats queued lines, out of the call's async context): the logger's `write`
 * marks the line with it, and the end of the logger's format records it. Lines outside any scope,
 * and lines a format filtered out, are winston's alone. A transport's own format is not seen.
 */
export function captureWinston<T extends WinstonLogger>(logger: T, sink: () => LineSink): T {
  // Each line's scope, beside the line rather than on it (a property added to winston's object and
  // deleted later made every later read of it slow), until the format takes it. A Map, not a WeakMap:
  // a WeakMap's short-lived keys cost the garbage collector more than the rest of the copy. A line
  // winston never formats (a silent logger, a stream already ended) would stay: the map is bounded.
  const scopes = new Map<object, Scope>();
  const write = logger.write;
  logger.write = function (this: unknown, info: unknown, ...rest: unknown[]) {
    try {
      const scope = sink().current();
      if (scope && typeof info === 'object' && info !== null) {
        if (scopes.size >= MAX_WAITING_LINES) scopes.clear();
        scopes.set(info, scope);
      }
    } catch (error) {
      report(sink, error);
    }
    return write.call(this, info, ...rest);
  };
  const format = logger.format;
  logger.format = {
    options: format.options,
    transform(info: unknown, options?: unknown) {
      const scope =
        scopes.size > 0 && typeof info === 'object' && info !== null ? scopes.get(info) : undefined;
      if (scope) scopes.delete(info as object);
      const formatted = format.transform(info, options);
      try {
        if (scope) record(scope, info as object, formatted);
      } catch (error) {
        report(sink, error);
      }
      return formatted;
    },
  };
  return logger;
}

function record(scope: Scope, info: object, formatted: unknown): void {
  if (typeof formatted !== 'object' || formatted === null) return;
  const line = formatted as Record<string | symbol, unknown>;
  const level = levelOfWinston(line[LEVEL] ?? line.level);
  const stack = typeof line.stack === 'string' ? line.stack : undefined;
  const fields: Record<string, unknown> = {};
  let kept = 0;
  // A snapshot: transports' own formats change the same object after this.
  for (const key of Object.keys(line)) {
    if (LINE_KEYS.has(key)) continue;
    fields[key] = line[key];
    kept++;
  }
  const written = new WinstonLine(line.message, kept > 0 ? fields : undefined);
  const original = level === 'error' ? liveError(info, line) : undefined;
  if (original === undefined) scope.written(level, written);
  else scope.written(level, written, { original, reported: errorFrom(line.message, stack) });
}

/** winston's levels (npm's, syslog's, or an application's own) as Triage's, by their names. */
export function levelOfWinston(level: unknown): Level {
  const name = String(level).toLowerCase();
  if (/^(error|err|emerg|alert|crit|fatal)/.test(name)) return 'error';
  if (name.startsWith('warn')) return 'warn';
  if (/^(info|notice|http)/.test(name)) return 'info';
  return 'debug';
}

/** The error the application passed: the line itself (`logger.error(err)`), one of its `%s` values, or a field. */
function liveError(info: unknown, line: Record<string | symbol, unknown>): Error | undefined {
  if (info instanceof Error) return info;
  const splat = line[SPLAT];
  if (Array.isArray(splat)) {
    const error = splat.find((value) => value instanceof Error);
    if (error) return error as Error;
  }
  for (const key of Object.keys(line)) if (line[key] instanceof Error) return line[key] as Error;
  return undefined;
}

/** The error as the line has it (its message, and the stack `format.errors({ stack: true })` adds). */
function errorFrom(message: unknown, stack: string | undefined): Error {
  const error = new Error(typeof message === 'string' ? message : renderValue(message));
  const named = stack?.match(/^([A-Za-z_$][\w$]*):/);
  error.name = named?.[1] ?? 'Error';
  error.stack = stack;
  return error;
}

function report(sink: () => LineSink, error: unknown): void {
  try {
    sink().onFailure(error);
  } catch {
    // Reporting failed too: the application's line is still written.
  }
}

/** One winston line: its message, then its fields as JSON, rendered only if the scope is analysed. */
class WinstonLine implements WrittenLine {
  readonly #message: unknown;
  readonly #fields: Record<string, unknown> | undefined;

  constructor(message: unknown, fields: Record<string, unknown> | undefined) {
    this.#message = message;
    this.#fields = fields;
  }

  render(): { message: string; fields?: Record<string, unknown> } {
    const text = this.#message === undefined ? '' : renderValue(this.#message);
    if (!this.#fields) return { message: text };
    const rendered = formatLog('%j', [this.#fields]);
    return { message: text === '' ? rendered : `${text} ${rendered}`, fields: this.#fields };
  }
}
