// What an issue's lifecycle alerts on: a regression or a snooze's end (news once, whatever else runs),
// new error lines (analysed by the LLM, and alerted on within the hour), and not a resolved issue that
// an older release still reports.
import { analyzeOffline, fingerprintEvent, normalizeEvent, type TriageEvent } from '@triage/core';
import { describe, expect, it } from 'vitest';
import type { Analyzer } from '../ports/analyzer.js';
import { MemoryStore } from '../stores/memory-store.js';
import { fakeAnalysis, lastErrorLine } from '../test/fake-llm-server.js';
import { createMemoryNotifier } from '../test/memory-notifier.js';
import { until } from '../test/until.js';
import { holdAnswers, useFakeLlmServer } from '../test/use-fake-llm-server.js';
import { createEngine } from './engine.js';

const HOUR = 3_600_000;

const llm = useFakeLlmServer((request) => ({
  content: JSON.stringify(fakeAnalysis({ evidence: [lastErrorLine(request.prompt) ?? 'ERROR'] })),
}));
const groqEnv = () => ({ GROQ_API_KEY: 'gsk_test_key_123', TRIAGE_LLM_BASE_URL: llm.groqUrl });

/** Events of one issue (their fingerprint is given) carrying these error lines. */
const withLines = (...lines: string[]) => ({
  fingerprint: ['checkout-pool'],
  priority: 'P1',
  log: lines.map((line) => `ERROR: ${line}`),
});

/** The part of each alert's idempotency key after its issue and channel: what it is news of. */
const kinds = (alerts: Array<{ deliveryId?: string }>) =>
  alerts.map((alert) => alert.deliveryId?.split(':')[2]);

/** An analyzer answering with the offline rules, counting its calls. */
function countingAnalyzer(): Analyzer & { calls: number } {
  return {
    name: 'counting',
    calls: 0,
    async analyze(event: TriageEvent) {
      this.calls++;
      return analyzeOffline(event);
    },
  };
}

describe('a regression while another analysis of the issue runs', () => {
  // Taken as "an analysis of this issue is running", the regression was never alerted on: the store
  // already said regressed, so no later event brought it up again.
  it('should alert it at once, with the analysis the issue holds, while another analysis runs here', async () => {
    const notifier = createMemoryNotifier();
    const engine = createEngine({ env: groqEnv(), notifiers: [notifier] });
    const first = await engine.process({ input: withLines('pool exhausted') });
    const release = holdAnswers(llm);
    const newLines = engine.process({ input: withLines('pool exhausted', 'acquire timed out') });
    expect(await until(() => llm.requests.length === 2)).toBe(true);
    await engine.setStatus(first!.issue.id, { status: 'resolved' });
    // As a server's job runs it: not waiting for an analysis in flight.
    const regression = engine.process({
      input: withLines('pool exhausted'),
      awaitAnalysisInFlight: false,
    });
    // Before the running analysis answers: waiting for it, the alert was lost if this instance died
    // meanwhile (its job, run again, finds the issue regressed already and the claim another's).
    const regressedAlert = () => notifier.alerts.find((alert) => /:regressed:/.test(alert.deliveryId ?? ''));
    expect(await until(() => regressedAlert() !== undefined)).toBe(true);
    release();
    const [, report] = await Promise.all([newLines, regression]);
    expect(report?.issue.status).toBe('regressed');
    expect(llm.requests).toHaveLength(2);
    expect(regressedAlert()?.issue).toMatchObject({ status: 'regressed', count: 3 });
    expect(regressedAlert()?.result.meta.madeAt).toBe(first?.result.meta.madeAt);
    await engine.close();
  });

  it('should alert it with the analysis the issue holds when another instance holds the analysis', async () => {
    const store = new MemoryStore();
    const notifier = createMemoryNotifier();
    const open = () => createEngine({ env: groqEnv(), store, notifiers: [notifier] });
    const [first, second] = [open(), open()];
    const made = await first.process({ input: withLines('pool exhausted') });
    const release = holdAnswers(llm);
    const newLines = first.process({ input: withLines('pool exhausted', 'acquire timed out') });
    expect(await until(() => llm.requests.length === 2)).toBe(true);
    await first.setStatus(made!.issue.id, { status: 'resolved' });
    const report = await second.process({ input: withLines('pool exhausted') });
    expect(report).toMatchObject({ reused: true, issue: { status: 'regressed' } });
    expect(report?.result.meta.madeAt).toBe(made?.result.meta.madeAt);
    expect(llm.requests).toHaveLength(2);
    expect(kinds(notifier.alerts)).toContain('regressed');
    release();
    await newLines;
    await Promise.all([first.close(), second.close()]);
  });

  it('should analyse it when another instance holds the issue’s first analysis', async () => {
    const store = new MemoryStore();
    const notifier = createMemoryNotifier();
    const release = holdAnswers(llm);
    const first = createEngine({ env: groqEnv(), store, notifiers: [notifier] });
    const making = first.process({ input: withLines('pool exhausted') });
    expect(await until(() => llm.requests.length === 1)).toBe(true);
    const [issue] = await store.listIssues();
    await first.setStatus(issue!.id, { status: 'resolved' });
    const offline = createEngine({ env: {}, store, notifiers: [notifier] });
    const report = await offline.process({ input: withLines('pool exhausted') });
    expect(report).toMatchObject({ reused: false, issue: { status: 'regressed' } });
    expect(kinds(notifier.alerts)).toEqual(['regressed']);
    release();
    await making;
    await Promise.all([first.close(), offline.close()]);
  });
});

describe('a regression whose instance died before it was alerted', () => {
  it('should be alerted once by the run of its job again', async () => {
    const store = new MemoryStore();
    const notifier = createMemoryNotifier();
    const engine = createEngine({ env: {}, store, notifiers: [notifier] });
    const made = await engine.process({ input: withLines('pool exhausted') });
    await engine.setStatus(made!.issue.id, { status: 'resolved' });
    // Another instance recorded the event that brings the issue back, under its job, and died.
    const event = normalizeEvent(withLines('pool exhausted'));
    const { fingerprint, title } = fingerprintEvent(event);
    const recorded = await store.recordEvent({ event, fingerprint, title }, { delivery: 'job-7' });
    expect(recorded.regressed).toBe(true);
    const again = () => engine.process({ input: withLines('pool exhausted'), delivery: 'job-7' });
    expect(await again()).toMatchObject({ issue: { status: 'regressed' } });
    expect(kinds(notifier.alerts)).toEqual([expect.any(String), 'regressed']);
    // Run a third time: the alert is not sent twice.
    await again();
    expect(notifier.alerts).toHaveLength(2);
    await engine.close();
  });
});

describe('new error lines', () => {
  // The analysis kept 24 h for the fingerprint answered, and the new lines were taken as analysed; the
  // alert shared the hour's key with the one before, and was dropped.
  it('should be analysed by the LLM and alerted on within the hour; a window passing reuses the analysis', async () => {
    const notifier = createMemoryNotifier();
    // Ahead of the store's clock (analysedAt), the start of an hour: the first two events share one.
    let clock = Math.ceil(Date.now() / HOUR) * HOUR + 60_000;
    const engine = createEngine({ env: groqEnv(), notifiers: [notifier], now: () => clock });
    await engine.process({ input: withLines('pool exhausted') });
    clock += 5 * 60_000;
    const report = await engine.process({ input: withLines('pool exhausted', 'acquire timed out') });
    expect(llm.requests).toHaveLength(2);
    expect(llm.requests[1]?.prompt).toContain('acquire timed out');
    expect(report?.result.meta.notes.join(' ')).not.toMatch(/reused/);
    expect(report?.issue.analyzedLines).toEqual(['ERROR: pool exhausted', 'ERROR: acquire timed out']);
    expect(kinds(notifier.alerts)).toEqual([expect.any(String), 'new-lines']);
    // A window later, lines all seen: one LLM call per root cause per window, answered by the cache.
    clock += 2 * HOUR;
    await engine.process({ input: withLines('acquire timed out') });
    expect(llm.requests).toHaveLength(2);
    expect(notifier.alerts).toHaveLength(3);
    await engine.close();
  });

  // A Sentry SDK's breadcrumbs hold each `console.error` and 5xx before the event: different in each.
  it("should leave out an SDK's error breadcrumbs: not the event's own lines", async () => {
    const notifier = createMemoryNotifier();
    const engine = createEngine({ env: groqEnv(), notifiers: [notifier] });
    const withTrail = (crumb: string) => ({
      fingerprint: ['checkout-total'],
      error: { type: 'TypeError', message: "Cannot read properties of undefined (reading 'amount')" },
      log: [{ level: 'error', message: `[console] ${crumb}`, breadcrumb: true }],
    });
    await engine.process({ input: withTrail('Failed to load avatar') });
    const report = await engine.process({ input: withTrail('Widget timeout in sidebar') });
    expect(report?.issue.count).toBe(2);
    expect(llm.requests).toHaveLength(1);
    expect(notifier.alerts).toHaveLength(1);
    // The LLM still reads them, as context.
    expect(llm.requests[0]?.prompt).toContain('Failed to load avatar');
    await engine.close();
  });

  it('should not be taken as analysed when the analysis of their event was reused', async () => {
    const engine = createEngine({ env: groqEnv(), notifiers: [] });
    const first = await engine.process({ input: withLines('pool exhausted') });
    await engine.setStatus(first!.issue.id, { status: 'resolved' });
    // The regression is answered from the cache, which never saw the new line.
    const regressed = await engine.process({ input: withLines('pool exhausted', 'acquire timed out') });
    expect(regressed?.result.meta.notes.join(' ')).toMatch(/reused/);
    expect(llm.requests).toHaveLength(1);
    expect((await engine.store.getIssue(first!.issue.id))?.analyzedLines).toEqual(['ERROR: pool exhausted']);
    await engine.process({ input: withLines('pool exhausted', 'acquire timed out') });
    expect(llm.requests).toHaveLength(2);
    expect(llm.requests[1]?.prompt).toContain('acquire timed out');
    await engine.close();
  });
});

describe('a snooze that runs out', () => {
  // Keyed by the hour, its alert was dropped when the alert before it went out in the same hour.
  it('should alert even in the hour of the alert before it', async () => {
    const notifier = createMemoryNotifier();
    let clock = Date.UTC(2026, 0, 5, 10, 1);
    const engine = createEngine({ env: {}, notifiers: [notifier], now: () => clock });
    const first = await engine.process({ input: withLines('pool exhausted') });
    clock += 2 * 60_000;
    await engine.setStatus(first!.issue.id, { status: 'ignored', snoozeForMs: 10 * 60_000 });
    clock += 15 * 60_000;
    const woken = await engine.process({ input: withLines('pool exhausted') });
    expect(woken?.issue.status).toBe('new');
    expect(kinds(notifier.alerts)).toEqual([
      String(Math.floor(Date.UTC(2026, 0, 5, 10) / HOUR)),
      'unsnoozed',
    ]);
    await engine.close();
  });
});

describe('a resolved issue an older release still reports', () => {
  const event = (release: string, timestamp?: number) => ({
    ...withLines('card declined'),
    release,
    timestamp,
  });

  // No branch for a resolved issue: each window analysed it again and alerted about a fixed issue.
  it('should be counted, not analysed or alerted on again, window after window', async () => {
    const notifier = createMemoryNotifier();
    const analyzer = countingAnalyzer();
    let clock = Date.now();
    const engine = createEngine({
      env: {},
      analyzer,
      notifiers: [notifier],
      now: () => clock,
      regressOnlyInNewerRelease: true,
    });
    const first = await engine.process({ input: event('1.0.0') });
    await engine.setStatus(first!.issue.id, { status: 'resolved', resolvedInRelease: '1.1.0' });
    for (let window = 0; window < 3; window++) {
      clock += HOUR + 1;
      await engine.process({ input: event('1.0.0') });
    }
    expect(await engine.store.getIssue(first!.issue.id)).toMatchObject({ status: 'resolved', count: 4 });
    expect(analyzer.calls).toBe(1);
    expect(notifier.alerts).toHaveLength(1);
    await engine.close();
  });

  it('should not escalate, however many events it gets', async () => {
    const notifier = createMemoryNotifier();
    // Five hours ago, so the events' times are kept as given.
    const start = (Math.floor(Date.now() / HOUR) - 5) * HOUR;
    let clock = start;
    const engine = createEngine({
      env: {},
      notifiers: [notifier],
      now: () => clock,
      regressOnlyInNewerRelease: true,
    });
    const first = await engine.process({ input: event('1.0.0', start - 2 * HOUR) });
    await engine.setStatus(first!.issue.id, { status: 'resolved', resolvedInRelease: '1.1.0' });
    for (let minute = 1; minute <= 30; minute++) {
      clock = start + minute * 61_000;
      await engine.process({ input: event('1.0.0', clock) });
    }
    expect((await engine.store.getIssue(first!.issue.id))?.status).toBe('resolved');
    expect(engine.stats().escalations).toBe(0);
    expect(notifier.alerts).toHaveLength(1);
    await engine.close();
  });
});
