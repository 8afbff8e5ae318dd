import nodemailer, { type TransportOptions } from 'nodemailer';
import { DeliveryError } from '../errors/delivery-error.js';
import type { Alert, Notifier } from '../ports/notifier.js';
import { renderAlertEmail } from './render-alert-email.js';

export interface SmtpNotifierOptions {
  /** e.g. `smtp://user:pass@mail.example.com:587` or `smtps://…:465`. */
  url: string;
  to: string | string[];
  from: string;
  dashboardUrl?: string;
  /** Milliseconds to wait for the server at each step. */
  timeoutMs?: number;
}

/** Email over SMTP with nodemailer: HTML and text bodies carrying the analysis. */
export function createSmtpNotifier({
  url,
  to,
  from,
  dashboardUrl,
  timeoutMs = 15_000,
}: SmtpNotifierOptions): Notifier {
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  } as TransportOptions);
  const deliver = async (mail: { subject: string; text: string; html: string }) => {
    try {
      await transport.sendMail({ from, to, ...mail });
    } catch (error) {
      const { responseCode, code } = error as { responseCode?: number; code?: string };
      throw new DeliveryError(`SMTP delivery failed: ${(error as Error).message}`, {
        isRetryable: isRetryableSmtpError(responseCode, code),
        status: responseCode,
        cause: error,
      });
    }
  };
  return {
    name: 'email',
    async send(alert: Alert) {
      const { subject, text, html } = renderAlertEmail(alert, dashboardUrl);
      await deliver({ subject, text, html });
    },
    // The digest goes through the same outbox: a refused one (550) is a dead letter at once, not six tries.
    sendDigest: deliver,
    async shutdown() {
      transport.close();
    },
  };
}

/**
 * Nodemailer's codes for what the same message and settings would meet again, with no reply from the
 * server to go by ("No recipients defined", missing credentials, an invalid setting): retried, each
 * took six attempts over about half an hour to become a dead letter.
 */
const PERMANENT_CODES = new Set([
  'EENVELOPE',
  'EMESSAGE',
  'EAUTH',
  'ENOAUTH',
  'ECONFIG',
  'EREQUIRETLS',
  'EMAXRECIPIENTS',
]);

/**
 * A server's reply decides when there is one: 5xx is permanent (RFC 5321), except 503, a command out of
 * sequence, which a new connection can get past; 4xx is transient. Without one, dropped connections,
 * timeouts and TLS or DNS failures are worth another try, and nodemailer's own refusals are not.
 */
function isRetryableSmtpError(responseCode: number | undefined, code: string | undefined): boolean {
  if (responseCode !== undefined) return responseCode < 500 || responseCode === 503 || responseCode >= 600;
  return code === undefined || !PERMANENT_CODES.has(code);
}
