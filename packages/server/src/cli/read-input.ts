import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { IngestError } from '../ingest/ingest-error.js';
import { parseSentryStore } from '../ingest/parse-sentry-request.js';
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from '../ingest/safe-json.js';
import { InputError } from './input-error.js';
import { type Line, LineSplitter } from './split-lines.js';
import { SAME_STOP_MS } from './stop-signal.js';

const MB = 1024 * 1024;
const MAX_INPUT_BYTES = 50 * MB;
/** The input's first bytes, by which binaryKindOf tells a log from a compressed or binary file. */
export const SAMPLE_BYTES = 8192;

export interface ReadOptions {
  /** Told (a `triage: …` line) what was left out: the input's start past 50 MB, its end at Ctrl-C. */
  notice?: (text: string) => void;
  /**
   * Where Ctrl-C (SIGINT) comes from, `process` in the CLI. Given, the first Ctrl-C while a pipe is
   * read stops the reading, once something came: `kubectl logs -f` never ends.
   */
  interrupts?: NodeJS.EventEmitter;
}

/**
 * Reads FILE, or stdin when no file is given (`kubectl logs pod | triage diagnose`), keeping its last
 * 50 MB from a line's start: a busy pod's log is larger, and where it failed is at its end. What is
 * held while reading stays bounded, whatever the size.
 */
export async function readInput(
  file: string | undefined,
  stdin: NodeJS.ReadableStream = process.stdin,
  { notice = () => {}, interrupts }: ReadOptions = {},
): Promise<string> {
  const name = file && file !== '-' ? file : undefined;
  const { stream, ends } = await openInput(name, stdin);
  const tail = tailOf(MAX_INPUT_BYTES);
  const ctrlC = interrupts && !ends ? stopOnCtrlC(interrupts, stream) : undefined;
  const sample = sampleOf(name);
  try {
    for await (const chunk of stream) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      // Checked as soon as it can be: `cat /dev/urandom | triage diagnose` would never end.
      sample.add(buffer);
      tail.push(buffer);
      ctrlC?.arm();
    }
  } catch (error) {
    if (!ctrlC?.stopped) throw name && !(error instanceof InputError) ? cannotRead(name, error) : error;
  } finally {
    ctrlC?.release();
  }
  sample.check();
  const { bytes, skippedBytes } = tail.result();
  if (skippedBytes > 0)
    notice(
      `triage: the input is larger than ${MAX_INPUT_BYTES / MB} MB: its first ${(skippedBytes / MB).toFixed(1)} MB were left out\n`,
    );
  if (ctrlC?.stopped) notice('triage: the input was cut short by Ctrl-C: going on with what was read\n');
  return bytes.toString('utf8');
}

/** A line of readLines longer than it holds (maxLineBytes): skipped, its bytes never held whole. */
export class LongLine {
  constructor(readonly maxBytes: number) {}
  get reason(): string {
    return `line longer than ${this.maxBytes / MB} MB: skipped`;
  }
}

export interface LineOptions extends ReadOptions {
  /** Longest line given (default 50 MB); a longer one is a LongLine. */
  maxLineBytes?: number;
}

/**
 * The lines of FILE, or of stdin when no file is given, one at a time as they are read (`--jsonl`: a
 * line is an event). No tail as readInput's: there, the start of a file larger than 50 MB was left out,
 * its events skipped with exit 0. What is held is one read's lines, whatever the size of the input;
 * the first are given once the input's first bytes have shown it is text, or once it pauses (a live
 * pipe's first event is answered as it comes, not with the second). A line longer than
 * maxLineBytes, as much as readInput keeps of a whole input and far past any event the server takes
 * (1 MiB), is a LongLine: held whole, one line with no end (`head -c 700M /dev/zero | tr …`) grew past
 * what a string can be. Ctrl-C as readInput's: the lines that came are the input.
 */
export async function* readLines(
  file: string | undefined,
  stdin: NodeJS.ReadableStream = process.stdin,
  { notice = () => {}, interrupts, maxLineBytes = MAX_INPUT_BYTES }: LineOptions = {},
): AsyncGenerator<string | LongLine> {
  const name = file && file !== '-' ? file : undefined;
  const { stream, ends } = await openInput(name, stdin);
  const ctrlC = interrupts && !ends ? stopOnCtrlC(interrupts, stream) : undefined;
  const sample = sampleOf(name);
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const splitter = new LineSplitter(maxLineBytes);
  let lines: (string | LongLine)[] = [];
  const add = (found: Line[]) => {
    for (const line of found) lines.push(line.tooLong ? new LongLine(maxLineBytes) : line.text);
  };
  let ended = false;
  // A read asked for before the lines are given: left early, the input is destroyed and it fails.
  const nextRead = () => {
    const read = chunks.next();
    read.catch(() => {});
    return read;
  };
  try {
    try {
      let next = nextRead();
      for (;;) {
        const read = await next;
        ended = read.done === true;
        if (ended) break;
        next = nextRead();
        const buffer = Buffer.isBuffer(read.value) ? read.value : Buffer.from(read.value);
        sample.add(buffer);
        ctrlC?.arm();
        add(splitter.push(buffer));
        // Decided on what came when the input pauses too: a live pipe may not send 8 KiB for long.
        if (!sample.checked() && !(await isReady(next))) sample.check();
        if (!sample.checked()) continue;
        yield* lines;
        lines = [];
      }
    } catch (error) {
      if (!ctrlC?.stopped) throw name && !(error instanceof InputError) ? cannotRead(name, error) : error;
    }
    sample.check();
    // The splitter keeps a `\r` that ends the last line (it has no terminator): taken off, as a terminated line's is.
    add(
      splitter
        .end()
        .map((line) => (line.text.endsWith('\r') ? { ...line, text: line.text.slice(0, -1) } : line)),
    );
    if (ctrlC?.stopped) notice('triage: the input was cut short by Ctrl-C: going on with what was read\n');
    yield* lines;
  } finally {
    ctrlC?.release();
    // Left early (the reader of the output went away, binary input): closed, as `for await` closed it.
    // Not by the iterator's return(): that waits for the read in hand, which a live pipe may never give.
    if (!ended) (stream as Readable).destroy();
  }
}

/**
 * Whether `promise` settles before any more I/O: input already read and buffered does, input still
 * to come (a pipe with nothing in it yet) does not.
 */
export function isReady(promise: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    const notYet = setImmediate(() => resolve(false));
    const ready = () => {
      clearImmediate(notYet);
      resolve(true);
    };
    promise.then(ready, ready);
  });
}

/** The stream to read, and whether it ends for sure (a regular file: no Ctrl-C needed to stop it). */
export async function openInput(
  file: string | undefined,
  stdin: NodeJS.ReadableStream,
): Promise<{ stream: NodeJS.ReadableStream; ends: boolean }> {
  if (!file) {
    if ((stdin as NodeJS.ReadStream).isTTY)
      throw new InputError('no input: give a FILE or pipe a log into stdin');
    return { stream: stdin, ends: false };
  }
  // A pipe (`triage diagnose <(kubectl logs -f …)`), a device or a file: anything but a directory reads.
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch (error) {
    throw cannotRead(file, error);
  }
  if (info.isDirectory()) throw new InputError(`cannot read ${file}: is a directory`);
  return { stream: createReadStream(file), ends: info.isFile() };
}

function cannotRead(file: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  return new InputError(
    `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message}`,
  );
}

/** The input's first SAMPLE_BYTES, refused (InputError) as soon as they show it is no text log. */
function sampleOf(file: string | undefined) {
  let sample = Buffer.alloc(0);
  let checked = false;
  const check = () => {
    if (checked) return;
    checked = true;
    const binary = binaryKindOf(sample, file);
    if (binary) throw new InputError(binary);
  };
  return {
    add(chunk: Buffer) {
      if (checked) return;
      sample = Buffer.concat([sample, chunk.subarray(0, SAMPLE_BYTES - sample.length)]);
      if (sample.length >= SAMPLE_BYTES) check();
    },
    check,
    checked: () => checked,
  };
}

/**
 * The last `max` bytes of the chunks pushed, from a line's start: it holds them and the byte before
 * them (which tells whether they start a line), and one chunk more, never the whole input.
 */
function tailOf(max: number) {
  const chunks: Buffer[] = [];
  let held = 0;
  let dropped = 0;
  return {
    push(chunk: Buffer) {
      chunks.push(chunk);
      held += chunk.length;
      while (held - chunks[0]!.length > max) {
        const first = chunks.shift()!;
        held -= first.length;
        dropped += first.length;
      }
    },
    result(): { bytes: Buffer; skippedBytes: number } {
      const bytes = Buffer.concat(chunks, held);
      if (bytes.length <= max) return { bytes, skippedBytes: dropped };
      // After the first line end of the last max + 1 bytes; a last line longer than max is cut in it.
      const lineEnd = bytes.indexOf(0x0a, bytes.length - max - 1);
      const cut = lineEnd === -1 || lineEnd === bytes.length - 1 ? bytes.length - max : lineEnd + 1;
      return { bytes: bytes.subarray(cut), skippedBytes: dropped + cut };
    },
  };
}

/**
 * Ctrl-C while a pipe is read that may never end (`kubectl logs -f`): once armed (something came),
 * the first stops the reading, and the command goes on with what came. Before that, and once the
 * reading is done, Ctrl-C ends the process as it always has; after the first, once SAME_STOP_MS
 * has passed (its copies ignored), at once.
 */
function stopOnCtrlC(interrupts: NodeJS.EventEmitter, stream: NodeJS.ReadableStream) {
  let armed = false;
  const state = {
    stopped: false,
    arm() {
      if (armed) return;
      armed = true;
      interrupts.on('SIGINT', onCtrlC);
    },
    release() {
      if (!state.stopped) interrupts.off('SIGINT', onCtrlC);
    },
  };
  function onCtrlC() {
    if (state.stopped) return;
    state.stopped = true;
    (stream as Readable).destroy();
    setTimeout(() => interrupts.off('SIGINT', onCtrlC), SAME_STOP_MS).unref();
  }
  return state;
}

/** Compressed and archive formats by their first bytes, and the command that gives their text. */
const PACKED: { name: string; magic: (bytes: Buffer) => boolean; reader: string }[] = [
  { name: 'gzip', magic: startsWith(0x1f, 0x8b), reader: 'zcat' },
  { name: 'zstd', magic: startsWith(0x28, 0xb5, 0x2f, 0xfd), reader: 'zstdcat' },
  { name: 'xz', magic: startsWith(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00), reader: 'xzcat' },
  // "BZh" and the block size, a digit from 1 to 9.
  {
    name: 'bzip2',
    magic: (bytes) => startsWith(0x42, 0x5a, 0x68)(bytes) && /[1-9]/.test(String.fromCharCode(bytes[3] ?? 0)),
    reader: 'bzcat',
  },
  { name: 'zip', magic: startsWith(0x50, 0x4b, 0x03, 0x04), reader: 'unzip -p' },
];

function startsWith(...magic: number[]): (bytes: Buffer) => boolean {
  return (bytes) => magic.every((byte, index) => bytes[index] === byte);
}

/**
 * Why `sample` (the input's first bytes) is no text log, or undefined when it is one: a compressed
 * file, UTF-16, NULs, or many bytes that are neither UTF-8 nor printable. Tabs, line ends, form feeds
 * and ESC (colours) are text; a few invalid bytes in a log are kept (they are read as U+FFFD).
 */
export function binaryKindOf(sample: Buffer, file: string | undefined): string | undefined {
  const packed = PACKED.find(({ magic }) => magic(sample));
  if (packed)
    return `input looks compressed (${packed.name}), not a log: decompress it first (${packed.reader} ${file ?? 'FILE'} | triage …)`;
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff))
    return `input looks like UTF-16 text: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8 ${file ?? 'FILE'} | triage …)`;
  // NULs: UTF-16 without its mark, or any binary format.
  if (sample.filter((byte) => byte === 0).length > sample.length / 10)
    return 'input looks binary, not a log: nothing to diagnose';
  // A character cut at the sample's end is no unreadable byte: its rest has not been read yet (a pipe's
  // first read can be one byte of it).
  const text = new TextDecoder('utf-8').decode(withoutCutCharacter(sample));
  let unreadable = 0;
  let characters = 0;
  for (const character of text) {
    characters++;
    const code = character.codePointAt(0)!;
    if (code === 0xfffd || (code < 0x20 && !TEXT_CONTROLS.has(code)) || code === 0x7f) unreadable++;
  }
  if (characters > 0 && unreadable > characters * UNREADABLE_SHARE)
    return 'input looks binary, not a log: nothing to diagnose';
  return undefined;
}

/** `bytes` without a UTF-8 character that their end cuts short (its lead byte and what follows it). */
function withoutCutCharacter(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    // Continuation bytes (10xxxxxx) go back to their lead byte.
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf8 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}

/** Control characters that text has: tab, line feed, vertical tab, form feed, carriage return, escape. */
const TEXT_CONTROLS = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1b]);
/**
 * Random bytes (compressed or encrypted data) are about half unreadable; a log with stray bytes, or in
 * Latin-1 with an accented letter in every word, far below.
 */
const UNREADABLE_SHARE = 0.3;

/**
 * Plain lines, a JSON event (`{"log": [...]}`, a full event or a Sentry event), a JSON array of
 * lines, or the JSON output of a structured logger: a line, lines, or records one after another as
 * `jq .` prints them. Input that opens as a JSON object (`{"…`) but does not parse is refused with the
 * parser's reason (never quoting it: it is not redacted yet); anything else that does not parse is
 * text, `{main} ERROR …` and `[2025-11-18 14:32:15] …` included.
 */
export function parseLogInput(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError('the input is empty: nothing to diagnose');
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    const firstLine = trimmed.split('\n', 1)[0]!;
    if (isJson(firstLine)) return text;
    const values = jsonValuesOf(trimmed);
    if (values) return values.map((value) => JSON.stringify(value));
    if (JSON_OBJECT_START.test(trimmed)) throw new InputError(notJson(error));
    return text;
  }
  return eventInputOf(value);
}

/**
 * What normalizeEvent gets for a JSON value of the input: a Sentry event as the server maps it, a
 * logger's record as its one line (as in a log of several: read as an event, it had none), anything
 * else as it is.
 */
export function eventInputOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const keys = (names: string[]) => names.some((name) => Object.hasOwn(value, name));
  if (isSentryEvent(value, keys) && !keys(['log', 'error'])) return fromSentry(value);
  if (keys(RECORD_KEYS) && !keys(EVENT_KEYS)) return [JSON.stringify(value)];
  return value;
}

/**
 * Whether `value` is a Sentry event: by a key only Sentry's have, or by an `event_id` of Sentry's
 * shape on an object that is no logger's record (`msg`). A logger's record may carry an `event_id` of
 * its own or a `platform` field: taken for a Sentry event, it was refused as one with nothing in it.
 */
function isSentryEvent(value: object, keys: (names: string[]) => boolean): boolean {
  if (keys(SENTRY_KEYS)) return true;
  const id = (value as { event_id?: unknown }).event_id;
  return typeof id === 'string' && SENTRY_EVENT_ID.test(id) && !keys(['msg']);
}

/** Keys of an event, by which normalizeEvent reads an object as one (a logger's `message` included). */
const EVENT_KEYS = ['log', 'error', 'message', 'description'];
/** Keys of a structured logger's record (pino, bunyan, zap, logfmt turned JSON…). */
const RECORD_KEYS = ['msg', 'level', 'severity', 'time', 'timestamp', 'ts', '@timestamp'];
/** Keys of a Sentry event (its JSON view, a store body) that neither Triage's own nor a record have. */
const SENTRY_KEYS = ['exception', 'logentry', 'breadcrumbs', 'threads'];
/** A Sentry event's id: 32 hex digits, or a UUID (which Sentry takes too). */
const SENTRY_EVENT_ID = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** A Sentry event through the server's store endpoint's code, limits aside: one on disk is the user's. */
function fromSentry(event: object): unknown {
  try {
    const { events, skipped } = parseSentryStore(Buffer.from(JSON.stringify(event)), {
      maxEventBytes: Number.POSITIVE_INFINITY,
    });
    if (events[0]) return events[0];
    throw new InputError(
      `the Sentry event is a ${skipped[0]?.type} (${skipped[0]?.reason}): nothing to diagnose`,
    );
  } catch (error) {
    if (IngestError.isInstance(error)) throw new InputError(`the Sentry event was refused: ${error.message}`);
    throw error;
  }
}

/**
 * JSON values one after another (`jq . app.log`: each record over several lines), as a log's lines;
 * undefined unless there are several and each parses. Stops at the first thing that is not one, so
 * text that opens with a brace costs its first bracket's worth.
 */
function jsonValuesOf(text: string): unknown[] | undefined {
  const values: unknown[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE && depth > 0) inString = true;
    else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (depth++ === 0) start = index;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      if (--depth < 0) return undefined;
      if (depth === 0) {
        try {
          values.push(JSON.parse(text.slice(start, index + 1)));
        } catch {
          return undefined;
        }
      }
    } else if (depth === 0 && !/\s/.test(text[index]!)) return undefined;
  }
  return depth === 0 && values.length > 1 ? values : undefined;
}

/** How a JSON object opens: `{`, then a key or `}`. Plain lines in braces open otherwise (`{main}`, `{ts=…}`). */
const JSON_OBJECT_START = /^\{\s*["}]/;

/**
 * "not valid JSON: …" with the parser's reason and position, but none of the input: V8 quotes the text
 * around an unexpected character (`Unexpected token 'b', "bob@corp.io failed" is not valid JSON`), and
 * that text has not been through the redactor.
 */
export function notJson(error: unknown): string {
  const message = String((error as Error)?.message ?? error);
  if (/^Unexpected token\b/.test(message)) return 'not valid JSON: unexpected character';
  if (message.includes('"')) return 'not valid JSON';
  return `not valid JSON: ${message}`;
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
