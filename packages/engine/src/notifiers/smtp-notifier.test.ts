import { afterEach, describe, expect, it } from 'vitest';
import { type SmtpCapture, startFlakySmtp, startSmtpCapture } from '../../../../test-helpers/smtp-capture.js';
import { DeliveryError } from '../errors/delivery-error.js';
import { fakeAlert } from '../test/fake-notification-servers.js';
import { createSmtpNotifier } from './smtp-notifier.js';

const alertFor = (lines: string[]) => fakeAlert({ lines, issue: { count: 3 } });

let smtp: SmtpCapture | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

describe('createSmtpNotifier', () => {
  it('should deliver the analysis through a real SMTP server, in text and HTML', async () => {
    smtp = await startSmtpCapture();
    const notifier = createSmtpNotifier({
      url: smtp.url,
      to: 'oncall@example.com',
      from: 'triage@example.com',
      dashboardUrl: 'http://triage.local',
    });
    await notifier.send(alertFor(['ERROR: Connection pool exhausted (10/10 connections active)']));
    await notifier.shutdown?.();
    const [mail] = await smtp.waitForMessages(1);
    expect(mail?.subject).toMatch(/^\[(HIGH|CRITICAL)\] .+ in ProtectedHandler$/);
    expect(mail?.to).toMatchObject({ text: 'oncall@example.com' });
    expect(mail?.text).toContain('## Root Cause');
    expect(mail?.text).toContain('Occurrences: 3');
    expect(mail?.text).toContain('Dashboard: http://triage.local/issues/issue-1');
    expect(mail?.html).toContain('<h3>Remediation Steps</h3>');
  });

  it('should escape analysis text in the HTML body', async () => {
    smtp = await startSmtpCapture();
    const notifier = createSmtpNotifier({ url: smtp.url, to: 'a@example.com', from: 'b@example.com' });
    const alert = alertFor(['ERROR: Connection pool exhausted']);
    alert.result.analysis.rootCause = '<img src=x onerror=alert(1)> in the pool';
    await notifier.send(alert);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail?.html).not.toContain('<img');
    expect(mail?.html).toContain('&#60;img src=x onerror=alert(1)&#62; in the pool');
  });

  it('should reject, not retryable, when the server refuses the message for good (5xx), an alert or a digest', async () => {
    smtp = await startSmtpCapture({ rejectWith: { code: 550, message: 'mailbox unavailable' } });
    const notifier = createSmtpNotifier({ url: smtp.url, to: 'a@example.com', from: 'b@example.com' });
    const digest = { subject: 'Triage daily digest', text: 'nothing new', html: '<p>nothing new</p>' };
    // One at a time: a second rejection made while the first is awaited would go unhandled.
    for (const send of [() => notifier.send(alertFor(['ERROR: x'])), () => notifier.sendDigest!(digest)]) {
      const error = await send().catch((caught: unknown) => caught);
      expect(DeliveryError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ isRetryable: false, status: 550 });
      expect((error as Error).message).toMatch(/mailbox unavailable/);
    }
  });

  it('should reject, retryable, on a transient reply (4xx) and on 503, a command out of sequence', async () => {
    for (const code of [451, 503]) {
      const server = await startSmtpCapture({ rejectWith: { code, message: 'try again later' } });
      const notifier = createSmtpNotifier({ url: server.url, to: 'a@example.com', from: 'b@example.com' });
      const error = await notifier.send(alertFor(['ERROR: x'])).catch((caught: unknown) => caught);
      await server.close();
      expect(error).toMatchObject({ isRetryable: true, status: code });
    }
  });

  it('should reject, not retryable, what nodemailer refuses before the server replies (no recipients)', async () => {
    smtp = await startSmtpCapture();
    const notifier = createSmtpNotifier({ url: smtp.url, to: [], from: 'b@example.com' });
    const error = await notifier.send(alertFor(['ERROR: x'])).catch((caught: unknown) => caught);
    expect(DeliveryError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ isRetryable: false, status: undefined });
    expect((error as Error).message).toMatch(/No recipients defined/);
  });

  it('should reject, retryable, when the server drops the connection mid-DATA, then deliver on retry', async () => {
    const flaky = await startFlakySmtp(1);
    smtp = flaky;
    const notifier = createSmtpNotifier({ url: flaky.url, to: 'a@example.com', from: 'b@example.com' });
    const error = await notifier
      .send(alertFor(['ERROR: Connection pool exhausted']))
      .catch((caught: unknown) => caught);
    expect(DeliveryError.isInstance(error) && error.isRetryable).toBe(true);
    expect(flaky.dropped()).toBe(1);
    await notifier.send(alertFor(['ERROR: Connection pool exhausted']));
    expect(await flaky.waitForMessages(1)).toHaveLength(1);
  });
});
