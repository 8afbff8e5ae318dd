import { ConfigError } from '../errors/config-error.js';
import { createConsoleEmailNotifier } from '../notifiers/console-email-notifier.js';
import { createSmtpNotifier } from '../notifiers/smtp-notifier.js';
import type { Notifier } from '../ports/notifier.js';

type Env = Record<string, string | undefined>;

/**
 * The built-in alert: email over SMTP when `TRIAGE_SMTP_URL` is set, otherwise
 * the email printed to stdout as in the write-up. Fails fast on half a config.
 */
export function notifiersFromEnv(env: Env = process.env): Notifier[] {
  const to = env.TRIAGE_ALERT_TO?.trim();
  const dashboardUrl = env.TRIAGE_DASHBOARD_URL?.trim() || undefined;
  const smtpUrl = env.TRIAGE_SMTP_URL?.trim();
  if (smtpUrl) {
    if (!/^smtps?:\/\//.test(smtpUrl)) {
      throw new ConfigError('TRIAGE_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465');
    }
    if (!to)
      throw new ConfigError(
        'TRIAGE_ALERT_TO is required with TRIAGE_SMTP_URL: who should get the alert email?',
      );
    const from = env.TRIAGE_ALERT_FROM?.trim() || 'triage@localhost';
    return [
      createSmtpNotifier({
        url: smtpUrl,
        to: to.split(',').map((address) => address.trim()),
        from,
        dashboardUrl,
      }),
    ];
  }
  return [createConsoleEmailNotifier({ to: to || 'admin@localhost', dashboardUrl })];
}
