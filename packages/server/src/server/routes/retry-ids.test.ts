// The two retry routes (dead jobs, dead alerts), as an operator calls them by hand.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../start-server.js';

const ADMIN = 'admin-token';
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: join(mkdtempSync(join(tmpdir(), 'triage-retry-routes-')), 'triage.db'),
    env: { TRIAGE_ADMIN_TOKEN: ADMIN, TRIAGE_WORKERS: '0' },
    log: () => {},
  });
});
afterAll(async () => {
  await server?.close();
});

const api = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN}`, ...init.headers },
  });
  const text = await response.text();
  return { status: response.status, allow: response.headers.get('allow'), body: text && JSON.parse(text) };
};

describe('/api/v1/jobs/retry', () => {
  it('should answer another method than POST with 405 and Allow: POST, not read "retry" as a job id', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH'])
      expect(await api('/api/v1/jobs/retry', { method })).toEqual({
        status: 405,
        allow: 'POST',
        body: { error: 'use POST for /api/v1/jobs/retry' },
      });
    expect(await api('/api/v1/jobs/retry', { method: 'HEAD' })).toMatchObject({ status: 405, allow: 'POST' });
    // What is not a job id is still said to be one.
    expect((await api('/api/v1/jobs/retries')).body).toEqual({
      error: 'a job id is a positive whole number, got "retries"',
    });
    expect(await api('/api/v1/jobs/retry', { method: 'POST' })).toMatchObject({
      status: 200,
      body: { retried: 0 },
    });
  });
});

describe('/api/v1/alerts/retry', () => {
  it('should take an alert id in capitals, as the one stored', async () => {
    const id = randomUUID();
    await server.context.store.db
      .insertInto('outbox')
      .values({
        id,
        idempotency_key: `retry-ids-test-${id}`,
        issue_id: 'issue',
        channel: 'webhook',
        payload: '{}',
        status: 'dead',
        attempts: 5,
        next_attempt_at: 0,
        last_error: 'refused',
        created_at: Date.now(),
        sent_at: null,
      })
      .execute();
    const retried = await api('/api/v1/alerts/retry', {
      method: 'POST',
      body: JSON.stringify({ ids: [id.toUpperCase()] }),
    });
    expect(retried).toMatchObject({ status: 200, body: { retried: 1 } });
    expect((await api(`/api/v1/alerts?after=${id.toUpperCase()}`)).status).toBe(200);
    expect(
      (await api('/api/v1/alerts/retry', { method: 'POST', body: '{"ids":["NOT-A-UUID"]}' })).body,
    ).toEqual({
      error: 'an alert id is a UUID, got "NOT-A-UUID"',
    });
  });
});
