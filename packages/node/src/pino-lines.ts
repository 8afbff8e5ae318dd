import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { renderValue, toLevel } from '@triage/core';
import type { LineSink, WrittenLine } from './scope.js';
import { errorFromWritten } from './written-error.js';
import { isRecord, parseJsonObject, withFields } from './written-line.js';

/** What pino (≥ 9.10) publishes on `tracing:pino_asJson:end`: `asJson(obj, msg, num, time)` and its line. */
interface AsJsonContext {
  instance?: unknown;
  arguments?: ArrayLike<unknown>;
  result?: unknown;
}

/** The end of pino's `pino_asJson` tracing channel: a line was made, about to be written. */
const LINE_WRITTEN = 'tracing:pino_asJson:end';

/** Keys of pino's own in every line (under their default names): the level, time and base. */
const PINO_KEYS = new Set(['level', 'time', 'pid', 'hostname']);

/** A longer line is kept cut, as text: a scope holds up to 60 lines until it is analysed. */
const MAX_LINE_CHARS = 16 * 1024;

/**
 * Copies each line pino writes inside a scope into it, as pino wrote it: after the logger's
 * serializers, `redact` paths, child bindings, formatters and `streamWrite` hook. The line is taken
 * from pino's tracing channel `pino_asJson` (pino ≥ 9.10), so no logger needs configuring, Fastify's
 * own included. The message, the fields and the error all come from the written line, never from the
 * call's arguments, which hold what the logger's configuration hides. A line is kept as written and
 * parsed only if the scope is analysed (an error line's error at once: it is captured). A line
 * written outside any scope is pino's alone.
 */
export class PinoLines {
  readonly #sink: LineSink;
  readonly #ended = (context: unknown) => this.#record(context as AsJsonContext);
  /** Set by `pinoHooks` around a call it may record itself: the channel marks it as taken. */
  #expected: { taken: boolean } | undefined;

  constructor(sink: LineSink) {
    this.#sink = sink;
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
      const scope = this.#sink.current();
      const result = context.result;
      if (!scope || typeof result !== 'string' || !context.arguments) return;
      // Indexed, not spread or `Array.from`: copying pino's `arguments` object cost more than the rest.
      const args = context.arguments;
      const level = toLevel(args[2]);
      const settings = settingsOf(context.instance);
      // Through the logger's `streamWrite` hook (once, here), as pino passes the line on; then cut.
      const written = settings.streamWrite ? settings.streamWrite(result) : result;
      const line = new PinoLine(written, settings);
      // The live error only says which error this is (one error reported twice is captured once); what
      // is diagnosed is the error as the line wrote it. Only pino's error key holds a serialized error.
      const original = level === 'error' ? liveError(args[0], settings) : undefined;
      const parsed = original === undefined ? undefined : parseJsonObject(written);
      // A line that is no JSON object says nothing readable of the error: a framework's capture stands.
      if (original === undefined || parsed === undefined) scope.written(level, line);
      else scope.written(level, line, { original, reported: reportedError(parsed, settings) });
    } catch (failure) {
      try {
        this.#sink.onFailure(failure);
      } catch {
        // Reporting the failure failed too: nothing more can be done, and nothing may escape.
      }
    }
  }
}

/** The logger's settings the line is read with. */
interface PinoSettings {
  messageKey: string;
  errorKey: string;
  nestedKey: string | undefined;
  streamWrite: ((line: string) => string) | undefined;
}

const DEFAULT_SETTINGS: PinoSettings = {
  messageKey: 'msg',
  errorKey: 'err',
  nestedKey: undefined,
  streamWrite: undefined,
};
const settingsCache = new WeakMap<object, PinoSettings>();

/**
 * The logger's keys and `streamWrite` hook, read through the symbols pino keeps them under (exposed
 * to integrations as `pino.symbols`; found here by their names, as two copies of pino have two sets).
 * A child logger has its root's: the root, up its prototype chain, is read once.
 */
function settingsOf(instance: unknown): PinoSettings {
  for (
    let object = instance;
    typeof object === 'object' && object !== null;
    object = Object.getPrototypeOf(object)
  ) {
    const cached = settingsCache.get(object);
    if (cached) {
      // A child logger (Fastify makes one per request) finds it at once from its next line on.
      if (object !== instance) settingsCache.set(instance as object, cached);
      return cached;
    }
    const symbols = Object.getOwnPropertySymbols(object);
    const named = (name: string) => symbols.find((symbol) => symbol.description === name);
    const messageKeySymbol = named('pino.messageKey');
    if (!messageKeySymbol) continue;
    const read = (symbol: symbol | undefined) =>
      symbol ? (object as Record<symbol, unknown>)[symbol] : undefined;
    const messageKey = read(messageKeySymbol);
    const errorKey = read(named('pino.errorKey'));
    const nestedKey = read(named('pino.nestedKey'));
    const hooks = read(named('pino.hooks')) as { streamWrite?: unknown } | undefined;
    const settings: PinoSettings = {
      messageKey: typeof messageKey === 'string' ? messageKey : 'msg',
      errorKey: typeof errorKey === 'string' ? errorKey : 'err',
      nestedKey: typeof nestedKey === 'string' ? nestedKey : undefined,
      streamWrite:
        typeof hooks?.streamWrite === 'function'
          ? (hooks.streamWrite as (line: string) => string)
          : undefined,
    };
    settingsCache.set(object, settings);
    if (object !== instance) settingsCache.set(instance as object, settings);
    return settings;
  }
  return DEFAULT_SETTINGS;
}

/** The error a call passed under the logger's `errorKey` of the merging object (`err` by default). */
function liveError(merged: unknown, { errorKey }: PinoSettings): Error | undefined {
  if (typeof merged !== 'object' || merged === null) return undefined;
  const error = (merged as Record<string, unknown>)[errorKey];
  return error instanceof Error ? error : undefined;
}

/**
 * The error to diagnose for an error line: the one at the logger's `errorKey`, as the line wrote it
 * (after the serializers and `redact` paths); undefined when the line left it out.
 */
function reportedError(parsed: Record<string, unknown>, settings: PinoSettings): Error | undefined {
  const error = errorAt(parsed, settings);
  return error === undefined ? undefined : errorFromWritten(error);
}

/**
 * One line as pino wrote it (cut to `MAX_LINE_CHARS`). Rendered, its message is the line's (at the
 * logger's `messageKey`), then its error's type and message, then its own fields: the merging object's
 * and the child's bindings, without the message, the error and pino's level, time and base.
 */
class PinoLine implements WrittenLine {
  readonly #line: string;
  readonly #settings: PinoSettings;

  constructor(line: string, settings: PinoSettings) {
    this.#line = line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line;
    this.#settings = settings;
  }

  render(): { message: string; fields?: Record<string, unknown> } {
    const parsed = this.#parse();
    if (typeof parsed === 'string') return { message: parsed };
    const { messageKey, errorKey, nestedKey } = this.#settings;
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (PINO_KEYS.has(key) || key === messageKey || (key === errorKey && nestedKey === undefined)) continue;
      if (key === nestedKey && isRecord(value)) {
        const { [errorKey]: _error, ...nested } = value;
        if (Object.keys(nested).length > 0) fields[key] = nested;
      } else {
        fields[key] = value;
      }
    }
    const message = parsed[messageKey];
    const error = errorAt(parsed, this.#settings);
    // Without a message of its own, pino writes the error's: said once, with the error.
    // (pino's serializer appends the causes' messages to the error's.)
    const repeated =
      isRecord(error) &&
      typeof error.message === 'string' &&
      typeof message === 'string' &&
      error.message.startsWith(message);
    const text = [
      message === undefined || message === '' || repeated ? undefined : renderValue(message),
      error === undefined ? undefined : errorText(error),
    ]
      .filter((part) => part !== undefined)
      .join(' ');
    return withFields(text, fields);
  }

  /** The line as an object, or as text when it is not a JSON object (cut, or an own `stringify`). */
  #parse(): Record<string, unknown> | string {
    return parseJsonObject(this.#line) ?? this.#line.trimEnd();
  }
}

function errorAt(parsed: Record<string, unknown>, { errorKey, nestedKey }: PinoSettings): unknown {
  const holder = nestedKey === undefined ? parsed : parsed[nestedKey];
  return isRecord(holder) ? holder[errorKey] : undefined;
}

/** `TypeError: message`, from pino's serialized error; what a serializer or `redact` made of it otherwise. */
function errorText(written: unknown): string {
  if (!isRecord(written)) return renderValue(written);
  const type = typeof written.type === 'string' ? written.type : 'Error';
  return typeof written.message === 'string' && written.message !== '' ? `${type}: ${written.message}` : type;
}
