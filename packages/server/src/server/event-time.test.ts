import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase } from '@triage/engine/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from './start-server.js';

const postgres = testDatabase('triage_event_time');
beforeAll(postgres.create);
afterAll(postgres.drop);

const KEY = 't'.repeat(32);

// An event's time is the client's word: a wrong clock, or a value no clock gives, must neither lose the
// event nor pin its issue. On PostgreSQL an event dated 1e308 was answered 200 and then never recorded
// (its job failed on the bigint column until it died); on SQLite it became its issue's last seen.
describe.each([
  ['SQLite', () => join(mkdtempSync(join(tmpdir(), 'triage-time-')), 'triage.db')],
  ['PostgreSQL', () => postgres.url],
])('events dated outside a working clock, on %s', (_name, databaseUrl) => {
  it('should be recorded at the time they were received, with the time the client gave kept as a tag', async () => {
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      databaseUrl: databaseUrl(),
      env: {
        TRIAGE_ADMIN_TOKEN: 'admin',
        TRIAGE_DEFAULT_PROJECT_KEY: KEY,
        TRIAGE_ALERT_TO: 'oncall@example.com',
      },
      log: () => {},
    });
    try {
      const before = Date.now();
      const response = await fetch(`${server.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'x-triage-key': KEY, 'content-type': 'application/json' },
        body: JSON.stringify([
          { service: 'clock', log: ['ERROR: clock far ahead'], timestamp: 1e308 },
          { service: 'clock', log: ['ERROR: clock far ahead'], timestamp: '2099-01-01T00:00:00Z' },
          { service: 'clock', log: ['ERROR: clock far ahead'], timestamp: -5 },
        ]),
      });
      expect(response.status).toBe(200);
      expect(await server.context.jobs.drain(15_000)).toBe(true);
      const after = Date.now();
      // biome-ignore lint/suspicious/noExplicitAny: the test walks the JSON answer.
      const api = async (path: string): Promise<any> => {
        const answer = await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer admin' } });
        return answer.json();
      };
      expect((await api('/api/v1/stats')).queue).toMatchObject({ pending: 0, dead: 0, failed: 0 });
      const [issue, ...others] = (await api('/api/v1/issues?service=clock')).issues;
      expect(others).toEqual([]);
      expect(issue.count).toBe(3);
      for (const time of [issue.firstSeen, issue.lastSeen]) {
        expect(time).toBeGreaterThanOrEqual(before);
        expect(time).toBeLessThanOrEqual(after);
      }
      const { events } = await api(`/api/v1/issues/${issue.id}`);
      expect(
        events.map((event: { tags: Record<string, string> }) => event.tags['triage.client_timestamp']).sort(),
      ).toEqual(['-5000', '1e+308', String(Date.parse('2099-01-01T00:00:00Z'))].sort());
    } finally {
      await server.close();
    }
  });
});
