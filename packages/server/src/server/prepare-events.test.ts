import { createPseudonymizer } from '@triage/core';
import { describe, expect, it } from 'vitest';
import { MAX_CLOCK_DRIFT_MS, MAX_EVENT_AGE_MS, plausibleTimestamp, prepareEvents } from './prepare-events.js';

const receivedAt = Date.parse('2026-12-06T02:00:00Z');

describe('plausibleTimestamp', () => {
  it('should keep a time a working clock could give, and take the time received for any other', () => {
    expect(plausibleTimestamp(receivedAt - 5_000, receivedAt)).toBe(receivedAt - 5_000);
    expect(plausibleTimestamp(receivedAt + MAX_CLOCK_DRIFT_MS, receivedAt)).toBe(
      receivedAt + MAX_CLOCK_DRIFT_MS,
    );
    expect(plausibleTimestamp(receivedAt - MAX_EVENT_AGE_MS, receivedAt)).toBe(receivedAt - MAX_EVENT_AGE_MS);
    expect(plausibleTimestamp(receivedAt + MAX_CLOCK_DRIFT_MS + 1, receivedAt)).toBe(receivedAt);
    expect(plausibleTimestamp(receivedAt - MAX_EVENT_AGE_MS - 1, receivedAt)).toBe(receivedAt);
    expect(plausibleTimestamp(1e308, receivedAt)).toBe(receivedAt);
    expect(plausibleTimestamp(-5_000, receivedAt)).toBe(receivedAt);
  });
});

describe('prepareEvents', () => {
  const stored = (input: unknown) => {
    const { payloads, errors } = prepareEvents('1', [input], receivedAt, createPseudonymizer('secret'));
    expect(errors).toEqual([]);
    return JSON.parse(payloads[0]!) as { timestamp: number; tags: Record<string, string> };
  };

  it('should store an event dated outside a working clock at the time it was received, keeping what the client said', () => {
    const future = stored({ log: ['ERROR x'], timestamp: '2099-01-01T00:00:00Z' });
    expect(future.timestamp).toBe(receivedAt);
    expect(future.tags).toEqual({
      'triage.project': '1',
      'triage.client_timestamp': String(Date.parse('2099-01-01T00:00:00Z')),
    });
    expect(stored({ log: ['ERROR x'], timestamp: 1e308 }).timestamp).toBe(receivedAt);
    expect(stored({ log: ['ERROR x'], timestamp: -5 }).timestamp).toBe(receivedAt);
  });

  it('should keep the time of an event dated by a working clock, and date one without a time when received', () => {
    const recent = stored({ log: ['ERROR x'], timestamp: (receivedAt - 90_000) / 1000 });
    expect(recent.timestamp).toBe(receivedAt - 90_000);
    expect(recent.tags).toEqual({ 'triage.project': '1' });
    expect(stored({ log: ['ERROR x'] }).timestamp).toBe(receivedAt);
  });
});
