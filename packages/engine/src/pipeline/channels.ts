import { CHANNELS, type Channel } from '@triage/core';
import type { Notifier } from '../ports/notifier.js';

/** Notifier names that deliver a routing channel; any other notifier receives every alert. */
const CHANNEL_OF: Record<string, Channel> = {
  email: 'email',
  'console-email': 'email',
  sendgrid: 'email',
  slack: 'slack',
  pagerduty: 'pagerduty',
  webhook: 'webhook',
};

/** The channel a notifier serves, or its own name when it serves every alert. */
export function channelOf(name: string): string {
  return CHANNEL_OF[name] ?? name;
}

/**
 * Where an alert goes when none of its routed channels (the webhook aside) is set up, in this order:
 * never the pager, which the route did not ask for.
 */
const FALLBACKS: Channel[] = ['email', 'slack', 'webhook'];

/**
 * The routed channels that have a notifier, plus every notifier outside the
 * channel vocabulary. A route none of whose channels is set up (the webhook
 * aside) falls back to email (printed to stdout when no mail is configured),
 * else Slack, else the webhook, so nothing is silent; the digest is not an
 * immediate alert.
 */
export function resolveChannels(routed: Channel[], notifiers: Notifier[]): string[] {
  const available = new Set(notifiers.map((notifier) => channelOf(notifier.name)));
  const channels: string[] = routed.filter((channel) => channel !== 'digest' && available.has(channel));
  const onlyIntegrations = !channels.some((channel) => channel !== 'webhook');
  if (onlyIntegrations && !routed.includes('digest')) {
    // Only email was tried: with notifiers given in code and no email among them, a page routed to a
    // Slack-only setup went nowhere, unlogged.
    const fallback = FALLBACKS.find((channel) => available.has(channel) && !channels.includes(channel));
    if (fallback) channels.push(fallback);
  }
  for (const channel of available) {
    if (!(CHANNELS as readonly string[]).includes(channel) && !channels.includes(channel))
      channels.push(channel);
  }
  return channels;
}
