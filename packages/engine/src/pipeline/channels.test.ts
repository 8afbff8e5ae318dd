import { describe, expect, it } from 'vitest';
import type { Notifier } from '../ports/notifier.js';
import { resolveChannels } from './channels.js';

const notifiers = (...names: string[]): Notifier[] => names.map((name) => ({ name, send: async () => {} }));

describe('resolveChannels', () => {
  it('should send to the routed channels that are set up, and the integrations beside them', () => {
    expect(
      resolveChannels(['pagerduty', 'email', 'webhook'], notifiers('pagerduty', 'email', 'webhook')),
    ).toEqual(['pagerduty', 'email', 'webhook']);
    expect(resolveChannels(['slack'], notifiers('slack', 'memory'))).toEqual(['slack', 'memory']);
  });

  it('should fall back to email, else Slack, else the webhook when no routed channel is set up, never to the pager', () => {
    expect(resolveChannels(['pagerduty', 'email'], notifiers('console-email', 'slack'))).toEqual(['email']);
    // A page with only Slack set up went nowhere.
    expect(resolveChannels(['pagerduty', 'email'], notifiers('slack'))).toEqual(['slack']);
    expect(resolveChannels(['pagerduty', 'email', 'webhook'], notifiers('slack', 'webhook'))).toEqual([
      'webhook',
      'slack',
    ]);
    expect(resolveChannels(['email'], notifiers('webhook'))).toEqual(['webhook']);
    expect(resolveChannels(['slack'], notifiers('pagerduty'))).toEqual([]);
  });

  it('should keep the digest for the digest', () => {
    expect(resolveChannels(['digest'], notifiers('email', 'slack'))).toEqual([]);
  });
});
