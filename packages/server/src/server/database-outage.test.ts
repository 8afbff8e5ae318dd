import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { testDatabase } from '@triage/engine/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './start-server.js';

const postgres = testDatabase('triage_outage');
const target = new URL(postgres.url);

/**
 * A TCP path to the real PostgreSQL server that the test can cut and mend: cutting closes the port
 * and ends every open connection, as a restart or a failover does to the server's clients.
 */
function cuttableLink() {
  const sockets = new Set<Socket>();
  let listener: Server | undefined;
  let port = 0;
  const up = () =>
    new Promise<void>((resolve) => {
      listener = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        sockets.add(client).add(upstream);
        for (const socket of [client, upstream]) {
          socket.on('error', () => {});
          socket.on('close', () => sockets.delete(socket));
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      listener.listen(port, '127.0.0.1', () => {
        port = (listener!.address() as AddressInfo).port;
        resolve();
      });
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      listener!.close(() => resolve());
    });
  return { up, down, url: () => `postgres://${target.username}@127.0.0.1:${port}${target.pathname}` };
}

let server: RunningServer;
const link = cuttableLink();
const KEY = 'o'.repeat(32);

beforeAll(async () => {
  await postgres.create();
  await link.up();
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: link.url(),
    env: {
      TRIAGE_ADMIN_TOKEN: 'admin',
      TRIAGE_DEFAULT_PROJECT_KEY: KEY,
      TRIAGE_ALERT_TO: 'oncall@example.com',
    },
    log: () => {},
  });
});
afterAll(async () => {
  await server?.close();
  await postgres.drop();
});

const ingest = (line: string) =>
  fetch(`${server.url}/api/v1/events`, {
    method: 'POST',
    headers: { 'x-triage-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'orders', log: [`ERROR: ${line}`] }),
  });

describe('the database going away and coming back', () => {
  it('should answer 503 with Retry-After while it is gone, stay up, and take events again once it is back', async () => {
    expect((await ingest('before the outage')).status).toBe(200);
    expect(await server.context.jobs.drain(10_000)).toBe(true);

    // Idle pooled connections are ended under the server's feet: with no listener for the pool's
    // 'error' event, that was an uncaught exception and the process died.
    await link.down();
    const refused = await ingest('during the outage');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toEqual({
      error: 'the database is unavailable: nothing was stored, send the events again later',
    });
    const stats = await fetch(`${server.url}/api/v1/stats`, { headers: { authorization: 'Bearer admin' } });
    expect(stats.status).toBe(503);
    expect(stats.headers.get('retry-after')).toBe('5');

    await link.up();
    expect((await ingest('after the outage')).status).toBe(200);
    expect(await server.context.jobs.drain(10_000)).toBe(true);
    // The event refused during the outage is not among them: its sender was told to send it again.
    const after = await fetch(`${server.url}/api/v1/stats`, { headers: { authorization: 'Bearer admin' } });
    expect(await after.json()).toMatchObject({ events: 2, queue: { pending: 0, dead: 0 } });
  }, 30_000);
});
