import { ConfigError } from '../errors/config-error.js';
import { createConsoleEmailNotifier } from '../notifiers/console-email-notifier.js';
import { createPagerDutyNotifier } from '../notifiers/pagerduty-notifier.js';
import { createSendGridNotifier } from '../notifiers/sendgrid-notifier.js';
import { createSlackNotifier } from '../notifiers/slack-notifier.js';
import { createSmtpNotifier } from '../notifiers/smtp-notifier.js';
import { createWebhookNotifier } from '../notifiers/webhook-notifier.js';
import type { Notifier } from '../ports/notifier.js';

type Env = Record<string, string | undefined>;

/**
 * The notifiers the environment configures. Email goes over SMTP
 * (`TRIAGE_SMTP_URL`) or SendGrid (`TRIAGE_SENDGRID_API_KEY`), otherwise it is
 * printed to stdout as in the write-up; Slack, PagerDuty and a signed webhook
 * join when their variables are set. Half a configuration fails fast.
 */
export function notifiersFromEnv(env: Env = process.env): Notifier[] {
  const value = (name: string) => env[name]?.trim() || undefined;
  const to = value('TRIAGE_ALERT_TO');
  const from = value('TRIAGE_ALERT_FROM') ?? 'triage@localhost';
  const dashboardUrl = value('TRIAGE_DASHBOARD_URL');
  const recipients = () => {
    if (!to) throw new ConfigError('TRIAGE_ALERT_TO is required to send alert email: who should get it?');
    return to.split(',').map((address) => address.trim());
  };
  const notifiers: Notifier[] = [];

  const smtpUrl = value('TRIAGE_SMTP_URL');
  const sendgridKey = value('TRIAGE_SENDGRID_API_KEY');
  if (smtpUrl && sendgridKey)
    throw new ConfigError('set TRIAGE_SMTP_URL or TRIAGE_SENDGRID_API_KEY, not both');
  if (smtpUrl) {
    if (!/^smtps?:\/\//.test(smtpUrl)) {
      throw new ConfigError('TRIAGE_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465');
    }
    notifiers.push(createSmtpNotifier({ url: smtpUrl, to: recipients(), from, dashboardUrl }));
  } else if (sendgridKey) {
    notifiers.push(
      createSendGridNotifier({
        apiKey: sendgridKey,
        to: recipients(),
        from,
        dashboardUrl,
        url: value('TRIAGE_SENDGRID_URL'),
      }),
    );
  } else {
    notifiers.push(createConsoleEmailNotifier({ to: to ?? 'admin@localhost', dashboardUrl }));
  }

  const slack = value('TRIAGE_SLACK_WEBHOOK_URL');
  if (slack) notifiers.push(createSlackNotifier({ webhookUrl: slack, dashboardUrl }));
  const routingKey = value('TRIAGE_PAGERDUTY_ROUTING_KEY');
  if (routingKey)
    notifiers.push(createPagerDutyNotifier({ routingKey, url: value('TRIAGE_PAGERDUTY_URL'), dashboardUrl }));
  const webhook = value('TRIAGE_WEBHOOK_URL');
  if (webhook) {
    const secret = value('TRIAGE_WEBHOOK_SECRET');
    if (!secret)
      throw new ConfigError(
        'TRIAGE_WEBHOOK_SECRET is required with TRIAGE_WEBHOOK_URL: it signs every request',
      );
    notifiers.push(createWebhookNotifier({ url: webhook, secret }));
  }
  return notifiers;
}
