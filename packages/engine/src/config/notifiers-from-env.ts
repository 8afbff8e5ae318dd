import { ConfigError } from '../errors/config-error.js';
import { createConsoleEmailNotifier } from '../notifiers/console-email-notifier.js';
import { parseAddress } from '../notifiers/email-address.js';
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
  // A URL or an address that cannot work fails here, at start-up: found at the first alert, it failed
  // every delivery of it six times and ended as a dead letter.
  const url = (name: string) => {
    const text = value(name);
    if (text !== undefined && !isHttpUrl(text))
      throw new ConfigError(`${name} must be an http:// or https:// URL, got "${text.slice(0, 200)}"`);
    return text;
  };
  const to = value('TRIAGE_ALERT_TO');
  const from = value('TRIAGE_ALERT_FROM') ?? 'triage@localhost';
  if (!parseAddress(from))
    throw new ConfigError(`TRIAGE_ALERT_FROM must be an email address, got "${from.slice(0, 200)}"`);
  const dashboardUrl = url('TRIAGE_DASHBOARD_URL');
  const addresses = to
    ?.split(',')
    .map((address) => address.trim())
    .filter(Boolean);
  const wrong = addresses?.find((address) => !parseAddress(address));
  if (wrong !== undefined || addresses?.length === 0)
    throw new ConfigError(
      `TRIAGE_ALERT_TO must be email addresses separated by commas, got "${(wrong ?? to ?? '').slice(0, 200)}"`,
    );
  const recipients = () => {
    if (!addresses)
      throw new ConfigError('TRIAGE_ALERT_TO is required to send alert email: who should get it?');
    return addresses;
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
    // SendGrid sends only from a sender verified on its account: the default, triage@localhost, never is,
    // and every email was refused (403) and ended as a dead letter.
    if (value('TRIAGE_ALERT_FROM') === undefined)
      throw new ConfigError(
        'TRIAGE_SENDGRID_API_KEY needs TRIAGE_ALERT_FROM: a sender verified in your SendGrid account',
      );
    notifiers.push(
      createSendGridNotifier({
        apiKey: sendgridKey,
        to: recipients(),
        from,
        dashboardUrl,
        url: url('TRIAGE_SENDGRID_URL'),
      }),
    );
  } else {
    notifiers.push(
      createConsoleEmailNotifier({ to: addresses?.join(', ') ?? 'admin@localhost', dashboardUrl }),
    );
  }

  const slack = url('TRIAGE_SLACK_WEBHOOK_URL');
  if (slack) notifiers.push(createSlackNotifier({ webhookUrl: slack, dashboardUrl }));
  const routingKey = value('TRIAGE_PAGERDUTY_ROUTING_KEY');
  const pagerDutyUrl = url('TRIAGE_PAGERDUTY_URL');
  // Half a channel was ignored without a word: the pages an operator set it up for never went out.
  if (pagerDutyUrl && !routingKey)
    throw new ConfigError('TRIAGE_PAGERDUTY_URL needs TRIAGE_PAGERDUTY_ROUTING_KEY: which service to page?');
  if (routingKey) notifiers.push(createPagerDutyNotifier({ routingKey, url: pagerDutyUrl, dashboardUrl }));
  const webhook = url('TRIAGE_WEBHOOK_URL');
  if (!webhook && value('TRIAGE_WEBHOOK_SECRET'))
    throw new ConfigError('TRIAGE_WEBHOOK_SECRET is set without TRIAGE_WEBHOOK_URL: where should alerts go?');
  if (!smtpUrl && value('TRIAGE_SENDGRID_URL') && !sendgridKey)
    throw new ConfigError('TRIAGE_SENDGRID_URL needs TRIAGE_SENDGRID_API_KEY');
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

/** True for an absolute http:// or https:// URL. */
export function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
