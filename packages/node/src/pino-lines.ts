import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { formatLog, renderValue } from '@triage/core';
import type { Scope, WrittenLine } from './scope.js';

/** pino's numeric levels: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
export const levelOfPino = (level: unknown) =>
  typeof level !== 'number'
    ? 'info'
    : level >= 50
      ? 'error'
      : level >= 40
        ? 'warn'
        : level >= 30
          ? 'info'
          : 'debug';

/** What pino (≥ 9.10) publishes on `tracing:pino_asJson:end`: `asJson(obj, msg, num, time)` and its line. */
interface AsJsonContext {
  arguments?: ArrayLike<unknown>;
  result?: unknown;
}

/** The end of pino's `pino_asJson` tracing channel: a line was made, about to be written. */
const LINE_WRITTEN = 'tracing:pino_asJson:end';

/** Keys of pino's own in every line: the level, time and base. They say nothing about the failure. */
const PINO_KEYS = new Set(['level', 'time', 'pid', 'hostname']);

/**
 * Copies each line pino writes inside a scope into it, as pino wrote it: after the logger's
 * serializers, `redact` paths, child bindings and formatters. The line is taken from pino's tracing
 * channel `pino_asJson` (pino ≥ 9.10), so no logger needs configuring, Fastify's own included.
 * Recording keeps the written line as it is; it is parsed only if the scope is analysed. A line
 * written outside any scope is pino's alone.
 */
export class PinoLines {
  readonly #current: () => Scope | undefined;
  readonly #onFailure: (error: unknown) => void;
  readonly #ended = (context: unknown) => this.#record(context as AsJsonContext);
  /** Set by `pinoHooks` around a call it may record itself: the channel marks it as taken. */
  #expected: { taken: boolean } | undefined;

  constructor(current: () => Scope | undefined, onFailure: (error: unknown) => void) {
    this.#current = current;
    this.#onFailure = onFailure;
    subscribe(LINE_WRITTEN, this.#ended);
  }

  close(): void {
    unsubscribe(LINE_WRITTEN, this.#ended);
  }

  /**
   * Runs `write` (a pino log call) and tells whether this channel recorded its line. False when the
   * logger's pino is older than 9.10 (it publishes nothing) or the level is off.
   */
  recorded(write: () => void): boolean {
    const outer = this.#expected;
    const expected = { taken: false };
    this.#expected = expected;
    try {
      write();
    } finally {
      this.#expected = outer;
    }
    return expected.taken;
  }

  #record(context: AsJsonContext): void {
    // Node reports a subscriber's exception as uncaught: nothing may escape from here.
    try {
      if (this.#expected) this.#expected.taken = true;
      const scope = this.#current();
      const line = context.result;
      if (!scope || typeof line !== 'string' || !context.arguments) return;
      // Indexed, not spread or `Array.from`: copying pino's `arguments` object cost more than the rest.
      const args = context.arguments;
      const merged = args[0];
      const message = args[1];
      const level = args[2];
      const error = errorIn(merged);
      const levelName = levelOfPino(level);
      scope.written(
        levelName,
        new PinoLine(line, typeof message === 'string' ? message : undefined, error),
        levelName === 'error' ? error?.error : undefined,
      );
    } catch (failure) {
      this.#onFailure(failure);
    }
  }
}

/** pino puts an error under its `errorKey` (`err` by default) of the merging object. */
function errorIn(merged: unknown): { key: string; error: Error } | undefined {
  if (typeof merged !== 'object' || merged === null) return undefined;
  const { err } = merged as { err?: unknown };
  if (err instanceof Error) return { key: 'err', error: err };
  for (const key of Object.keys(merged)) {
    const value = (merged as Record<string, unknown>)[key];
    if (value instanceof Error) return { key, error: value };
  }
  return undefined;
}

/**
 * One line as pino wrote it. Rendered, its message is pino's (already formatted with its values),
 * then the error's name and message, then the line's own fields: the merging object's (as the
 * serializers and `redact` left them) and the child's bindings, without pino's level, time and base.
 */
class PinoLine implements WrittenLine {
  readonly #line: string;
  readonly #message: string | undefined;
  readonly #error: { key: string; error: Error } | undefined;

  constructor(line: string, message: string | undefined, error: { key: string; error: Error } | undefined) {
    this.#line = line;
    this.#message = message;
    this.#error = error;
  }

  render(): { message: string; fields?: Record<string, unknown> } {
    const text = this.#text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.#line);
    } catch {
      // Not JSON (a `stringify` of the application's own): the line as it was written.
      return { message: this.#line.trimEnd() };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { message: text };
    const fields: Record<string, unknown> = {};
    let kept = 0;
    let messageSeen = false;
    for (const [key, value] of Object.entries(parsed)) {
      if (PINO_KEYS.has(key) || key === this.#error?.key) continue;
      // The message's key (`messageKey`, `msg` by default) holds the message already rendered.
      if (!messageSeen && value === this.#message) {
        messageSeen = true;
        continue;
      }
      fields[key] = value;
      kept++;
    }
    if (kept === 0) return { message: text };
    const rendered = formatLog('%j', [fields]);
    return { message: text === '' ? rendered : `${text} ${rendered}`, fields };
  }

  #text(): string {
    const message = this.#message ?? '';
    if (!this.#error) return message;
    const { error } = this.#error;
    const errorText = renderValue(error);
    // Without a message of its own, pino's line says the error's message: said once here.
    if (message === '' || message === safeMessage(error)) return errorText;
    return `${message} ${errorText}`;
  }
}

function safeMessage(error: Error): string | undefined {
  try {
    return error.message;
  } catch {
    return undefined;
  }
}
