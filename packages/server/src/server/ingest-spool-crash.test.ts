import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '@triage/engine/test';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServeProcess } from '../test/serve-process.js';

const bin = fileURLToPath(new URL('../../bin/triage.js', import.meta.url));
const KEY = 'c'.repeat(32);
const started: ServeProcess[] = [];
afterAll(() => {
  for (const server of started) server.child.kill('SIGKILL');
});

async function serve(database: string) {
  const server = await startServeProcess(
    process.execPath,
    [bin, 'serve', '--port', '0', '--host', '127.0.0.1'],
    {
      env: { TRIAGE_DATABASE_URL: database, TRIAGE_DEFAULT_PROJECT_KEY: KEY, TRIAGE_ADMIN_TOKEN: 'admin' },
    },
  );
  started.push(server);
  return server;
}

const stats = async (url: string) =>
  (await (await fetch(`${url}/api/v1/stats`, { headers: { authorization: 'Bearer admin' } })).json()) as {
    events: number;
    queue: { pending: number; dead: number };
  };

describe('the ingest spool of a server killed under load', () => {
  it('should give the next start every event that was answered 200, each once', async () => {
    const database = join(mkdtempSync(join(tmpdir(), 'triage-spool-crash-')), 'triage.db');
    const first = await serve(database);
    let accepted = 0;
    let inFlight = 0;
    let killed = false;
    const client = async () => {
      while (!killed) {
        inFlight++;
        try {
          const response = await fetch(`${first.url}/api/v1/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-triage-key': KEY },
            body: JSON.stringify({ service: 'checkout', log: ['ERROR: connect ECONNREFUSED 10.0.0.7:5432'] }),
          });
          if (response.status === 200) accepted++;
        } catch {
          // Killed with the request in flight: never answered.
        } finally {
          inFlight--;
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    expect(await until(() => accepted >= 300, 20_000)).toBe(true);
    // No clean stop: whatever was spooled and not yet moved into the database is left as it is.
    first.child.kill('SIGKILL');
    killed = true;
    const unanswered = inFlight;
    await first.exited;
    await Promise.all(clients);

    const second = await serve(database);
    expect(await until(async () => (await stats(second.url)).queue.pending === 0, 30_000)).toBe(true);
    const { events, queue } = await stats(second.url);
    // Requests in flight at the kill may have been stored without their answer reaching the client.
    expect(events).toBeGreaterThanOrEqual(accepted);
    expect(events).toBeLessThanOrEqual(accepted + unanswered);
    expect(queue.dead).toBe(0);
  }, 60_000);

  it('should leave the spool to the server holding it, a second one on the database writing straight to it', async () => {
    const database = join(mkdtempSync(join(tmpdir(), 'triage-spool-held-')), 'triage.db');
    const first = await serve(database);
    expect(await until(() => first.output().includes(`ingest spool: ${database}-spool`))).toBe(true);
    const second = await serve(database);
    expect(await until(() => second.output().includes(`is held by process ${first.child.pid}`))).toBe(true);
    const response = await fetch(`${second.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-triage-key': KEY },
      body: JSON.stringify({ log: ['ERROR: connect ECONNREFUSED 10.0.0.7:5432'] }),
    });
    expect(response.status).toBe(200);
    expect(await until(async () => (await stats(first.url)).events === 1, 20_000)).toBe(true);
  }, 60_000);
});
