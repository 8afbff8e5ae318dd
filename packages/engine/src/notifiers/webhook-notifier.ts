import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../errors/config-error.js';
import type { Alert, Notifier } from '../ports/notifier.js';
import { postJson } from './post-json.js';

export interface WebhookNotifierOptions {
  url: string;
  /** Shared with the receiver, which checks `X-Triage-Signature` with it. */
  secret: string;
  /** Milliseconds to wait for the receiver. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

export interface VerifyWebhookSignatureOptions {
  secret: string;
  /** The request body exactly as received (not re-serialised JSON). */
  body: string | Uint8Array;
  /** The `X-Triage-Timestamp` header: Unix time in seconds. */
  timestamp: string | number | null | undefined;
  /** The `X-Triage-Signature` header: `sha256=<hex>`. */
  signature: string | null | undefined;
  /** How old (or how far in the future) a timestamp may be; replays outside it fail. Default 5 minutes. */
  toleranceMs?: number;
  now?: number;
}

/**
 * POSTs `{ type: 'issue.alert', issue, analysis, event }` as JSON to any URL.
 *
 * Signing: `X-Triage-Timestamp` is the Unix time in seconds and
 * `X-Triage-Signature` is `sha256=` followed by the hex HMAC-SHA256, keyed
 * with the secret, of `${timestamp}.${body}`, where `body` is the raw request
 * body bytes. A receiver recomputes it over the bytes it received (before any
 * JSON parsing), compares in constant time and rejects old timestamps, which
 * is what {@link verifyWebhookSignature} does. A redirect, or a 4xx other than
 * 408 and 429, fails that alert for good (it is not retried); later alerts are
 * still posted.
 */
export function createWebhookNotifier({ url, secret, timeoutMs, fetch }: WebhookNotifierOptions): Notifier {
  if (!url) throw new ConfigError('createWebhookNotifier: url is required');
  if (!secret) throw new ConfigError('createWebhookNotifier: secret is required to sign deliveries');
  return {
    name: 'webhook',
    async send({ issue, event, result, reason, deliveryId }: Alert) {
      const body = JSON.stringify({
        type: 'issue.alert',
        // Signed with the rest: the same in every retry of this alert, so a receiver counts it once.
        deliveryId,
        reason,
        issue: {
          id: issue.id,
          fingerprint: issue.fingerprint,
          title: issue.title,
          status: issue.status,
          priority: issue.priority,
          count: issue.count,
          firstSeen: issue.firstSeen,
          lastSeen: issue.lastSeen,
        },
        analysis: result.analysis,
        event: {
          id: event.id,
          service: event.service,
          source: event.source,
          environment: event.environment,
          release: event.release,
        },
      });
      const timestamp = String(Math.floor(Date.now() / 1000));
      await postJson({
        service: 'Webhook',
        url,
        // Sent as the exact string that was signed.
        body,
        headers: {
          'user-agent': 'Triage-Webhook/1',
          'x-triage-timestamp': timestamp,
          'x-triage-signature': `sha256=${sign(secret, timestamp, body)}`,
          ...(deliveryId ? { 'x-triage-delivery': deliveryId } : {}),
        },
        timeoutMs,
        fetch,
      });
    },
  };
}

/**
 * Checks a delivery of {@link createWebhookNotifier}: true when `signature`
 * is the HMAC-SHA256 of `${timestamp}.${body}` under `secret` and the
 * timestamp is within `toleranceMs` of now. Never throws.
 */
export function verifyWebhookSignature({
  secret,
  body,
  timestamp,
  signature,
  toleranceMs = 5 * 60_000,
  now = Date.now(),
}: VerifyWebhookSignatureOptions): boolean {
  if (!secret || timestamp == null || signature == null) return false;
  const stamp = String(timestamp).trim();
  if (!/^\d+$/.test(stamp) || Math.abs(now - Number(stamp) * 1000) > toleranceMs) return false;
  const received = /^sha256=([0-9a-f]{64})$/i.exec(signature.trim())?.[1];
  if (!received) return false;
  const expected = Buffer.from(sign(secret, stamp, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(received, 'hex'));
}

function sign(secret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}
