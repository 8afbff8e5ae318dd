import { normalizeEvent, type TriageEvent } from '@triage/core';
import { describe, expect, it } from 'vitest';
import type { Issue } from '../ports/issue-store.js';
import { applyEvent, isNewer } from './apply-event.js';

const RESOLVED_AT = Date.parse('2026-12-01T09:30:00Z');

const event = (overrides: Partial<TriageEvent>): TriageEvent => ({
  ...normalizeEvent({ log: ['ERROR: boom'] }),
  ...overrides,
});

function resolvedIssue(overrides: Partial<Issue> = {}): Issue {
  const first = applyEvent(
    undefined,
    { event: event({ timestamp: RESOLVED_AT - 30 * 60_000 }), fingerprint: 'f', title: 'boom' },
    {},
    () => 'i1',
  ).issue;
  return { ...first, status: 'resolved', resolvedAt: RESOLVED_AT, ...overrides };
}

const record = (existing: Issue, timestamp: number, release?: string, regressOnlyInNewerRelease = false) =>
  applyEvent(
    existing,
    { event: event({ timestamp, release }), fingerprint: 'f', title: 'boom' },
    { now: RESOLVED_AT + 60_000, regressOnlyInNewerRelease },
    () => 'unused',
  );

describe('applyEvent on a resolved issue', () => {
  // An event kept through a crash and sent after the fix was resolved (the Node SDK's, a replayed job)
  // brought the issue back.
  it('should count an event dated before the resolve without regressing the issue', () => {
    const late = record(resolvedIssue(), RESOLVED_AT - 20 * 60_000);
    expect(late).toMatchObject({ regressed: false, issue: { status: 'resolved', count: 2 } });
    expect(record(resolvedIssue(), RESOLVED_AT)).toMatchObject({ regressed: true });
    expect(record(resolvedIssue(), RESOLVED_AT + 1)).toMatchObject({
      regressed: true,
      issue: { status: 'regressed' },
    });
  });

  it('should regress on a newer release only when asked, git SHAs counting as newer', () => {
    const issue = resolvedIssue({ resolvedInRelease: '9c1e4f2a7b' });
    // Read as versions, 3f5d8e1c2a (3.0.0) came before 9c1e4f2a7b (9.0.0): the next deploy's regression was missed.
    expect(record(issue, RESOLVED_AT + 1, '3f5d8e1c2a', true)).toMatchObject({ regressed: true });
    expect(record(issue, RESOLVED_AT + 1, '9c1e4f2a7b', true)).toMatchObject({ regressed: false });
  });
});

describe('isNewer', () => {
  it('should order valid semantic versions, prereleases before their release', () => {
    expect(isNewer('1.2.3', '1.2.3-rc.1')).toBe(true);
    expect(isNewer('1.2.3-rc.2', '1.2.3-rc.1')).toBe(true);
    expect(isNewer('1.2.3-rc.1', '1.2.3')).toBe(false);
    expect(isNewer('1.10.0', 'v1.9.2')).toBe(true);
    expect(isNewer('1.2.2', '1.2.3')).toBe(false);
    expect(isNewer('v1.2.3', '1.2.3')).toBe(false);
    // Sentry's `package@version`: an older build of the package is not newer than its fix.
    expect(isNewer('checkout@1.4.1', 'checkout@1.4.2')).toBe(false);
    expect(isNewer('checkout@1.4.3', 'checkout@1.4.2')).toBe(true);
    expect(isNewer('billing@1.0.0', 'checkout@1.4.2')).toBe(true);
    // One side without its package's name, or in another case: the versions are compared.
    expect(isNewer('app@1.3.0', '1.4.0')).toBe(false);
    expect(isNewer('1.3.0', 'app@1.4.0')).toBe(false);
    expect(isNewer('App@1.3.0', 'app@1.4.0')).toBe(false);
  });

  it('should take any other release that differs from the fix as newer', () => {
    expect(isNewer('3f5d8e1c2a', '9c1e4f2a7b')).toBe(true);
    expect(isNewer('2b4d6f8', 'a7c3e9f')).toBe(true);
    expect(isNewer('build-812', 'build-1045')).toBe(true);
    expect(isNewer('1.4.0+3f5d8e1', '1.4.0+9c1e4f2')).toBe(true);
    expect(isNewer('2024.05.30-7', '2024.06.01-1')).toBe(true);
    expect(isNewer('build-812', 'build-812')).toBe(false);
  });

  it('should count an unknown fix as older and an unknown release as not newer', () => {
    expect(isNewer('1.0.0', undefined)).toBe(true);
    expect(isNewer(undefined, '1.0.0')).toBe(false);
  });
});
