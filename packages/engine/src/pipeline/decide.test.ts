import { describe, expect, it } from 'vitest';
import type { Issue, RecordOutcome } from '../ports/issue-store.js';
import { decideAnalysis, isEscalating } from './decide.js';

const hour = 500_000;
const quiet = (hours: number, count: number) =>
  Array.from({ length: hours }, (_, index) => ({ hour: hour - hours + index, count }));

describe('isEscalating', () => {
  it('should not escalate an issue first seen this hour, however many events it arrived with', () => {
    expect(isEscalating([{ hour, count: 500 }], hour, hour)).toBe(false);
  });

  it('should escalate when this hour reaches the minimum and five times the average hour of the last day', () => {
    const counts = [...quiet(24, 2), { hour, count: 20 }];
    expect(isEscalating(counts, hour, hour - 24)).toBe(true);
    expect(isEscalating([...quiet(24, 2), { hour, count: 19 }], hour, hour - 24)).toBe(false);
    expect(isEscalating([...quiet(24, 6), { hour, count: 29 }], hour, hour - 24)).toBe(false);
    expect(isEscalating([...quiet(24, 6), { hour, count: 30 }], hour, hour - 24)).toBe(true);
  });

  it('should average over the hours since the issue was first seen, not a full day of zeros', () => {
    // Ten an hour for two hours: 40 this hour is four times that, not an escalation.
    expect(isEscalating([...quiet(2, 10), { hour, count: 40 }], hour, hour - 2)).toBe(false);
    expect(isEscalating([...quiet(2, 10), { hour, count: 50 }], hour, hour - 2)).toBe(true);
  });

  it('should ignore hours older than a day', () => {
    const counts = [{ hour: hour - 30, count: 10_000 }, ...quiet(24, 1), { hour, count: 20 }];
    expect(isEscalating(counts, hour, hour - 30)).toBe(true);
  });
});

describe('decideAnalysis', () => {
  const windowMs = 3_600_000;
  const outcome = (issue: Partial<Issue>, changes: Partial<RecordOutcome> = {}): RecordOutcome => ({
    issue: { analyzedAt: 0, analyzedLines: ['boom'], ...issue } as Issue,
    created: false,
    regressed: false,
    unsnoozed: false,
    ...changes,
  });

  // Without a branch for it, a resolved issue an older release still reported was analysed and
  // alerted on each window.
  it('should leave a resolved issue the event did not bring back, however long since its analysis', () => {
    const decision = decideAnalysis(outcome({ status: 'resolved' }), ['boom', 'new line'], {
      windowMs,
      now: 10 * windowMs,
    });
    expect(decision).toMatchObject({ analyze: false });
    const back = decideAnalysis(outcome({ status: 'regressed' }, { regressed: true }), ['boom'], {
      windowMs,
      now: 1,
    });
    expect(back).toMatchObject({ analyze: true, kind: 'regressed' });
  });
});
