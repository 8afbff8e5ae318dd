import { IngestError } from './ingest-error.js';
import {
  asBuffer,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
  closingQuote,
  OPEN_BRACE,
  OPEN_BRACKET,
  parseJsonText,
  QUOTE,
  SCAN_CHUNK_BYTES,
} from './safe-json.js';
import { type TimeSlices, timeSlices } from './time-slices.js';

const COLON = 0x3a;
const EVENTS_KEY = Buffer.from('events');

/** A JSON body whose events can be parsed one at a time: see splitJsonEventsInSlices. */
export interface JsonEvents {
  /** How many elements the events array holds. */
  count: number;
  /** The size in bytes of element `index` as it is in the body. */
  bytes(index: number): number;
  /** Parses element `index` of the events array (400 if it is not valid JSON). */
  element(index: number): unknown;
  /** The body as JSON.parse would give it, its events array made of `elements`. */
  assemble(elements: unknown[]): unknown;
}

/**
 * Splits a batch body, a JSON array of events or an object with an `events` array (what the Node SDK
 * sends), so that its events can be parsed one by one, the event loop turning in between: one
 * JSON.parse of a body of 100 MB holds it for a tenth of a second or more. The rest of the document, with
 * `[]` in place of the array, is parsed here, which checks it is valid JSON; each element is checked
 * when it is parsed; so the body is refused (400) exactly when JSON.parse would refuse it.
 * Undefined when the body has no such array (or two `events` keys): parse it whole.
 * Run checkJsonLimits on the body first: this scan counts nothing. `maxRestBytes` bounds what the
 * document holds besides its events (413 beyond), since that is parsed in one go. The scan itself
 * reads `chunkBytes` at a time and lets the event loop turn when a slice is due: in one go, the scan
 * of a large body held every other request (bench/README.md, "The scans of a large body").
 */
export async function splitJsonEventsInSlices(
  input: Uint8Array,
  options: SplitOptions = {},
  slices: TimeSlices = timeSlices(),
  chunkBytes = SCAN_CHUNK_BYTES,
): Promise<JsonEvents | undefined> {
  const scan = eventsArrayScan(asBuffer(input));
  while (!scan.step(chunkBytes)) if (slices.due()) await slices.pause();
  return jsonEvents(asBuffer(input), scan.result(), options);
}

export interface SplitOptions {
  label?: string;
  maxRestBytes?: number;
}

function jsonEvents(
  buffer: Buffer,
  found: EventsArray | undefined,
  { label = 'body', maxRestBytes = Number.POSITIVE_INFINITY }: SplitOptions,
): JsonEvents | undefined {
  if (!found) return undefined;
  const { open, close, spans } = found;
  const restBytes = buffer.length - (close + 1 - open);
  if (restBytes > maxRestBytes)
    throw new IngestError(
      413,
      `${label} holds ${restBytes} bytes besides its events, more than the ${maxRestBytes} a batch may`,
    );
  const skeleton = Buffer.concat([buffer.subarray(0, open), Buffer.from('[]'), buffer.subarray(close + 1)]);
  const root = parseJsonText(skeleton, label) as unknown[] | { events: unknown[] };
  return {
    count: spans.length,
    bytes(index) {
      const [start, end] = spans[index]!;
      return end - start;
    },
    element(index) {
      const [start, end] = spans[index]!;
      return parseJsonText(buffer.subarray(start, end), `${label} (event ${index})`);
    },
    assemble(elements) {
      if (Array.isArray(root)) return elements;
      root.events = elements;
      return root;
    },
  };
}

interface EventsArray {
  /** Where the array's `[` and `]` are. */
  open: number;
  close: number;
  /** Each element's bytes, from after the `[` or comma before it to the comma or `]` after it. */
  spans: Array<[number, number]>;
}

/** The scan that finds the events array, resumable: `step` reads about `bytes` more, true once done. */
function eventsArrayScan(buffer: Buffer) {
  let index = firstSignificant(buffer);
  const rootIsArray = buffer[index] === OPEN_BRACKET;
  // The depth of the array's elements: 1 in a root array, 2 under the root object's `events` key.
  const elementDepth = rootIsArray ? 1 : 2;
  let depth = 0;
  let found: EventsArray | undefined;
  // Not a batch, or not one that can be split: parse it whole.
  let none = !rootIsArray && buffer[index] !== OPEN_BRACE;
  let inArray = false;
  let start = 0;
  let lastKey: [number, number] | undefined;
  let afterEventsKey = false;
  const step = (bytes: number): boolean => {
    if (none) return true;
    const until = Math.min(buffer.length, index + bytes);
    for (; index < until; index++) {
      const byte = buffer[index];
      if (byte === QUOTE) {
        const end = closingQuote(buffer, index);
        if (end === -1) {
          none = true;
          return true;
        }
        if (depth === 1 && !rootIsArray) lastKey = [index + 1, end];
        index = end;
      } else if (byte === COLON) {
        if (depth === 1 && !rootIsArray && lastKey)
          afterEventsKey = EVENTS_KEY.equals(buffer.subarray(lastKey[0], lastKey[1]));
      } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
        depth++;
        const opensArray =
          byte === OPEN_BRACKET && (rootIsArray ? depth === 1 : depth === 2 && afterEventsKey);
        afterEventsKey = false;
        if (opensArray) {
          if (found) {
            none = true;
            return true;
          }
          found = { open: index, close: -1, spans: [] };
          inArray = true;
          start = index + 1;
        }
      } else if (byte === COMMA) {
        if (depth === 1) afterEventsKey = false;
        if (inArray && depth === elementDepth) {
          found!.spans.push([start, index]);
          start = index + 1;
        }
      } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
        if (inArray && depth === elementDepth) {
          // A `}` closing the array: not JSON, which the whole parse will say.
          if (byte === CLOSE_BRACE) {
            none = true;
            return true;
          }
          // `[]` and `[ ]` hold nothing; `[1, ]` holds an empty element, which its parse refuses.
          if (found!.spans.length > 0 || firstSignificant(buffer, start) < index)
            found!.spans.push([start, index]);
          found!.close = index;
          inArray = false;
        }
        depth--;
      }
    }
    return index >= buffer.length;
  };
  return {
    step,
    result: (): EventsArray | undefined => (!none && found && found.close !== -1 ? found : undefined),
  };
}

/** The character a JSON document opens with, past whitespace and a byte order mark; undefined if none. */
export function openingOf(input: Uint8Array): string | undefined {
  const buffer = asBuffer(input);
  const byte = buffer[firstSignificant(buffer)];
  return byte === undefined ? undefined : String.fromCharCode(byte);
}

/** The first byte from `from` that is not JSON whitespace or part of a UTF-8 byte order mark. */
function firstSignificant(buffer: Buffer, from = 0): number {
  let index = from;
  if (from === 0 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) index = 3;
  while (index < buffer.length) {
    const byte = buffer[index];
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) break;
    index++;
  }
  return index;
}
