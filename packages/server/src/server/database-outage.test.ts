import { startTcpLink, type TcpLink, testDatabase } from '@triage/engine/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './start-server.js';

const postgres = testDatabase('triage_outage');
const target = new URL(postgres.url);

let server: RunningServer;
let link: TcpLink;
const KEY = 'o'.repeat(32);

beforeAll(async () => {
  await postgres.create();
  // A path to the real PostgreSQL server that the test can cut, or stall as a partition does.
  link = await startTcpLink({ host: target.hostname, port: Number(target.port) });
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: `postgres://${target.username}@127.0.0.1:${link.port}${target.pathname}?connect_timeout=1`,
    env: {
      TRIAGE_ADMIN_TOKEN: 'admin',
      TRIAGE_DEFAULT_PROJECT_KEY: KEY,
      TRIAGE_ALERT_TO: 'oncall@example.com',
      TRIAGE_QUERY_TIMEOUT_SECONDS: '0.5',
    },
    log: () => {},
  });
});
afterAll(async () => {
  await server?.close();
  await link?.close();
  await postgres.drop();
});

const ingest = (line: string) =>
  fetch(`${server.url}/api/v1/events`, {
    method: 'POST',
    headers: { 'x-triage-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'orders', log: [`ERROR: ${line}`] }),
  });
const stats = () => fetch(`${server.url}/api/v1/stats`, { headers: { authorization: 'Bearer admin' } });

async function expectUnavailable(answer: Response): Promise<void> {
  expect(answer.status).toBe(503);
  expect(answer.headers.get('retry-after')).toBe('5');
}

describe('the database going away and coming back', () => {
  it('should answer 503 with Retry-After while it is gone, stay up, and take events again once it is back', async () => {
    expect((await ingest('before the outage')).status).toBe(200);
    expect(await server.context.jobs.drain(10_000)).toBe(true);

    // Idle pooled connections are ended under the server's feet: with no listener for the pool's
    // 'error' event, that was an uncaught exception and the process died.
    await link.cut();
    const refused = await ingest('during the outage');
    await expectUnavailable(refused);
    expect(await refused.json()).toEqual({
      error: 'the database is unavailable: nothing was stored, send the events again later',
    });
    await expectUnavailable(await stats());

    await link.mend();
    expect((await ingest('after the outage')).status).toBe(200);
    expect(await server.context.jobs.drain(10_000)).toBe(true);
    // The event refused during the outage is not among them: its sender was told to send it again.
    expect(await (await stats()).json()).toMatchObject({ events: 2, queue: { pending: 0, dead: 0 } });
  }, 30_000);

  it('should answer 503 in time while the database does not answer at all, and take events again once it does', async () => {
    // Packets lost, nothing reset: without a bound on queries, ingest waited for the kernel to give up
    // on the connection, about 15 minutes.
    link.stall();
    await expectUnavailable(await ingest('during the partition'));
    await expectUnavailable(await stats());

    link.unstall();
    // The stuck connections were closed, not handed out again: the pool opens new ones.
    expect((await ingest('after the partition')).status).toBe(200);
    expect(await server.context.jobs.drain(10_000)).toBe(true);
    expect(await (await stats()).json()).toMatchObject({ events: 3, queue: { pending: 0, dead: 0 } });
  }, 30_000);
});
