import type { Context } from 'hono';
import { HttpError } from './http-error.js';

/**
 * Reads a request body up to `maxBytes` (413 beyond, without buffering the
 * rest). On Node it reads the IncomingMessage directly: Hono's web-stream body
 * limit costs more per request than the whole rest of ingest.
 */
export async function readBody(c: Context, maxBytes: number): Promise<Buffer> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (declared > maxBytes) throw new HttpError(413, `body is larger than ${maxBytes} bytes`);
  const incoming = (c.env as { incoming?: NodeJS.ReadableStream } | undefined)?.incoming;
  if (!incoming) {
    const body = Buffer.from(await c.req.arrayBuffer());
    if (body.length > maxBytes) throw new HttpError(413, `body is larger than ${maxBytes} bytes`);
    return body;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      (incoming as unknown as { destroy?: () => void }).destroy?.();
      throw new HttpError(413, `body is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
