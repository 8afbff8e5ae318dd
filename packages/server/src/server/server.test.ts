import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { until } from '@triage/engine/test';
import { createTriage, HttpTransport } from '@triage/node';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './start-server.js';

let server: RunningServer;
const ADMIN = 'test-admin-token';
const KEY = 'a'.repeat(32);

beforeAll(async () => {
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: join(mkdtempSync(join(tmpdir(), 'triage-server-')), 'triage.db'),
    env: {
      TRIAGE_ADMIN_TOKEN: ADMIN,
      TRIAGE_DEFAULT_PROJECT_KEY: KEY,
      TRIAGE_RATE_LIMIT_PER_MINUTE: '600',
      // No mail configured: alerts are printed; send them nowhere in tests.
      TRIAGE_ALERT_TO: 'oncall@example.com',
    },
    log: () => {},
  });
});
afterAll(() => server.close());

const api = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN}`, ...(init.headers as Record<string, string>) },
  });
  return {
    status: response.status,
    headers: response.headers,
    // biome-ignore lint/suspicious/noExplicitAny: the tests walk arbitrary JSON answers.
    body: (await response.json()) as Record<string, any>,
  };
};
const ingest = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/v1/events`, {
    method: 'POST',
    headers: { 'x-triage-key': KEY, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
const drained = () => server.context.jobs.drain(15_000);

describe('triage serve', () => {
  it('should print a DSN for the default project', () => {
    expect(server.dsn).toBe(`http://${KEY}@127.0.0.1:${new URL(server.url).port}/1`);
  });

  it('should accept native events, durably, and group them into an issue found through the REST API', async () => {
    const event = (order: number) => ({
      service: 'checkout',
      environment: 'production',
      source: { file: 'src/checkout.ts', function: 'Checkout' },
      priority: 'P0',
      log: ['INFO: charging card', `ERROR: connect ECONNREFUSED 10.0.0.${order}:5432`],
    });
    const response = await ingest({ events: [event(1), event(2)] });
    expect(response.status).toBe(200);
    const { ids } = (await response.json()) as { ids: string[] };
    expect(ids).toHaveLength(2);
    // Durable before the 200: the events are rows before any worker ran.
    expect(await drained()).toBe(true);
    const list = await api('/api/v1/issues?service=checkout&severity=high&sort=count');
    expect(list.status).toBe(200);
    expect(list.body.issues).toHaveLength(1);
    const [issue] = list.body.issues;
    expect(issue).toMatchObject({
      count: 2,
      category: 'connection_refused',
      priority: 'P0',
      status: 'new',
      projectId: '1',
    });
    const detail = await api(`/api/v1/issues/${issue.id}`);
    expect(detail.body.issue.analysis).toContain('## Root Cause');
    expect(detail.body.events).toHaveLength(2);
    expect(detail.body.hourly.reduce((sum: number, hour: { count: number }) => sum + hour.count, 0)).toBe(2);

    const resolved = await api(`/api/v1/issues/${issue.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'resolved', note: 'database restarted' }),
    });
    expect(resolved.body.issue).toMatchObject({ status: 'resolved', resolutionNote: 'database restarted' });
    // A fractional snooze was stored here and made PostgreSQL fail with a 500; now a 400 and no change.
    const badSnooze = await api(`/api/v1/issues/${issue.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'ignored', snoozeForMs: 1.5 }),
    });
    expect(badSnooze).toMatchObject({
      status: 400,
      body: { error: 'snoozeForMs must be a whole number from 0 to 315360000000' },
    });
    expect((await api(`/api/v1/issues/${issue.id}`)).body.issue.status).toBe('resolved');
    const patch = (body: unknown) =>
      api(`/api/v1/issues/${issue.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // The release named afterwards; then a note alone, which changes nothing else.
    const named = await patch({ status: 'resolved', resolvedInRelease: '1.4.3' });
    expect(named.body.issue).toMatchObject({ resolvedInRelease: '1.4.3' });
    const noted = await patch({ note: 'pool raised to 20 as well' });
    expect(noted.body.issue).toMatchObject({
      status: 'resolved',
      resolvedInRelease: '1.4.3',
      resolvedAt: resolved.body.issue.resolvedAt,
      resolutionNote: 'pool raised to 20 as well',
    });
    // A misspelt field changed nothing and was answered 200.
    expect(await patch({ stauts: 'ignored' })).toMatchObject({
      status: 400,
      body: {
        error: 'unknown field "stauts": use status, note, snoozeForMs, snoozeForEvents, resolvedInRelease',
      },
    });
    expect((await patch({ status: 'regressed' })).status).toBe(400);
    expect((await api(`/api/v1/issues/${issue.id}`)).body.issue.status).toBe('resolved');

    const analyzedBefore = server.context.engine.stats().analyzed;
    const reanalyze = () => api(`/api/v1/issues/${issue.id}/reanalyze`, { method: 'POST' });
    const asked = await Promise.all([reanalyze(), reanalyze()]);
    expect(asked.map((answer) => answer.status)).toEqual([202, 202]);
    expect(asked[0]!.body).toMatchObject({ queued: true, requestedAt: expect.any(Number) });
    expect(await drained()).toBe(true);
    const stats = await api('/api/v1/stats');
    // Four jobs written: the request's two events, then the two re-analyses.
    expect(stats.body).toMatchObject({
      events: 2,
      issues: { resolved: 1 },
      queue: { pending: 0, dead: 0, enqueued: 4, done: 4, failed: 0, timedOut: 0 },
    });
    // Offline rules (no LLM here): no call to save, both ran. One LLM call for both: engine.test.ts.
    expect(server.context.engine.stats().analyzed).toBe(analyzedBefore + 2);
  });

  it('should answer 409 to a re-analysis of an issue whose events retention deleted', async () => {
    expect(
      (await ingest({ service: 'kept-no-event', log: ['ERROR: disk quota exceeded on /var/data'] })).status,
    ).toBe(200);
    expect(await drained()).toBe(true);
    const [issue] = (await api('/api/v1/issues?service=kept-no-event')).body.issues;
    // As retention (by age or count) leaves it: the issue and its counts, no event.
    await server.context.store.db.deleteFrom('events').where('issue_id', '=', issue.id).execute();
    const answer = await api(`/api/v1/issues/${issue.id}/reanalyze`, { method: 'POST' });
    expect(answer).toMatchObject({
      status: 409,
      body: { error: expect.stringMatching(/^no event of this issue is stored any more/) },
    });
  });

  it('should keep one error sent by two projects in two issues, each listed under its project', async () => {
    const other = await server.context.projects.create('two-projects');
    const event = { service: 'split', log: ['ERROR: connect ECONNREFUSED 10.0.0.9:6379'] };
    for (const key of [KEY, other.publicKey, other.publicKey])
      expect((await ingest(event, { 'x-triage-key': key })).status).toBe(200);
    expect(await drained()).toBe(true);
    const listed = async (project: string) =>
      (await api(`/api/v1/issues?service=split&project=${project}`)).body.issues;
    const [ours] = await listed('1');
    const [theirs] = await listed(other.id);
    expect(ours).toMatchObject({ projectId: '1', count: 1 });
    expect(theirs).toMatchObject({ projectId: other.id, count: 2 });
    expect(theirs.id).not.toBe(ours.id);
  });

  it('should answer a method a route does not take with 405, a large body with 413, and take the scheme in any case', async () => {
    const put = await api('/api/v1/issues/x', { method: 'PUT', body: '{}' });
    expect(put).toMatchObject({ status: 405, body: { error: 'use GET, HEAD, PATCH for /api/v1/issues/x' } });
    expect(put.headers.get('allow')).toBe('GET, HEAD, PATCH');
    // Answered before the body is read, and the connection closed: node:http reads the answer while it
    // still sends (fetch gives up on the closed connection instead).
    const large = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const body = JSON.stringify({ note: 'n'.repeat(2 * 1024 * 1024) });
      const patch = request(
        `${server.url}/api/v1/issues/x`,
        {
          method: 'PATCH',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode, body: text }));
          response.on('error', reject);
        },
      );
      patch.on('error', () => {});
      patch.end(body);
    });
    expect(large).toEqual({ status: 413, body: '{"error":"the body is larger than 1048576 bytes"}' });
    // Without the token, refused before any of the body is read: a chunked body never finished still
    // gets its 401 (the size limit, first, read and held up to 1 MiB of it).
    const unread = await new Promise<number | undefined>((resolve, reject) => {
      // A connection of its own: the one the 413 above was answered on is closed.
      const post = request(`${server.url}/api/v1/issues/x/reanalyze`, {
        method: 'POST',
        headers: { 'transfer-encoding': 'chunked' },
        agent: false,
      });
      post.on('response', (response) => {
        response.resume();
        resolve(response.statusCode);
        post.destroy();
      });
      post.on('error', reject);
      post.write('x'.repeat(1024));
    });
    expect(unread).toBe(401);
    const lower = await fetch(`${server.url}/api/v1/stats`, {
      headers: { authorization: `bearer ${ADMIN}` },
    });
    expect(lower.status).toBe(200);
    expect((await api('/api/v1/nothing-here')).status).toBe(404);
  });

  it('should keep the job of an event it could not record, and record the event when the store is back', async () => {
    const { db } = server.context.store;
    const { jobs } = server.context;
    await sql`create trigger refuse_events before insert on events begin select raise(abort, 'disk full'); end`.execute(
      db,
    );
    const failedBefore = jobs.failed;
    expect((await ingest({ service: 'ledger', log: ['ERROR: ledger write refused'] })).status).toBe(200);
    expect(await until(() => jobs.failed > failedBefore)).toBe(true);
    expect(jobs.failed).toBe(failedBefore + 1);
    expect((await api('/api/v1/issues?service=ledger')).body.issues).toEqual([]);
    expect((await jobs.counts()).pending).toBe(1);

    await sql`drop trigger refuse_events`.execute(db);
    // Tried again after its backoff (2 s after a first failure).
    expect(await drained()).toBe(true);
    const [issue] = (await api('/api/v1/issues?service=ledger')).body.issues;
    expect(issue).toMatchObject({ count: 1 });
  });

  it('should page through the issue list with offset, and say where the next page starts', async () => {
    const lines = [
      'ERROR: disk /dev/sda1 full',
      'ERROR: TLS handshake timed out',
      'ERROR: no such table: carts',
    ];
    for (const line of lines) expect((await ingest({ service: 'paging', log: [line] })).status).toBe(200);
    expect(await drained()).toBe(true);
    const first = await api('/api/v1/issues?service=paging&limit=2');
    expect(first.body.issues).toHaveLength(2);
    expect(first.body.nextOffset).toBe(2);
    const second = await api('/api/v1/issues?service=paging&limit=2&offset=2');
    expect(second.body.issues).toHaveLength(1);
    expect(second.body.nextOffset).toBeNull();
    const ids = [...first.body.issues, ...second.body.issues].map((issue: { id: string }) => issue.id);
    expect(new Set(ids).size).toBe(3);
    // The same pages by the end of the last one: the issues that move meanwhile shift nothing.
    const byCursor = await api(`/api/v1/issues?service=paging&limit=2&after=${first.body.nextAfter}`);
    expect(byCursor.body.issues.map((issue: { id: string }) => issue.id)).toEqual([ids[2]]);
    expect(byCursor.body).toMatchObject({ nextAfter: null, nextOffset: null });
    expect((await api('/api/v1/issues?after=not-a-cursor')).body).toEqual({
      error: 'after must be the nextAfter of an earlier page, as it was given',
    });
    // A cursor made up with an id no store makes (a NUL in it failed PostgreSQL's query: 500).
    const madeUp = Buffer.from(JSON.stringify(['lastSeen', 1, 'a\u0000b'])).toString('base64url');
    const refused = await api(`/api/v1/issues?after=${madeUp}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: 'after must be the nextAfter of an earlier page, as it was given',
    });
    expect((await api(`/api/v1/issues?after=${first.body.nextAfter}&offset=2`)).body).toEqual({
      error: 'use after or offset, not both',
    });
    // The end of a page in another order names no place in this one.
    expect((await api(`/api/v1/issues?sort=count&after=${first.body.nextAfter}`)).body).toEqual({
      error: 'after is the end of a page sorted by lastSeen: ask with sort=lastSeen',
    });
    expect((await api('/api/v1/issues?offset=-1')).body).toEqual({
      error: 'offset must be a whole number ≥ 0',
    });
    expect((await api('/api/v1/issues?limit=501')).body).toEqual({ error: 'limit must be 1–500' });
    // Numbers are digits: `1e2` and `0x10` were taken as 100 and 16.
    expect((await api('/api/v1/issues?limit=1e2')).body).toEqual({ error: 'limit must be 1–500' });
    expect((await api('/api/v1/issues?offset=0x1')).body).toEqual({
      error: 'offset must be a whole number ≥ 0',
    });
    // A page that ends the list exactly says so: a next page was announced, and came back empty.
    const exact = await api('/api/v1/issues?service=paging&limit=3');
    expect(exact.body.issues).toHaveLength(3);
    expect(exact.body.nextOffset).toBeNull();
    // A filter on a value no issue can have is a mistake to name, not an empty list.
    expect(await api('/api/v1/issues?severity=urgent')).toMatchObject({
      status: 400,
      body: { error: 'severity must be one of critical, high, medium, low' },
    });
    const badCategory = await api('/api/v1/issues?category=networking');
    expect(badCategory.status).toBe(400);
    expect(badCategory.body.error).toMatch(/^category must be one of [a-z_, ]+$/);
    expect(badCategory.body.error).toContain('resource_exhausted');
    expect((await api('/api/v1/issues?status=open')).body).toEqual({
      error: 'status must be one of new, acknowledged, resolved, ignored, regressed',
    });
    expect((await api('/api/v1/issues?sort=oldest')).body).toEqual({
      error: 'sort must be one of lastSeen, firstSeen, count',
    });
    // A misspelt filter was ignored: every issue came back, as if all matched.
    expect(await api('/api/v1/issues?service=paging&text=timeout')).toMatchObject({
      status: 400,
      body: {
        error:
          'unknown parameter "text": use status, severity, category, service, environment, handler, project, q, sort, limit, offset, after',
      },
    });
    // Empty is unset, as a form with nothing chosen sends it.
    expect((await api('/api/v1/issues?service=paging&severity=&category=&status=')).body.issues).toHaveLength(
      3,
    );
  });

  it('should list the jobs the queue gave up on, show one, and run them again on request', async () => {
    // A job as the queue leaves it after its last failed attempt: its event stored, never analysed.
    const payload = JSON.stringify({ service: 'billing', log: ['ERROR: dead job replayed'] });
    const [row] = await server.context.store.db
      .insertInto('jobs')
      .values({
        kind: 'event',
        payload,
        status: 'dead',
        attempts: 5,
        run_after: 0,
        created_at: Date.now(),
        last_error: 'provider down',
      })
      .returning('id')
      .execute();
    const id = Number(row!.id);
    expect((await api('/api/v1/stats')).body.queue).toMatchObject({ pending: 0, dead: 1 });
    const dead = await api('/api/v1/jobs?status=dead');
    expect(dead.status).toBe(200);
    expect(dead.body.jobs).toEqual([
      expect.objectContaining({ id, kind: 'event', status: 'dead', attempts: 5, lastError: 'provider down' }),
    ]);
    expect(dead.body.nextAfter).toBeNull();
    // Paged by id; a parameter it does not take, or one given twice, is a 400 (both were ignored).
    expect((await api(`/api/v1/jobs?after=${id}`)).body).toEqual({ jobs: [], nextAfter: null });
    expect((await api('/api/v1/jobs?statu=pending')).status).toBe(400);
    expect((await api('/api/v1/jobs?limit=1&limit=600')).body).toEqual({
      error: 'give limit once (it was given 2 times)',
    });
    expect((await api('/api/v1/issues?status=new&status=resolved')).body).toEqual({
      error: 'give status once (it was given 2 times)',
    });
    expect(dead.body.jobs[0].payload).toBeUndefined();
    expect((await api(`/api/v1/jobs/${id}`)).body.job).toMatchObject({ id, payload: JSON.parse(payload) });

    expect((await api('/api/v1/jobs?status=done')).body).toEqual({
      error: 'status must be one of pending, dead',
    });
    expect((await api('/api/v1/jobs/abc')).status).toBe(400);
    expect((await api('/api/v1/jobs?limit=0')).body).toEqual({ error: 'limit must be 1–500' });
    expect((await api('/api/v1/jobs/123456789')).status).toBe(404);
    const badRetry = await api('/api/v1/jobs/retry', { method: 'POST', body: '{"ids": ["x"]}' });
    expect(badRetry).toMatchObject({
      status: 400,
      body: { error: 'a job id is a positive whole number, got "x"' },
    });
    const refusal = async (headers: Record<string, string>) => {
      const response = await fetch(`${server.url}/api/v1/jobs`, { headers });
      return [response.status, ((await response.json()) as { error: string }).error];
    };
    expect(await refusal({})).toEqual([401, 'send Authorization: Bearer <admin token> (TRIAGE_ADMIN_TOKEN)']);
    expect(await refusal({ authorization: 'Bearer not-the-token' })).toEqual([
      401,
      'the admin token sent is not this server’s (TRIAGE_ADMIN_TOKEN, or the one it printed on first start)',
    ]);

    const retried = await api('/api/v1/jobs/retry', { method: 'POST', body: JSON.stringify({ ids: [id] }) });
    expect(retried.body).toEqual({ retried: 1 });
    expect(await drained()).toBe(true);
    const issues = await api('/api/v1/issues?service=billing');
    expect(issues.body.issues).toHaveLength(1);
    expect((await api(`/api/v1/jobs/${id}`)).status).toBe(404);
    expect((await api('/api/v1/jobs/retry', { method: 'POST' })).body).toEqual({ retried: 0 });
  });

  it('should take a report of the real @sentry/node SDK and show it with its stack frames and breadcrumbs', async () => {
    const app = fileURLToPath(new URL('../ingest/__fixtures__/sentry-app.mjs', import.meta.url));
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        [app],
        { env: { PATH: process.env.PATH, TRIAGE_SENTRY_DSN: server.dsn } },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    expect(await drained()).toBe(true);
    const { body } = await api('/api/v1/issues?q=checkout%20failed');
    expect(body.issues.length).toBeGreaterThanOrEqual(1);
    const detail = await api(`/api/v1/issues/${body.issues[0].id}`);
    const [event] = detail.body.events;
    expect(event.error).toMatchObject({ type: 'Error', cause: { type: 'TypeError' } });
    expect(event.error.frames.some((frame: { function?: string }) => frame.function === 'totalOf')).toBe(
      true,
    );
    expect(
      event.log.some((entry: { message: string }) => entry.message.includes('SELECT * FROM orders')),
    ).toBe(true);
    expect(event).toMatchObject({ release: 'checkout@1.4.2', environment: 'production' });
    // Personal data from the SDK is redacted before it is stored.
    expect(JSON.stringify(event)).not.toContain('ada@example.com');
    const messages = await api('/api/v1/issues?q=payment%20provider%20slow');
    expect(messages.body.issues).toHaveLength(1);
    // Sentry.parameterize: the template's params filled in; a user known by a username counted.
    const refunds = await api('/api/v1/issues?q=refund%20r-19%20refused%20for%20order%207');
    expect(refunds.body.issues).toMatchObject([{ usersAffected: 1 }]);
    // The username made the pseudonym; it is not stored.
    const refund = await api(`/api/v1/issues/${refunds.body.issues[0].id}`);
    expect(refund.body.events[0].user).toEqual({ pseudonym: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(JSON.stringify(refund.body)).not.toContain('grace-sdk');
  });

  it("should take the Node SDK's own HTTP transport", async () => {
    const triage = createTriage({ dsn: server.dsn, summary: 'none', service: 'billing' });
    const scope = triage.scope({ file: 'src/invoice.ts', func: 'SendInvoice', priority: 'P1' });
    scope.info('rendering invoice %d', 42);
    scope.error('Widget agent not found for domain: example.com');
    scope.end();
    expect(await triage.flush(10_000)).toBe(true);
    await triage.close();
    expect(await drained()).toBe(true);
    const { body } = await api('/api/v1/issues?handler=SendInvoice');
    expect(body.issues).toHaveLength(1);
    expect(body.issues[0]).toMatchObject({ service: 'billing', priority: 'P1', category: 'configuration' });
  });

  // The Node SDK sends a batch again when its answer does not come in time; the server had stored it.
  it('should count an event once when a client sends it again after losing the answer', async () => {
    const duplicatesBefore = server.context.engine.stats().duplicates;
    let answersLost = 0;
    const transport = new HttpTransport({
      dsn: server.dsn,
      timeoutMs: 500,
      retryBaseMs: 10,
      flushIntervalMs: 0,
      // The network loses the first answer: the server has the batch, the client never hears so.
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        if (answersLost++ > 0) return response;
        await new Promise((_resolve, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true }),
        );
        return response;
      },
      onFailure: () => {},
    });
    const triage = createTriage({ transport, summary: 'none', service: 'mailer' });
    const scope = triage.scope({ file: 'src/mailer.ts', func: 'SendReceipt' });
    scope.error('SMTP relay refused the receipt: 554 sender address rejected');
    scope.end();
    expect(await triage.flush(10_000)).toBe(true);
    await triage.close();
    expect(transport.stats()).toMatchObject({ sent: 1, requests: 2, retries: 1 });

    // And a Sentry SDK's envelope, sent twice with its event_id.
    const eventId = 'f'.repeat(32);
    const envelope = [
      JSON.stringify({ event_id: eventId }),
      JSON.stringify({ type: 'event' }),
      JSON.stringify({ event_id: eventId, level: 'error', message: 'payment webhook signature mismatch' }),
    ].join('\n');
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(`${server.url}/api/1/envelope/?sentry_key=${KEY}`, {
        method: 'POST',
        body: envelope,
      });
      expect(await response.json()).toEqual({ id: eventId });
    }
    // Without an event_id, each copy is an event of its own, and the answer names the id it was given.
    const anonymous = '{}\n{"type":"event"}\n{"level":"error","message":"inventory feed stalled"}\n';
    const given = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(`${server.url}/api/1/envelope/?sentry_key=${KEY}`, {
        method: 'POST',
        body: anonymous,
      });
      given.push(((await response.json()) as { id: string }).id);
    }
    expect(given[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(given[1]).not.toBe(given[0]);
    expect(await drained()).toBe(true);
    expect((await api('/api/v1/issues?q=inventory%20feed')).body.issues).toMatchObject([{ count: 2 }]);
    const mailer = (await api('/api/v1/issues?handler=SendReceipt')).body.issues;
    expect(mailer).toMatchObject([{ count: 1 }]);
    expect((await api(`/api/v1/issues/${mailer[0].id}`)).body.events).toHaveLength(1);
    expect((await api('/api/v1/issues?q=signature%20mismatch')).body.issues).toMatchObject([{ count: 1 }]);
    expect((await api('/api/v1/stats')).body.queue.duplicates).toBe(duplicatesBefore + 2);
  });

  it.each([
    [
      'no key',
      () => fetch(`${server.url}/api/v1/events`, { method: 'POST', body: '{}' }),
      401,
      /missing project key/,
    ],
    ['an unknown key', () => ingest({ log: ['x'] }, { 'x-triage-key': 'nope' }), 403, /unknown project key/],
    ['malformed JSON', () => ingest('{"log": ['), 400, /not valid JSON/],
    ['deeply nested JSON', () => ingest('['.repeat(100_000)), 400, /nest/],
    ['a body that is not UTF-8', () => ingest(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 400, /UTF-8/],
    ['an event with nothing in it', () => ingest({ foo: 1 }), 400, /no log lines/],
    [
      'an event id too long to be one',
      () => ingest({ id: 'x'.repeat(129), log: ['ERROR: x'] }),
      400,
      /id is longer than 128 characters/,
    ],
    ['an unknown encoding', () => ingest('{}', { 'content-encoding': 'zstd' }), 415, /encoding/],
    [
      'a gzip bomb',
      () => ingest(gzipSync(Buffer.alloc(200 * 1024 * 1024, 32)), { 'content-encoding': 'gzip' }),
      413,
      /larger than/,
    ],
    [
      'a small gzip body that inflates to millions of objects',
      () => ingest(gzipSync(`[${'{},'.repeat(2_000_000)}{}]`), { 'content-encoding': 'gzip' }),
      413,
      /too many JSON values/,
    ],
    [
      // Each event is under 1 MiB and a million values; together they are over.
      'an envelope whose events hold too many values together',
      () =>
        fetch(`${server.url}/api/1/envelope/?sentry_key=${KEY}`, {
          method: 'POST',
          body: `{}\n${`{"type":"event"}\n{"message":"hi","extra":{"n":[${'1,'.repeat(400_000)}1]}}\n`.repeat(3)}`,
        }),
      413,
      /item 3 payload holds too many JSON values/,
    ],
    [
      'a truncated envelope',
      () =>
        fetch(`${server.url}/api/1/envelope/?sentry_key=${KEY}`, {
          method: 'POST',
          body: '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event","length":500}\n{"message":"hi"}',
        }),
      400,
      /length 500 exceeds/,
    ],
    [
      'an envelope for another project',
      () =>
        fetch(`${server.url}/api/99/envelope/?sentry_key=${KEY}`, {
          method: 'POST',
          body: '{}\n{"type":"event"}\n{"message":"hi"}\n',
        }),
      403,
      /not 99/,
    ],
    [
      'a body over the size limit, declared up front',
      () =>
        ingest(Buffer.alloc(server.context.limits.maxBodyBytes + 1, 32), {
          'content-length': String(server.context.limits.maxBodyBytes + 1),
        }),
      413,
      /larger than/,
    ],
    ['a GET on an ingest path', () => fetch(`${server.url}/api/v1/events`), 405, /use POST/],
    // Over 1 MiB a batch is parsed event by event: the same refusals, before anything is stored.
    [
      'a large batch with one event that is not JSON',
      () => {
        const event = `{"log":["ERROR ${'x'.repeat(600_000)}"]}`;
        return ingest(`{"events":[${event},${event},{"log":["a",]}]}`);
      },
      400,
      /^body \(event 2\) is not valid JSON/,
    ],
    [
      'a large batch of more events than a batch holds',
      () => ingest(Array.from({ length: 101 }, () => ({ log: [`ERROR ${'y'.repeat(12_000)}`] }))),
      413,
      /at most 100 events, got 101/,
    ],
    [
      'a large batch with one event over the event limit, before any is parsed',
      () => ingest(`{"events":[{"log":["ERROR small"]},{"log":["ERROR ${'w'.repeat(1_100_000)}"]}]}`),
      413,
      /^event 1 is larger than 1048576 bytes/,
    ],
    [
      'one event over the event limit',
      () => ingest({ log: [`ERROR ${'v'.repeat(1_100_000)}`] }),
      413,
      /^event 0 is larger than 1048576 bytes/,
    ],
    [
      'a large body that is one event and not even JSON, before any of it is parsed',
      () => ingest(`{"log":["ERROR ${'u'.repeat(1_100_000)}"], oops`),
      413,
      /^event 0 is larger than 1048576 bytes/,
    ],
    [
      'a large body that is a string cut short, before any of it is parsed',
      () => ingest(`"${'s'.repeat(1_100_000)}`),
      413,
      /^event 0 is larger than 1048576 bytes/,
    ],
    [
      'a large array that is cut short, parsed as far as its fault',
      () => ingest(`[{"log":["ERROR ${'t'.repeat(1_100_000)}"]}`),
      400,
      /^body is not valid JSON/,
    ],
    [
      'a large batch holding more than an event besides its events',
      () => ingest(`{"events":[{"log":["ERROR small"]}],"junk":"${'j'.repeat(1_100_000)}"}`),
      413,
      /^body holds 1100\d{3} bytes besides its events, more than the 1048576 a batch may$/,
    ],
    [
      'a large batch that is not JSON outside its events',
      () => ingest(`{"events":[{"log":["ERROR ${'z'.repeat(1_200_000)}"]}] "more": 1}`),
      400,
      /^body is not valid JSON/,
    ],
  ])(
    'should answer %s with the right 4xx and a reason, and keep serving',
    async (_name, send, status, reason) => {
      const response = await send();
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(reason);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    },
  );

  it.each([
    ['a native request with an unknown key', '/api/v1/events', { 'x-triage-key': 'nope' }, 403],
    ['a native request with no key', '/api/v1/events', {}, 401],
    [
      'an envelope with an unknown key in X-Sentry-Auth',
      '/api/1/envelope/',
      { 'x-sentry-auth': 'Sentry sentry_key=nope, sentry_version=7' },
      403,
    ],
    // Only an envelope can hold its key (its header's DSN): a store body was read and inflated first.
    ['a store request with no key', '/api/1/store/', { 'content-encoding': 'gzip' }, 401],
  ])('should refuse %s before reading its body', async (_name, path, headers, status) => {
    // The headers announce 15 MiB and no byte of it is sent: an answer at all means the server did
    // not wait for the body.
    const answer = await new Promise<{ status: number; connection?: string }>((resolve, reject) => {
      const pending = request(`${server.url}${path}`, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(15 * 1024 * 1024) },
      });
      pending.on('response', (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection });
        pending.destroy();
      });
      pending.on('error', reject);
      pending.flushHeaders();
    });
    expect(answer).toEqual({ status, connection: 'close' });
    expect(server.context.bodyMemory.used).toBe(0);
  });

  it('should take the requests of a DSN with a path, and a project id written with a leading zero', async () => {
    const response = await fetch(`${server.url}/triage/api/01/envelope/?sentry_key=${KEY}`, {
      method: 'POST',
      body: '{}\n{"type":"event"}\n{"message":"posted under a path prefix"}\n',
    });
    expect(response.status).toBe(200);
    // The Node SDK posts under the DSN's path too.
    const native = await fetch(`${server.url}/triage/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-triage-key': KEY },
      body: JSON.stringify({ log: ['ERROR: native under a path prefix'] }),
    });
    expect(native.status).toBe(200);
    // An envelope posted to the store endpoint carries its key in its own header, as on envelope.
    const stored = await fetch(`${server.url}/api/1/store/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-sentry-envelope' },
      body: `{"dsn":"http://${KEY}@127.0.0.1/1"}\n{"type":"event"}\n{"message":"keyed inside at the store door"}\n`,
    });
    expect(stored.status).toBe(200);
    // A media type is read in any case (RFC 9110): in capitals it was taken for JSON and refused unkeyed.
    const capitals = await fetch(`${server.url}/api/1/store/`, {
      method: 'POST',
      headers: { 'content-type': 'Application/X-Sentry-Envelope' },
      body: `{"dsn":"http://${KEY}@127.0.0.1/1"}\n{"type":"event"}\n{"message":"keyed inside in capitals"}\n`,
    });
    expect(capitals.status).toBe(200);
    // The REST API's own paths are never ingest, whatever they end with.
    expect((await api('/api/v1/issues/x/api/1/store/', { method: 'POST', body: '{}' })).status).toBe(404);
    expect(await drained()).toBe(true);
    expect((await api('/api/v1/issues?q=posted%20under%20a%20path')).body.issues).toHaveLength(1);
    expect((await api('/api/v1/issues?q=native%20under%20a%20path')).body.issues).toHaveLength(1);
    expect((await api('/api/v1/issues?q=keyed%20inside%20at%20the%20store')).body.issues).toHaveLength(1);
  });

  it('should take an error event on the older store endpoint, and skip a transaction sent there', async () => {
    const store = (body: unknown) =>
      fetch(`${server.url}/api/1/store/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-sentry-auth': `Sentry sentry_version=7, sentry_client=raven-node/2.6.4, sentry_key=${KEY}`,
        },
        body: JSON.stringify(body),
      });
    const error = await store({
      event_id: 'c0ffee00c0ffee00c0ffee00c0ffee01',
      exception: { values: [{ type: 'Error', value: 'ledger store endpoint exploded' }] },
    });
    expect(error.status).toBe(200);
    expect(await error.json()).toEqual({ id: 'c0ffee00c0ffee00c0ffee00c0ffee01' });
    // Old SDKs posted their transactions here: it became an issue "Unrecognized error in /checkout".
    const transaction = await store({
      event_id: 'c0ffee00c0ffee00c0ffee00c0ffee02',
      type: 'transaction',
      transaction: '/store-endpoint-checkout',
      start_timestamp: Date.now() / 1000 - 1,
      timestamp: Date.now() / 1000,
      breadcrumbs: [{ category: 'http', message: 'GET /api' }],
      spans: [],
    });
    expect(transaction.status).toBe(200);
    expect(await transaction.json()).toEqual({ id: 'c0ffee00c0ffee00c0ffee00c0ffee02' });
    expect(await drained()).toBe(true);
    expect((await api('/api/v1/issues?q=ledger%20store%20endpoint')).body.issues).toHaveLength(1);
    expect((await api('/api/v1/issues?q=store-endpoint-checkout')).body.issues).toEqual([]);
  });

  it('should read the store bodies of old SDKs (base64 of zlib), and an envelope posted to the store endpoint', async () => {
    const auth = { 'x-sentry-auth': `Sentry sentry_version=5, sentry_key=${KEY}` };
    // raven-php 1.x: base64_encode(gzcompress(json)), no Content-Encoding.
    const raven = deflateSync(
      JSON.stringify({
        event_id: 'c0ffee00c0ffee00c0ffee00c0ffee03',
        message: 'raven legacy body decoded',
        level: 40,
        'sentry.interfaces.User': { id: 'php-user' },
      }),
    ).toString('base64');
    const legacy = await fetch(`${server.url}/api/1/store/`, { method: 'POST', headers: auth, body: raven });
    expect(legacy.status).toBe(200);
    expect(await legacy.json()).toEqual({ id: 'c0ffee00c0ffee00c0ffee00c0ffee03' });
    const posted = await fetch(`${server.url}/api/1/store/`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-sentry-envelope' },
      body: '{"event_id":"c0ffee00c0ffee00c0ffee00c0ffee04"}\n{"type":"event"}\n{"message":"envelope at the store door"}\n',
    });
    expect(posted.status).toBe(200);
    expect(await posted.json()).toEqual({ id: 'c0ffee00c0ffee00c0ffee00c0ffee04' });
    expect(await drained()).toBe(true);
    expect((await api('/api/v1/issues?q=raven%20legacy%20body')).body.issues).toMatchObject([
      { usersAffected: 1 },
    ]);
    expect((await api('/api/v1/issues?q=envelope%20at%20the%20store')).body.issues).toHaveLength(1);
  });

  it('should accept a batch over 1 MiB, parsed and stored event by event, as it accepts a small one', async () => {
    const marker = `large-batch-${Date.now()}`;
    const events = Array.from({ length: 24 }, (_, order) => ({
      log: [`ERROR ${marker} part ${order} for jane@example.com`, ...Array(100).fill('x'.repeat(500))],
    }));
    const response = await ingest({ events });
    expect(response.status).toBe(200);
    const { ids } = (await response.json()) as { ids: string[] };
    expect(ids).toHaveLength(24);
    expect(await drained()).toBe(true);
    const [issue] = (await api(`/api/v1/issues?q=${marker}`)).body.issues;
    expect(issue).toMatchObject({ count: 24 });
    const detail = (await api(`/api/v1/issues/${issue.id}`)).body;
    expect(JSON.stringify(detail)).not.toContain('jane@example.com');
  });

  it('should accept an envelope over 1 MiB, read an event item at a time', async () => {
    const marker = `large-envelope-${Date.now()}`;
    const item = (order: number) =>
      `{"type":"event"}\n${JSON.stringify({ message: `${marker} ${order}`, extra: { blob: 'b'.repeat(600_000) } })}\n`;
    const response = await fetch(`${server.url}/api/1/envelope/?sentry_key=${KEY}`, {
      method: 'POST',
      body: `{"event_id":"${'e'.repeat(32)}"}\n${item(1)}${item(2)}`,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 'e'.repeat(32) });
    expect(await drained()).toBe(true);
    const issues = (await api(`/api/v1/issues?q=${marker}`)).body.issues as Array<{ count: number }>;
    expect(issues.reduce((sum, issue) => sum + issue.count, 0)).toBe(2);
  });

  it('should answer the preflight of a browser SDK and let it read the answer', async () => {
    const path = `/api/1/envelope/?sentry_key=${KEY}`;
    const preflight = await fetch(`${server.url}${path}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/x-sentry-auth/);
    // Without the trailing slash too, as some SDKs send it.
    const posted = await fetch(`${server.url}${path.replace('envelope/', 'envelope')}`, {
      method: 'POST',
      headers: { origin: 'https://shop.example' },
      body: '{"event_id":"0c3f6a1e2b9d4c5f8a7e6d5c4b3a2f10"}\n{"type":"client_report"}\n{}\n',
    });
    expect(posted.status).toBe(200);
    expect(posted.headers.get('access-control-allow-origin')).toBe('*');
    expect(await posted.json()).toEqual({ id: '0c3f6a1e2b9d4c5f8a7e6d5c4b3a2f10' });
    // A server-side client sends no Origin and gets no CORS headers.
    const native = await ingest({ log: ['ERROR: cors check'] });
    expect(native.status).toBe(200);
    expect(native.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('should refuse the REST API without the admin token', async () => {
    const response = await fetch(`${server.url}/api/v1/issues`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('should rate-limit a key with 429, Retry-After and X-Sentry-Rate-Limits', async () => {
    const batch = { events: Array.from({ length: 100 }, () => ({ log: ['ERROR: boom'] })) };
    let limited: Response | undefined;
    for (let index = 0; index < 20 && !limited; index++) {
      const response = await ingest(batch);
      if (response.status === 429) limited = response;
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited?.headers.get('x-sentry-rate-limits')).toMatch(/^\d+::key$/);
    expect((await api('/api/v1/stats')).body.ingest).toMatchObject({
      rateLimitedRequests: 1,
      rateLimitedEvents: 100,
    });
    await drained();
  });
});
