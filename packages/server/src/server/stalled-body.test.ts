import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@triage/engine/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './start-server.js';

const KEY = 's'.repeat(32);

// Node bounds the whole request (five minutes), not a pause in it: a client that stopped mid-body
// held its share of the ingest memory, up to 20 MiB, that long.
describe('a body that stops arriving', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      databaseUrl: join(mkdtempSync(join(tmpdir(), 'triage-stalled-')), 'triage.db'),
      env: { TRIAGE_ADMIN_TOKEN: 'admin', TRIAGE_DEFAULT_PROJECT_KEY: KEY, TRIAGE_WORKERS: '0' },
      log: () => {},
    });
    server.context.limits = { ...server.context.limits, bodyIdleMs: 1_000 };
  });
  afterAll(() => server?.close());

  const held = async () => {
    const answer = await fetch(`${server.url}/api/v1/stats`, { headers: { authorization: 'Bearer admin' } });
    return ((await answer.json()) as { ingest: { bodyBytesHeld: number } }).ingest.bodyBytesHeld;
  };
  /** Sends the first `sent` bytes of a body of `declared` (or chunked), then nothing. */
  const stall = (declared: number | undefined, sent: number) =>
    new Promise<{ status: number; body: string; closed: Promise<void> }>((resolve, reject) => {
      const client = request(
        `${server.url}/api/v1/events`,
        {
          method: 'POST',
          headers: {
            'x-triage-key': KEY,
            ...(declared === undefined
              ? { 'transfer-encoding': 'chunked' }
              : { 'content-length': String(declared) }),
          },
        },
        (response) => {
          let body = '';
          response.on('data', (chunk) => {
            body += chunk;
          });
          const closed = new Promise<void>((done) => client.socket?.once('close', () => done()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body, closed }));
        },
      );
      client.on('error', reject);
      client.write(Buffer.alloc(sent, 32));
    });

  it.each([
    ['with a Content-Length', 1024 * 1024],
    ['chunked', undefined],
  ])('should answer 408 and let its memory go, %s', async (_case, declared) => {
    const answer = stall(declared, 64 * 1024);
    expect(await until(async () => (await held()) > 0, 5_000)).toBe(true);
    const { status, body, closed } = await answer;
    expect(status).toBe(408);
    expect(JSON.parse(body)).toEqual({ error: 'the body stopped arriving: nothing came for 1 s' });
    await closed;
    expect(await held()).toBe(0);
  });

  it('should wait for a body that comes slowly but keeps coming', async () => {
    const body = Buffer.from(JSON.stringify({ log: ['ERROR: slow but steady'] }));
    const status = await new Promise<number>((resolve, reject) => {
      const client = request(
        `${server.url}/api/v1/events`,
        { method: 'POST', headers: { 'x-triage-key': KEY, 'content-length': String(body.length) } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      client.on('error', reject);
      // A byte every 100 ms: four times the idle limit in all, never a second without one.
      let sent = 0;
      const drip = setInterval(() => {
        client.write(body.subarray(sent, sent + 1));
        sent++;
        if (sent === body.length) {
          clearInterval(drip);
          client.end();
        }
      }, 100);
    });
    expect(status).toBe(200);
  }, 20_000);
});
