import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase } from '@triage/engine/test';
import { createTriage } from '@triage/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from './start-server.js';

const postgres = testDatabase('triage_users');
beforeAll(postgres.create);
afterAll(postgres.drop);

const KEY = 'u'.repeat(32);

// Redaction turns every email into "[email]": users known by email (browser SDKs' setUser({ email }))
// were all one user in "users affected". They are counted by a keyed pseudonym made before redaction,
// with a key the database keeps, so a restart (or another instance) counts a user once.
describe.each([
  ['SQLite', join(mkdtempSync(join(tmpdir(), 'triage-users-')), 'triage.db')],
  ['PostgreSQL', postgres.url],
])('users affected, on %s', (_name, databaseUrl) => {
  it('should count users known by email apart, and the same user once across a restart', async () => {
    const run = async (users: object[]) => {
      const server = await startServer({
        port: 0,
        host: '127.0.0.1',
        databaseUrl,
        env: {
          TRIAGE_ADMIN_TOKEN: 'admin',
          TRIAGE_DEFAULT_PROJECT_KEY: KEY,
          TRIAGE_ALERT_TO: 'oncall@example.com',
        },
        log: () => {},
      });
      try {
        const response = await fetch(`${server.url}/api/v1/events`, {
          method: 'POST',
          headers: { 'x-triage-key': KEY, 'content-type': 'application/json' },
          body: JSON.stringify(
            users.map((user) => ({
              service: 'shop',
              log: ['ERROR: connect ECONNREFUSED 10.0.0.7:5432'],
              user,
            })),
          ),
        });
        expect(response.status).toBe(200);
        expect(await server.context.jobs.drain(15_000)).toBe(true);
        const list = await fetch(`${server.url}/api/v1/issues?service=shop`, {
          headers: { authorization: 'Bearer admin' },
        });
        const [issue] = ((await list.json()) as { issues: Array<{ id: string; usersAffected: number }> })
          .issues;
        const detail = await fetch(`${server.url}/api/v1/issues/${issue!.id}`, {
          headers: { authorization: 'Bearer admin' },
        });
        const { events } = (await detail.json()) as { events: Array<{ user: Record<string, string> }> };
        return { usersAffected: issue!.usersAffected, stored: events.map((event) => event.user) };
      } finally {
        await server.close();
      }
    };
    const first = await run([
      { email: 'alice@example.com' },
      { email: 'bob@example.com' },
      { id: '42' },
      { id: 'alice@example.com' },
    ]);
    // alice (by email, and by an id that is her email), bob, 42.
    expect(first.usersAffected).toBe(3);
    for (const user of first.stored) {
      expect(JSON.stringify(user)).not.toContain('@example.com');
      expect(user.pseudonym).toMatch(/^[0-9a-f]{32}$/);
    }
    // After a restart: alice again, and carol.
    const second = await run([{ email: 'alice@example.com' }, { email: 'carol@example.com' }]);
    expect(second.usersAffected).toBe(4);
  });
});

// The Node SDK sends a pseudonym it made with its DSN's key (an email never leaves the process); a
// Sentry SDK, or plain HTTP, sends the email. One user reported both ways was two users.
describe('users affected, across SDKs', () => {
  it('should give a user the same pseudonym through the Node SDK, a Sentry envelope and plain HTTP', async () => {
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      databaseUrl: join(mkdtempSync(join(tmpdir(), 'triage-users-sdks-')), 'triage.db'),
      env: { TRIAGE_ADMIN_TOKEN: 'admin', TRIAGE_DEFAULT_PROJECT_KEY: KEY },
      log: () => {},
    });
    try {
      const triage = createTriage({ dsn: server.dsn, summary: 'none', service: 'shop' });
      for (const email of ['dana@example.com', 'erin@example.com']) {
        const scope = triage.scope({ file: 'src/cart.ts', func: 'Checkout', user: { email } });
        scope.error('connect ECONNREFUSED 10.0.0.7:5432');
        scope.end();
      }
      expect(await triage.flush(10_000)).toBe(true);
      await triage.close();
      const sentry = await fetch(`${server.url}/api/1/envelope/?sentry_key=${KEY}`, {
        method: 'POST',
        body: [
          '{}',
          '{"type":"event"}',
          JSON.stringify({
            level: 'error',
            message: 'payment webhook signature mismatch',
            tags: { service: 'shop' },
            user: { email: 'dana@example.com' },
          }),
        ].join('\n'),
      });
      expect(sentry.status).toBe(200);
      const native = await fetch(`${server.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'x-triage-key': KEY, 'content-type': 'application/json' },
        body: JSON.stringify({
          service: 'shop',
          log: ['ERROR: inventory feed stalled'],
          user: { id: 'dana@example.com' },
        }),
      });
      expect(native.status).toBe(200);
      expect(await server.context.jobs.drain(15_000)).toBe(true);

      const get = async (path: string) =>
        (await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer admin' } })).json();
      const { issues } = (await get('/api/v1/issues?limit=50')) as { issues: Array<{ id: string }> };
      const users: Array<Record<string, string>> = [];
      for (const issue of issues) {
        const { events } = (await get(`/api/v1/issues/${issue.id}`)) as {
          events: Array<{ user?: Record<string, string> }>;
        };
        for (const event of events) if (event.user) users.push(event.user);
      }
      expect(users).toHaveLength(4);
      for (const user of users) expect(JSON.stringify(user)).not.toContain('@example.com');
      const pseudonyms = new Set(users.map((user) => user.pseudonym));
      // Dana three times, Erin once.
      expect(pseudonyms.size).toBe(2);
      expect([...pseudonyms].every((pseudonym) => /^[0-9a-f]{32}$/.test(pseudonym ?? ''))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
