import { analyzeOffline, normalizeEvent, type TriageEvent } from '@triage/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatusConflictError } from '../errors/status-conflict-error.js';
import type { Issue, IssueStore } from '../ports/issue-store.js';

const event = (overrides: Partial<TriageEvent> = {}): TriageEvent => ({
  ...normalizeEvent({ log: ['ERROR: Connection pool exhausted (10/10 connections active)'], priority: 'P1' }),
  timestamp: Date.parse('2026-01-01T10:15:00Z'),
  ...overrides,
});
/** An outbox entry of issue i1 for email, due at 100. */
const alertEntry = () => ({
  idempotencyKey: 'i1:email:1',
  issueId: 'i1',
  channel: 'email',
  payload: '{}',
  nextAttemptAt: 100,
});
const input = (overrides: Partial<TriageEvent> = {}, fingerprint = 'f1') => ({
  event: event(overrides),
  fingerprint,
  title: 'Connection pool exhausted',
});

/**
 * One contract for every store (memory, SQLite, PostgreSQL), the way hono runs
 * one router suite against every router.
 */
export function runIssueStoreContract(name: string, open: () => Promise<IssueStore>) {
  describe(`${name} store contract`, () => {
    let store: IssueStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close?.();
    });

    it('should create an issue for a new fingerprint and count later events into it', async () => {
      const first = await store.recordEvent(input({ user: { id: 'u1' } }));
      expect(first).toMatchObject({
        created: true,
        regressed: false,
        issue: { status: 'new', count: 1, priority: 'P1' },
      });
      const second = await store.recordEvent(
        input({ user: { id: 'u2' }, timestamp: Date.parse('2026-01-01T11:05:00Z') }),
      );
      const third = await store.recordEvent(input({ user: { id: 'u2' } }));
      expect(second.created).toBe(false);
      expect(third.issue).toMatchObject({ id: first.issue.id, count: 3, usersAffected: 2 });
      expect(third.issue.lastSeen).toBe(Date.parse('2026-01-01T11:05:00Z'));
      const hour = Math.floor(Date.parse('2026-01-01T10:00:00Z') / 3_600_000);
      expect(await store.hourlyCounts(first.issue.id, hour)).toEqual([
        { hour, count: 2 },
        { hour: hour + 1, count: 1 },
      ]);
    });

    // PostgreSQL's btree refused a long random user id as part of the users' index, so the event was
    // never recorded; long keys are counted by their hash.
    it('should count users with ids of any length, each once', async () => {
      const randomId = () =>
        Array.from({ length: 10_000 }, () => Math.random().toString(36).slice(2, 3)).join('');
      const [long1, long2] = [randomId(), randomId()];
      await store.recordEvent(input({ user: { id: long1 } }));
      await store.recordEvent(input({ user: { id: long2 } }));
      await store.recordEvent(input({ user: { id: long1 } }));
      const last = await store.recordEvent(input({ user: { email: `${randomId()}@example.com` } }));
      expect(last.issue).toMatchObject({ count: 4, usersAffected: 3 });
    });

    it('should record concurrent events of one fingerprint as if one after the other', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, order) =>
          store.recordEvent(input({ user: { id: `u${order % 4}` } }), {
            // The last is a second delivery of the first.
            delivery: `d-${order === 11 ? 0 : order}`,
          }),
        ),
      );
      expect(outcomes.filter((outcome) => outcome.created)).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.replayed)).toHaveLength(1);
      expect(
        outcomes
          .filter((outcome) => !outcome.replayed)
          .map((outcome) => outcome.issue.count)
          .sort((a, b) => a - b),
      ).toEqual(Array.from({ length: 11 }, (_, index) => index + 1));
      const id = outcomes[0]!.issue.id;
      expect(new Set(outcomes.map((outcome) => outcome.issue.id))).toEqual(new Set([id]));
      expect(await store.getIssue(id)).toMatchObject({ count: 11, usersAffected: 4 });
      const hour = Math.floor(Date.parse('2026-01-01T10:00:00Z') / 3_600_000);
      expect(await store.hourlyCounts(id, hour)).toEqual([{ hour, count: 11 }]);
      expect(await store.recentEvents(id, 50)).toHaveLength(11);
    });

    // A client that lost the answer sends the event again: a new delivery, the same event id.
    it('should count an event sent again once, and say it was a duplicate', async () => {
      const sent = event({ user: { id: 'u1' } });
      const first = await store.recordEvent({ ...input(), event: sent }, { delivery: 'job-1' });
      const again = await store.recordEvent(
        { ...input(), event: { ...sent, user: { id: 'u2' } } },
        {
          delivery: 'job-2',
        },
      );
      expect(again).toMatchObject({ created: false, regressed: false, unsnoozed: false, duplicate: true });
      expect(again.issue).toMatchObject({ id: first.issue.id, count: 1, usersAffected: 1 });
      const other = await store.recordEvent(input(), { delivery: 'job-3' });
      expect(other.duplicate).toBeFalsy();
      expect(other.issue.count).toBe(2);
      // Without deliveries (in process), and sent many times at once.
      const burst = event();
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, () => store.recordEvent({ ...input(), event: burst })),
      );
      expect(outcomes.filter((outcome) => outcome.duplicate)).toHaveLength(4);
      expect(await store.getIssue(first.issue.id)).toMatchObject({ count: 3, usersAffected: 1 });
      expect(await store.recentEvents(first.issue.id, 50)).toHaveLength(3);
      const hour = Math.floor(Date.parse('2026-01-01T10:00:00Z') / 3_600_000);
      expect(await store.hourlyCounts(first.issue.id, hour)).toEqual([{ hour, count: 3 }]);
      // The same id in another issue is another event there.
      const elsewhere = await store.recordEvent({ ...input({}, 'f2'), event: sent });
      expect(elsewhere).toMatchObject({ created: true, issue: { count: 1 } });
    });

    it('should record a delivery once: the same delivery again changes nothing and says so', async () => {
      const first = await store.recordEvent(input({ user: { id: 'u1' } }), { delivery: 'job-1' });
      expect(first.replayed).toBeFalsy();
      const again = await store.recordEvent(input({ user: { id: 'u2' } }), { delivery: 'job-1' });
      expect(again).toMatchObject({ created: false, regressed: false, unsnoozed: false, replayed: true });
      expect(again.issue).toMatchObject({ id: first.issue.id, count: 1, usersAffected: 1 });
      const next = await store.recordEvent(input(), { delivery: 'job-2' });
      expect(next.replayed).toBeFalsy();
      expect(next.issue.count).toBe(2);
      const hour = Math.floor(Date.parse('2026-01-01T10:00:00Z') / 3_600_000);
      expect(await store.hourlyCounts(first.issue.id, hour)).toEqual([{ hour, count: 2 }]);
    });

    it('should keep the analysis and find issues by status, service and text', async () => {
      const { issue } = await store.recordEvent(input({ service: 'checkout' }));
      await store.recordEvent(input({ service: 'search' }, 'f2'));
      const result = analyzeOffline(event());
      const saved = await store.saveAnalysis(issue.id, result, 'The **description** of Über', ['line a']);
      expect(saved).toMatchObject({
        title: result.analysis.title,
        source: 'offline-rules',
        analyzedLines: ['line a'],
      });
      expect((await store.getIssue(issue.id))?.analysisResult?.analysis.category).toBe(
        result.analysis.category,
      );
      expect((await store.listIssues({ service: 'checkout' })).map((found) => found.id)).toEqual([issue.id]);
      expect((await store.listIssues({ text: 'DESCRIPTION' })).map((found) => found.id)).toEqual([issue.id]);
      expect(await store.listIssues({ text: '100%_' })).toEqual([]);
      // Past ASCII too: SQLite's own lower() leaves Ü as it is, and "Über" found nothing there.
      for (const text of ['Über', 'über', 'ÜBER'])
        expect((await store.listIssues({ text })).map((found) => found.id)).toEqual([issue.id]);
      // Folded as JavaScript folds the query on PostgreSQL too, whatever its locale: there a final sigma
      // lowered to σ (JavaScript: ς), and nothing was found.
      await store.saveAnalysis(issue.id, result, 'Timeout on ΟΔΟΣ and İstanbul', ['line a']);
      for (const text of ['ΟΔΟΣ', 'οδος', 'İSTANBUL', 'İstanbul'])
        expect(
          (await store.listIssues({ text })).map((found) => found.id),
          text,
        ).toEqual([issue.id]);
      expect(await store.listIssues({ status: 'resolved' })).toEqual([]);
    });

    it('should page through issues with offset, in the order of one long list', async () => {
      // Five issues of one event each: equal counts, so only the tie-break orders them by count.
      for (const fingerprint of ['p1', 'p2', 'p3', 'p4', 'p5'])
        await store.recordEvent(input({}, fingerprint));
      for (const sort of ['count', 'lastSeen'] as const) {
        const all = (await store.listIssues({ sort })).map((found) => found.id);
        expect(all).toHaveLength(5);
        const pages = [];
        for (let offset = 0; offset < 5; offset += 2)
          pages.push(...(await store.listIssues({ sort, limit: 2, offset })).map((found) => found.id));
        expect(pages).toEqual(all);
      }
      expect(await store.listIssues({ offset: 5 })).toEqual([]);
    });

    it('should page through issues after the last one seen, with none repeated when one moves to the front', async () => {
      const at = Date.parse('2026-01-01T10:00:00Z');
      const ids = new Map<string, string>();
      for (const [index, fingerprint] of ['p1', 'p2', 'p3', 'p4', 'p5'].entries())
        ids.set(
          (await store.recordEvent(input({ timestamp: at + index * 1_000 }, fingerprint))).issue.id,
          fingerprint,
        );
      const names = (issues: Issue[]) => issues.map((found) => ids.get(found.id));
      const first = await store.listIssues({ limit: 2 });
      expect(names(first)).toEqual(['p5', 'p4']);
      // p1 is seen again between the pages: it moves to the front, above the page's end.
      await store.recordEvent(input({ timestamp: at + 60_000 }, 'p1'));
      const after = { value: first[1]!.lastSeen, id: first[1]!.id };
      const second = await store.listIssues({ limit: 2, after });
      expect(names(second)).toEqual(['p3', 'p2']);
      expect(
        await store.listIssues({ limit: 2, after: { value: second[1]!.lastSeen, id: second[1]!.id } }),
      ).toEqual([]);
      // By count, ties broken by id as in the list: the pages read as one list.
      const all = await store.listIssues({ sort: 'count' });
      const paged = [];
      let end: { value: number; id: string } | undefined;
      for (;;) {
        const page = await store.listIssues({ sort: 'count', limit: 2, after: end });
        if (page.length === 0) break;
        paged.push(...page);
        end = { value: page.at(-1)!.count, id: page.at(-1)!.id };
      }
      expect(paged.map((found) => found.id)).toEqual(all.map((found) => found.id));
    });

    it('should regress a resolved issue when it comes back, and only from a newer release when asked', async () => {
      const { issue } = await store.recordEvent(input({ release: '1.2.0' }));
      // Resolved before the events that follow: one dated before its resolve does not bring it back.
      await store.setStatus(
        issue.id,
        { status: 'resolved', resolvedInRelease: '1.3.0', note: 'pool raised to 20' },
        Date.parse('2026-01-01T10:00:00Z'),
      );
      const old = await store.recordEvent(input({ release: '1.2.0' }), { regressOnlyInNewerRelease: true });
      expect(old).toMatchObject({
        regressed: false,
        issue: { status: 'resolved', resolutionNote: 'pool raised to 20' },
      });
      const newer = await store.recordEvent(input({ release: '1.3.1' }), { regressOnlyInNewerRelease: true });
      expect(newer).toMatchObject({ regressed: true, issue: { status: 'regressed' } });
    });

    it('should change only what a status change gives: a note alone keeps the release or the snooze', async () => {
      const { issue } = await store.recordEvent(input({ release: '1.2.0' }));
      await store.setStatus(issue.id, { status: 'resolved', resolvedInRelease: '1.3.0' }, 1_000);
      const noted = await store.setStatus(issue.id, { note: 'also raised the timeout' }, 2_000);
      expect(noted).toMatchObject({
        status: 'resolved',
        resolvedAt: 1_000,
        resolvedInRelease: '1.3.0',
        resolutionNote: 'also raised the timeout',
      });
      // Resolved again without a release: when, and in which release, stay.
      expect(await store.setStatus(issue.id, { status: 'resolved' }, 3_000)).toMatchObject({
        resolvedAt: 1_000,
        resolvedInRelease: '1.3.0',
      });
      expect(
        await store.setStatus(issue.id, { status: 'resolved', resolvedInRelease: '1.4.0' }, 4_000),
      ).toMatchObject({ resolvedAt: 1_000, resolvedInRelease: '1.4.0' });
      await store.setStatus(issue.id, { status: 'ignored', snoozeForEvents: 100 }, 5_000);
      const stillSnoozed = await store.setStatus(issue.id, { note: 'waiting on the vendor' }, 6_000);
      expect(stillSnoozed).toMatchObject({ status: 'ignored', snoozeUntilCount: issue.count + 100 });
      expect(await store.getIssue(issue.id)).toMatchObject({
        status: 'ignored',
        snoozeUntilCount: issue.count + 100,
        resolutionNote: 'waiting on the vendor',
      });
      // Resolved afresh after leaving `resolved`: a new time, and no release unless one is given.
      await store.setStatus(issue.id, { status: 'acknowledged' }, 7_000);
      expect(await store.setStatus(issue.id, { status: 'resolved' }, 8_000)).toMatchObject({
        resolvedAt: 8_000,
        resolvedInRelease: undefined,
      });
    });

    it('should refuse a change made for a status the issue has left, and change nothing', async () => {
      const { issue } = await store.recordEvent(input({ release: '1.2.0' }));
      await store.setStatus(issue.id, { status: 'resolved', resolvedInRelease: '1.3.0' }, 1_000);
      // A release read for the resolved issue; an event regresses it before the change is written.
      await store.recordEvent(input({ release: '1.3.1' }));
      const late = store.setStatus(
        issue.id,
        { status: 'resolved', ifStatus: 'resolved', resolvedInRelease: '1.4.0' },
        2_000,
      );
      await expect(late).rejects.toThrow(StatusConflictError);
      await expect(late).rejects.toThrow('the issue is regressed now, not resolved');
      expect(await store.getIssue(issue.id)).toMatchObject({
        status: 'regressed',
        resolvedInRelease: '1.3.0',
      });
      // Made for the status it has, it is applied.
      expect(
        await store.setStatus(
          issue.id,
          { status: 'resolved', ifStatus: 'regressed', resolvedInRelease: '1.4.0' },
          3_000,
        ),
      ).toMatchObject({ status: 'resolved', resolvedInRelease: '1.4.0' });
    });

    it('should keep an ignored issue quiet until its snooze runs out, by time or by events', async () => {
      const { issue } = await store.recordEvent(input());
      await store.setStatus(issue.id, { status: 'ignored', snoozeForEvents: 2 }, 0);
      expect((await store.recordEvent(input())).issue.status).toBe('ignored');
      const woke = await store.recordEvent(input());
      expect(woke).toMatchObject({ unsnoozed: true, issue: { status: 'new' } });
      await store.setStatus(issue.id, { status: 'ignored', snoozeForMs: 1_000 }, 10_000);
      expect((await store.recordEvent(input(), { now: 10_500 })).issue.status).toBe('ignored');
      expect((await store.recordEvent(input(), { now: 11_000 })).unsnoozed).toBe(true);
    });

    it('should let one caller claim an analysis within the lease, and keep the latest events', async () => {
      const { issue } = await store.recordEvent(input({ id: 'e1' } as Partial<TriageEvent>));
      await store.recordEvent(input({ id: 'e2' } as Partial<TriageEvent>));
      expect(await store.claimAnalysis(issue.id, 1_000, 500)).toBe(true);
      expect(await store.claimAnalysis(issue.id, 1_200, 500)).toBe(false);
      expect(await store.claimAnalysis(issue.id, 1_500, 500)).toBe(true);
      await store.releaseAnalysis(issue.id);
      expect(await store.claimAnalysis(issue.id, 1_501, 500)).toBe(true);
      // A delivery run again (its process died mid-analysis) takes its own claim back, and only its own.
      await store.releaseAnalysis(issue.id);
      expect(await store.claimAnalysis(issue.id, 2_000, 500, 'job-7')).toBe(true);
      expect(await store.claimAnalysis(issue.id, 2_100, 500, 'job-8')).toBe(false);
      expect(await store.claimAnalysis(issue.id, 2_100, 500)).toBe(false);
      expect(await store.claimAnalysis(issue.id, 2_200, 500, 'job-7')).toBe(true);
      expect(await store.claimAnalysis(issue.id, 2_300, 500, 'job-8')).toBe(false);
      await store.releaseAnalysis(issue.id);
      expect(await store.claimAnalysis(issue.id, 2_300, 500, 'job-8')).toBe(true);
      expect((await store.recentEvents(issue.id, 5)).map((stored) => stored.id)).toEqual(['e2', 'e1']);
    });

    it('should tell who holds the claim to analyse an issue, until it is given back', async () => {
      const { issue } = await store.recordEvent(input());
      expect(await store.analysisClaimant(issue.id)).toBeUndefined();
      expect(await store.claimAnalysis(issue.id, 1_000, 500, 'job-9#regressed')).toBe(true);
      // Past its lease too: a delivery run again after its instance died reads what it left.
      expect(await store.analysisClaimant(issue.id)).toBe('job-9#regressed');
      await store.releaseAnalysis(issue.id);
      expect(await store.analysisClaimant(issue.id)).toBeUndefined();
    });

    it('should refuse a claim on an issue analysed since the caller read it', async () => {
      const { issue: asRecorded } = await store.recordEvent(input());
      // Another process claims, analyses and gives its claim back before this one claims.
      expect(await store.claimAnalysis(asRecorded.id, 1_000, 500, undefined, asRecorded)).toBe(true);
      const analysed = await store.saveAnalysis(asRecorded.id, analyzeOffline(event()), 'd');
      await store.releaseAnalysis(asRecorded.id);
      expect(await store.claimAnalysis(asRecorded.id, 1_100, 500, 'job-2', asRecorded)).toBe(false);
      expect(await store.claimAnalysis(asRecorded.id, 1_100, 500, 'job-2', analysed)).toBe(true);
    });

    it('should extend the lease of an alert only for the claim that holds it', async () => {
      const entry = alertEntry();
      await store.enqueueAlert(entry);
      const [first] = await store.claimDueAlerts(100, 10, 1_000);
      expect(await store.renewAlertClaim(first!.id, first!.attempts, 3_000)).toBe(true);
      // Past the first lease (1,100), within the renewed one.
      expect(await store.claimDueAlerts(2_000, 10, 1_000)).toEqual([]);
      expect(await store.nextAlertDueAt()).toBe(3_000);
      const [second] = await store.claimDueAlerts(3_000, 10, 1_000);
      expect(second?.attempts).toBe(2);
      // The first claim ran out and another took the alert: its renewal must not touch the new lease.
      expect(await store.renewAlertClaim(first!.id, first!.attempts, 9_000)).toBe(false);
      expect(await store.nextAlertDueAt()).toBe(4_000);
      await store.markAlertSent(second!.id, 3_500);
      expect(await store.renewAlertClaim(second!.id, second!.attempts, 9_000)).toBe(false);
      expect(await store.nextAlertDueAt()).toBeUndefined();
    });

    it('should never enqueue one idempotency key twice, and hand each due alert to one claimer', async () => {
      const entry = alertEntry();
      expect(await store.enqueueAlert(entry)).toBe(true);
      expect(await store.enqueueAlert(entry)).toBe(false);
      expect(await store.claimDueAlerts(50, 10, 1_000)).toEqual([]);
      const [claimed] = await store.claimDueAlerts(100, 10, 1_000);
      expect(claimed).toMatchObject({
        idempotencyKey: 'i1:email:1',
        attempts: 1,
        nextAttemptAt: 1_100,
        status: 'pending',
      });
      expect(await store.claimDueAlerts(200, 10, 1_000)).toEqual([]);
      await store.markAlertRetry(claimed!.id, 300, '429 Too Many Requests');
      expect((await store.claimDueAlerts(300, 10, 1_000))[0]).toMatchObject({
        attempts: 2,
        lastError: '429 Too Many Requests',
      });
      await store.markAlertSent(claimed!.id, 400);
      expect(await store.listAlerts('sent')).toMatchObject([{ id: claimed!.id, sentAt: 400 }]);
      expect(await store.enqueueAlert({ ...entry, idempotencyKey: 'i1:slack:1', channel: 'slack' })).toBe(
        true,
      );
      expect(await store.nextAlertDueAt()).toBe(100);
      const [slack] = await store.claimDueAlerts(500, 10, 1_000);
      // Claimed: its lease runs to 1,500.
      expect(await store.nextAlertDueAt()).toBe(1_500);
      await store.markAlertDead(slack!.id, 'invalid_payload');
      // Nothing pending: the sent and the dead are never due.
      expect(await store.nextAlertDueAt()).toBeUndefined();
      expect(await store.listAlerts('dead')).toMatchObject([
        { channel: 'slack', lastError: 'invalid_payload' },
      ]);
    });

    it('should list alerts a page at a time, and put dead alerts back in the outbox on request', async () => {
      const keys = ['i1:email:1', 'i1:slack:1', 'i2:email:1'];
      for (const idempotencyKey of keys) await store.enqueueAlert({ ...alertEntry(), idempotencyKey });
      const claimed = await store.claimDueAlerts(100, 10, 1_000);
      for (const entry of claimed) await store.markAlertDead(entry.id, 'Slack answered 503');
      const all = await store.listAlerts('dead');
      expect(all.map((entry) => entry.idempotencyKey)).toEqual(keys);
      const first = await store.listAlerts('dead', { limit: 2 });
      expect(first.map((entry) => entry.idempotencyKey)).toEqual(keys.slice(0, 2));
      const next = await store.listAlerts('dead', { after: first[1]!.id });
      expect(next.map((entry) => entry.idempotencyKey)).toEqual(keys.slice(2));

      expect(await store.retryDeadAlerts(5_000, [all[0]!.id, 'no-such-alert'])).toBe(1);
      expect(await store.listAlerts('pending')).toMatchObject([
        { idempotencyKey: keys[0], attempts: 0, nextAttemptAt: 5_000, status: 'pending' },
      ]);
      // Already pending: not counted again.
      expect(await store.retryDeadAlerts(6_000, [all[0]!.id])).toBe(0);
      expect(await store.retryDeadAlerts(6_000)).toBe(2);
      expect(await store.listAlerts('dead')).toEqual([]);
      expect(await store.retryDeadAlerts(6_000, [])).toBe(0);
      const due = await store.claimDueAlerts(6_000, 10, 1_000);
      expect(due.map((entry) => entry.attempts)).toEqual([1, 1, 1]);
    });
  });
}
