import type { Priority } from '@triage/core';
import type { Issue, IssueStatus, OutboxEntry } from '../../ports/issue-store.js';
import type { IssuesTable, OutboxTable } from './schema.js';

const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
// PostgreSQL's bigint arrives as a string unless the pool parses it; accept both.
const num = (value: number | string | null): number | undefined =>
  value === null ? undefined : Number(value);

export function toIssue(row: IssuesTable): Issue {
  return {
    id: row.id,
    fingerprint: row.fingerprint,
    title: row.title,
    description: row.description,
    analysis: row.analysis,
    analysisResult: row.analysis_json ? JSON.parse(row.analysis_json) : undefined,
    priority: orUndefined(row.priority) as Priority | undefined,
    status: row.status as IssueStatus,
    source: row.source,
    service: orUndefined(row.service),
    environment: orUndefined(row.environment),
    file: orUndefined(row.file),
    function: orUndefined(row.function),
    release: orUndefined(row.release),
    createdAt: num(row.created_at)!,
    firstSeen: num(row.first_seen)!,
    lastSeen: num(row.last_seen)!,
    count: num(row.count)!,
    usersAffected: num(row.users_affected)!,
    lastEventId: row.last_event_id,
    analyzedAt: num(row.analyzed_at),
    analyzedLines: row.analyzed_lines ? JSON.parse(row.analyzed_lines) : undefined,
    resolvedAt: num(row.resolved_at),
    resolvedInRelease: orUndefined(row.resolved_in_release),
    snoozeUntil: num(row.snooze_until),
    snoozeUntilCount: num(row.snooze_until_count),
    resolutionNote: orUndefined(row.resolution_note),
    projectId: orUndefined(row.project_id),
  };
}

export function toIssueRow(issue: Issue): Omit<IssuesTable, 'analysis_claimed_at' | 'analysis_claimed_by'> {
  return {
    id: issue.id,
    fingerprint: issue.fingerprint,
    title: issue.title,
    description: issue.description,
    analysis: issue.analysis,
    analysis_json: issue.analysisResult ? JSON.stringify(issue.analysisResult) : null,
    priority: issue.priority ?? null,
    status: issue.status,
    source: issue.source,
    service: issue.service ?? null,
    environment: issue.environment ?? null,
    file: issue.file ?? null,
    function: issue.function ?? null,
    release: issue.release ?? null,
    created_at: issue.createdAt,
    first_seen: issue.firstSeen,
    last_seen: issue.lastSeen,
    count: issue.count,
    users_affected: issue.usersAffected,
    last_event_id: issue.lastEventId,
    analyzed_at: issue.analyzedAt ?? null,
    analyzed_lines: issue.analyzedLines ? JSON.stringify(issue.analyzedLines) : null,
    resolved_at: issue.resolvedAt ?? null,
    resolved_in_release: issue.resolvedInRelease ?? null,
    snooze_until: issue.snoozeUntil ?? null,
    snooze_until_count: issue.snoozeUntilCount ?? null,
    resolution_note: issue.resolutionNote ?? null,
    severity: issue.analysisResult?.analysis.severity ?? null,
    category: issue.analysisResult?.analysis.category ?? null,
    project_id: issue.projectId ?? null,
  };
}

export type IssueRow = ReturnType<typeof toIssueRow>;

/**
 * The columns of `next` whose values differ from the stored row's. An event changes a few of an
 * issue's columns (its count, last event, times…): writing the whole row rewrote the description and
 * analysis too, on every recorded event. Bigints may come back from PostgreSQL as strings: they
 * compare by their text.
 */
export function changedIssueColumns(stored: IssuesTable, next: IssueRow): Partial<IssueRow> {
  const changes: Partial<IssueRow> = {};
  for (const column of Object.keys(next) as Array<keyof IssueRow>) {
    const before = stored[column];
    const after = next[column];
    if (before === after) continue;
    if (before !== null && after !== null && String(before) === String(after)) continue;
    Object.assign(changes, { [column]: after });
  }
  return changes;
}

export function toOutboxEntry(row: OutboxTable): OutboxEntry {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    issueId: row.issue_id,
    channel: row.channel,
    payload: row.payload,
    status: row.status as OutboxEntry['status'],
    attempts: num(row.attempts)!,
    nextAttemptAt: num(row.next_attempt_at)!,
    lastError: orUndefined(row.last_error),
    createdAt: num(row.created_at)!,
    sentAt: num(row.sent_at),
  };
}
