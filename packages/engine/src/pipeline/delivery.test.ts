import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TriageEvent } from '@triage/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createConsoleEmailNotifier } from '../notifiers/console-email-notifier.js';
import { createPagerDutyNotifier } from '../notifiers/pagerduty-notifier.js';
import { createSlackNotifier } from '../notifiers/slack-notifier.js';
import { createWebhookNotifier } from '../notifiers/webhook-notifier.js';
import type { IssueStore } from '../ports/issue-store.js';
import type { Notifier } from '../ports/notifier.js';
import { openSqlStore } from '../stores/sql/open-sql-store.js';
import {
  type FakeNotificationServer,
  startFakePagerDuty,
  startFakeSlack,
  startFakeWebhookReceiver,
} from '../test/fake-notification-servers.js';
import { testDatabase } from '../test/postgres-database.js';
import { createEngine } from './engine.js';

const postgres = testDatabase('triage_delivery');
afterAll(() => postgres.drop());

const servers: FakeNotificationServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});
const track = <T extends FakeNotificationServer>(server: T) => {
  servers.push(server);
  return server;
};

const poolEvent = (overrides: Partial<TriageEvent> = {}) => ({
  source: { file: 'src/checkout.ts', function: 'Checkout' },
  priority: 'P1',
  log: ['ERROR: Connection pool exhausted (10/10 connections active)'],
  ...overrides,
});
const dbFile = () => join(mkdtempSync(join(tmpdir(), 'triage-delivery-')), 'triage.db');
const fast = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

async function until(condition: () => boolean | Promise<boolean>, what: string) {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Writes a daily digest due now into `store`'s outbox, as an instance would: the smallest entry to write by hand. */
const enqueueDigest = (store: Pick<IssueStore, 'enqueueAlert'>, day: string) =>
  store.enqueueAlert({
    idempotencyKey: `digest:email:${day}`,
    issueId: 'digest',
    channel: 'email',
    payload: JSON.stringify({ kind: 'digest', digest: { subject: 's', text: 't', html: '<p>t</p>' } }),
    nextAttemptAt: Date.now(),
  });

describe('alert delivery through the outbox', () => {
  it('should route by priority and severity, and say why in the alert', async () => {
    const slack = track(await startFakeSlack());
    const engine = createEngine({
      env: {},
      notifiers: [createSlackNotifier({ webhookUrl: slack.url })],
      delivery: fast,
    });
    await engine.process({ input: poolEvent() });
    expect(slack.requests).toHaveLength(1);
    const body = slack.requests[0]!.body as { text: string; blocks: unknown[] };
    expect(body.text).toMatch(/^\[(HIGH|CRITICAL)\]/);
    // Routed to email too, which this engine has no channel for: the alert says so.
    expect(JSON.stringify(body.blocks)).toContain(
      'emailed and posted to Slack: P1 Checkout, severity high (not configured: email)',
    );
    const [entry] = await engine.store.listAlerts('sent');
    expect(entry).toMatchObject({ channel: 'slack', attempts: 1 });
  });

  it('should say when the email of an alert was only printed, no mail being set up', async () => {
    let printed = '';
    const engine = createEngine({
      env: {},
      notifiers: [
        createConsoleEmailNotifier({ to: 'oncall@example.com', write: (text) => (printed += text) }),
      ],
      delivery: fast,
    });
    await engine.process({ input: poolEvent({ priority: 'P0' }) });
    expect(printed).toMatch(
      /Routed: paged and emailed: P0 Checkout, severity \w+ \(not configured: pagerduty; email printed: no mail set up\)/,
    );
    await engine.close();
  });

  it('should retry after a 429, honouring Retry-After, and deliver once', async () => {
    const slack = track(await startFakeSlack());
    slack.reply((_request, index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': '0' }, body: 'rate_limited' } : undefined,
    );
    const engine = createEngine({
      env: {},
      notifiers: [createSlackNotifier({ webhookUrl: slack.url })],
      delivery: fast,
    });
    await engine.process({ input: poolEvent() });
    await until(async () => (await engine.store.listAlerts('sent')).length === 1, 'the retried alert');
    expect(slack.requests).toHaveLength(2);
    expect((await engine.store.listAlerts('sent'))[0]).toMatchObject({
      attempts: 2,
      lastError: expect.stringMatching(/429/),
    });
    expect(engine.stats()).toMatchObject({ alerted: 1, deadLetters: 0 });
    await engine.close();
  });

  // The jittered delay is a fraction of a millisecond; PostgreSQL's bigint refused it, so a retry was
  // never scheduled and the alert came back only when its claim ran out.
  it('should schedule a retry on PostgreSQL, and deliver the alert once', async () => {
    await postgres.create();
    const slack = track(await startFakeSlack());
    slack.reply((_request, index) => (index === 0 ? { status: 503, body: 'unavailable' } : undefined));
    const engine = createEngine({
      env: {},
      store: await openSqlStore({ url: postgres.url }),
      notifiers: [createSlackNotifier({ webhookUrl: slack.url })],
      delivery: fast,
      diagnostics: () => {},
    });
    try {
      await engine.process({ input: poolEvent() });
      await until(async () => (await engine.store.listAlerts('sent')).length === 1, 'the retried alert');
      expect((await engine.store.listAlerts('sent'))[0]).toMatchObject({
        attempts: 2,
        lastError: expect.stringMatching(/503/),
      });
      expect(engine.stats()).toMatchObject({ alerted: 1, deadLetters: 0 });
    } finally {
      await engine.close();
    }
  });

  it('should wait at most an hour for a Retry-After, and not look for due alerts again and again meanwhile', async () => {
    const file = dbFile();
    const slack = track(await startFakeSlack());
    // 35 days, past what setTimeout can hold (2^31 - 1 ms, about 24.8 days).
    slack.reply(() => ({
      status: 429,
      headers: { 'retry-after': String(35 * 86_400) },
      body: 'rate_limited',
    }));
    const first = createEngine({
      env: {},
      store: await openSqlStore({ url: file }),
      notifiers: [createSlackNotifier({ webhookUrl: slack.url })],
      delivery: fast,
      diagnostics: () => {},
    });
    const before = Date.now();
    await first.process({ input: poolEvent() });
    const [pending] = await first.store.listAlerts('pending');
    expect(pending?.nextAttemptAt).toBeGreaterThanOrEqual(before + 60 * 60_000);
    expect(pending?.nextAttemptAt).toBeLessThanOrEqual(Date.now() + 60 * 60_000);
    await first.close();

    // An alert due 40 days from now (one an older version kept whole, or a clock moved back): the
    // dispatcher's timer fired at once, with a TimeoutOverflowWarning, and looked again, in a loop.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const store = await openSqlStore({ url: file });
    let claims = 0;
    const claim = store.claimDueAlerts.bind(store);
    store.claimDueAlerts = (...args) => {
      claims++;
      return claim(...args);
    };
    const second = createEngine({
      env: {},
      store,
      notifiers: [createSlackNotifier({ webhookUrl: slack.url })],
      delivery: fast,
      diagnostics: () => {},
      now: () => Date.now() - 40 * 86_400_000,
    });
    await until(() => claims > 0, 'the first look at the outbox');
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.off('warning', onWarning);
    expect(claims).toBe(1);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
    expect(slack.requests).toHaveLength(1);
    await second.close();
  });

  // After a look at the outbox that failed (the database away), no timer was armed: an alert waiting for
  // its retry waited for the next new alert, or a restart.
  it('should look at the outbox again after a look that failed, and send what waits there', async () => {
    const slack = track(await startFakeSlack());
    slack.reply((_request, index) => (index === 0 ? { status: 503, body: 'down' } : undefined));
    const store = await openSqlStore({ url: dbFile() });
    const claim = store.claimDueAlerts.bind(store);
    let failNextClaims = 0;
    store.claimDueAlerts = (...args) => {
      if (failNextClaims > 0) {
        failNextClaims--;
        return Promise.reject(new Error('the database is away'));
      }
      return claim(...args);
    };
    const engine = createEngine({
      env: {},
      store,
      notifiers: [createSlackNotifier({ webhookUrl: slack.url })],
      delivery: { ...fast, baseDelayMs: 100, maxDelayMs: 100, pollMs: 200 },
      diagnostics: () => {},
    });
    await engine.process({ input: poolEvent() });
    expect(slack.requests).toHaveLength(1);
    // The retry's look fails, once.
    failNextClaims = 1;
    await until(async () => (await engine.store.listAlerts('sent')).length === 1, 'the alert, sent later');
    expect(failNextClaims).toBe(0);
    expect(slack.requests).toHaveLength(2);
    await engine.close();
  });

  // Another instance wrote the alert (its claim taken) and died before sending it: the dispatchers of the
  // instances still up looked at the outbox only when they had alerts of their own.
  it('should send an alert another instance claimed and never sent, once its claim is over', async () => {
    const file = dbFile();
    const email = { name: 'email', sent: 0, send: async () => {}, sendDigest: async () => void email.sent++ };
    const survivor = createEngine({
      env: {},
      store: await openSqlStore({ url: file }),
      notifiers: [email],
      delivery: { ...fast, pollMs: 100 },
    });
    await survivor.flush();
    // Another instance on the same database writes an entry (the daily digest: the smallest to write
    // by hand), claims it for 300 ms, and dies.
    const other = await openSqlStore({ url: file });
    await enqueueDigest(other, '2026-12-06');
    expect(await other.claimDueAlerts(Date.now(), 20, 300)).toHaveLength(1);
    await other.close();
    await until(() => email.sent === 1, 'the orphaned alert');
    await survivor.close();
  });

  it('should hold an alert it is still sending past its lease, so another instance does not send it too', async () => {
    const file = dbFile();
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // A send that takes 2.5 leases (SMTP gives each of its steps 15 s; the lease is 60 s).
    const slow = { name: 'email', started: 0, sent: 0, send: async () => {} } as {
      name: string;
      started: number;
      sent: number;
      send: () => Promise<void>;
      sendDigest?: () => Promise<void>;
    };
    slow.sendDigest = async () => {
      slow.started++;
      await sleep(2_500);
      slow.sent++;
    };
    const other = { name: 'email', sent: 0, send: async () => {}, sendDigest: async () => void other.sent++ };
    const delivery = { ...fast, leaseMs: 1_000, pollMs: 50 };
    const sender = createEngine({
      env: {},
      store: await openSqlStore({ url: file }),
      notifiers: [slow],
      delivery,
    });
    await sender.flush();
    const writer = await openSqlStore({ url: file });
    await enqueueDigest(writer, '2026-12-07');
    await until(() => slow.started === 1, 'the slow send to start');
    const instance = createEngine({
      env: {},
      store: await openSqlStore({ url: file }),
      notifiers: [other],
      delivery,
    });
    await until(() => slow.sent === 1, 'the slow send to end');
    await until(async () => (await writer.listAlerts('sent')).length === 1, 'the alert marked sent');
    // A few more of the other instance's looks at the outbox.
    await sleep(200);
    expect(other.sent).toBe(0);
    expect(await writer.listAlerts('sent')).toMatchObject([{ attempts: 1 }]);
    await Promise.all([sender.close(), instance.close(), writer.close()]);
  });

  it('should give up on a send that never answers, and try again', async () => {
    const calls: number[] = [];
    const hanging = {
      name: 'webhook',
      send: () => {
        calls.push(Date.now());
        return calls.length === 1 ? new Promise<void>(() => {}) : Promise.resolve();
      },
    };
    const engine = createEngine({
      env: {},
      notifiers: [hanging],
      delivery: { ...fast, sendTimeoutMs: 100 },
      diagnostics: () => {},
    });
    await engine.process({ input: poolEvent() });
    await until(
      async () => (await engine.store.listAlerts('sent')).length === 1,
      'the alert sent on its retry',
    );
    expect(calls).toHaveLength(2);
    expect((await engine.store.listAlerts('sent'))[0]).toMatchObject({
      attempts: 2,
      lastError: 'webhook gave no answer within 100 ms',
    });
    expect(engine.stats().failures['alert:webhook']).toBe(1);
    await engine.close();
    expect(() => createEngine({ env: {}, notifiers: [hanging], delivery: { leaseMs: 10 } })).toThrow(
      /leaseMs must be at least 100 ms/,
    );
  });

  /** An engine alerting a signed webhook whose receiver answers as `reply` says. */
  async function webhookEngine(reply: Parameters<FakeNotificationServer['reply']>[0]) {
    const receiver = track(await startFakeWebhookReceiver({ secret: 's3cret' }));
    receiver.reply(reply);
    const engine = createEngine({
      env: {},
      notifiers: [createWebhookNotifier({ url: receiver.url, secret: 's3cret' })],
      delivery: fast,
      diagnostics: () => {},
    });
    return { receiver, engine };
  }

  it('should say so, counted, when no channel set up may take a route, rather than drop the alert in silence', async () => {
    const pagerduty = track(await startFakePagerDuty());
    const lines: string[] = [];
    const engine = createEngine({
      env: {},
      notifiers: [createPagerDutyNotifier({ routingKey: 'R'.repeat(32), url: pagerduty.url })],
      routing: { rules: [{ channels: ['slack'] }] },
      delivery: fast,
      diagnostics: (line) => lines.push(line),
    });
    await engine.process({ input: poolEvent() });
    expect(pagerduty.requests).toHaveLength(0);
    expect(engine.stats().failures.alert).toBe(1);
    expect(lines).toEqual([
      expect.stringContaining('no channel set up for this route: posted to Slack: P1 Checkout'),
    ]);
    await engine.close();
  });

  it("should be done with an event once its own alerts were tried, not another issue's slow send", async () => {
    const pagerduty = track(await startFakePagerDuty());
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowEmail: Notifier = { name: 'email', send: () => gate };
    const engine = createEngine({
      env: {},
      notifiers: [slowEmail, createPagerDutyNotifier({ routingKey: 'R'.repeat(32), url: pagerduty.url })],
      routing: { rules: [{ priority: ['P0'], channels: ['pagerduty'] }, { channels: ['email'] }] },
      delivery: fast,
    });
    const first = engine.process({ input: poolEvent() });
    // Waiting for the dispatcher to be idle, B's job waited for A's mail server too, and under steady
    // alerts for ever.
    const second = await engine.process({
      input: poolEvent({ priority: 'P0', source: { file: 'src/payments.ts', function: 'Pay' } }),
    });
    expect(second?.issue.priority).toBe('P0');
    expect(pagerduty.requests).toHaveLength(1);
    release();
    await first;
    await engine.close();
  });

  it('should keep an alert for the digest without reporting a failure', async () => {
    const slack = track(await startFakeSlack());
    const engine = createEngine({
      env: {},
      notifiers: [createSlackNotifier({ webhookUrl: slack.url })],
      delivery: fast,
      diagnostics: () => {},
    });
    await engine.process({ input: poolEvent({ priority: 'P3' }) });
    expect(slack.requests).toHaveLength(0);
    expect(engine.stats().failures.alert).toBeUndefined();
    await engine.close();
  });

  it('should send a resolve after the page of its issue that was still being sent', async () => {
    const calls: string[] = [];
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let paging = false;
    const pager: Notifier = {
      name: 'pagerduty',
      send: async () => {
        paging = true;
        await gate;
        calls.push('trigger');
      },
      resolve: async () => {
        calls.push('resolve');
      },
    };
    const engine = createEngine({ env: {}, notifiers: [pager], delivery: fast });
    const processed = engine.process({ input: poolEvent({ priority: 'P0' }) });
    await until(() => paging, 'the page on its way');
    const [issue] = await engine.store.listIssues();
    // Sent beside the page, the resolve reached PagerDuty first, which took it as nothing, and the page
    // then opened an incident for a resolved issue.
    const resolving = engine.setStatus(issue!.id, { status: 'resolved' });
    const claimed = async () =>
      (await engine.store.listAlerts('pending')).some(
        (entry) => entry.idempotencyKey.includes(':resolved-') && entry.attempts === 1,
      );
    await until(claimed, 'the resolve claimed');
    release();
    await Promise.all([processed, resolving]);
    expect(calls).toEqual(['trigger', 'resolve']);
    await engine.close();
  });

  it('should page for a new issue while a slow mail server still holds the alert of another', async () => {
    const pagerduty = track(await startFakePagerDuty());
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const mailed: string[] = [];
    const slowEmail: Notifier = {
      name: 'email',
      send: async (alert) => {
        mailed.push(alert.issue.id);
        await gate;
      },
    };
    const engine = createEngine({
      env: {},
      notifiers: [slowEmail, createPagerDutyNotifier({ routingKey: 'R'.repeat(32), url: pagerduty.url })],
      delivery: fast,
    });
    // P1: emailed, and the mail server holds it. Sent in batches, the page of the next issue waited for it.
    const first = engine.process({ input: poolEvent() });
    await until(() => mailed.length === 1, 'the first alert at the mail server');
    const second = engine.process({
      input: poolEvent({ priority: 'P0', source: { file: 'src/payments.ts', function: 'Pay' } }),
    });
    await until(() => pagerduty.requests.length === 1, 'the page of the second issue');
    release();
    await Promise.all([first, second]);
    expect(mailed).toHaveLength(2);
    expect(await engine.store.listAlerts('sent')).toHaveLength(3);
    await engine.close();
  });

  it('should keep a dead letter, visible and counted, after exhausting the retries', async () => {
    const { receiver, engine } = await webhookEngine(() => ({ status: 500, body: 'boom' }));
    await engine.process({ input: poolEvent() });
    await until(async () => (await engine.store.listAlerts('dead')).length === 1, 'the dead letter');
    expect(receiver.requests).toHaveLength(3);
    expect((await engine.store.listAlerts('dead'))[0]).toMatchObject({ channel: 'webhook', attempts: 3 });
    expect((await engine.store.listAlerts('dead'))[0]?.lastError).toMatch(/500.*after 3 attempts/);
    expect(engine.stats()).toMatchObject({ deadLetters: 1 });
    expect(engine.stats().failures['dropped:dead-letter']).toBe(1);
    await engine.close();
  });

  it('should send every retry of a webhook alert with one delivery id, and another alert with its own', async () => {
    const { receiver, engine } = await webhookEngine((_request, index) =>
      index === 0 ? { status: 503, body: 'busy' } : undefined,
    );
    await engine.process({ input: poolEvent() });
    await until(() => receiver.requests.length === 2, 'the retried alert');
    await engine.process({ input: poolEvent({ source: { file: 'src/ledger.ts', function: 'Ledger' } }) });
    await until(() => receiver.requests.length === 3, 'the second alert');
    const ids = receiver.requests.map((request) => request.headers['x-triage-delivery']);
    // Signed with the body too.
    expect(receiver.requests.map((request) => (request.body as { deliveryId?: string }).deliveryId)).toEqual(
      ids,
    );
    expect(ids[0]).toMatch(/:webhook:/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
    await engine.close();
  });

  it('should give up at once on an error that retrying cannot fix', async () => {
    const slack = track(await startFakeSlack());
    slack.reply(() => ({ status: 404, body: 'no_service' }));
    const engine = createEngine({
      env: {},
      notifiers: [createSlackNotifier({ webhookUrl: slack.url })],
      delivery: fast,
      diagnostics: () => {},
    });
    await engine.process({ input: poolEvent() });
    await until(async () => (await engine.store.listAlerts('dead')).length === 1, 'the dead letter');
    expect(slack.requests).toHaveLength(1);
  });

  it('should send after a restart what the last process left in the outbox, and never twice', async () => {
    const file = dbFile();
    const slack = track(await startFakeSlack());
    slack.reply((_request, index) => (index === 0 ? { status: 503, body: 'down' } : undefined));
    const first = createEngine({
      env: {},
      store: await openSqlStore({ url: file }),
      notifiers: [createSlackNotifier({ webhookUrl: slack.url })],
      delivery: { ...fast, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      diagnostics: () => {},
    });
    await first.process({ input: poolEvent() });
    expect(slack.requests).toHaveLength(1);
    await first.close();

    // The next process finds the pending alert; its retry time is in the future, so move the clock.
    const second = createEngine({
      env: {},
      store: await openSqlStore({ url: file }),
      notifiers: [createSlackNotifier({ webhookUrl: slack.url })],
      delivery: fast,
      now: () => Date.now() + 120_000,
    });
    await until(
      async () => (await second.store.listAlerts('sent')).length === 1,
      'the alert after the restart',
    );
    expect(slack.requests).toHaveLength(2);
    // The same event again within the window: no new alert, in this process or after another restart.
    await second.process({ input: poolEvent() });
    await second.close();
    const third = createEngine({
      env: {},
      store: await openSqlStore({ url: file }),
      notifiers: [createSlackNotifier({ webhookUrl: slack.url })],
      delivery: fast,
    });
    await third.process({ input: poolEvent() });
    await third.flush();
    expect(slack.requests).toHaveLength(2);
    expect(await third.store.listAlerts()).toHaveLength(1);
    await third.close();
  });

  // A resolve PagerDuty could not take at that moment was logged and lost: the incident stayed open.
  it('should resolve the incident once PagerDuty is back, when it was down at the moment of the resolve', async () => {
    const pagerduty = track(await startFakePagerDuty());
    const routingKey = 'R0123456789ABCDEF0123456789ABCDE';
    pagerduty.reply((request) =>
      (request.body as { event_action?: string }).event_action === 'resolve' &&
      pagerduty.requests.filter((seen) => (seen.body as { event_action?: string }).event_action === 'resolve')
        .length === 1
        ? { status: 503, body: { status: 'unavailable' } }
        : undefined,
    );
    const engine = createEngine({
      env: {},
      notifiers: [createPagerDutyNotifier({ routingKey, url: pagerduty.url })],
      delivery: fast,
      diagnostics: () => {},
    });
    const report = await engine.process({ input: poolEvent({ priority: 'P0' }) });
    const fingerprint = report!.issue.fingerprint;
    expect(pagerduty.alerts.get(fingerprint)).toBe('triggered');
    await engine.setStatus(report!.issue.id, { status: 'resolved' });
    await until(() => pagerduty.alerts.get(fingerprint) === 'resolved', 'the resolve, retried');
    const actions = pagerduty.requests.map(
      (request) => (request.body as { event_action: string }).event_action,
    );
    expect(actions).toEqual(['trigger', 'resolve', 'resolve']);
    await engine.close();
  });

  it('should not page for an issue resolved while its page waited to be sent', async () => {
    const pagerduty = track(await startFakePagerDuty());
    const routingKey = 'R0123456789ABCDEF0123456789ABCDE';
    pagerduty.reply((_request, index) =>
      index === 0 ? { status: 503, body: { status: 'unavailable' } } : undefined,
    );
    const engine = createEngine({
      env: {},
      notifiers: [createPagerDutyNotifier({ routingKey, url: pagerduty.url })],
      delivery: { maxAttempts: 3, baseDelayMs: 400, maxDelayMs: 400 },
      diagnostics: () => {},
    });
    const report = await engine.process({ input: poolEvent({ priority: 'P0' }) });
    const fingerprint = report!.issue.fingerprint;
    // The page is waiting for its retry; the issue is resolved meanwhile, and the resolve goes out first.
    await engine.setStatus(report!.issue.id, { status: 'resolved' });
    expect(pagerduty.alerts.get(fingerprint)).toBe('resolved');
    await until(
      async () => (await engine.store.listAlerts('pending')).length === 0,
      'the page to be settled',
    );
    expect(pagerduty.alerts.get(fingerprint)).toBe('resolved');
    const [page] = await engine.store.listAlerts('dead');
    expect(page?.lastError).toBe('not sent: the issue was resolved before it could be');
    expect(
      pagerduty.requests.map((request) => (request.body as { event_action: string }).event_action),
    ).toEqual(['trigger', 'resolve']);
    await engine.close();
  });

  it('should page for P0, resolve the incident when the issue is resolved, and alert again on regression', async () => {
    const pagerduty = track(await startFakePagerDuty());
    const routingKey = 'R0123456789ABCDEF0123456789ABCDE';
    const engine = createEngine({
      env: {},
      notifiers: [createPagerDutyNotifier({ routingKey, url: pagerduty.url })],
      delivery: fast,
    });
    const report = await engine.process({ input: poolEvent({ priority: 'P0' }) });
    const fingerprint = report!.issue.fingerprint;
    expect(pagerduty.alerts.get(fingerprint)).toBe('triggered');
    await engine.setStatus(report!.issue.id, { status: 'resolved', note: 'pool raised' });
    expect(pagerduty.alerts.get(fingerprint)).toBe('resolved');
    // Given its release afterwards, and a note: the incident is not resolved a second time.
    await engine.setStatus(report!.issue.id, { status: 'resolved', resolvedInRelease: '1.4.3' });
    await engine.setStatus(report!.issue.id, { note: 'pool raised to 20' });
    const again = await engine.process({ input: poolEvent({ priority: 'P0' }) });
    expect(again?.issue.status).toBe('regressed');
    expect(pagerduty.alerts.get(fingerprint)).toBe('triggered');
    expect(
      pagerduty.requests.map((request) => (request.body as { event_action: string }).event_action),
    ).toEqual(['trigger', 'resolve', 'trigger']);
  });

  it('should acknowledge the incident when the issue is acknowledged, and resolve it after', async () => {
    const pagerduty = track(await startFakePagerDuty());
    const engine = createEngine({
      env: {},
      notifiers: [createPagerDutyNotifier({ routingKey: 'R'.repeat(32), url: pagerduty.url })],
      delivery: fast,
    });
    const report = await engine.process({ input: poolEvent({ priority: 'P0' }) });
    const { id, fingerprint } = report!.issue;
    expect(pagerduty.alerts.get(fingerprint)).toBe('triggered');
    await engine.setStatus(id, { status: 'acknowledged' });
    // Acknowledged in Triage only, the incident went on escalating to the next person on call.
    expect(pagerduty.alerts.get(fingerprint)).toBe('acknowledged');
    // A note alone sends nothing more.
    await engine.setStatus(id, { note: 'looking at the pool' });
    await engine.setStatus(id, { status: 'resolved' });
    expect(pagerduty.alerts.get(fingerprint)).toBe('resolved');
    expect(
      pagerduty.requests.map((request) => (request.body as { event_action: string }).event_action),
    ).toEqual(['trigger', 'acknowledge', 'resolve']);
    await engine.close();
  });

  it('should leave open the incident of a regression that came before a held-back resolve went out', async () => {
    const pagerduty = track(await startFakePagerDuty());
    const actions = () =>
      pagerduty.requests.map((request) => (request.body as { event_action: string }).event_action);
    // The resolve is answered 503 with a Retry-After: it waits while the issue comes back.
    pagerduty.reply((request) =>
      (request.body as { event_action?: string }).event_action === 'resolve'
        ? { status: 503, headers: { 'retry-after': '1' }, body: { status: 'unavailable' } }
        : undefined,
    );
    const engine = createEngine({
      env: {},
      notifiers: [createPagerDutyNotifier({ routingKey: 'R'.repeat(32), url: pagerduty.url })],
      delivery: fast,
      diagnostics: () => {},
    });
    const report = await engine.process({ input: poolEvent({ priority: 'P0' }) });
    await engine.setStatus(report!.issue.id, { status: 'resolved' });
    const again = await engine.process({ input: poolEvent({ priority: 'P0' }) });
    expect(again?.issue.status).toBe('regressed');
    await until(
      async () => (await engine.store.listAlerts('pending')).length === 0,
      'the held-back resolve to be settled',
    );
    expect(actions()).toEqual(['trigger', 'resolve', 'trigger']);
    expect(pagerduty.alerts.get(report!.issue.fingerprint)).toBe('triggered');
    expect((await engine.store.listAlerts('dead')).map((entry) => entry.lastError)).toEqual([
      'not sent: the issue was no longer resolved when it could be',
    ]);
    await engine.close();
  });

  it('should page for each regression, a second one in the same window too', async () => {
    const pagerduty = track(await startFakePagerDuty());
    const clock = { now: Date.parse('2026-01-01T10:00:00Z') };
    const engine = createEngine({
      env: {},
      notifiers: [createPagerDutyNotifier({ routingKey: 'R'.repeat(32), url: pagerduty.url })],
      delivery: fast,
      now: () => clock.now,
    });
    const report = await engine.process({ input: poolEvent({ priority: 'P0' }) });
    for (let cycle = 0; cycle < 2; cycle++) {
      clock.now += 5 * 60_000;
      await engine.setStatus(report!.issue.id, { status: 'resolved' });
      clock.now += 5 * 60_000;
      expect((await engine.process({ input: poolEvent({ priority: 'P0' }) }))?.issue.status).toBe(
        'regressed',
      );
    }
    expect(
      pagerduty.requests.map((request) => (request.body as { event_action: string }).event_action),
    ).toEqual(['trigger', 'resolve', 'trigger', 'resolve', 'trigger']);
    expect(pagerduty.alerts.get(report!.issue.fingerprint)).toBe('triggered');
    await engine.close();
  });

  /** An engine alerting on Slack, on a clock the test moves; `storm` sends 30 events a minute apart. */
  async function stormEngine() {
    const slack = track(await startFakeSlack());
    const clock = { now: Date.parse('2026-01-01T10:00:00Z') };
    const engine = createEngine({
      env: {},
      notifiers: [createSlackNotifier({ webhookUrl: slack.url })],
      delivery: fast,
      now: () => clock.now,
    });
    const storm = async () => {
      for (let index = 0; index < 30; index++) {
        clock.now += 61_000;
        await engine.process({ input: poolEvent({ timestamp: clock.now } as Partial<TriageEvent>) });
      }
    };
    return { slack, engine, clock, storm };
  }

  it('should coalesce a storm of one error into one alert, and alert again when it escalates', async () => {
    const { slack, engine, clock, storm } = await stormEngine();
    // A quiet day: a few events an hour.
    for (let hour = 0; hour < 24; hour++) {
      await engine.process({
        input: poolEvent({ timestamp: clock.now - (24 - hour) * 3_600_000 } as Partial<TriageEvent>),
      });
    }
    const before = slack.requests.length;
    // Then a storm in this hour.
    await storm();
    await engine.flush();
    expect(engine.stats().escalations).toBe(1);
    expect(slack.requests.length - before).toBe(1);
    expect(JSON.stringify(slack.requests.at(-1)!.body)).toMatch(/escalating \(\d+ events\)/);
  });
  it('should alert once for a new issue that arrives as a storm: it has no rate to escalate from', async () => {
    const { slack, engine, storm } = await stormEngine();
    await storm();
    await engine.flush();
    expect(engine.stats().escalations).toBe(0);
    expect(slack.requests).toHaveLength(1);
    expect(JSON.stringify(slack.requests[0]!.body)).not.toMatch(/escalating/);
  });
});

describe('daily digest', () => {
  it('should email new, regressed and top issues with the LLM spend, once a day', async () => {
    const { startSmtpCapture } = await import('../../../../test-helpers/smtp-capture.js');
    const { createSmtpNotifier } = await import('../notifiers/smtp-notifier.js');
    const smtp = await startSmtpCapture();
    try {
      const now = Date.parse('2026-01-02T08:00:00Z');
      const engine = createEngine({
        env: {},
        notifiers: [
          createSmtpNotifier({ url: smtp.url, to: 'team@example.com', from: 'triage@example.com' }),
        ],
        now: () => now,
        delivery: fast,
      });
      await engine.process({
        input: poolEvent({ priority: 'P3', timestamp: now - 3_600_000 } as Partial<TriageEvent>),
      });
      const deadlock = { log: ['ERROR: deadlock detected'], priority: 'P3' };
      const first = await engine.process({ input: { ...deadlock, timestamp: now - 7_200_000 } });
      // Resolved, and back: regressed, and not resolved again.
      await engine.setStatus(first!.issue.id, { status: 'resolved' });
      // Dated from the resolve on (the engine's clock is `now`): one dated before it does not bring it back.
      await engine.process({ input: { ...deadlock, timestamp: now } });
      expect(smtp.messages).toHaveLength(0);
      expect(await engine.sendDigest(now)).toBe(true);
      expect(await engine.sendDigest(now + 60_000)).toBe(false);
      const [mail] = await smtp.waitForMessages(1);
      expect(mail?.subject).toBe('[Triage] Daily digest 2026-01-02: 2 new, 1 regressed, 2 active');
      expect(mail?.text).toContain(
        'P3 [high] Connection pool exhausted in Checkout — 1 events, 0 users (new)',
      );
      const regressed = mail?.text?.split('Regressed issues, not resolved again (1)')[1]?.split('\n\n')[0];
      expect(regressed).toMatch(/^\n- P3 \[medium\] Database deadlock — 2 events, 0 users \(regressed\)$/);
      expect(mail?.text).toContain('LLM spend today (UTC 2026-01-02): $0.0000 over 0 calls');
      await engine.close();
    } finally {
      await smtp.close();
    }
  });
});
