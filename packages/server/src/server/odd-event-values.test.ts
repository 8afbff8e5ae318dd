import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase } from '@triage/engine/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './start-server.js';

const postgres = testDatabase('triage_odd_values');
beforeAll(postgres.create);
afterAll(postgres.drop);

const KEY = 't'.repeat(32);

// Values a client may send that SQLite stores and PostgreSQL cannot: on PostgreSQL such events were
// answered 200 and then never recorded (their jobs failed until they died). Each case runs on both.
describe.each([
  ['SQLite', () => join(mkdtempSync(join(tmpdir(), 'triage-odd-')), 'triage.db')],
  ['PostgreSQL', () => postgres.url],
])('events with odd values, on %s', (_name, databaseUrl) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
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
  });
  afterAll(() => server?.close());

  const send = async (events: unknown[]) => {
    const response = await fetch(`${server.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'x-triage-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    expect(response.status).toBe(200);
    expect(await server.context.jobs.drain(15_000)).toBe(true);
    return ((await response.json()) as { ids: string[] }).ids;
  };
  // biome-ignore lint/suspicious/noExplicitAny: the tests walk the JSON answers.
  const api = async (path: string): Promise<any> => {
    const answer = await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer admin' } });
    return answer.json();
  };

  // A wrong clock, or a value no clock gives, must neither lose the event nor pin its issue: on
  // PostgreSQL 1e308 did not fit the bigint column; on SQLite it became its issue's last seen.
  it('should record events dated outside a working clock at the time received, keeping the client time as a tag', async () => {
    const before = Date.now();
    await send([
      { service: 'clock', log: ['ERROR: clock far ahead'], timestamp: 1e308 },
      { service: 'clock', log: ['ERROR: clock far ahead'], timestamp: '2099-01-01T00:00:00Z' },
      { service: 'clock', log: ['ERROR: clock far ahead'], timestamp: -5 },
    ]);
    const after = Date.now();
    expect((await api('/api/v1/stats')).queue).toMatchObject({ pending: 0, dead: 0, failed: 0 });
    const [issue, ...others] = (await api('/api/v1/issues?service=clock')).issues;
    expect(others).toEqual([]);
    expect(issue.count).toBe(3);
    for (const time of [issue.firstSeen, issue.lastSeen]) {
      expect(time).toBeGreaterThanOrEqual(before);
      expect(time).toBeLessThanOrEqual(after);
    }
    const { events } = await api(`/api/v1/issues/${issue.id}`);
    const clientTimes = events.map(
      (event: { tags: Record<string, string> }) => event.tags['triage.client_timestamp'],
    );
    // 1e308 is no time at all (no Date holds it): the event has the time received, and no client time.
    expect(clientTimes.sort()).toEqual(['-5000', String(Date.parse('2099-01-01T00:00:00Z')), undefined]);
  });

  // PostgreSQL's text cannot hold NUL ("invalid byte sequence for encoding UTF8: 0x00").
  it('should record events with NUL characters anywhere, without them', async () => {
    const ids = await send([
      {
        id: 'nul\u0000id',
        service: 'nul\u0000svc',
        environment: 'prod\u0000',
        release: '1.0\u0000',
        source: { file: 'a\u0000.ts', function: 'f\u0000' },
        user: { id: 'u\u0000' },
        tags: { 'k\u0000': 'v\u0000' },
        error: { type: 'Err\u0000', message: 'broke\u0000' },
        request: { method: 'GET', url: '/a\u0000' },
        log: ['ERROR: nul \u0000 in line'],
      },
    ]);
    expect(ids).toEqual(['nulid']);
    expect((await api('/api/v1/stats')).queue).toMatchObject({ pending: 0, dead: 0, failed: 0 });
    const [issue] = (await api('/api/v1/issues?service=nulsvc')).issues;
    const [event] = (await api(`/api/v1/issues/${issue.id}`)).events;
    expect(event).toMatchObject({
      id: 'nulid',
      environment: 'prod',
      release: '1.0',
      source: { file: 'a.ts', function: 'f' },
      tags: { k: 'v' },
      error: { type: 'Err', message: 'broke' },
      request: { url: '/a' },
    });
    expect(JSON.stringify(event)).not.toContain('\\u0000');
  });

  // The same for what the REST API is sent: a filter, an id or a note with NUL was a 500 on PostgreSQL.
  // Redaction copied 20 levels of an event and kept what lay deeper as it was: an email and a password
  // 25 levels down in a log line's fields were stored, and served by the API, as sent.
  it('should store an event redacted however deep its fields nest, up to what ingest accepts', async () => {
    let fields: Record<string, unknown> = {
      email: 'alice@example.com',
      password: 'hunter2',
      card: '4242 4242 4242 4242',
    };
    for (let level = 0; level < 55; level++) fields = { n: fields };
    await send([{ service: 'deep', log: [{ level: 'error', message: 'ERROR: payment failed', fields }] }]);
    const [issue] = (await api('/api/v1/issues?service=deep')).issues;
    const stored = JSON.stringify((await api(`/api/v1/issues/${issue.id}`)).events);
    expect(stored).not.toMatch(/alice@example\.com|hunter2|4242 4242/);
    expect(stored).toContain('{"email":"[email]","password":"[secret]","card":"[card]"}');
  });

  // The Node SDK keeps 64 levels of an event and sends it in `{"events": [...]}`: counted from the body,
  // those two levels made the server refuse the whole batch.
  it('should take an event nesting 64 levels however the body holds it, and refuse a body nesting 67', async () => {
    const deep = (levels: number) => {
      // The event, its log, the line and the fields object are four levels.
      let fields: Record<string, unknown> = { leaf: true };
      for (let level = 5; level <= levels; level++) fields = { n: fields };
      return { service: 'nesting', log: [{ level: 'error', message: 'ERROR: nested', fields }] };
    };
    const post = (body: unknown) =>
      fetch(`${server.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'x-triage-key': KEY, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (const body of [deep(64), [deep(64)], { events: [deep(64), deep(3)] }])
      expect((await post(body)).status).toBe(200);
    const refused = await post({ events: [deep(65)] });
    expect([refused.status, await refused.json()]).toEqual([
      400,
      { error: 'body nests deeper than 66 levels' },
    ]);
  });

  it('should answer 400 to a NUL in a URL or a note, and keep serving', async () => {
    const answer = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${server.url}${path}`, {
        ...init,
        headers: { authorization: 'Bearer admin', 'content-type': 'application/json' },
      });
      return [response.status, await response.json()];
    };
    const nulInUrl = [400, { error: 'the URL holds a NUL character (%00)' }];
    for (const path of [
      '/api/v1/issues?service=a%00',
      '/api/v1/issues?q=a%00b',
      '/api/v1/issues?environment=%00',
      '/api/v1/issues/a%00b',
    ])
      expect(await answer(path)).toEqual(nulInUrl);
    expect(await answer('/api/v1/issues/x%00/reanalyze', { method: 'POST' })).toEqual(nulInUrl);
    const [issue] = (await api('/api/v1/issues')).issues;
    expect(
      await answer(`/api/v1/issues/${issue.id}`, { method: 'PATCH', body: '{"note": "fixed\\u0000"}' }),
    ).toEqual([400, { error: 'note must be text of at most 10000 characters, without NUL' }]);
    expect((await answer('/api/v1/issues?service=clock'))[0]).toBe(200);
  });

  it('should answer 403 to a key with NUL in any place a key is read from', async () => {
    const envelope = (header: object) =>
      `${JSON.stringify({ event_id: '9ec79c33ec9942ab8353589fcb2e04dc', ...header })}\n{"type":"event"}\n{"message":"plain"}`;
    const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${server.url}${path}`, { method: 'POST', body, headers });
      return [response.status, await response.json()];
    };
    const unknown = [403, { error: 'unknown project key' }];
    expect(await post('/api/1/envelope/?sentry_key=a%00b', envelope({}))).toEqual(unknown);
    expect(await post('/api/v1/events?key=a%00b', '{"log":["ERROR x"]}')).toEqual(unknown);
    expect(await post('/api/1/envelope/', envelope({ dsn: `http://a\u0000b@127.0.0.1/1` }))).toEqual(unknown);
    expect(await post(`/api/1/envelope/?sentry_key=${KEY}`, envelope({}))).toEqual([
      200,
      { id: '9ec79c33ec9942ab8353589fcb2e04dc' },
    ]);
  });
});
