import type { ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { openSqlStore } from '@triage/engine';
import { startFakeLlmServer, testDatabase, until } from '@triage/engine/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeProcess } from '../test/serve-process.js';

const bin = fileURLToPath(new URL('../../bin/triage.js', import.meta.url));
const postgres = testDatabase('triage_two');
const rateDatabase = testDatabase('triage_two_rate');
const children: ChildProcess[] = [];

/** Starts a real `triage serve` process and resolves with its URL once it listens. */
async function serveProcess(env: Record<string, string>): Promise<string> {
  const server = await startServeProcess(
    process.execPath,
    [bin, 'serve', '--port', '0', '--host', '127.0.0.1'],
    {
      env,
    },
  );
  children.push(server.child);
  return server.url;
}

beforeAll(async () => {
  await postgres.create();
  await rateDatabase.create();
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await postgres.drop();
  await rateDatabase.drop();
});

describe('two triage serve processes on one PostgreSQL database', () => {
  it('should analyse and alert once for one fingerprint, whichever instance received the events', async () => {
    const llm = await startFakeLlmServer();
    const alerts: unknown[] = [];
    const receiver = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        alerts.push(JSON.parse(body));
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const env = {
      TRIAGE_DATABASE_URL: postgres.url,
      TRIAGE_ADMIN_TOKEN: 'admin',
      TRIAGE_DEFAULT_PROJECT_KEY: 'k'.repeat(32),
      GROQ_API_KEY: 'gsk_fake',
      TRIAGE_LLM_BASE_URL: llm.groqUrl,
      TRIAGE_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      TRIAGE_WEBHOOK_SECRET: 'shh',
      TRIAGE_ALERT_TO: 'oncall@example.com',
    };
    try {
      // Started one after the other: both run the migrations, the second finds them done.
      const first = await serveProcess(env);
      const second = await serveProcess(env);
      const send = (url: string, order: number) =>
        fetch(`${url}/api/v1/events`, {
          method: 'POST',
          headers: { 'x-triage-key': env.TRIAGE_DEFAULT_PROJECT_KEY, 'content-type': 'application/json' },
          body: JSON.stringify({
            source: { file: 'src/pay.ts', function: 'Pay' },
            priority: 'P1',
            log: [`ERROR: Connection pool exhausted (${order % 10}/10 connections active) order=${order}`],
          }),
        });
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, order) => send(order % 2 ? first : second, order)),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));

      const issues = async () =>
        (await (
          await fetch(`${first}/api/v1/issues`, { headers: { authorization: 'Bearer admin' } })
        ).json()) as {
          issues: Array<{ count: number; analyzedAt?: number }>;
        };
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const { issues: found } = await issues();
        if (found.length === 1 && found[0]!.count === 20 && found[0]!.analyzedAt && alerts.length >= 1) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Let any duplicate that would come, come.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const { issues: found } = await issues();
      expect(found).toHaveLength(1);
      expect(found[0]!.count).toBe(20);
      expect(llm.requests).toHaveLength(1);
      expect(alerts, JSON.stringify(alerts, null, 1)).toHaveLength(1);
    } finally {
      await llm.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  }, 60_000);

  it('should share one rate limit: what one instance let through, the other refuses', async () => {
    const key = 'r'.repeat(32);
    // Ten events a minute: one comes back every six seconds, far slower than the test runs.
    const env = {
      TRIAGE_DATABASE_URL: rateDatabase.url,
      TRIAGE_ADMIN_TOKEN: 'admin',
      TRIAGE_DEFAULT_PROJECT_KEY: key,
      TRIAGE_RATE_LIMIT_PER_MINUTE: '10',
    };
    const first = await serveProcess(env);
    const second = await serveProcess(env);
    const send = (url: string, count: number) =>
      fetch(`${url}/api/v1/events`, {
        method: 'POST',
        headers: { 'x-triage-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ events: Array.from({ length: count }, () => ({ log: ['ERROR: limited'] })) }),
      });
    expect((await send(second, 1)).status).toBe(200);
    expect((await send(first, 9)).status).toBe(200);
    // Both instances settled what they let through (one second apart at most)…
    const store = await openSqlStore({ url: rateDatabase.url });
    try {
      const settled = await until(async () => {
        // The events' bucket of the default project (`bytes:1` holds its bytes).
        const rows = await store.db
          .selectFrom('rate_buckets')
          .select('tokens')
          .where('bucket', '=', '1')
          .execute();
        return rows.length === 1 && Number(rows[0]!.tokens) < 1;
      }, 20_000);
      expect(settled).toBe(true);
    } finally {
      await store.close();
    }
    // …and each takes up the other's use at its next settle. On its own, the second had nine left.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const refused = await send(second, 5);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await send(first, 5)).status).toBe(429);
  }, 60_000);
});
