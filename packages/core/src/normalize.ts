import { detectLevel, maxLevel, toLevel } from './detect-level.js';
import { InvalidEventError } from './errors/invalid-event-error.js';
import { isError, renderValue } from './format-log.js';
import { parseErrorText } from './parse-error-text.js';
import { parseStack } from './parse-stack.js';
import { stripControl } from './strip-control.js';
import type { ErrorInfo, Level, LogEntry, Priority, RequestInfo, TriageEvent, UserInfo } from './types.js';
import { PRIORITIES } from './types.js';

/** Longest line kept; longer ones are cut in the middle so both ends survive. */
export const MAX_LINE_LENGTH = 8_192;
/** Most log entries one event keeps: the first ones and the last ones. */
export const MAX_ENTRIES = 1_000;
/** Errors and warnings kept from the middle of a log longer than MAX_ENTRIES. */
const MAX_MIDDLE_ERRORS = 100;
/**
 * Longest event id taken. An id is the event's identity (an event whose id its issue already holds is
 * a duplicate), is indexed and appears in URLs; Sentry's are 32 characters, UUIDs 36.
 */
export const MAX_ID_LENGTH = 128;

export interface NormalizeOptions {
  /** Used when the input has none. */
  service?: string;
  now?: () => number;
  newId?: () => string;
}

/**
 * Turns any accepted input into one TriageEvent: plain log text, an array of
 * lines, `{ "log": [...] }`, a full event object, or an Error. Throws
 * InvalidEventError (with the reason) only when nothing usable is there.
 */
export function normalizeEvent(input: unknown, options: NormalizeOptions = {}): TriageEvent {
  const { now = Date.now, newId = () => globalThis.crypto.randomUUID() } = options;
  if (typeof input === 'string') return fromLines(input.split(/\r?\n/), options, now, newId);
  if (Array.isArray(input)) return fromLines(input, options, now, newId);
  if (input instanceof Error) {
    const error = errorInfoFrom(input);
    return {
      id: newId(),
      timestamp: now(),
      level: 'error',
      log: [{ level: 'error', message: `${error.type}: ${error.message}` }],
      error,
      service: options.service,
    };
  }
  if (typeof input !== 'object' || input === null) {
    throw new InvalidEventError(
      `expected log text, an array of lines or an event object, got ${describe(input)}`,
    );
  }
  return fromObject(input as Record<string, unknown>, options, now, newId);
}

function fromLines(lines: unknown[], options: NormalizeOptions, now: () => number, newId: () => string) {
  const log = toEntries(lines);
  const error = errorFromLog(log);
  if (log.length === 0 && !error) throw new InvalidEventError('the log is empty: no lines to diagnose');
  return {
    id: newId(),
    timestamp: now(),
    level: log.reduce<Level>((level, entry) => maxLevel(level, entry.level), 'debug'),
    log,
    error,
    service: options.service,
  } satisfies TriageEvent;
}

function fromObject(
  raw: Record<string, unknown>,
  options: NormalizeOptions,
  now: () => number,
  newId: () => string,
): TriageEvent {
  const log = toEntries(
    Array.isArray(raw.log) ? raw.log : typeof raw.log === 'string' ? raw.log.split('\n') : [],
  );
  const error = raw.error != null ? toErrorInfo(raw.error) : errorFromLog(log);
  const given = optionalString(raw.message);
  const message = given === undefined ? undefined : cutMiddle(stripControl(given)) || undefined;
  const timestamp = toTimestamp(raw.timestamp) ?? now();
  // Also its last log line, at the event's level and time: once, so that an event normalized again (a
  // server's stored event, which keeps `message`) is unchanged. A line of the log that only reads the
  // same (another level, another time) is not it: taken for it, the message's line was left out, and
  // the event grouped by another line.
  if (message) {
    const line = { level: toLevel(raw.level, 'error'), message, time: timestamp };
    const last = log.at(-1);
    if (last?.message !== message || last.level !== line.level || last.time !== line.time) log.push(line);
  }
  if (log.length === 0 && !error && !optionalString(raw.description)) {
    throw new InvalidEventError('the event has no log lines, no error and no description');
  }
  const level =
    raw.level != null ? toLevel(raw.level) : log.reduce<Level>((l, e) => maxLevel(l, e.level), 'debug');
  return {
    id: toId(raw.id) ?? newId(),
    timestamp,
    level: error ? maxLevel(level, 'error') : level,
    log,
    error,
    service: optionalString(raw.service) ?? options.service,
    source: toSource(raw.source),
    description: optionalString(raw.description),
    message,
    request: toRequest(raw.request),
    user: toUser(raw.user),
    tags: toTags(raw.tags),
    release: optionalString(raw.release),
    environment: optionalString(raw.environment),
    priority: PRIORITIES.includes(raw.priority as Priority) ? (raw.priority as Priority) : undefined,
    fingerprint: Array.isArray(raw.fingerprint) ? raw.fingerprint.map(String).slice(0, 20) : undefined,
    durationMs: typeof raw.durationMs === 'number' ? raw.durationMs : undefined,
  };
}

/**
 * Lines as strings, `{ level, message }` objects, or pino/bunyan JSON lines.
 * Past MAX_ENTRIES the first and last lines are kept, plus errors and
 * warnings from the middle: the cause is often there.
 */
function toEntries(lines: unknown[]): LogEntry[] {
  const entries: LogEntry[] = [];
  let previous: Level = 'info';
  let middleKept = 0;
  const half = MAX_ENTRIES / 2;
  for (let index = 0; index < lines.length; index++) {
    const entry = toEntry(lines[index], previous);
    if (!entry) continue;
    previous = entry.level;
    const inMiddle = index >= half && index < lines.length - half;
    if (inMiddle) {
      if ((entry.level !== 'error' && entry.level !== 'warn') || middleKept >= MAX_MIDDLE_ERRORS) continue;
      middleKept++;
    }
    entries.push(entry);
  }
  return entries;
}

function toEntry(line: unknown, previous: Level): LogEntry | undefined {
  if (typeof line === 'string') {
    const text = stripControl(line);
    if (text.trim() === '') return undefined;
    if (text.startsWith('{')) {
      const parsed = parseJsonLine(text);
      if (parsed) return parsed;
    }
    return { level: detectLevel(text, previous), message: cutMiddle(text) };
  }
  if (typeof line === 'object' && line !== null) {
    const record = line as Record<string, unknown>;
    const message = record.message ?? record.msg;
    if (message == null) return undefined;
    const text = cutMiddle(stripControl(renderValue(message)));
    return {
      level: record.level != null ? toLevel(record.level) : detectLevel(text, previous),
      message: text,
      time: toTimestamp(record.time ?? record.timestamp),
      fields:
        typeof record.fields === 'object' && record.fields !== null
          ? (record.fields as object as Record<string, unknown>)
          : undefined,
      ...(record.breadcrumb === true && { breadcrumb: true }),
    };
  }
  return undefined;
}

/**
 * The errors pino and bunyan serialized into JSON lines (`err`, with its `stack`), by the entry read
 * from the line: the entry keeps only their type and message as text, and the stack's frames are what
 * tells one caller's failure from another's.
 */
const jsonLineErrors = new WeakMap<LogEntry, ErrorInfo>();

function parseJsonLine(text: string): LogEntry | undefined {
  try {
    const record = JSON.parse(text) as Record<string, unknown>;
    const message = record.msg ?? record.message;
    if (typeof record !== 'object' || record === null || message == null) return undefined;
    let rendered = renderValue(message);
    const err = record.err ?? record.error;
    if (err && typeof err === 'object') {
      const { type, message: errMessage } = err as Record<string, unknown>;
      if (errMessage) rendered += ` (${type ?? 'Error'}: ${errMessage})`;
    }
    const entry: LogEntry = {
      level: toLevel(record.level ?? record.severity),
      message: cutMiddle(rendered),
      time: toTimestamp(record.time),
    };
    if (err && typeof err === 'object' && typeof (err as Record<string, unknown>).stack === 'string') {
      jsonLineErrors.set(entry, toErrorInfo(err));
    }
    return entry;
  } catch {
    return undefined;
  }
}

/**
 * The exception printed in the log, if any (Node, Java, Python or Go format), else the first error a
 * JSON line carried (one logged at level error first).
 */
function errorFromLog(log: LogEntry[]): ErrorInfo | undefined {
  const printed = parseErrorText(log.map((entry) => entry.message));
  if (printed) return printed;
  const carrying = log.filter((entry) => jsonLineErrors.has(entry));
  const entry = carrying.find((candidate) => candidate.level === 'error') ?? carrying[0];
  return entry && jsonLineErrors.get(entry);
}

/** Converts a thrown value (Error or anything else) to ErrorInfo, following `cause` a few levels. */
export function errorInfoFrom(thrown: unknown, depth = 0): ErrorInfo {
  // Guarded: a Proxy whose prototype trap throws made `instanceof` throw, and its event was dropped.
  if (isError(thrown)) {
    const code = field(thrown, 'code');
    const message = field(thrown, 'message');
    const stack = field(thrown, 'stack');
    const cause = field(thrown, 'cause');
    const frames = parseStack(typeof stack === 'string' ? stack : undefined);
    return {
      type: optionalString(field(thrown, 'name')) ?? 'Error',
      message: cutMiddle(typeof message === 'string' ? message : message == null ? '' : renderValue(message)),
      frames: frames.length > 0 ? frames : undefined,
      code: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined,
      cause: cause != null && depth < 5 ? errorInfoFrom(cause, depth + 1) : undefined,
    };
  }
  return {
    type: typeof thrown === 'object' ? 'NonError' : typeof thrown,
    message: cutMiddle(renderValue(thrown)),
  };
}

/**
 * A property of a thrown error. A getter that throws (a lazy message, a proxy) reads as undefined:
 * the error is still reported with what could be read, where before the whole event was dropped.
 */
function field(thrown: object, key: string): unknown {
  try {
    return (thrown as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function toErrorInfo(raw: unknown, depth = 0): ErrorInfo {
  if (typeof raw === 'string') return { type: 'Error', message: cutMiddle(raw) };
  if (typeof raw !== 'object' || raw === null) return { type: 'Error', message: renderValue(raw) };
  // Each read guarded: a getter or a Proxy trap that throws dropped the whole event.
  const [stack, recordFrames, type, name, message, code, cause] = [
    'stack',
    'frames',
    'type',
    'name',
    'message',
    'code',
    'cause',
  ].map((key) => field(raw, key));
  const stackText = optionalString(stack);
  const parsed = stackText ? parseErrorText(stackText.split('\n')) : undefined;
  const frames = Array.isArray(recordFrames)
    ? recordFrames.filter((frame) => typeof frame === 'object' && frame !== null).slice(0, 100)
    : (parsed?.frames ?? parseStack(stackText));
  return {
    type: optionalString(type) ?? optionalString(name) ?? 'Error',
    message: cutMiddle(optionalString(message) ?? ''),
    frames: frames.length > 0 ? frames : undefined,
    code: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined,
    cause: cause != null && depth < 5 ? toErrorInfo(cause, depth + 1) : parsed?.cause,
  };
}

function toSource(raw: unknown): TriageEvent['source'] {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { file, function: fn, func } = raw as Record<string, unknown>;
  return { file: optionalString(file), function: optionalString(fn) ?? optionalString(func) };
}

/** A request's fields an event keeps (as text where they are not numbers); undefined for what is not an object. */
export function toRequest(raw: unknown): RequestInfo | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const record = raw as Record<string, unknown>;
  return {
    method: optionalString(record.method),
    url: optionalString(record.url),
    route: optionalString(record.route),
    status: typeof record.status === 'number' ? record.status : undefined,
    headers: toTags(record.headers),
    ip: optionalString(record.ip),
  };
}

/** A user's fields an event keeps: id, email, pseudonym, and a username only to make the pseudonym from. */
export function toUser(raw: unknown): UserInfo | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { id, email, pseudonym, username } = raw as Record<string, unknown>;
  const user: UserInfo = {
    id: id != null ? String(id) : undefined,
    email: optionalString(email),
    pseudonym: optionalString(pseudonym),
  };
  // Kept only for the pseudonym, which takes it out (see createPseudonymizer).
  const name = optionalString(username);
  if (name !== undefined && user.id === undefined && user.email === undefined) user.username = name;
  return user;
}

function toTags(raw: unknown): Record<string, string> | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw).slice(0, 100)) {
    if (value != null) tags[key] = cutMiddle(renderValue(value), 1_000);
  }
  return tags;
}

/** The largest time a Date holds (±100,000,000 days): past it, toISOString throws. */
const MAX_DATE_MS = 8.64e15;

// Whole milliseconds: stores keep times as integers (PostgreSQL's bigint refuses a fraction), and
// clients send seconds with a fraction (Python's time.time()). The unit is told by the size, as a
// time of these centuries gives: seconds below 1e11, then milliseconds, microseconds (from 1e14) and
// nanoseconds (from 1e17; Go's UnixNano). A time no Date can hold is no time (the time received).
function toTimestamp(raw: unknown): number | undefined {
  if (typeof raw === 'number' && Number.isFinite(raw)) {
    const magnitude = Math.abs(raw);
    const ms =
      magnitude < 1e11 ? raw * 1000 : magnitude < 1e14 ? raw : magnitude < 1e17 ? raw / 1e3 : raw / 1e6;
    return Math.abs(ms) <= MAX_DATE_MS ? Math.round(ms) : undefined;
  }
  if (typeof raw === 'string') {
    const parsed = Date.parse(raw);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

function toId(value: unknown): string | undefined {
  const id = optionalString(value);
  if (id !== undefined && id.length > MAX_ID_LENGTH) {
    throw new InvalidEventError(`the event's id is longer than ${MAX_ID_LENGTH} characters`);
  }
  return id;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Cuts the middle out of an over-long line: the start and the end carry the meaning. The result is
 * never longer than `max`: below 32, there is no room for both ends, and it is the marker alone, or
 * the line cut hard where even the marker does not fit.
 */
export function cutMiddle(text: string, max = MAX_LINE_LENGTH): string {
  if (text.length <= max) return text;
  // 30 holds the marker (13 characters and the count's digits) and the spaces around it.
  const half = Math.floor((max - 30) / 2);
  if (half < 1) {
    const marker = `…[${text.length} chars cut]…`;
    return marker.length <= max ? marker : text.slice(0, Math.max(0, max));
  }
  // The cut falls between words: lines are cut before they are redacted, and the part of a token or a
  // key's value the cut split (the tail of a session token, half a JWT) no longer looks like what it is.
  // A side with no boundary at all (text without spaces: Chinese, Japanese) is cut hard, but never
  // inside a run of a token's characters: a split word is dropped whole, as before.
  let headEnd = lastBoundary(text, half);
  if (headEnd === 0) headEnd = tokenStart(text, half);
  let tailStart = firstBoundary(text, text.length - half);
  if (tailStart === text.length) tailStart = tokenEnd(text, text.length - half);
  const head = text.slice(0, headEnd).trimEnd();
  const tail = text.slice(tailStart).trimStart();
  const marker = `…[${tailStart - headEnd} chars cut]…`;
  return [head, marker, tail].filter((part) => part !== '').join(' ');
}

/** The characters of a token (base64, hex, a JWT, a URL's path or query): a word a secret can be. */
const TOKEN_CHAR = /[\w+/=.~%-]/;

/** `index`, or where the run of token characters it falls inside starts. */
function tokenStart(text: string, index: number): number {
  if (index <= 0 || index >= text.length || !TOKEN_CHAR.test(text[index]!)) return index;
  while (index > 0 && TOKEN_CHAR.test(text[index - 1]!)) index--;
  return index;
}

/** `index`, or where the run of token characters it falls inside ends. */
function tokenEnd(text: string, index: number): number {
  if (index <= 0 || index >= text.length || !TOKEN_CHAR.test(text[index - 1]!)) return index;
  while (index < text.length && TOKEN_CHAR.test(text[index]!)) index++;
  return index;
}

/** What ends a word a secret could be part of (base64, hex, JWTs and URLs hold none of these). */
const BOUNDARY = /[\s,;"'&()[\]{}<>|]/;

/** The end of the last whole word within `text.slice(0, end)`: after its last boundary, or 0. */
function lastBoundary(text: string, end: number): number {
  for (let index = end; index > 0; index--) if (BOUNDARY.test(text[index - 1]!)) return index;
  return 0;
}

/** The start of the first whole word from `start` on: at its first boundary, or the text's end. */
function firstBoundary(text: string, start: number): number {
  for (let index = start; index < text.length; index++) if (BOUNDARY.test(text[index]!)) return index;
  return text.length;
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
