import { renderValue, toLevel } from '@triage/core';
import type { LineSink, Scope, WrittenLine } from './scope.js';
import { errorFromWritten } from './written-error.js';
import { parseJsonObject, withFields } from './written-line.js';

/** What this bridge uses of a winston (3) logger. */
export interface WinstonLogger {
  write(info: unknown, ...rest: unknown[]): unknown;
  format: WinstonFormat;
  isLevelEnabled?(level: string): boolean;
  silent?: boolean;
}

interface WinstonFormat {
  transform(info: unknown, options?: unknown): unknown;
  options?: unknown;
}

/** winston's own keys (triple-beam): the level as logged, the values of `%s`, the finished line. */
const LEVEL = Symbol.for('level');
const SPLAT = Symbol.for('splat');
const MESSAGE = Symbol.for('message');

/** Keys of every line that say nothing about the failure (the error's stack goes to the diagnosis). */
const LINE_KEYS = new Set(['level', 'message', 'stack', 'timestamp']);

/** Lines logged in a scope and not yet formatted, at most: winston formats them in order, soon. */
const MAX_WAITING_LINES = 10_000;

/** The bridge on one logger: whose lines it records, and each waiting line's scope. */
interface Capture {
  sink: () => LineSink;
  scopes: Map<object, Scope>;
  format: WinstonFormat;
}

const CAPTURE = Symbol('triage.winston');

/**
 * Copies each line a winston logger writes inside a scope into it, as the logger's format left it
 * (after its redacting and other formats), then lets winston go on. A line is taken to the scope that
 * was current when the application logged it, even when winston formats it later (a logger whose
 * transports are behind formats queued lines, out of the call's async context): the logger's `write`
 * notes the line's scope, and the end of the logger's format records it there. Lines outside any
 * scope, at a level no transport writes, or filtered out by a format, are winston's alone. A
 * transport's own format is not seen. Captured again (after `logger.configure`, or by another client),
 * the logger is taken over, not wrapped twice. A child logger's lines are its root's: the root is
 * captured.
 */
export function captureWinston<T extends WinstonLogger>(logger: T, sink: () => LineSink): T {
  try {
    const root = rootOf(logger);
    const existing = (root as unknown as Record<symbol, Capture | undefined>)[CAPTURE];
    if (existing) {
      existing.sink = sink;
      if (root.format !== existing.format) root.format = wrapFormat(root.format, existing);
      return logger;
    }
    const capture: Capture = { sink, scopes: new Map(), format: root.format };
    Object.defineProperty(root, CAPTURE, { value: capture });
    const write = root.write;
    root.write = function (this: WinstonLogger, info: unknown, ...rest: unknown[]) {
      note(this, info, capture);
      return write.call(this, info, ...rest);
    };
    root.format = wrapFormat(root.format, capture);
  } catch (error) {
    report(sink, error);
  }
  return logger;
}

/** The logger whose `write` a child's calls: a child's own is read-only, and passes its lines there. */
function rootOf(logger: WinstonLogger): WinstonLogger {
  let root = logger;
  // A child of a child… is a few steps from its root; an odd object (a Proxy) may never end.
  for (let steps = 0; Object.getOwnPropertyDescriptor(root, 'write')?.writable === false; steps++) {
    if (steps === 16) throw new TypeError('captureWinston found no root logger behind this one');
    root = Object.getPrototypeOf(root);
  }
  if (typeof root?.write !== 'function' || typeof root.format?.transform !== 'function')
    throw new TypeError('captureWinston needs a logger from winston.createLogger() (or one of its children)');
  return root;
}

function note(logger: WinstonLogger, info: unknown, capture: Capture): void {
  try {
    const scope = capture.sink().current();
    if (!scope || typeof info !== 'object' || info === null) return;
    // Lines winston will not format (a silent, ended or destroyed logger, or one whose format was
    // replaced since: nothing takes the line out again) or no transport will write: not noted.
    const state = (logger as { _writableState?: { ending?: boolean; destroyed?: boolean } })._writableState;
    if (logger.silent || state?.ending || state?.destroyed || logger.format !== capture.format) return;
    const level = (info as Record<string | symbol, unknown>)[LEVEL] ?? (info as { level?: unknown }).level;
    if (typeof level === 'string' && logger.isLevelEnabled && !logger.isLevelEnabled(level)) return;
    if (capture.scopes.size >= MAX_WAITING_LINES) {
      for (const [waiting, of] of capture.scopes) if (of.ended) capture.scopes.delete(waiting);
      if (capture.scopes.size >= MAX_WAITING_LINES) return;
    }
    capture.scopes.set(info, scope);
  } catch (error) {
    report(capture.sink, error);
  }
}

function wrapFormat(format: WinstonFormat, capture: Capture): WinstonFormat {
  const wrapped: WinstonFormat = {
    options: format.options,
    transform(info: unknown, options?: unknown) {
      const scope =
        capture.scopes.size > 0 && typeof info === 'object' && info !== null
          ? capture.scopes.get(info)
          : undefined;
      if (scope) capture.scopes.delete(info as object);
      const formatted = format.transform(info, options);
      try {
        if (scope) record(scope, info as object, formatted);
      } catch (error) {
        report(capture.sink, error);
      }
      return formatted;
    },
  };
  capture.format = wrapped;
  return wrapped;
}

function record(scope: Scope, info: object, formatted: unknown): void {
  if (typeof formatted !== 'object' || formatted === null) return;
  const line = formatted as Record<string | symbol, unknown>;
  // winston's levels by name (npm's, syslog's); an application's own unknown to Triage as debug.
  const level = toLevel(line[LEVEL] ?? line.level, 'debug');
  const finished = finishedJson(line);
  // The finished JSON line is kept as it is, parsed only if the scope is analysed; else a shallow copy
  // of the object (transports' own formats change it after this), made JSON only if analysed.
  const entry = new WinstonLine(finished ?? snapshot(line));
  const original = level === 'error' ? liveError(info, line) : undefined;
  if (original === undefined) {
    scope.written(level, entry);
    return;
  }
  // The error as the line has it: a stack (`format.errors({ stack: true })`, or an error passed as
  // metadata), or nothing; the error object itself is never read.
  const written = (finished === undefined ? undefined : parseJsonObject(finished)) ?? snapshot(line);
  if (typeof written?.stack !== 'string') scope.written(level, entry);
  else scope.written(level, entry, { original, reported: errorFromWritten(written) });
}

/**
 * The JSON line the logger's format finished (`json()`, `logstash()`, a `printf` of JSON), if it made
 * one: a `MESSAGE` of its own (a format such as `errors()` that leaves it as the message made none).
 */
function finishedJson(line: Record<string | symbol, unknown>): string | undefined {
  const finished = line[MESSAGE];
  return typeof finished === 'string' && finished !== line.message && finished.startsWith('{')
    ? finished
    : undefined;
}

/** The line's own enumerable values (an error's message and stack are not), as they are now. */
function snapshot(line: Record<string | symbol, unknown>): Record<string, unknown> {
  const written: Record<string, unknown> = {};
  for (const key of Object.keys(line)) written[key] = line[key];
  return written;
}

/** A value as JSON would write it (an error: its own enumerable values only); a cycle: left out. */
function asJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  try {
    return JSON.parse(JSON.stringify(value) ?? 'null');
  } catch {
    return '[not serializable]';
  }
}

/** The error the application passed: the line itself (`logger.error(err)`), one of its `%s` values, or a field. */
function liveError(info: object, line: Record<string | symbol, unknown>): Error | undefined {
  if (info instanceof Error) return info;
  const splat = line[SPLAT];
  if (Array.isArray(splat)) {
    const error = splat.find((value) => value instanceof Error);
    if (error) return error as Error;
  }
  for (const key of Object.keys(line)) if (line[key] instanceof Error) return line[key] as Error;
  return undefined;
}

function report(sink: () => LineSink, error: unknown): void {
  try {
    sink().onFailure(error);
  } catch {
    // Reporting failed too: the application's line is still written.
  }
}

/**
 * One winston line, as the finished JSON line or a copy of its values: rendered (its message, then its
 * fields as JSON would write them) only if the scope is analysed.
 */
class WinstonLine implements WrittenLine {
  readonly #written: string | Record<string, unknown>;

  constructor(written: string | Record<string, unknown>) {
    this.#written = written;
  }

  render(): { message: string; fields?: Record<string, unknown> } {
    const written = typeof this.#written === 'string' ? parseJsonObject(this.#written) : this.#written;
    if (!written) return { message: String(this.#written) };
    const fields: Record<string, unknown> = {};
    for (const key of Object.keys(written)) if (!LINE_KEYS.has(key)) fields[key] = asJson(written[key]);
    return withFields(written.message === undefined ? '' : renderValue(written.message), fields);
  }
}
