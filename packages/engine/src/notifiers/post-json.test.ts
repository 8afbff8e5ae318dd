import { afterEach, describe, expect, it } from 'vitest';
import { deliveryErrorOf } from '../test/delivery-error-of.js';
import { type FakeNotificationServer, startFakeWebhookReceiver } from '../test/fake-notification-servers.js';
import { postJson } from './post-json.js';

let receiver: FakeNotificationServer | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('postJson', () => {
  it.each([301, 302, 303, 307, 308])(
    'should not follow a %i: the alert fails, naming where it points, and is not retried',
    async (status) => {
      receiver = await startFakeWebhookReceiver();
      const moved = `${new URL(receiver.url).origin}/moved`;
      receiver.reply((request) =>
        request.path === '/moved' ? { status: 200, body: 'ok' } : { status, headers: { location: moved } },
      );
      const error = await deliveryErrorOf(
        postJson({ service: 'Webhook', url: receiver.url, body: { text: 'the alert' } }),
      );
      expect(error).toMatchObject({ isRetryable: false, status });
      expect(error.message).toBe(
        `Webhook answered ${status}, a redirect to ${moved}: redirects are not followed, set the URL to the address it points to`,
      );
      // Followed, a 301, 302 or 303 became a GET without the alert, answered 200: "sent", and lost.
      expect(receiver.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
        `POST ${new URL(receiver.url).pathname}`,
      ]);
    },
  );

  it('should read no more than the start of an endless answer', async () => {
    receiver = await startFakeWebhookReceiver();
    receiver.reply(() => ({ status: 500, streamBytes: 1024 ** 3 }));
    const error = await deliveryErrorOf(postJson({ service: 'Webhook', url: receiver.url, body: {} }));
    expect(error).toMatchObject({ isRetryable: true, status: 500 });
    expect(error.message).toBe(`Webhook answered 500: ${'x'.repeat(500)}`);
    // Read whole, the gigabyte took the process's memory with it (and again at every retry). The socket's
    // buffers let a few megabytes through before the client goes away.
    expect(receiver.streamedBytes).toBeLessThan(16 * 1024 ** 2);
  });

  it('should read a short answer whole', async () => {
    receiver = await startFakeWebhookReceiver();
    receiver.reply(() => ({ status: 200, body: 'accepted' }));
    const answer = await postJson({ service: 'Webhook', url: receiver.url, body: {} });
    expect(answer).toMatchObject({ status: 200, text: 'accepted' });
  });
});
