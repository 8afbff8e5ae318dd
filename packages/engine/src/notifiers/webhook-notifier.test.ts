import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryErrorOf } from '../test/delivery-error-of.js';
import {
  type FakeNotificationRequest,
  type FakeNotificationServer,
  fakeAlert,
  startFakeWebhookReceiver,
} from '../test/fake-notification-servers.js';
import { createWebhookNotifier, verifyWebhookSignature } from './webhook-notifier.js';

const secret = 'whsec_test_secret';

function headersOf(request: FakeNotificationRequest | undefined) {
  return {
    timestamp: request?.headers['x-triage-timestamp'] as string,
    signature: request?.headers['x-triage-signature'] as string,
  };
}

let receiver: FakeNotificationServer | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('createWebhookNotifier', () => {
  it('should post the issue, analysis and event as JSON', async () => {
    receiver = await startFakeWebhookReceiver();
    const alert = fakeAlert();
    await createWebhookNotifier({ url: receiver.url, secret }).send(alert);

    const [request] = receiver.requests;
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    expect(request?.body).toEqual({
      type: 'issue.alert',
      issue: {
        id: 'issue-1',
        fingerprint: alert.issue.fingerprint,
        title: alert.issue.title,
        status: 'new',
        priority: 'P1',
        count: 3,
        firstSeen: alert.issue.firstSeen,
        lastSeen: alert.issue.lastSeen,
      },
      analysis: alert.result.analysis,
      event: {
        id: alert.event.id,
        service: 'checkout',
        source: { file: 'main.ts', function: 'ProtectedHandler' },
        environment: 'production',
        release: '1.4.2',
      },
    });
  });

  it('should sign "timestamp.body" with HMAC-SHA256, verifiable by the receiver', async () => {
    receiver = await startFakeWebhookReceiver();
    await createWebhookNotifier({ url: receiver.url, secret }).send(fakeAlert());
    const request = receiver.requests[0];
    const { timestamp, signature } = headersOf(request);
    const body = request?.rawBody ?? '';

    expect(timestamp).toMatch(/^\d{10}$/);
    expect(Math.abs(Number(timestamp) * 1000 - Date.now())).toBeLessThan(60_000);
    const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    expect(signature).toBe(`sha256=${expected}`);

    expect(verifyWebhookSignature({ secret, body, timestamp, signature })).toBe(true);
    expect(verifyWebhookSignature({ secret, body: Buffer.from(body), timestamp, signature })).toBe(true);
    expect(verifyWebhookSignature({ secret: 'wrong secret', body, timestamp, signature })).toBe(false);
    const tampered = body.replace('"count":3', '"count":4');
    expect(tampered).not.toBe(body);
    expect(verifyWebhookSignature({ secret, body: tampered, timestamp, signature })).toBe(false);
    expect(verifyWebhookSignature({ secret, body, timestamp: Number(timestamp) + 1, signature })).toBe(false);
  });

  it('should reject stale timestamps and malformed signatures', async () => {
    receiver = await startFakeWebhookReceiver();
    await createWebhookNotifier({ url: receiver.url, secret }).send(fakeAlert());
    const request = receiver.requests[0];
    const { timestamp, signature } = headersOf(request);
    const body = request?.rawBody ?? '';
    const later = Number(timestamp) * 1000 + 10 * 60_000;

    expect(verifyWebhookSignature({ secret, body, timestamp, signature, now: later })).toBe(false);
    expect(
      verifyWebhookSignature({ secret, body, timestamp, signature, now: later, toleranceMs: 3_600_000 }),
    ).toBe(true);
    for (const bad of [
      undefined,
      '',
      signature.slice(7),
      `sha1=${signature.slice(7)}`,
      signature.slice(0, -2),
    ]) {
      expect(verifyWebhookSignature({ secret, body, timestamp, signature: bad })).toBe(false);
    }
    expect(verifyWebhookSignature({ secret, body, timestamp: 'yesterday', signature })).toBe(false);
  });

  it('should be accepted by a receiver checking the signature, and refused with the wrong secret', async () => {
    receiver = await startFakeWebhookReceiver({ secret });
    await createWebhookNotifier({ url: receiver.url, secret }).send(fakeAlert());
    const error = await deliveryErrorOf(
      createWebhookNotifier({ url: receiver.url, secret: 'other' }).send(fakeAlert()),
    );
    expect(error).toMatchObject({ isRetryable: false, status: 401 });
    expect(error.message).toBe('Webhook answered 401: invalid signature');
  });

  it.each([400, 404, 410])('should not retry %i', async (status) => {
    receiver = await startFakeWebhookReceiver();
    receiver.reply(() => ({ status, body: 'gone' }));
    const error = await deliveryErrorOf(
      createWebhookNotifier({ url: receiver.url, secret }).send(fakeAlert()),
    );
    expect(error).toMatchObject({ isRetryable: false, status });
  });

  it('should retry 429 after Retry-After (seconds or HTTP date) and 500', async () => {
    receiver = await startFakeWebhookReceiver();
    const notifier = createWebhookNotifier({ url: receiver.url, secret });
    receiver.reply(() => ({ status: 429, headers: { 'retry-after': '1' } }));
    expect(await deliveryErrorOf(notifier.send(fakeAlert()))).toMatchObject({
      isRetryable: true,
      retryAfterMs: 1000,
    });
    receiver.reply(() => ({
      status: 503,
      headers: { 'retry-after': new Date(Date.now() + 30_000).toUTCString() },
    }));
    const unavailable = await deliveryErrorOf(notifier.send(fakeAlert()));
    expect(unavailable.retryAfterMs).toBeGreaterThan(28_000);
    expect(unavailable.retryAfterMs).toBeLessThanOrEqual(30_000);
    receiver.reply(() => ({ status: 500 }));
    expect(await deliveryErrorOf(notifier.send(fakeAlert()))).toMatchObject({
      isRetryable: true,
      status: 500,
    });
  });

  it('should treat a refused connection as retryable', async () => {
    receiver = await startFakeWebhookReceiver();
    const { url } = receiver;
    await receiver.close();
    receiver = undefined;
    const error = await deliveryErrorOf(createWebhookNotifier({ url, secret }).send(fakeAlert()));
    expect(error).toMatchObject({ isRetryable: true });
    expect(error.message).toMatch(/^Webhook request failed: .*ECONNREFUSED/);
  });

  it('should fail fast without a secret', () => {
    expect(() => createWebhookNotifier({ url: 'http://example.com', secret: '' })).toThrow(
      /secret is required/,
    );
  });
});
