import type { IncomingMessage } from 'node:http';
import { joinInSlices } from '../ingest/index.js';
import type { BodyLease } from './body-memory.js';
import { HttpError } from './http-error.js';

/**
 * Reads a request body up to `maxBytes`: 413 beyond, without buffering the
 * rest (the declared length is checked before anything is read). The body
 * is taken from `lease`, which refuses (503) when the bodies of all requests
 * in flight fill the server's share of memory. Listens to the
 * stream's events rather than async-iterating it: the async iterator showed
 * up in the ingest profile, the listeners do not.
 */
export function readBody(
  incoming: IncomingMessage,
  maxBytes: number,
  lease: BodyLease,
  idleMs: number,
): Promise<Buffer> {
  const declared = Number(incoming.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) {
    incoming.resume();
    return Promise.reject(new HttpError(413, `body is larger than ${maxBytes} bytes`));
  }
  // A declared body is taken whole before it is read: refused at once when it cannot fit, rather
  // than after part of it has been read, and not taken from under it by the requests after it.
  // A chunked body is taken chunk by chunk.
  const takeChunks = !(declared >= 0);
  try {
    if (!takeChunks) lease.take(declared);
  } catch (error) {
    incoming.resume();
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Armed only when a body does not come in one piece (most do): a timer per request costs the hot path.
    let idle: NodeJS.Timeout | undefined;
    const onIdle = () => {
      cleanUp();
      reject(
        new HttpError(408, `the body stopped arriving: nothing came for ${idleMs / 1000} s`, {
          connection: 'close',
        }),
      );
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (idle) idle.refresh();
      else if (size !== declared) idle = setTimeout(onIdle, idleMs);
      if (size > maxBytes) {
        cleanUp();
        incoming.resume();
        reject(new HttpError(413, `body is larger than ${maxBytes} bytes`));
        return;
      }
      try {
        if (takeChunks) lease.take(chunk.length);
      } catch (error) {
        cleanUp();
        incoming.resume();
        reject(error);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanUp();
      // Most bodies come in one chunk; a large one (up to 20 MiB) is joined a slice at a time.
      if (chunks.length === 1) resolve(chunks[0]!);
      else joinInSlices(chunks, size).then(resolve, reject);
    };
    // The client went away mid-body (the only error a request stream emits).
    const onError = () => {
      cleanUp();
      reject(new HttpError(400, 'the request was aborted before its body arrived'));
    };
    const cleanUp = () => {
      clearTimeout(idle);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
  });
}
