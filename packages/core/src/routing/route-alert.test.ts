import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING_POLICY, inQuietHours, routeAlert } from './route-alert.js';

const at = (iso: string) => Date.parse(iso);

describe('routeAlert with the default policy', () => {
  it.each([
    [
      'P0',
      'critical',
      ['pagerduty', 'email', 'webhook'],
      'paged and emailed: P0 checkout, severity critical',
    ],
    [
      'P0',
      'medium',
      ['email', 'slack', 'webhook'],
      'emailed and posted to Slack: P0 checkout, severity medium',
    ],
    ['P1', 'high', ['email', 'slack', 'webhook'], 'emailed and posted to Slack: P1 checkout, severity high'],
    ['P1', 'low', ['slack', 'webhook'], 'posted to Slack: P1 checkout, severity low'],
    ['P2', 'high', ['slack', 'webhook'], 'posted to Slack: P2 checkout, severity high'],
    ['P3', 'critical', ['digest'], 'kept for the daily digest: P3 checkout, severity critical'],
  ] as const)('should route %s %s', (priority, severity, channels, reason) => {
    const route = routeAlert(
      { priority, severity, handler: 'checkout', now: at('2026-01-01T12:00:00Z') },
      DEFAULT_ROUTING_POLICY,
    );
    expect(route.channels).toEqual(channels);
    expect(route.reason).toBe(reason);
  });

  it('should treat a missing priority as a background job', () => {
    expect(routeAlert({ severity: 'medium' }, DEFAULT_ROUTING_POLICY).reason).toBe(
      'posted to Slack: no priority, severity medium',
    );
  });
});

describe('quiet hours', () => {
  const policy = {
    ...DEFAULT_ROUTING_POLICY,
    quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/Paris' },
  };

  it('should not page at night unless the severity is critical', () => {
    // 01:30 UTC is 02:30 in Paris in winter.
    const night = at('2026-01-15T01:30:00Z');
    const high = routeAlert({ priority: 'P0', severity: 'high', handler: 'checkout', now: night }, policy);
    expect(high.channels).toEqual(['email', 'webhook']);
    expect(high.reason).toBe('emailed: P0 checkout, severity high (not paged in quiet hours)');
    expect(routeAlert({ priority: 'P0', severity: 'critical', now: night }, policy).channels).toContain(
      'pagerduty',
    );
    expect(
      routeAlert({ priority: 'P0', severity: 'high', now: at('2026-01-15T12:00:00Z') }, policy).channels,
    ).toContain('pagerduty');
  });

  it('should handle ranges within a day and across midnight, in the given zone', () => {
    expect(inQuietHours({ start: '22:00', end: '07:00' }, at('2026-01-15T23:59:00Z'))).toBe(true);
    expect(inQuietHours({ start: '22:00', end: '07:00' }, at('2026-01-15T07:00:00Z'))).toBe(false);
    expect(
      inQuietHours(
        { start: '12:00', end: '14:00', timeZone: 'America/New_York' },
        at('2026-01-15T17:30:00Z'),
      ),
    ).toBe(true);
    expect(() => inQuietHours({ start: '25:00', end: '07:00' }, 0)).toThrow(/HH:MM/);
  });
});
