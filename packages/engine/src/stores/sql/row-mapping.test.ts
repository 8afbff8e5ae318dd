import { describe, expect, it } from 'vitest';
import { changedIssueColumns, type IssueRow } from './row-mapping.js';
import type { IssuesTable } from './schema.js';

const stored: IssuesTable = {
  id: 'i1',
  fingerprint: 'f1',
  title: 'Pool exhausted',
  description: 'The description',
  analysis: 'The analysis',
  analysis_json: '{"analysis":{"severity":"high"}}',
  priority: 'P1',
  status: 'new',
  source: 'offline-rules',
  service: 'checkout',
  environment: null,
  file: null,
  function: null,
  release: null,
  created_at: 1_000,
  first_seen: 1_000,
  last_seen: 2_000,
  count: 5,
  users_affected: 0,
  last_event_id: 'e5',
  analyzed_at: 1_500,
  analyzed_lines: null,
  analysis_claimed_at: null,
  analysis_claimed_by: null,
  resolved_at: null,
  resolved_in_release: null,
  snooze_until: null,
  snooze_until_count: null,
  resolution_note: null,
  severity: 'high',
  category: 'resource_exhausted',
  project_id: '1',
};
const { analysis_claimed_at: _claimed, analysis_claimed_by: _claimant, ...unchanged } = stored;

describe('changedIssueColumns', () => {
  it('should give only the columns whose values changed', () => {
    const next: IssueRow = { ...unchanged, count: 6, last_event_id: 'e6', last_seen: 3_000 };
    expect(changedIssueColumns(stored, next)).toEqual({ count: 6, last_event_id: 'e6', last_seen: 3_000 });
  });

  it('should take a bigint that PostgreSQL returned as text for the same number', () => {
    const fromPostgres = { ...stored, count: '5', last_seen: '2000' } as unknown as IssuesTable;
    expect(changedIssueColumns(fromPostgres, { ...unchanged })).toEqual({});
    expect(changedIssueColumns(fromPostgres, { ...unchanged, count: 6 })).toEqual({ count: 6 });
  });

  it('should give a column that was set or cleared', () => {
    const next: IssueRow = { ...unchanged, release: '1.2.0', snooze_until: null, status: 'ignored' };
    const snoozed = { ...stored, snooze_until: 9_000 };
    expect(changedIssueColumns(snoozed, next)).toEqual({
      release: '1.2.0',
      snooze_until: null,
      status: 'ignored',
    });
  });
});
