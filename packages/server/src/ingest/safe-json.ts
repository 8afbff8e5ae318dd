import { IngestError } from './ingest-error.js';
import type { TimeSlices } from './time-slices.js';

export interface JsonLimits {
  /** Deepest nesting of arrays and objects accepted (default 64). */
  maxDepth?: number;
  /** Largest input accepted, in bytes; larger ones are refused with 413. */
  maxBytes?: number;
  /** What the input is, for the error message: "body", "item 2 header"… (default "body"). */
  label?: string;
  /**
   * JSON values a request may still hold, shared by the documents of one request (an envelope's
   * events): each parse takes its own from `remaining`, and a document that would take it below 0 is
   * refused with 413 before it is parsed.
   */
  values?: JsonValueBudget;
}

/** A request's allowance of JSON values; see JsonLimits.values. */
export interface JsonValueBudget {
  remaining: number;
}

export const OPEN_BRACE = 0x7b;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACE = 0x7d;
export const CLOSE_BRACKET = 0x5d;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;

/**
 * Parses untrusted JSON bytes, refusing (IngestError 400) what JSON.parse would choke on or
 * what would hurt later code: bytes that are not UTF-8 and nesting deeper than `maxDepth`; and
 * (413) more values than the request's budget allows. Depth and values are counted by a byte scan
 * before JSON.parse, so 100,000 `[` fail fast and without recursion, and a small gzip body that
 * inflates to millions of `{}` is refused before V8 builds them: parsed, 95 MiB of them took a
 * server with a 256 MiB heap down, from one request of 142 KiB.
 */
export function parseJsonLimited(buffer: Uint8Array, limits: JsonLimits = {}): unknown {
  checkJsonLimits(buffer, limits);
  return parseJsonText(buffer, limits.label ?? 'body');
}

/** The checks of parseJsonLimited, without the parse: size, nesting and values (taken from the budget). */
export function checkJsonLimits(buffer: Uint8Array, limits: JsonLimits = {}): void {
  const scan = new StructureScan(buffer, limits);
  scan.step(Number.POSITIVE_INFINITY);
  scan.finish();
}

/**
 * checkJsonLimits a slice of time at a time, the event loop turning in between: for a large body,
 * whose scan in one go held every other request (bench/README.md, "The scans of a large body").
 * `chunkBytes`: how much is scanned between looks at the clock.
 */
export async function checkJsonLimitsInSlices(
  buffer: Uint8Array,
  limits: JsonLimits,
  slices: TimeSlices,
  chunkBytes = SCAN_CHUNK_BYTES,
): Promise<void> {
  const scan = new StructureScan(buffer, limits);
  while (!scan.step(chunkBytes)) if (slices.due()) await slices.pause();
  scan.finish();
}

/** Bytes a sliced scan reads between looks at the clock: at most a few ms, even of escaped quotes. */
export const SCAN_CHUNK_BYTES = 256 * 1024;

/** Strict UTF-8, then JSON.parse; either failing is a 400 that names `label`. */
export function parseJsonText(buffer: Uint8Array, label: string): unknown {
  const text = decodeUtf8(buffer, label);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new IngestError(400, `${label} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Strict UTF-8 decoding: invalid sequences are refused, never replaced with U+FFFD. */
// A decoder without `stream` keeps no state between calls: one serves every request.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(buffer: Uint8Array, label = 'body'): string {
  try {
    return strictUtf8.decode(buffer);
  } catch (error) {
    throw new IngestError(400, `${label} is not valid UTF-8`, { cause: error });
  }
}

// Scans bytes rather than characters: every structural character is ASCII, and UTF-8 never
// reuses ASCII byte values inside multi-byte sequences. Values are counted as the arrays and objects
// plus the commas between members: within a factor of two of what JSON.parse builds, at one compare
// per byte outside strings. A string is skipped to its closing quote with Buffer#indexOf (memchr):
// most of an event's bytes are its log lines, and compared one by one in JavaScript they took 266 ms
// of an 88 MiB batch, all that time holding the event loop (bench/README.md, "One large request").
/** The limits' scan, resumable: `step` reads about `bytes` more. A class: the hot path makes one per document. */
class StructureScan {
  readonly #buffer: Buffer;
  readonly #maxDepth: number;
  readonly #maxValues: number;
  readonly #label: string;
  readonly #budget: JsonValueBudget | undefined;
  #index = 0;
  #depth = 0;
  #values = 0;

  constructor(
    input: Uint8Array,
    { maxDepth = 64, maxBytes = Number.POSITIVE_INFINITY, label = 'body', values: budget }: JsonLimits,
  ) {
    if (input.length > maxBytes) throw new IngestError(413, `${label} is larger than ${maxBytes} bytes`);
    this.#buffer = asBuffer(input);
    this.#maxDepth = maxDepth;
    this.#maxValues = budget?.remaining ?? Number.POSITIVE_INFINITY;
    this.#label = label;
    this.#budget = budget;
  }

  /** Scans about `bytes` more (a string is read to its end); true once the input is done. */
  step(bytes: number): boolean {
    const buffer = this.#buffer;
    const until = Math.min(buffer.length, this.#index + bytes);
    let index = this.#index;
    let depth = this.#depth;
    let values = this.#values;
    for (; index < until; index++) {
      const byte = buffer[index];
      if (byte === QUOTE) {
        const end = closingQuote(buffer, index);
        // Unterminated: JSON.parse says so, with the position.
        if (end === -1) {
          index = buffer.length;
          break;
        }
        index = end;
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        if (++depth > this.#maxDepth)
          throw new IngestError(400, `${this.#label} nests deeper than ${this.#maxDepth} levels`);
        if (++values > this.#maxValues) throw tooManyValues(this.#label);
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
      } else if (byte === COMMA) {
        if (++values > this.#maxValues) throw tooManyValues(this.#label);
      }
    }
    // A throw ends the scan: nothing to keep.
    this.#index = index;
    this.#depth = depth;
    this.#values = values;
    return index >= buffer.length;
  }

  /** Takes the values counted from the request's budget. */
  finish(): void {
    if (this.#budget) this.#budget.remaining -= this.#values;
  }
}

/**
 * Bytes compared one by one before the next quote is searched natively: a call costs more than a
 * short key, and a string dense with escaped quotes (`\"\"\"…`) would otherwise make one call per
 * quote (a 100 MB body of them, fifty million calls).
 */
const SHORT_STRING = 48;

/** The quote that ends the string opened at `open`: the first one not escaped (after an even number of backslashes). */
export function closingQuote(buffer: Buffer, open: number): number {
  let index = open + 1;
  for (;;) {
    const until = Math.min(buffer.length, index + SHORT_STRING);
    for (; index < until; index++) {
      const byte = buffer[index];
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) return index;
    }
    // Here `index` is not inside an escape: the backslashes between it and the next quote decide.
    const quote = index < buffer.length ? buffer.indexOf(QUOTE, index) : -1;
    if (quote === -1) return -1;
    let backslashes = 0;
    for (let before = quote - 1; before >= index && buffer[before] === BACKSLASH; before--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    index = quote + 1;
  }
}

/** The same bytes as a Buffer (no copy), for its native search. */
export const asBuffer = (input: Uint8Array): Buffer =>
  Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);

const tooManyValues = (label: string) =>
  new IngestError(
    413,
    `${label} holds too many JSON values (objects, arrays and their members) for one request: send fewer events per request`,
  );
