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
 * The routed channels that have a notifier, plus every notifier outside the
 * channel vocabulary. A route whose channels are all missing falls back to
 * email (printed to stdout when no mail is configured), so nothing is silent;
 * the digest is not an immediate alert.
 */
export function resolveChannels(routed: Channel[], notifiers: Notifier[]): string[] {
  const available = new Set(notifiers.map((notifier) => channelOf(notifier.name)));
  const channels: string[] = routed.filter((channel) => channel !== 'digest' && available.has(channel));
  const onlyIntegrations = !channels.some((channel) => channel !== 'webhook');
  if (onlyIntegrations && !routed.includes('digest') && available.has('email')) channels.push('email');
  for (const channel of available) {
    if (!(CHANNELS as readonly string[]).includes(channel) && !channels.includes(channel))
      channels.push(channel);
  }
  return channels;
}
