import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { IngestError } from './ingest-error.js';
import { joinInSlices } from './join-in-slices.js';

export interface DecodeBodyOptions {
  /** Largest body accepted after decompression; larger ones are refused with 413. */
  maxDecodedBytes: number;
  /**
   * Called with the size of each piece of decompressed output before it is kept; what it throws
   * stops the decoding and is what decodeBody rejects with (the server's share of memory for
   * request bodies, which answers 503 when full).
   */
  take?: (bytes: number) => void;
}

const DECODERS: Record<string, (bytes: Buffer) => () => Transform> = {
  gzip: () => zlib.createGunzip,
  'x-gzip': () => zlib.createGunzip,
  // RFC 9110 says zlib-wrapped, but some clients send raw deflate: the zlib header tells them apart.
  deflate: (bytes) => (hasZlibHeader(bytes) ? zlib.createInflate : zlib.createInflateRaw),
  br: () => zlib.createBrotliDecompress,
};

/** A base64 body, as old SDKs sent their store requests; whitespace (line breaks) allowed. */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The body of a store request as older SDKs sent it (raven-php, raven-python and the like): not JSON
 * but base64, of zlib-compressed JSON or of JSON, without a Content-Encoding (as Sentry reads them). A
 * body that starts as JSON, or is not base64, is given back as it is, for the JSON parse to judge. Give
 * `maxDecodedBytes` the limit of one event: what it inflates is bounded by it, as decodeBody's.
 */
export async function decodeStoreBody(bytes: Buffer, options: DecodeBodyOptions): Promise<Buffer> {
  // `maxDecodedBytes` is one event's limit here: base64 of one (about 4/3 of it, with line breaks) is
  // never twice that, and a body that large is left to the parse to refuse, unread as base64.
  if (bytes.length > 2 * options.maxDecodedBytes) return bytes;
  let first = 0;
  while (first < bytes.length && isSpace(bytes[first]!)) first++;
  // `{` (JSON) or nothing: as it is.
  if (first === bytes.length || bytes[first] === 0x7b) return bytes;
  const text = bytes.toString('latin1').replace(/\s+/g, '');
  if (!BASE64.test(text)) return bytes;
  const raw = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  if (hasZlibHeader(raw)) return decodeBody(raw, 'deflate', options);
  // Base64 of JSON; anything else (`null`, `true` read as base64) is left for the parse to refuse.
  return raw[0] === 0x7b ? raw : bytes;
}

const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/** Codings stacked in one Content-Encoding header; more is an attack, not a client. */
const MAX_CODINGS = 3;

/**
 * Undoes the request's Content-Encoding (identity, gzip, deflate, br, or a list of them).
 * The output is counted as it comes out of zlib, so a decompression bomb is refused with 413
 * after at most `maxDecodedBytes` of memory (or by `take`, sooner). Unknown encodings give 415,
 * corrupt data 400.
 */
export async function decodeBody(
  bytes: Buffer,
  contentEncoding: string | undefined,
  { maxDecodedBytes, take }: DecodeBodyOptions,
): Promise<Buffer> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    // sentry.java.android 2.0 sends `UTF-8`, a charset, not a coding: read as none, as Sentry's Relay does.
    .filter((coding) => coding !== '' && coding !== 'identity' && coding !== 'utf-8');
  if (codings.length > MAX_CODINGS) {
    throw new IngestError(415, `too many content encodings (${codings.length}, at most ${MAX_CODINGS})`);
  }
  for (const coding of codings) {
    if (!DECODERS[coding]) {
      throw new IngestError(415, `unsupported content encoding "${coding}" (supported: gzip, deflate, br)`);
    }
  }
  if (codings.length === 0 && bytes.length > maxDecodedBytes) {
    throw new IngestError(413, `body is larger than ${maxDecodedBytes} bytes`);
  }
  let body = bytes;
  // Codings are listed in the order they were applied, so they are undone last to first.
  for (const coding of codings.reverse()) {
    body = await decodeOne(body, coding, maxDecodedBytes, take);
  }
  return body;
}

// A stream rather than zlib's one-shot functions: their output is only seen whole, so thirty
// requests at once could each hold up to the limit before any of it was counted.
function decodeOne(
  bytes: Buffer,
  coding: string,
  maxDecodedBytes: number,
  take: ((bytes: number) => void) | undefined,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const decoder = DECODERS[coding]!(bytes)();
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: Error) => {
      decoder.destroy();
      reject(error);
    };
    decoder.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxDecodedBytes) {
        stop(new IngestError(413, `decompressed body is larger than ${maxDecodedBytes} bytes`));
        return;
      }
      try {
        take?.(chunk.length);
      } catch (error) {
        stop(error as Error);
        return;
      }
      chunks.push(chunk);
    });
    decoder.on('end', () => void joinInSlices(chunks, size).then(resolve, reject));
    decoder.on('error', (error) =>
      reject(
        new IngestError(400, `body could not be decompressed (${coding}): ${error.message}`, {
          cause: error,
        }),
      ),
    );
    decoder.end(bytes);
  });
}

function hasZlibHeader(bytes: Buffer): boolean {
  const [first, second] = bytes;
  return (
    first !== undefined && second !== undefined && (first & 0x0f) === 8 && (first * 256 + second) % 31 === 0
  );
}
