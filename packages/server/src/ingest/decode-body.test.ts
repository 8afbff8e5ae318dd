import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { asyncRefusal } from './__fixtures__/refusal.js';
import { decodeBody, decodeStoreBody } from './decode-body.js';

const limits = { maxDecodedBytes: 1024 * 1024 };
const text = Buffer.from('{"type":"event"}\n{"message":"hello"}\n'.repeat(50));

/** Compresses `total` zero bytes by streaming one 1 MiB buffer through `compressor`: bounded memory. */
async function compressedZeros(total: number, compressor: zlib.Gzip | zlib.BrotliCompress): Promise<Buffer> {
  const chunk = Buffer.alloc(1024 * 1024);
  const chunks: Buffer[] = [];
  await pipeline(
    Readable.from(
      (function* () {
        for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
      })(),
    ),
    compressor,
    new Writable({
      write(part: Buffer, _encoding, done) {
        chunks.push(part);
        done();
      },
    }),
  );
  return Buffer.concat(chunks);
}

describe('decodeBody', () => {
  it('should return an identity body as it is', async () => {
    expect(await decodeBody(text, undefined, limits)).toBe(text);
    expect(await decodeBody(text, 'identity', limits)).toBe(text);
    // sentry.java.android 2.0's `Content-Encoding: UTF-8`, a charset: refused with 415 before.
    expect(await decodeBody(text, 'UTF-8', limits)).toBe(text);
    expect(await decodeBody(text, '', limits)).toBe(text);
  });

  it.each([
    ['gzip', zlib.gzipSync(text)],
    ['x-gzip', zlib.gzipSync(text)],
    ['GZIP', zlib.gzipSync(text)],
    ['deflate', zlib.deflateSync(text)],
    ['br', zlib.brotliCompressSync(text)],
  ])('should decode %s', async (encoding, body) => {
    expect(await decodeBody(body, encoding, limits)).toEqual(text);
  });

  it('should decode raw deflate sent as "deflate" (no zlib header)', async () => {
    expect(await decodeBody(zlib.deflateRawSync(text), 'deflate', limits)).toEqual(text);
  });

  it('should undo stacked encodings last to first', async () => {
    const body = zlib.brotliCompressSync(zlib.gzipSync(text));
    expect(await decodeBody(body, 'gzip, br', limits)).toEqual(text);
  });

  it('should give a large body back byte for byte, joined from many pieces of output in slices', async () => {
    // 9 MiB and a few bytes that differ everywhere: a piece put at the wrong place would show.
    const original = Buffer.alloc(9 * 1024 * 1024 + 7);
    for (let index = 0; index < original.length; index++)
      original[index] = Math.imul(index, 2654435761) >>> 24;
    const decoded = await decodeBody(zlib.gzipSync(original), 'gzip', { maxDecodedBytes: 16 * 1024 * 1024 });
    expect(decoded.length).toBe(original.length);
    expect(decoded.equals(original)).toBe(true);
  });

  it('should decode a gzip body of several members', async () => {
    const body = Buffer.concat([zlib.gzipSync('first '), zlib.gzipSync('second')]);
    expect((await decodeBody(body, 'gzip', limits)).toString()).toBe('first second');
  });

  it('should refuse an unknown encoding with 415', async () => {
    const error = await asyncRefusal(decodeBody(text, 'compress', limits));
    expect(error.status).toBe(415);
    expect(error.message).toBe('unsupported content encoding "compress" (supported: gzip, deflate, br)');
    expect((await asyncRefusal(decodeBody(text, 'zstd', limits))).status).toBe(415);
  });

  it('should refuse corrupt data with 400 and the zlib reason', async () => {
    const error = await asyncRefusal(decodeBody(text, 'gzip', limits));
    expect(error.status).toBe(400);
    expect(error.message).toBe('body could not be decompressed (gzip): incorrect header check');
  });

  it('should refuse a truncated gzip body with 400', async () => {
    const body = zlib.gzipSync(text);
    const error = await asyncRefusal(decodeBody(body.subarray(0, body.length - 10), 'gzip', limits));
    expect(error.status).toBe(400);
    expect(error.message).toBe('body could not be decompressed (gzip): unexpected end of file');
  });

  it('should refuse an identity body over the limit with 413', async () => {
    const error = await asyncRefusal(decodeBody(text, undefined, { maxDecodedBytes: 100 }));
    expect(error.status).toBe(413);
    expect(error.message).toBe('body is larger than 100 bytes');
  });

  it('should refuse a body that decompresses past the limit with 413', async () => {
    const error = await asyncRefusal(decodeBody(zlib.gzipSync(text), 'gzip', { maxDecodedBytes: 100 }));
    expect(error.status).toBe(413);
    expect(error.message).toBe('decompressed body is larger than 100 bytes');
  });

  it('should refuse a gzip bomb of 1 GiB of zeros with 413 in bounded memory', async () => {
    const bomb = await compressedZeros(1024 ** 3, zlib.createGzip({ level: 1 }));
    expect(bomb.length).toBeLessThan(8 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    const error = await asyncRefusal(decodeBody(bomb, 'gzip', { maxDecodedBytes: 10 * 1024 * 1024 }));
    expect(error.status).toBe(413);
    expect(error.message).toBe('decompressed body is larger than 10485760 bytes');
    // Decoding the whole bomb would take 1 GiB; stopping at the cap takes a few dozen MiB at most.
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('should refuse a brotli bomb and a bomb of many gzip members with 413', async () => {
    const brotli = await compressedZeros(
      1024 ** 3,
      zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } }),
    );
    expect((await asyncRefusal(decodeBody(brotli, 'br', limits))).status).toBe(413);
    // Gzip allows concatenated members: 1 MiB of zeros compresses to ~1 KiB, repeated 1024 times.
    const member = zlib.gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    const members = Buffer.concat(Array.from({ length: 1024 }, () => member));
    expect((await asyncRefusal(decodeBody(members, 'gzip', limits))).status).toBe(413);
  });

  it('should hand each piece of output to take before keeping it, stacked codings included', async () => {
    const taken: number[] = [];
    const twice = zlib.brotliCompressSync(zlib.gzipSync(text));
    const decoded = await decodeBody(twice, 'gzip, br', { ...limits, take: (bytes) => taken.push(bytes) });
    expect(decoded.equals(text)).toBe(true);
    // What brotli gave back (the gzip body), then what gzip gave back (the text).
    expect(taken.reduce((sum, bytes) => sum + bytes, 0)).toBe(zlib.gzipSync(text).length + text.length);
  });

  it('should stop decoding when take refuses, and reject with what it threw', async () => {
    const refusal = new Error('memory full');
    let taken = 0;
    const bomb = await compressedZeros(64 * 1024 * 1024, zlib.createGzip({ level: 1 }));
    const decoding = decodeBody(bomb, 'gzip', {
      maxDecodedBytes: 100 * 1024 * 1024,
      take: (bytes) => {
        if (taken + bytes > 1024 * 1024) throw refusal;
        taken += bytes;
      },
    });
    await expect(decoding).rejects.toBe(refusal);
    expect(taken).toBeLessThanOrEqual(1024 * 1024);
  });
});

describe('decodeStoreBody', () => {
  const json = Buffer.from('{"message":"raven was here","level":40}');

  it('should read what old SDKs sent to the store endpoint: base64 of zlib, or of JSON', async () => {
    // raven-php: base64_encode(gzcompress($json)), in lines of 76 as some clients wrap it.
    const wrapped = zlib
      .deflateSync(json)
      .toString('base64')
      .replace(/(.{76})/g, '$1\n');
    expect(await decodeStoreBody(Buffer.from(wrapped), limits)).toEqual(json);
    expect(await decodeStoreBody(Buffer.from(json.toString('base64url')), limits)).toEqual(json);
  });

  it('should give JSON, and what is neither JSON nor base64 of it, back as it is', async () => {
    for (const body of [
      json,
      Buffer.from('  {"a":1}'),
      Buffer.from('null'),
      Buffer.from('not base64!'),
      Buffer.alloc(0),
    ])
      expect(await decodeStoreBody(body, limits)).toBe(body);
  });

  it('should leave a body too large to be one event as it is, for the parse to refuse', async () => {
    // Base64 of JSON, too large to be one event: not decoded.
    const json = JSON.stringify({ message: 'x'.repeat(2 * limits.maxDecodedBytes) });
    const large = Buffer.from(Buffer.from(json).toString('base64'));
    // Compared by identity: a failure prints no diff of megabytes.
    expect((await decodeStoreBody(large, limits)) === large).toBe(true);
    // The same shape within the size is.
    const small = Buffer.from(Buffer.from('{"message":"x"}').toString('base64'));
    expect((await decodeStoreBody(small, limits)).toString()).toBe('{"message":"x"}');
  });

  it('should bound what it inflates as decodeBody does', async () => {
    const bomb = zlib.deflateSync(Buffer.alloc(2 * 1024 * 1024, 32)).toString('base64');
    await expect(decodeStoreBody(Buffer.from(bomb), limits)).rejects.toMatchObject({ status: 413 });
  });
});
