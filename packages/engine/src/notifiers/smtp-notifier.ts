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
  // 5xx replies are permanent (RFC 5321): retrying cannot help. 4xx and dropped connections can.
  const deliver = async (mail: { subject: string; text: string; html: string }) => {
    try {
      await transport.sendMail({ from, to, ...mail });
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      throw new DeliveryError(`SMTP delivery failed: ${(error as Error).message}`, {
        isRetryable: code === undefined || code < 500,
        status: code,
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
