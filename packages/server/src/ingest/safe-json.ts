import { IngestError } from './ingest-error.js';

export interface JsonLimits {
  /** Deepest nesting of arrays and objects accepted (default 64). */
  maxDepth?: number;
  /** Largest input accepted, in bytes; larger ones are refused with 413. */
  maxBytes?: number;
  /** What the input is, for the error message: "body", "item 2 header"… (default "body"). */
  label?: string;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Parses untrusted JSON bytes, refusing (IngestError 400) what JSON.parse would choke on or
 * what would hurt later code: bytes that are not UTF-8 and nesting deeper than `maxDepth`.
 * Depth is checked by a byte scan before JSON.parse, so 100,000 `[` fail fast and without
 * recursion.
 */
export function parseJsonLimited(
  buffer: Uint8Array,
  { maxDepth = 64, maxBytes = Number.POSITIVE_INFINITY, label = 'body' }: JsonLimits = {},
): unknown {
  if (buffer.length > maxBytes) throw new IngestError(413, `${label} is larger than ${maxBytes} bytes`);
  const text = decodeUtf8(buffer, label);
  checkDepth(buffer, maxDepth, label);
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
// reuses ASCII byte values inside multi-byte sequences.
function checkDepth(buffer: Uint8Array, maxDepth: number, label: string): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < buffer.length; index++) {
    const byte = buffer[index];
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxDepth) throw new IngestError(400, `${label} nests deeper than ${maxDepth} levels`);
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
}
