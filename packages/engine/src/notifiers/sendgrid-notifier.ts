import { ConfigError } from '../errors/config-error.js';
import type { Alert, Notifier } from '../ports/notifier.js';
import { postJson } from './post-json.js';
import { renderAlertEmail } from './render-alert-email.js';

export interface SendGridNotifierOptions {
  /** A SendGrid API key with the Mail Send permission (`SG.…`). */
  apiKey: string;
  to: string | string[];
  /** A verified sender address. */
  from: string;
  url?: string;
  dashboardUrl?: string;
  /** Milliseconds to wait for SendGrid. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * Email through SendGrid's v3 Mail Send API: the same text and HTML bodies as
 * the SMTP notifier (from {@link renderAlertEmail}), in one personalization
 * addressed to every recipient. SendGrid answers 202 with an empty body.
 */
export function createSendGridNotifier({
  apiKey,
  to,
  from,
  url = 'https://api.sendgrid.com/v3/mail/send',
  dashboardUrl,
  timeoutMs,
  fetch,
}: SendGridNotifierOptions): Notifier {
  const recipients = (Array.isArray(to) ? to : [to]).filter(Boolean);
  if (!apiKey) throw new ConfigError('createSendGridNotifier: apiKey is required');
  if (recipients.length === 0) throw new ConfigError('createSendGridNotifier: to needs at least one address');
  if (!from) throw new ConfigError('createSendGridNotifier: from is required');
  const mailSend = (email: { subject: string; text: string; html: string }) =>
    postJson({
      service: 'SendGrid',
      url,
      headers: { authorization: `Bearer ${apiKey}` },
      body: {
        personalizations: [{ to: recipients.map((address) => ({ email: address })) }],
        from: { email: from },
        subject: email.subject,
        // SendGrid requires text/plain before text/html.
        content: [
          { type: 'text/plain', value: email.text },
          { type: 'text/html', value: email.html },
        ],
      },
      timeoutMs,
      fetch,
      describeError: sendGridError,
    });
  return {
    name: 'sendgrid',
    async send(alert: Alert) {
      await mailSend(renderAlertEmail(alert, dashboardUrl));
    },
    async sendDigest(digest) {
      await mailSend(digest);
    },
  };
}

// Errors answer `{ errors: [{ message, field, help }] }`.
function sendGridError(text: string): string | undefined {
  const body = JSON.parse(text) as { errors?: Array<{ message?: unknown; field?: unknown }> };
  const messages = (body.errors ?? []).map((error) =>
    typeof error.field === 'string' && error.field
      ? `${error.field}: ${error.message}`
      : String(error.message),
  );
  return messages.join('; ') || undefined;
}
