import type { AnalysisResult, TriageEvent } from '@triage/core';
import {
  type AlertPage,
  type Issue,
  type IssueFilter,
  type IssueStore,
  MAX_ALERTS_LISTED,
  type OutboxEntry,
  type RecordOptions,
  type RecordOutcome,
  type StatusChange,
} from '../ports/issue-store.js';
import { applyEvent, hourOf, userKeyOf } from './apply-event.js';
import { applyStatus, matchesFilter } from './status-change.js';

export interface MemoryStoreOptions {
  /** Most issues kept; the least recently seen go first. */
  maxIssues?: number;
  /** Distinct users counted per issue (default 10,000) and in all (200,000); see MAX_USERS_PER_ISSUE. */
  maxUsersPerIssue?: number;
  maxUsers?: number;
}

const copy = <T extends object>(value: T): T => structuredClone(value);

/**
 * Distinct users counted per issue, and for every issue together: this store lives in the application's
 * heap, and 100,000 per issue for each of 10,000 issues was about 13 MiB an issue (a reviewer's
 * measure), unbounded in all. Past either, users already counted still are and new ones are not: the
 * count is then a lower bound. (A SQL store counts every user.)
 */
const MAX_USERS_PER_ISSUE = 10_000;
const MAX_USERS = 200_000;
/** Hours of counts kept per issue: the 48 an issue's detail shows, and one more. */
const KEPT_HOURS = 49;

/** Settled alerts (sent, dead) an in-process outbox keeps to list. */
const MAX_SETTLED_ALERTS = 1_000;
/** Idempotency keys remembered: past it the oldest are forgotten (an alert's key is for its window). */
const MAX_OUTBOX_KEYS = 100_000;

/** The in-process default: issues and the outbox live as long as the process. */
export class MemoryStore implements IssueStore {
  readonly #issues = new Map<string, Issue>();
  readonly #byFingerprint = new Map<string, string>();
  /** Delivery → issue id, to answer a delivery recorded twice (RecordOptions.delivery). */
  readonly #deliveries = new Map<string, string>();
  /** The events recorded, as `issue id \n event id`, to know an event sent again. */
  readonly #eventKeys = new Set<string>();
  readonly #hours = new Map<string, Map<number, number>>();
  readonly #users = new Map<string, Set<string>>();
  /** The user keys of every issue together (see MAX_USERS). */
  #userKeys = 0;
  readonly #outbox = new Map<string, OutboxEntry>();
  /**
   * Every idempotency key enqueued (bounded as the event keys are), and the settled entries kept, the
   * oldest first: the outbox kept every alert sent, and enqueueing one scanned them all, so an
   * application's heap and the time of each alert grew with every alert it ever sent.
   */
  readonly #outboxKeys = new Set<string>();
  readonly #settled: string[] = [];
  readonly #events = new Map<string, TriageEvent[]>();
  readonly #claims = new Map<string, { at: number; by?: string }>();
  readonly #maxIssues: number;

  readonly #maxUsersPerIssue: number;
  readonly #maxUsers: number;

  constructor({
    maxIssues = 10_000,
    maxUsersPerIssue = MAX_USERS_PER_ISSUE,
    maxUsers = MAX_USERS,
  }: MemoryStoreOptions = {}) {
    this.#maxIssues = maxIssues;
    this.#maxUsersPerIssue = maxUsersPerIssue;
    this.#maxUsers = maxUsers;
  }

  async recordEvent(
    input: { event: TriageEvent; fingerprint: string; title: string },
    options: RecordOptions = {},
  ): Promise<RecordOutcome> {
    const replayedIssue = options.delivery === undefined ? undefined : this.#deliveries.get(options.delivery);
    const replayed = replayedIssue ? this.#issues.get(replayedIssue) : undefined;
    if (replayed) {
      return { issue: copy(replayed), created: false, regressed: false, unsnoozed: false, replayed: true };
    }
    const existingId = this.#byFingerprint.get(input.fingerprint);
    const existing = existingId ? this.#issues.get(existingId) : undefined;
    if (existing && this.#eventKeys.has(`${existing.id}\n${input.event.id}`)) {
      return { issue: copy(existing), created: false, regressed: false, unsnoozed: false, duplicate: true };
    }
    const applied = applyEvent(existing, input, options, () => globalThis.crypto.randomUUID());
    const { issue } = applied;
    // Like the deliveries: an event is sent again soon after, so past a bound the oldest are forgotten.
    if (this.#eventKeys.size >= 100_000) this.#eventKeys.delete(this.#eventKeys.values().next().value!);
    this.#eventKeys.add(`${issue.id}\n${input.event.id}`);
    const events = this.#events.get(issue.id) ?? [];
    events.unshift(input.event);
    if (events.length > 20) events.length = 20;
    this.#events.set(issue.id, events);
    const hours = this.#hours.get(issue.id) ?? new Map<number, number>();
    const hour = hourOf(input.event.timestamp);
    hours.set(hour, (hours.get(hour) ?? 0) + 1);
    // What the counts per hour are read for (escalation, an issue's last 48 hours) is recent: an issue
    // seen for months kept an entry for every hour of them.
    if (hours.size > KEPT_HOURS)
      for (const kept of hours.keys()) if (kept < hour - KEPT_HOURS) hours.delete(kept);
    this.#hours.set(issue.id, hours);
    // Re-inserting keeps Map order = least recently seen first, for eviction.
    this.#issues.delete(issue.id);
    this.#issues.set(issue.id, issue);
    this.#byFingerprint.set(issue.fingerprint, issue.id);
    if (options.delivery !== undefined) {
      // Deliveries are only replayed soon after: the oldest are forgotten past a bound.
      if (this.#deliveries.size >= 100_000) this.#deliveries.delete(this.#deliveries.keys().next().value!);
      this.#deliveries.set(options.delivery, issue.id);
    }
    // After the eviction, which gives back the user keys of the issue it lets go.
    this.#evict();
    const user = userKeyOf(input.event);
    if (user) {
      const users = this.#users.get(issue.id) ?? new Set<string>();
      if (users.size < this.#maxUsersPerIssue && this.#userKeys < this.#maxUsers && !users.has(user)) {
        users.add(user);
        this.#userKeys++;
      }
      this.#users.set(issue.id, users);
      issue.usersAffected = users.size;
    }
    return { ...applied, issue: copy(issue) };
  }

  async saveAnalysis(issueId: string, result: AnalysisResult, description: string, analyzedLines?: string[]) {
    const issue = this.#issues.get(issueId);
    if (!issue) throw new Error(`issue ${issueId} not found`);
    issue.analysis = result.markdown;
    issue.analysisResult = result;
    issue.description = description;
    issue.title = result.analysis.title;
    issue.source = result.meta.analyzer === 'llm' ? 'llm-self-analysis' : 'offline-rules';
    issue.analyzedAt = Date.now();
    if (analyzedLines) issue.analyzedLines = analyzedLines;
    return copy(issue);
  }

  async getIssue(id: string) {
    const issue = this.#issues.get(id);
    return issue ? copy(issue) : undefined;
  }

  async listIssues(filter: IssueFilter = {}) {
    const key = filter.sort ?? 'lastSeen';
    const { after } = filter;
    return [...this.#issues.values()]
      .filter((issue) => matchesFilter(issue, filter))
      .filter(
        (issue) => !after || issue[key] < after.value || (issue[key] === after.value && issue.id < after.id),
      )
      .sort((a, b) => b[key] - a[key] || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(filter.offset ?? 0, (filter.offset ?? 0) + (filter.limit ?? 100))
      .map(copy);
  }

  async setStatus(id: string, change: StatusChange, now = Date.now()) {
    const issue = this.#issues.get(id);
    if (!issue) return undefined;
    Object.assign(issue, applyStatus(issue, change, now));
    return copy(issue);
  }

  async claimAnalysis(
    issueId: string,
    now: number,
    leaseMs: number,
    claimant?: string,
    asRead?: Pick<Issue, 'analyzedAt'>,
  ) {
    if (asRead && this.#issues.get(issueId)?.analyzedAt !== asRead.analyzedAt) return false;
    const last = this.#claims.get(issueId);
    const own = claimant !== undefined && last?.by === claimant;
    if (last !== undefined && now - last.at < leaseMs && !own) return false;
    this.#claims.set(issueId, { at: now, by: claimant });
    return true;
  }

  async releaseAnalysis(issueId: string) {
    this.#claims.delete(issueId);
  }

  async analysisClaimant(issueId: string) {
    return this.#claims.get(issueId)?.by;
  }

  async recentEvents(issueId: string, limit: number) {
    return (this.#events.get(issueId) ?? []).slice(0, limit).map(copy);
  }

  async hourlyCounts(issueId: string, sinceHour: number) {
    const hours = this.#hours.get(issueId) ?? new Map<number, number>();
    return [...hours.entries()]
      .filter(([hour]) => hour >= sinceHour)
      .sort(([a], [b]) => a - b)
      .map(([hour, count]) => ({ hour, count }));
  }

  async enqueueAlert(entry: Omit<OutboxEntry, 'id' | 'status' | 'attempts' | 'createdAt'>) {
    if (this.#outboxKeys.has(entry.idempotencyKey)) return false;
    if (this.#outboxKeys.size >= MAX_OUTBOX_KEYS)
      this.#outboxKeys.delete(this.#outboxKeys.values().next().value!);
    this.#outboxKeys.add(entry.idempotencyKey);
    const id = globalThis.crypto.randomUUID();
    this.#outbox.set(id, { ...entry, id, status: 'pending', attempts: 0, createdAt: Date.now() });
    return true;
  }

  async claimDueAlerts(now: number, limit: number, leaseMs: number) {
    const due = [...this.#outbox.values()]
      .filter((entry) => entry.status === 'pending' && entry.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
      .slice(0, limit);
    for (const entry of due) {
      entry.nextAttemptAt = now + leaseMs;
      entry.attempts++;
    }
    return due.map(copy);
  }

  async renewAlertClaim(id: string, attempts: number, until: number) {
    const entry = this.#outbox.get(id);
    if (entry?.status !== 'pending' || entry.attempts !== attempts) return false;
    entry.nextAttemptAt = until;
    return true;
  }

  async markAlertSent(id: string, now: number) {
    this.#settle(this.#outbox.get(id), { status: 'sent', sentAt: now });
  }

  async markAlertRetry(id: string, nextAttemptAt: number, error: string) {
    const entry = this.#outbox.get(id);
    if (entry) Object.assign(entry, { nextAttemptAt, lastError: error });
  }

  async markAlertDead(id: string, error: string) {
    this.#settle(this.#outbox.get(id), { status: 'dead', lastError: error });
  }

  /** Settles an entry; the latest settled ones (sent or dead) are kept to list, their keys longer. */
  #settle(entry: OutboxEntry | undefined, change: Partial<OutboxEntry>) {
    if (!entry) return;
    const first = entry.status === 'pending';
    Object.assign(entry, change);
    if (!first) return;
    this.#settled.push(entry.id);
    if (this.#settled.length > MAX_SETTLED_ALERTS) this.#outbox.delete(this.#settled.shift()!);
  }

  async listAlerts(status?: OutboxEntry['status'], { limit = MAX_ALERTS_LISTED, after }: AlertPage = {}) {
    const entries = [...this.#outbox.values()];
    // Insertion order is the order the alerts were written in. A page's last alert let go of since
    // (past the settled alerts kept) ends the listing: started again from the first, it repeated them.
    const from = after === undefined ? 0 : entries.findIndex((entry) => entry.id === after) + 1;
    if (after !== undefined && from === 0) return [];
    return entries
      .slice(from)
      .filter((entry) => !status || entry.status === status)
      .slice(0, Math.min(limit, MAX_ALERTS_LISTED))
      .map(copy);
  }

  async retryDeadAlerts(now: number, ids?: string[]) {
    const wanted = ids && new Set(ids);
    let retried = 0;
    for (const entry of this.#outbox.values()) {
      if (entry.status !== 'dead' || (wanted && !wanted.has(entry.id))) continue;
      Object.assign(entry, { status: 'pending', attempts: 0, nextAttemptAt: now });
      // Pending again: no longer among the settled alerts that make room for newer ones.
      const settled = this.#settled.indexOf(entry.id);
      if (settled !== -1) this.#settled.splice(settled, 1);
      retried++;
    }
    return retried;
  }

  async nextAlertDueAt() {
    let soonest: number | undefined;
    for (const entry of this.#outbox.values()) {
      if (entry.status === 'pending' && (soonest === undefined || entry.nextAttemptAt < soonest))
        soonest = entry.nextAttemptAt;
    }
    return soonest;
  }

  #evict() {
    while (this.#issues.size > this.#maxIssues) {
      const [oldestId, oldest] = this.#issues.entries().next().value as [string, Issue];
      this.#issues.delete(oldestId);
      this.#byFingerprint.delete(oldest.fingerprint);
      this.#hours.delete(oldestId);
      this.#userKeys -= this.#users.get(oldestId)?.size ?? 0;
      this.#users.delete(oldestId);
      this.#events.delete(oldestId);
      this.#claims.delete(oldestId);
    }
  }
}
