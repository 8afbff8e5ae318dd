import nodemailer, { type TransportOptions } from 'nodemailer';
import { DeliveryError } from '../errors/delivery-error.js';
import type { Alert, Notifier } from '../ports/notifier.js';
import { renderAlertEmail } from './render-alert-email.js';

export interface SmtpNotifierOptions {
  /**
   * e.g. `smtp://user:pass@mail.example.com:587` or `smtps://…:465`. An `smtp://` server that is not on
   * loopback must upgrade with STARTTLS, or nothing is sent; `?requireTLS=false` allows clear text.
   */
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
    ...(mustRequireTls(url) ? { requireTLS: true } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  } as TransportOptions);
  const deliver = async (mail: { subject: string; text: string; html: string }) => {
    try {
      await transport.sendMail({ from, to, ...mail });
    } catch (error) {
      const { responseCode, code, command } = error as {
        responseCode?: number;
        code?: string;
        command?: string;
      };
      const refusedTls = command === 'STARTTLS' && responseCode !== undefined && responseCode >= 500;
      const hint = refusedTls
        ? ' (the server does not offer STARTTLS: use smtps://, or add ?requireTLS=false to the URL to send the password and alerts in clear text)'
        : '';
      throw new DeliveryError(`SMTP delivery failed: ${(error as Error).message}${hint}`, {
        // A server that does not do TLS will not start to within the retries (Exim answers 503 here,
        // which is retryable elsewhere); only its 454, "TLS not available due to temporary reason", is.
        isRetryable: !refusedTls && isRetryableSmtpError(responseCode, code),
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
 * Without `requireTLS`, nodemailer upgrades only when the server offers STARTTLS, so a server without
 * it, or a man in the middle who strips the offer, got the password and the alert in clear text. A
 * relay on loopback is exempt (nothing crosses a network), and so is a URL that sets `requireTLS`
 * itself, which nodemailer reads from the query (`?requireTLS=false`) over the options given here.
 * `smtps://` is TLS from the first byte.
 */
export function mustRequireTls(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Nodemailer's own parser may still make sense of it: fail closed.
    return /^smtp:/i.test(url);
  }
  if (parsed.protocol.toLowerCase() !== 'smtp:') return false;
  if (parsed.searchParams.has('requireTLS')) return false;
  return !isLoopbackHost(parsed.hostname);
}

/** 127.0.0.0/8, ::1 and localhost; no host at all is nodemailer's default, localhost. */
export function isLoopbackHost(hostname: string): boolean {
  // `smtp:` is not a special scheme to WHATWG URL: the host is neither lowercased nor normalised.
  const host = hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (host === '' || host === 'localhost' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Nodemailer's codes for what the same message and settings would meet again, with no reply from the
 * server to go by ("No recipients defined", missing credentials, an invalid setting): retried, each
 * took every attempt of its backoff to become a dead letter.
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
