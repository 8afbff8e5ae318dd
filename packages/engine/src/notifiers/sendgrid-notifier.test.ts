import { afterEach, describe, expect, it } from 'vitest';
import { deliveryErrorOf } from '../test/delivery-error-of.js';
import {
  type FakeNotificationServer,
  fakeAlert,
  startFakeSendGrid,
} from '../test/fake-notification-servers.js';
import { renderAlertEmail } from './render-alert-email.js';
import { createSendGridNotifier } from './sendgrid-notifier.js';

let sendGrid: (FakeNotificationServer & { apiKey: string }) | undefined;
afterEach(async () => {
  await sendGrid?.close();
  sendGrid = undefined;
});

describe('createSendGridNotifier', () => {
  it('should send the rendered email through v3 Mail Send with a bearer key', async () => {
    sendGrid = await startFakeSendGrid({ apiKey: 'SG.right' });
    const alert = fakeAlert();
    const notifier = createSendGridNotifier({
      apiKey: 'SG.right',
      to: ['oncall@example.com', 'lead@example.com'],
      from: 'triage@example.com',
      url: sendGrid.url,
      dashboardUrl: 'http://triage.local',
    });
    await notifier.send(alert);

    const [request] = sendGrid.requests;
    expect(request?.path).toBe('/v3/mail/send');
    expect(request?.headers.authorization).toBe('Bearer SG.right');
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    const email = renderAlertEmail(alert, 'http://triage.local');
    expect(request?.body).toEqual({
      personalizations: [{ to: [{ email: 'oncall@example.com' }, { email: 'lead@example.com' }] }],
      from: { email: 'triage@example.com' },
      subject: email.subject,
      content: [
        { type: 'text/plain', value: email.text },
        { type: 'text/html', value: email.html },
      ],
    });
    expect(email.text).toContain('Dashboard: http://triage.local/issues/issue-1');
  });

  it('should send a regressed issue’s email as SMTP does: marked, with the resolution note escaped', async () => {
    sendGrid = await startFakeSendGrid();
    await createSendGridNotifier({
      apiKey: sendGrid.apiKey,
      to: 'oncall@example.com',
      from: 'triage@example.com',
      url: sendGrid.url,
    }).send(
      fakeAlert({
        analysis: { severity: 'high', title: 'Connection pool exhausted' },
        issue: { status: 'regressed', resolvedAt: Date.UTC(2026, 0, 5), resolutionNote: 'pool <b>20</b>' },
      }),
    );
    const body = sendGrid.requests[0]?.body as { subject: string; content: Array<{ value: string }> };
    expect(body.subject).toBe('[HIGH] Regressed: Connection pool exhausted');
    expect(body.content[0]?.value).toContain('Regressed: resolved 2026-01-05T00:00:00.000Z: pool <b>20</b>');
    expect(body.content[1]?.value).toContain(
      'resolved 2026-01-05T00:00:00.000Z: pool &#60;b&#62;20&#60;/b&#62;',
    );
  });

  it('should send addresses written with a name as SendGrid takes them, each recipient once', async () => {
    sendGrid = await startFakeSendGrid();
    await createSendGridNotifier({
      apiKey: sendGrid.apiKey,
      to: ['Ops Team <ops@example.com>', 'dev@example.com', 'OPS@example.com'],
      from: '"Triage Alerts" <alerts@example.com>',
      url: sendGrid.url,
    }).send(fakeAlert());
    expect(sendGrid.requests[0]?.body).toMatchObject({
      personalizations: [
        { to: [{ email: 'ops@example.com', name: 'Ops Team' }, { email: 'dev@example.com' }] },
      ],
      from: { email: 'alerts@example.com', name: 'Triage Alerts' },
    });
  });

  it('should accept a single recipient and keep LLM text escaped in the HTML part', async () => {
    sendGrid = await startFakeSendGrid();
    const alert = fakeAlert({ analysis: { rootCause: '<script>alert(1)</script> in the pool' } });
    await createSendGridNotifier({
      apiKey: sendGrid.apiKey,
      to: 'oncall@example.com',
      from: 'triage@example.com',
      url: sendGrid.url,
    }).send(alert);
    const { personalizations, content } = sendGrid.requests[0]!.body as {
      personalizations: unknown;
      content: Array<{ type: string; value: string }>;
    };
    expect(personalizations).toEqual([{ to: [{ email: 'oncall@example.com' }] }]);
    expect(content[1]?.value).not.toContain('<script>');
    expect(content[1]?.value).toContain('&#60;script&#62;alert(1)&#60;/script&#62; in the pool');
  });

  it('should not retry 401 for a wrong key, with SendGrid’s message', async () => {
    sendGrid = await startFakeSendGrid({ apiKey: 'SG.right' });
    const notifier = createSendGridNotifier({
      apiKey: 'SG.wrong',
      to: 'a@example.com',
      from: 'b@example.com',
      url: sendGrid.url,
    });
    const error = await deliveryErrorOf(notifier.send(fakeAlert()));
    expect(error).toMatchObject({ isRetryable: false, status: 401 });
    expect(error.message).toBe(
      'SendGrid answered 401: The provided authorization grant is invalid, expired, or revoked',
    );
  });

  it('should not retry 400 or 403, naming the fields SendGrid rejected', async () => {
    sendGrid = await startFakeSendGrid();
    const notifier = createSendGridNotifier({
      apiKey: sendGrid.apiKey,
      to: 'not-an-address',
      from: 'b@example.com',
      url: sendGrid.url,
    });
    const invalid = await deliveryErrorOf(notifier.send(fakeAlert()));
    expect(invalid).toMatchObject({ isRetryable: false, status: 400 });
    expect(invalid.message).toMatch(
      /^SendGrid answered 400: personalizations\.0\.to: The to array is required/,
    );

    sendGrid.reply(() => ({
      status: 403,
      body: {
        errors: [{ message: 'The from address does not match a verified Sender Identity.', field: 'from' }],
      },
    }));
    const forbidden = await deliveryErrorOf(notifier.send(fakeAlert()));
    expect(forbidden).toMatchObject({ isRetryable: false, status: 403 });
    expect(forbidden.message).toContain('from: The from address does not match a verified Sender Identity.');
  });

  it('should treat 429 with Retry-After and 500 as retryable', async () => {
    sendGrid = await startFakeSendGrid();
    const notifier = createSendGridNotifier({
      apiKey: sendGrid.apiKey,
      to: 'a@example.com',
      from: 'b@example.com',
      url: sendGrid.url,
    });
    sendGrid.reply(() => ({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { errors: [{ message: 'too many requests', field: null }] },
    }));
    expect(await deliveryErrorOf(notifier.send(fakeAlert()))).toMatchObject({
      isRetryable: true,
      retryAfterMs: 1000,
      status: 429,
    });
    sendGrid.reply(() => ({ status: 500, body: 'upstream error' }));
    const error = await deliveryErrorOf(notifier.send(fakeAlert()));
    expect(error).toMatchObject({ isRetryable: true, status: 500 });
    // A body that is not SendGrid's JSON is still reported.
    expect(error.message).toBe('SendGrid answered 500: upstream error');
  });

  it('should treat a refused connection as retryable', async () => {
    sendGrid = await startFakeSendGrid();
    const { url, apiKey } = sendGrid;
    await sendGrid.close();
    sendGrid = undefined;
    const notifier = createSendGridNotifier({ apiKey, to: 'a@example.com', from: 'b@example.com', url });
    expect(await deliveryErrorOf(notifier.send(fakeAlert()))).toMatchObject({ isRetryable: true });
  });

  it('should fail fast without an API key or a recipient', () => {
    expect(() => createSendGridNotifier({ apiKey: '', to: 'a@example.com', from: 'b@example.com' })).toThrow(
      /apiKey is required/,
    );
    expect(() => createSendGridNotifier({ apiKey: 'SG.x', to: [], from: 'b@example.com' })).toThrow(
      /to needs at least one address/,
    );
  });
});
