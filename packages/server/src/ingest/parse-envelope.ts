import { IngestError } from './ingest-error.js';
import { parseJsonLimited } from './safe-json.js';

/** The envelope's first line: known fields typed, anything else kept. */
export interface EnvelopeHeader {
  event_id?: string;
  dsn?: string;
  sent_at?: string;
  [key: string]: unknown;
}

/** One item's header line: `type` is required, `length` is the payload's byte length when given. */
export interface EnvelopeItemHeader {
  type: string;
  length?: number;
  content_type?: string;
  [key: string]: unknown;
}

export interface EnvelopeItem {
  header: EnvelopeItemHeader;
  /** A view into the envelope body, not a copy. */
  payload: Buffer;
}

export interface Envelope {
  header: EnvelopeHeader;
  items: EnvelopeItem[];
}

export interface ParseEnvelopeOptions {
  /** Largest payload of one item, in bytes (413 beyond). */
  maxItemBytes: number;
  /** Most items in one envelope (413 beyond). */
  maxItems: number;
}

const NEWLINE = 0x0a;
/** Header lines are small JSON objects; deep nesting there is never legitimate. */
const HEADER_MAX_DEPTH = 8;
const HEADER_MAX_BYTES = 64 * 1024;

/**
 * Splits a Sentry envelope (develop.sentry.dev/sdk/data-model/envelopes) into its header and
 * items. An item with a `length` is read by byte count (its payload may hold newlines); one
 * without runs to the next newline. The final newline is optional. Anything malformed is an
 * IngestError 400 naming the item and the reason; limits give 413.
 */
export function parseEnvelope(body: Buffer, { maxItemBytes, maxItems }: ParseEnvelopeOptions): Envelope {
  if (body.length === 0) throw new IngestError(400, 'envelope is empty');
  const headerEnd = lineEnd(body, 0);
  const header = parseHeaderLine(body.subarray(0, headerEnd), 'envelope header') as EnvelopeHeader;
  const items: EnvelopeItem[] = [];
  let offset = headerEnd + 1;
  while (offset < body.length) {
    // Trailing blank lines after the last item are tolerated; a blank line between items is not.
    if (isBlank(body, offset)) break;
    const number = items.length + 1;
    if (number > maxItems) throw new IngestError(413, `envelope has more than ${maxItems} items`);
    const item = readItem(body, offset, number, maxItemBytes);
    items.push(item.item);
    offset = item.next;
  }
  return { header, items };
}

/** Reads the item whose header starts at `offset`; `next` is where the following item starts. */
function readItem(
  body: Buffer,
  offset: number,
  number: number,
  maxItemBytes: number,
): { item: EnvelopeItem; next: number } {
  const label = `item ${number}`;
  const headerEnd = lineEnd(body, offset);
  const header = parseHeaderLine(body.subarray(offset, headerEnd), `${label} header`);
  if (typeof header.type !== 'string' || header.type === '') {
    throw new IngestError(400, `${label}: header has no type`);
  }
  const { length } = header;
  if (length != null && (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0)) {
    throw new IngestError(400, `${label}: length must be a non-negative integer`);
  }
  // The last header may end the body without a newline: its payload is then empty.
  const start = Math.min(headerEnd + 1, body.length);
  let end: number;
  if (length == null) {
    end = lineEnd(body, start);
  } else {
    const left = body.length - start;
    if (length > left) {
      throw new IngestError(400, `${label}: length ${length} exceeds the ${left} bytes left`);
    }
    end = start + length;
    if (end < body.length && body[end] !== NEWLINE) {
      throw new IngestError(400, `${label}: payload of length ${length} is not followed by a newline`);
    }
  }
  if (end - start > maxItemBytes) {
    throw new IngestError(
      413,
      `${label}: payload of ${end - start} bytes exceeds the limit of ${maxItemBytes}`,
    );
  }
  const item = { header: header as EnvelopeItemHeader, payload: body.subarray(start, end) };
  return { item, next: end + 1 };
}

function parseHeaderLine(line: Buffer, label: string): Record<string, unknown> {
  if (line.length === 0) throw new IngestError(400, `${label} is missing`);
  // A literal, not `{ ...limits, label }`: on Node 20 a spread followed by another property takes V8's
  // slow path, and that was most of the cost of parsing a small envelope's headers.
  const value = parseJsonLimited(line, { maxDepth: HEADER_MAX_DEPTH, maxBytes: HEADER_MAX_BYTES, label });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IngestError(400, `${label} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function lineEnd(body: Buffer, from: number): number {
  const index = body.indexOf(NEWLINE, from);
  return index === -1 ? body.length : index;
}

function isBlank(body: Buffer, from: number): boolean {
  for (let index = from; index < body.length; index++) {
    const byte = body[index];
    if (byte !== NEWLINE && byte !== 0x0d && byte !== 0x20 && byte !== 0x09) return false;
  }
  return true;
}
