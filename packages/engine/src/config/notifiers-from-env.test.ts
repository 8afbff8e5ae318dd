import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { notifiersFromEnv } from './notifiers-from-env.js';

const names = (env: Record<string, string>) => notifiersFromEnv(env).map((notifier) => notifier.name);

describe('notifiersFromEnv', () => {
  it('should configure the channels the environment names', () => {
    expect(
      names({
        TRIAGE_SMTP_URL: 'smtp://mail.example.com:587',
        TRIAGE_ALERT_TO: 'oncall@example.com, Lead <lead@example.com>',
        TRIAGE_ALERT_FROM: 'Triage <triage@example.com>',
        TRIAGE_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/X',
        TRIAGE_PAGERDUTY_ROUTING_KEY: 'R0123456789ABCDEF0123456789ABCDE',
        TRIAGE_WEBHOOK_URL: 'http://127.0.0.1:9000/hook',
        TRIAGE_WEBHOOK_SECRET: 's',
      }),
    ).toEqual(['email', 'slack', 'pagerduty', 'webhook']);
    expect(names({})).toEqual(['console-email']);
  });

  // Found at the first alert, each of these failed all six deliveries and ended as a dead letter.
  it.each([
    [
      { TRIAGE_SLACK_WEBHOOK_URL: 'hooks.slack.com/services/T0/B0/X' },
      'TRIAGE_SLACK_WEBHOOK_URL must be an http:// or https:// URL, got "hooks.slack.com/services/T0/B0/X"',
    ],
    [
      { TRIAGE_WEBHOOK_URL: 'ftp://example.com/hook', TRIAGE_WEBHOOK_SECRET: 's' },
      'TRIAGE_WEBHOOK_URL must be an http:// or https:// URL, got "ftp://example.com/hook"',
    ],
    [
      {
        TRIAGE_PAGERDUTY_ROUTING_KEY: 'R0123456789ABCDEF0123456789ABCDE',
        TRIAGE_PAGERDUTY_URL: 'events.pagerduty.com',
      },
      'TRIAGE_PAGERDUTY_URL must be an http:// or https:// URL, got "events.pagerduty.com"',
    ],
    [
      { TRIAGE_DASHBOARD_URL: 'triage.internal' },
      'TRIAGE_DASHBOARD_URL must be an http:// or https:// URL, got "triage.internal"',
    ],
    [
      { TRIAGE_SMTP_URL: 'smtp://mail.example.com', TRIAGE_ALERT_TO: 'oncall' },
      'TRIAGE_ALERT_TO must be email addresses separated by commas, got "oncall"',
    ],
    [
      { TRIAGE_SMTP_URL: 'smtp://mail.example.com', TRIAGE_ALERT_TO: 'a@example.com;b@example.com' },
      'TRIAGE_ALERT_TO must be email addresses separated by commas, got "a@example.com;b@example.com"',
    ],
    [
      { TRIAGE_SMTP_URL: 'smtp://mail.example.com', TRIAGE_ALERT_TO: ' , ' },
      'TRIAGE_ALERT_TO must be email addresses separated by commas, got ","',
    ],
    [{ TRIAGE_ALERT_FROM: 'triage' }, 'TRIAGE_ALERT_FROM must be an email address, got "triage"'],
    // Half a channel was ignored without a word.
    [
      { TRIAGE_PAGERDUTY_URL: 'https://events.pagerduty.example/v2/enqueue' },
      'TRIAGE_PAGERDUTY_URL needs TRIAGE_PAGERDUTY_ROUTING_KEY: which service to page?',
    ],
    [
      { TRIAGE_WEBHOOK_SECRET: 's3cret' },
      'TRIAGE_WEBHOOK_SECRET is set without TRIAGE_WEBHOOK_URL: where should alerts go?',
    ],
    [
      { TRIAGE_SENDGRID_URL: 'https://sendgrid.example/v3/mail/send' },
      'TRIAGE_SENDGRID_URL needs TRIAGE_SENDGRID_API_KEY',
    ],
    [
      { TRIAGE_SENDGRID_API_KEY: 'SG.x', TRIAGE_ALERT_TO: 'ops@example.com' },
      'TRIAGE_SENDGRID_API_KEY needs TRIAGE_ALERT_FROM: a sender verified in your SendGrid account',
    ],
  ])('should refuse at start-up %j', (env, message) => {
    expect(() => notifiersFromEnv(env)).toThrow(new ConfigError(message));
  });
});
