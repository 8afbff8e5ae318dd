import { afterEach, describe, expect, it } from 'vitest';
import { deliveryErrorOf } from '../test/delivery-error-of.js';
import { type FakePagerDuty, fakeAlert, startFakePagerDuty } from '../test/fake-notification-servers.js';
import { createPagerDutyNotifier } from './pagerduty-notifier.js';

const routingKey = 'R0ut1ngK3yR0ut1ngK3yR0ut1ngK3y00';

let pagerDuty: FakePagerDuty | undefined;
afterEach(async () => {
  await pagerDuty?.close();
  pagerDuty = undefined;
});

describe('createPagerDutyNotifier', () => {
  it('should trigger an Events API v2 alert keyed by the fingerprint, then resolve it with the same key', async () => {
    pagerDuty = await startFakePagerDuty();
    const notifier = createPagerDutyNotifier({
      routingKey,
      url: pagerDuty.url,
      dashboardUrl: 'http://triage.local',
    });
    const alert = fakeAlert();
    const { analysis } = alert.result;
    await notifier.send(alert);
    expect(pagerDuty.alerts.get(alert.issue.fingerprint)).toBe('triggered');

    const [trigger] = pagerDuty.requests;
    expect(trigger?.path).toBe('/v2/enqueue');
    expect(trigger?.headers['content-type']).toMatch(/^application\/json/);
    expect(trigger?.body).toEqual({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: alert.issue.fingerprint,
      payload: {
        summary: `[${analysis.severity.toUpperCase()}] ${analysis.title} — ${analysis.summary}`,
        source: 'checkout',
        severity: { critical: 'critical', high: 'error', medium: 'warning', low: 'info' }[analysis.severity],
        timestamp: new Date(alert.event.timestamp).toISOString(),
        component: 'ProtectedHandler in main.ts',
        group: 'production',
        class: analysis.category,
        custom_details: {
          issue_id: 'issue-1',
          root_cause: analysis.rootCause,
          remediation: analysis.remediation.map((step, index) => `${index + 1}. ${step}`),
          prevention: analysis.prevention,
          occurrences: 3,
          priority: 'P1',
          category: analysis.category,
          confidence: analysis.confidence,
        },
      },
      links: [{ href: 'http://triage.local/issues/issue-1', text: 'Open in Triage' }],
      client: 'Triage',
      client_url: 'http://triage.local',
    });

    await notifier.resolve(alert.issue);
    expect(pagerDuty.requests[1]?.body).toEqual({
      routing_key: routingKey,
      event_action: 'resolve',
      dedup_key: alert.issue.fingerprint,
    });
    expect(pagerDuty.alerts.get(alert.issue.fingerprint)).toBe('resolved');
  });

  it.each([
    ['critical', 'critical'],
    ['high', 'error'],
    ['medium', 'warning'],
    ['low', 'info'],
  ] as const)('should map analysis severity %s to PagerDuty severity %s', async (severity, expected) => {
    pagerDuty = await startFakePagerDuty();
    await createPagerDutyNotifier({ routingKey, url: pagerDuty.url }).send(
      fakeAlert({ analysis: { severity } }),
    );
    expect(pagerDuty.requests[0]?.body).toMatchObject({ payload: { severity: expected } });
  });

  it('should cut the summary to the 1024 characters PagerDuty accepts', async () => {
    pagerDuty = await startFakePagerDuty();
    const alert = fakeAlert({ analysis: { summary: 'x'.repeat(5000) } });
    await createPagerDutyNotifier({ routingKey, url: pagerDuty.url }).send(alert);
    const { payload } = pagerDuty.requests[0]!.body as { payload: { summary: string } };
    expect(payload.summary).toHaveLength(1024);
    expect(payload.summary).toMatch(/x…$/);
  });

  it('should start the summary with "Regressed: " and carry the resolution in custom_details', async () => {
    pagerDuty = await startFakePagerDuty();
    const notifier = createPagerDutyNotifier({ routingKey, url: pagerDuty.url });
    const alert = fakeAlert({
      analysis: { severity: 'critical', title: 'Connection pool exhausted', summary: 'The pool ran out.' },
      issue: {
        status: 'regressed',
        resolvedAt: Date.UTC(2026, 0, 5, 10, 6),
        resolutionNote: 'raised the pool to 20',
      },
    });
    await notifier.send(alert);
    const { payload } = pagerDuty.requests[0]!.body as {
      payload: { summary: string; custom_details: Record<string, unknown> };
    };
    expect(payload.summary).toBe('Regressed: [CRITICAL] Connection pool exhausted — The pool ran out.');
    expect(payload.custom_details).toMatchObject({
      regressed: true,
      resolved_at: '2026-01-05T10:06:00.000Z',
      resolution_note: 'raised the pool to 20',
    });
  });

  it('should keep a regressed summary within 1024 characters, and mark no other issue', async () => {
    pagerDuty = await startFakePagerDuty();
    const notifier = createPagerDutyNotifier({ routingKey, url: pagerDuty.url });
    await notifier.send(
      fakeAlert({ analysis: { summary: 'x'.repeat(5000) }, issue: { status: 'regressed' } }),
    );
    await notifier.send(fakeAlert({ issue: { status: 'acknowledged', resolutionNote: 'an old note' } }));
    const [regressed, other] = pagerDuty.requests.map(
      (request) => (request.body as { payload: { summary: string; custom_details: object } }).payload,
    );
    expect(regressed?.summary).toHaveLength(1024);
    expect(regressed?.summary).toMatch(/^Regressed: \[.+x…$/);
    expect(regressed?.custom_details).not.toHaveProperty('resolution_note');
    expect(other?.summary).not.toMatch(/Regressed/);
    expect(other?.custom_details).not.toHaveProperty('regressed');
    expect(other?.custom_details).not.toHaveProperty('resolution_note');
  });

  it('should not cut the summary through an emoji', async () => {
    pagerDuty = await startFakePagerDuty();
    const notifier = createPagerDutyNotifier({ routingKey, url: pagerDuty.url });
    // With and without one more character before them, so that the cut falls inside a pair once.
    for (const pad of ['', 'x'])
      await notifier.send(fakeAlert({ analysis: { summary: pad + '😀'.repeat(1_000) } }));
    for (const request of pagerDuty.requests) {
      const { summary } = (request.body as { payload: { summary: string } }).payload;
      expect(summary.length).toBeLessThanOrEqual(1024);
      // No lone surrogate: whole emoji, then the ellipsis.
      expect(summary).toMatch(/😀…$/u);
      expect(summary).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }
  });

  it("should not retry a 400 and report PagerDuty's errors", async () => {
    pagerDuty = await startFakePagerDuty();
    const notifier = createPagerDutyNotifier({ routingKey: 'not-an-integration-key', url: pagerDuty.url });
    const error = await deliveryErrorOf(notifier.send(fakeAlert()));
    expect(error).toMatchObject({ isRetryable: false, status: 400 });
    expect(error.message).toBe('PagerDuty answered 400: Event object is invalid: Invalid routing key');
  });

  it('should get a 400 from the fake for an event the real API rejects (no routing key)', async () => {
    pagerDuty = await startFakePagerDuty();
    const response = await fetch(pagerDuty.url, {
      method: 'POST',
      body: JSON.stringify({
        event_action: 'trigger',
        payload: { summary: 's', source: 'x', severity: 'bad' },
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: [
        "'routing_key' is missing or blank",
        "'payload.severity' is invalid (must be one of critical, error, warning or info)",
      ],
    });
  });

  it('should treat 429 as retryable, with Retry-After when PagerDuty sends it', async () => {
    pagerDuty = await startFakePagerDuty();
    pagerDuty.reply(() => ({ status: 429, headers: { 'retry-after': '1' }, body: {} }));
    const notifier = createPagerDutyNotifier({ routingKey, url: pagerDuty.url });
    const error = await deliveryErrorOf(notifier.send(fakeAlert()));
    expect(error).toMatchObject({ isRetryable: true, retryAfterMs: 1000, status: 429 });
  });

  it('should treat 500 and 503 as retryable, for resolve as well', async () => {
    pagerDuty = await startFakePagerDuty();
    const notifier = createPagerDutyNotifier({ routingKey, url: pagerDuty.url });
    pagerDuty.reply(() => ({ status: 500, body: 'Internal Server Error' }));
    expect(await deliveryErrorOf(notifier.send(fakeAlert()))).toMatchObject({
      isRetryable: true,
      status: 500,
    });
    pagerDuty.reply(() => ({ status: 503 }));
    expect(await deliveryErrorOf(notifier.resolve(fakeAlert().issue))).toMatchObject({
      isRetryable: true,
      status: 503,
    });
  });

  it('should treat a refused connection as retryable', async () => {
    pagerDuty = await startFakePagerDuty();
    const { url } = pagerDuty;
    await pagerDuty.close();
    pagerDuty = undefined;
    const error = await deliveryErrorOf(createPagerDutyNotifier({ routingKey, url }).send(fakeAlert()));
    expect(error).toMatchObject({ isRetryable: true });
  });
});
