import { mkdtempSync } from 'node:fs';
import { type ClientRequest, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@triage/engine/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyMemory, SMALL_BODY_BYTES } from './body-memory.js';
import { HttpError } from './http-error.js';
import { type RunningServer, startServer } from './start-server.js';

const MiB = 1024 * 1024;

describe('BodyMemory', () => {
  it('should lend up to its limit across leases, refuse past it with 503, and take back what a lease held', () => {
    const memory = new BodyMemory(100);
    const first = memory.lease();
    const second = memory.lease();
    first.take(60);
    second.take(30);
    expect(memory.used).toBe(90);
    let refusal: unknown;
    try {
      second.take(20);
    } catch (error) {
      refusal = error;
    }
    expect(HttpError.isInstance(refusal) && refusal.status).toBe(503);
    expect((refusal as HttpError).headers).toEqual({ 'retry-after': '1', connection: 'close' });
    expect(memory).toMatchObject({ used: 90, refused: 1 });
    first.release();
    first.release();
    expect(memory.used).toBe(30);
    second.take(20);
    second.release();
    expect(memory.used).toBe(0);
  });

  it('should keep a sixteenth for requests that stay small, whatever the large ones hold', () => {
    const memory = new BodyMemory(64 * MiB);
    expect(memory.largeLimitBytes).toBe(60 * MiB);
    const large = Array.from({ length: 6 }, () => memory.lease());
    for (const lease of large) lease.take(10 * MiB);
    // 60 MiB held by large requests: a seventh grows past the small size and is refused, though
    // 4 MiB are left.
    const seventh = memory.lease();
    seventh.take(SMALL_BODY_BYTES);
    expect(() => seventh.take(1)).toThrow(HttpError);
    expect(memory).toMatchObject({ used: 60 * MiB + SMALL_BODY_BYTES, refused: 1 });
    // The rest goes to small requests: three more of 1 MiB.
    const small = Array.from({ length: 3 }, () => memory.lease());
    for (const lease of small) lease.take(SMALL_BODY_BYTES);
    expect(memory.used).toBe(64 * MiB);
    expect(() => memory.lease().take(1)).toThrow(HttpError);
    // A large one that ends makes room for large ones again; the small share was counted apart.
    large[0]!.release();
    const eighth = memory.lease();
    eighth.take(SMALL_BODY_BYTES / 2);
    eighth.take(9 * MiB);
    expect(memory.used).toBe(64 * MiB - MiB / 2);
    for (const lease of [...large, seventh, ...small, eighth]) lease.release();
    expect(memory.used).toBe(0);
    // Everything given back: one request may take the whole large share again.
    const whole = memory.lease();
    whole.take(60 * MiB);
    whole.release();
  });
});

describe('ingest with its memory for request bodies full', () => {
  let server: RunningServer;
  const KEY = 'm'.repeat(32);
  const held: ClientRequest[] = [];
  beforeAll(async () => {
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      databaseUrl: join(mkdtempSync(join(tmpdir(), 'triage-memory-')), 'triage.db'),
      env: {
        TRIAGE_ADMIN_TOKEN: 'admin',
        TRIAGE_DEFAULT_PROJECT_KEY: KEY,
        TRIAGE_ALERT_TO: 'oncall@example.com',
        TRIAGE_INGEST_MEMORY_MB: '128',
        // 130 MiB of bodies go through in this test: the byte rate limit is not what it is about.
        TRIAGE_RATE_LIMIT_MB_PER_MINUTE: '1000',
      },
      log: () => {},
    });
  });
  afterAll(async () => {
    for (const slow of held) slow.destroy();
    await server?.close();
  });

  /**
   * A request that sends all of a 20 MiB body but its last byte, and waits; resolves with its status
   * once finished. `declared`: with a Content-Length (taken whole at once), else chunked (taken as read).
   */
  const slowUpload = (filler: Buffer, declared: boolean) => {
    const answered = new Promise<number>((resolve, reject) => {
      const slow = request(
        `${server.url}/api/v1/events`,
        {
          method: 'POST',
          headers: {
            'x-triage-key': KEY,
            ...(declared
              ? { 'content-length': String(filler.length + 1) }
              : { 'transfer-encoding': 'chunked' }),
          },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      slow.on('error', reject);
      slow.write(filler);
      held.push(slow);
    });
    return answered;
  };
  const postEvent = (log: string[]) =>
    fetch(`${server.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'x-triage-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ log }),
    });
  const stats = async () =>
    (await (
      await fetch(`${server.url}/api/v1/stats`, { headers: { authorization: 'Bearer admin' } })
    ).json()) as {
      events: number;
      ingest: {
        bodyBytesHeld: number;
        refusedForMemory: number;
        rateLimitedRequests: number;
        rateLimitedEvents: number;
        byteLimitedRequests: number;
        byteLimitedBytes: number;
      };
    };

  it('should answer 503 with Retry-After while the bodies in flight fill it, and take events again once they are gone', async () => {
    const filler = Buffer.alloc(20 * MiB - 1, 32);
    const answers = Array.from({ length: 6 }, (_, index) => slowUpload(filler, index > 0));
    // Six bodies of 20 MiB on their way, all but their last byte: five declared, taken whole, and a
    // chunked one taken as far as it has been read. 120 MiB of the 128.
    const heldBytes = 5 * (filler.length + 1) + filler.length;
    expect(await until(async () => (await stats()).ingest.bodyBytesHeld === heldBytes, 10_000)).toBe(true);

    // 8 MiB are free, but they are kept for small requests: what large bodies may hold together
    // (120 MiB, fifteen sixteenths) is full, so a large one of 7 MiB is refused.
    const refused = await postEvent(['ERROR: one more', 'x'.repeat(7 * MiB)]);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({
      error: 'the server holds as much request data as it can just now: send again shortly',
    });
    // A small event still fits.
    const small = await postEvent(['ERROR: a small one']);
    expect(small.status).toBe(200);
    // And eight at once of 900 KiB each.
    const smallOnes = await Promise.all(
      Array.from({ length: 8 }, (_, index) => postEvent([`ERROR: small ${index}`, 'y'.repeat(900 * 1024)])),
    );
    expect(smallOnes.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);

    // The held requests end (their bodies of spaces are not JSON) and give their memory back.
    for (const slow of held) slow.end(' ');
    expect(await Promise.all(answers)).toEqual([400, 400, 400, 400, 400, 400]);
    expect((await stats()).ingest).toEqual({
      bodyBytesHeld: 0,
      refusedForMemory: 1,
      rateLimitedRequests: 0,
      rateLimitedEvents: 0,
      byteLimitedRequests: 0,
      byteLimitedBytes: 0,
      telemetryLimitedRequests: 0,
      telemetryLimitedBytes: 0,
    });
    const again = await postEvent(['ERROR: one more', 'x'.repeat(10 * MiB)]);
    // Over the 1 MiB an event may hold, but read and parsed: the memory had room for it again.
    expect(again.status).toBe(413);
  }, 30_000);
});
