import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeNotificationServer, startFakeWebhookReceiver, until } from '@triage/engine/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './start-server.js';

const ADMIN = 'admin-token';
const KEY = 'a'.repeat(32);
let server: RunningServer;
let hook: FakeNotificationServer;

beforeAll(async () => {
  hook = await startFakeWebhookReceiver({ secret: 'shh' });
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: join(mkdtempSync(join(tmpdir(), 'triage-alerts-api-')), 'triage.db'),
    env: {
      TRIAGE_ADMIN_TOKEN: ADMIN,
      TRIAGE_DEFAULT_PROJECT_KEY: KEY,
      TRIAGE_WEBHOOK_URL: hook.url,
      TRIAGE_WEBHOOK_SECRET: 'shh',
    },
    log: () => {},
  });
});
afterAll(async () => {
  await server?.close();
  await hook?.close();
});

const api = async (path: string, init: RequestInit = {}, token = ADMIN) => {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...init.headers },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
type Listed = {
  alerts: Array<{ id: string; channel: string; status: string; attempts: number; lastError?: string }>;
};

describe('GET /api/v1/alerts and POST /api/v1/alerts/retry', () => {
  it('should list the alerts given up on, and send them again once their channel is mended', async () => {
    // The receiver refuses for good (a 4xx): the alert is a dead letter at its first attempt.
    hook.reply(() => ({ status: 400, body: 'bad signature' }));
    const sent = await fetch(`${server.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'x-triage-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ log: ['ERROR: Connection pool exhausted (10/10 connections active)'] }),
    });
    expect(sent.status).toBe(200);
    const dead = async () => (await api('/api/v1/alerts')).body as Listed;
    expect(await until(async () => (await dead()).alerts.length === 1, 10_000)).toBe(true);
    const [alert] = (await dead()).alerts;
    expect(alert).toMatchObject({ channel: 'webhook', status: 'dead', attempts: 1 });
    expect(alert?.lastError).toMatch(/400/);
    expect(alert).not.toHaveProperty('payload');
    expect((await api('/api/v1/alerts')).body.nextAfter).toBeNull();

    hook.reply(() => ({ status: 200, body: 'ok' }));
    expect(
      await api('/api/v1/alerts/retry', { method: 'POST', body: JSON.stringify({ ids: [alert!.id] }) }),
    ).toEqual({
      status: 200,
      body: { retried: 1 },
    });
    // The email of the same alert, printed (no mail is set up), was sent at once.
    const sentAlerts = async () =>
      ((await api('/api/v1/alerts?status=sent')).body as Listed).alerts.filter(
        (entry) => entry.channel === 'webhook',
      );
    expect(await until(async () => (await sentAlerts()).length === 1, 10_000)).toBe(true);
    expect(await sentAlerts()).toMatchObject([{ id: alert!.id, attempts: 1 }]);
    expect(hook.requests).toHaveLength(2);
    // Nothing dead is left to retry.
    expect((await api('/api/v1/alerts/retry', { method: 'POST' })).body).toEqual({ retried: 0 });
  });

  it('should refuse what is not a status, an alert id or a list of them, and callers without the token', async () => {
    expect(await api('/api/v1/alerts?status=lost')).toEqual({
      status: 400,
      body: { error: 'status must be one of dead, pending, sent' },
    });
    expect((await api('/api/v1/alerts?after=12')).status).toBe(400);
    expect((await api('/api/v1/alerts?sort=id')).status).toBe(400);
    expect(await api('/api/v1/alerts/retry', { method: 'POST', body: '{"ids":[1]}' })).toEqual({
      status: 400,
      body: { error: 'an alert id is a UUID, got 1' },
    });
    expect((await api('/api/v1/alerts/retry', { method: 'POST', body: 'all' })).body).toEqual({
      error: 'send no body (all dead alerts) or {"ids": ["<id>", …]}',
    });
    expect((await api('/api/v1/alerts', {}, 'wrong')).status).toBe(401);
  });
});
