import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { IngestError } from './ingest-error.js';

export interface DecodeBodyOptions {
  /** Largest body accepted after decompression; larger ones are refused with 413. */
  maxDecodedBytes: number;
}

type Decoder = (bytes: Buffer, options: zlib.ZlibOptions & zlib.BrotliOptions) => Promise<Buffer>;

const gunzip = promisify(zlib.gunzip) as Decoder;
const inflate = promisify(zlib.inflate) as Decoder;
const inflateRaw = promisify(zlib.inflateRaw) as Decoder;
const brotli = promisify(zlib.brotliDecompress) as Decoder;

const DECODERS: Record<string, (bytes: Buffer) => Decoder> = {
  gzip: () => gunzip,
  'x-gzip': () => gunzip,
  // RFC 9110 says zlib-wrapped, but some clients send raw deflate: the zlib header tells them apart.
  deflate: (bytes) => (hasZlibHeader(bytes) ? inflate : inflateRaw),
  br: () => brotli,
};

/** Codings stacked in one Content-Encoding header; more is an attack, not a client. */
const MAX_CODINGS = 3;

/**
 * Undoes the request's Content-Encoding (identity, gzip, deflate, br, or a list of them).
 * Output is capped by zlib's `maxOutputLength`, so a decompression bomb is refused with 413
 * after at most `maxDecodedBytes` of memory. Unknown encodings give 415, corrupt data 400.
 */
export async function decodeBody(
  bytes: Buffer,
  contentEncoding: string | undefined,
  { maxDecodedBytes }: DecodeBodyOptions,
): Promise<Buffer> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
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
    body = await decodeOne(body, coding, maxDecodedBytes);
  }
  return body;
}

async function decodeOne(bytes: Buffer, coding: string, maxDecodedBytes: number): Promise<Buffer> {
  const decoder = DECODERS[coding]!(bytes);
  try {
    return await decoder(bytes, { maxOutputLength: maxDecodedBytes });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new IngestError(413, `decompressed body is larger than ${maxDecodedBytes} bytes`, {
        cause: error,
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new IngestError(400, `body could not be decompressed (${coding}): ${reason}`, { cause: error });
  }
}

function hasZlibHeader(bytes: Buffer): boolean {
  const [first, second] = bytes;
  return (
    first !== undefined && second !== undefined && (first & 0x0f) === 8 && (first * 256 + second) % 31 === 0
  );
}
