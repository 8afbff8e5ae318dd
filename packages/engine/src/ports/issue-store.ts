import type { AnalysisResult, Priority, TriageEvent } from '@triage/core';

export type IssueStatus = 'new' | 'acknowledged' | 'resolved' | 'ignored' | 'regressed';
export const ISSUE_STATUSES: readonly IssueStatus[] = [
  'new',
  'acknowledged',
  'resolved',
  'ignored',
  'regressed',
];

/**
 * All events of one fingerprint: the write-up's "Feedback" record (id, title,
 * description, analysis, priority, status, source, createdAt) plus grouping counts.
 */
export interface Issue {
  id: string;
  fingerprint: string;
  title: string;
  /** Markdown: error message, source and the analysis, as the write-up's Feedback description. */
  description: string;
  /** The latest analysis's markdown, or '' before the first one. */
  analysis: string;
  analysisResult?: AnalysisResult;
  priority: Priority | undefined;
  status: IssueStatus;
  /** Where the issue came from: `llm-self-analysis` or `offline-rules`. */
  source: string;
  service?: string;
  environment?: string;
  file?: string;
  function?: string;
  /** Release of the latest event. */
  release?: string;
  createdAt: number;
  firstSeen: number;
  lastSeen: number;
  count: number;
  /** Distinct users (by id, else email) among the events. */
  usersAffected: number;
  lastEventId: string;
  /** When the latest analysis was made (epoch ms). */
  analyzedAt?: number;
  /** Parameterized error lines the latest analysis saw: a new one warrants a new analysis. */
  analyzedLines?: string[];
  resolvedAt?: number;
  /** The release the fix shipped in: only a newer release regresses, when that is asked for. */
  resolvedInRelease?: string;
  /** Ignored until this time (epoch ms)… */
  snoozeUntil?: number;
  /** …or until the count reaches this. */
  snoozeUntilCount?: number;
  resolutionNote?: string;
  /** The server project the events came from. */
  projectId?: string;
}

/** What recording one event did to its issue. */
export interface RecordOutcome {
  issue: Issue;
  created: boolean;
  /** A resolved issue came back (and the release rule allowed it). */
  regressed: boolean;
  /** An ignored issue's snooze ran out with this event. */
  unsnoozed: boolean;
  /** The event's delivery was recorded before: nothing changed, and `issue` is as it stands. */
  replayed?: boolean;
  /**
   * The issue already holds an event with this event's id (a client that sent it again after losing
   * the answer): nothing changed, and `issue` is as it stands.
   */
  duplicate?: boolean;
}

/** What a person changes on an issue; what is left out stays as it is. */
export interface StatusChange {
  /** Left out: the status stays, and so do its snooze or release (a note alone, say). */
  status?: IssueStatus;
  note?: string;
  /** With `ignored`: until when, or until how many more events. */
  snoozeForMs?: number;
  snoozeForEvents?: number;
  /** With `resolved`: the release that carries the fix. */
  resolvedInRelease?: string;
  /**
   * The status the change was made for (a snooze alone for an ignored issue, a release alone for a
   * resolved one): found in another, the change is refused (StatusConflictError), not applied to it.
   */
  ifStatus?: IssueStatus;
}

export interface IssueFilter {
  status?: IssueStatus;
  service?: string;
  environment?: string;
  severity?: string;
  category?: string;
  /** Function name of the failing handler. */
  handler?: string;
  projectId?: string;
  text?: string;
  /** Newest first, most events first: descending, ties broken by id so that pages do not overlap. */
  sort?: 'lastSeen' | 'firstSeen' | 'count';
  limit?: number;
  /** Issues to skip, for the next page. */
  offset?: number;
  /**
   * Only the issues after this one in the sort order (its sort value and id): the next page, which
   * issues that change meanwhile do not shift (with `offset`, an issue that moved to the front made the
   * next page repeat one and skip another).
   */
  after?: { value: number; id: string };
}

/** The most alerts one listAlerts call returns. */
export const MAX_ALERTS_LISTED = 10_000;

/** A page of the outbox's alerts (see listAlerts). */
export interface AlertPage {
  limit?: number;
  after?: string;
}

/** One alert waiting in, sent from, or dead in the outbox. */
export interface OutboxEntry {
  id: string;
  /** issue + channel + window: the same key never reaches a person twice. */
  idempotencyKey: string;
  issueId: string;
  channel: string;
  /** The alert as it was decided (JSON), so a restart sends exactly that. */
  payload: string;
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
  createdAt: number;
  sentAt?: number;
}

export interface RecordOptions {
  now?: number;
  /** Regress a resolved issue only for an event of a newer release than the fix. */
  regressOnlyInNewerRelease?: boolean;
  /**
   * What delivered the event (the server's job id): recording a delivery a second time changes
   * nothing and answers `replayed`, so a job run again after a crash does not count its event twice.
   */
  delivery?: string;
}

/** The store port: memory, SQLite and PostgreSQL behind one contract suite. */
export interface IssueStore {
  /**
   * Creates or updates the issue of `fingerprint` with one more event, applying the lifecycle rules.
   * An event whose id the issue already holds (among the events it keeps) is a duplicate: not counted.
   */
  recordEvent(
    input: { event: TriageEvent; fingerprint: string; title: string },
    options?: RecordOptions,
  ): Promise<RecordOutcome>;
  /** Attaches an analysis to the issue. */
  saveAnalysis(
    issueId: string,
    result: AnalysisResult,
    description: string,
    analyzedLines?: string[],
  ): Promise<Issue>;
  getIssue(id: string): Promise<Issue | undefined>;
  listIssues(filter?: IssueFilter): Promise<Issue[]>;
  setStatus(id: string, change: StatusChange, now?: number): Promise<Issue | undefined>;
  /**
   * Reserves the right to analyse an issue: true for exactly one caller within
   * `leaseMs`, across every process sharing the store. A `claimant` (the
   * delivery being processed) also gets its own claim back within the lease: a
   * delivery run again after its process died takes over the analysis it left.
   * With `asRead` (the issue as the caller read it), the claim is also refused
   * once the issue was analysed since: another process analysed it and gave
   * its claim back between the caller's read and its claim.
   */
  claimAnalysis(
    issueId: string,
    now: number,
    leaseMs: number,
    claimant?: string,
    asRead?: Pick<Issue, 'analyzedAt'>,
  ): Promise<boolean>;
  /** Gives the claim back once the analysis is saved (or failed). */
  releaseAnalysis(issueId: string): Promise<void>;
  /** Who holds the claim to analyse an issue, its lease run out or not; undefined when nobody does. */
  analysisClaimant(issueId: string): Promise<string | undefined>;
  /** The latest events of an issue, newest first (as stored: redacted). */
  recentEvents(issueId: string, limit: number): Promise<TriageEvent[]>;
  /** Events per hour, oldest first, for the hours since `sinceHour` (epoch hours). */
  hourlyCounts(issueId: string, sinceHour: number): Promise<Array<{ hour: number; count: number }>>;
  /**
   * The key of the users' pseudonyms, kept by a store that outlives the process (the SQL stores), so a
   * restart or another process gives a user the same pseudonym. Absent: the engine makes one per run.
   */
  userKeySecret?(): Promise<string>;

  /** Adds an alert unless its idempotency key is already there; false when it was. */
  enqueueAlert(entry: Omit<OutboxEntry, 'id' | 'status' | 'attempts' | 'createdAt'>): Promise<boolean>;
  /**
   * Takes up to `limit` pending alerts that are due, leasing them for `leaseMs`
   * (their nextAttemptAt moves on) so that another dispatcher does not take them too.
   */
  claimDueAlerts(now: number, limit: number, leaseMs: number): Promise<OutboxEntry[]>;
  /**
   * Extends to `until` the lease of an alert still claimed by the claim that counted `attempts` (the
   * entry's attempts when it was claimed); false when that claim is over: the alert was settled, or its
   * lease ran out and another dispatcher took it.
   */
  renewAlertClaim(id: string, attempts: number, until: number): Promise<boolean>;
  markAlertSent(id: string, now: number): Promise<void>;
  markAlertRetry(id: string, nextAttemptAt: number, error: string): Promise<void>;
  markAlertDead(id: string, error: string): Promise<void>;
  /**
   * The alerts of one status (every status when unset), oldest first: at most `limit` (default and
   * most, 10,000), those after the alert `after` (a page's last id).
   */
  listAlerts(status?: OutboxEntry['status'], page?: AlertPage): Promise<OutboxEntry[]>;
  /**
   * Puts dead alerts (those of `ids`, else every one) back in the outbox, due at `now`, their attempts
   * counted anew; returns how many. An id that is not a dead alert is passed over.
   */
  retryDeadAlerts(now: number, ids?: string[]): Promise<number>;
  /** When the soonest pending alert is due (its nextAttemptAt); undefined when none is pending. */
  nextAlertDueAt(): Promise<number | undefined>;
  close?(): Promise<void>;
}
