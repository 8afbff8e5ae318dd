import { ConfigError } from '../errors/config-error.js';
import type { Alert, Notifier } from '../ports/notifier.js';
import { parseAddress } from './email-address.js';
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
  // Each address once (its first form): SendGrid refuses a personalization that names one twice, in any case.
  const recipients = new Map<string, { email: string; name?: string }>();
  for (const address of (Array.isArray(to) ? to : [to]).filter(Boolean).map(sendGridAddress))
    if (!recipients.has(address.email.toLowerCase())) recipients.set(address.email.toLowerCase(), address);
  if (!apiKey) throw new ConfigError('createSendGridNotifier: apiKey is required');
  if (recipients.size === 0) throw new ConfigError('createSendGridNotifier: to needs at least one address');
  if (!from) throw new ConfigError('createSendGridNotifier: from is required');
  const mailSend = (email: { subject: string; text: string; html: string }) =>
    postJson({
      service: 'SendGrid',
      url,
      headers: { authorization: `Bearer ${apiKey}` },
      body: {
        personalizations: [{ to: [...recipients.values()] }],
        from: sendGridAddress(from),
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

/**
 * An address as SendGrid takes it: `Name <name@host>` is `{email, name}`; SendGrid refuses the whole
 * text as an `email` (400). What the configuration did not check is sent as written, for SendGrid to judge.
 */
const sendGridAddress = (text: string) => parseAddress(text) ?? { email: text.trim() };

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
