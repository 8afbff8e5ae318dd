import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintEvent, normalizeEvent, type RoutingPolicy } from '@triage/core';
import { describe, expect, it } from 'vitest';
import { createFallbackAnalyzer } from '../analyzers/fallback-analyzer.js';
import { createLlmAnalyzer } from '../analyzers/llm-analyzer.js';
import type { LlmConfig } from '../config/llm-config.js';
import { ConfigError } from '../errors/config-error.js';
import { createConsoleEmailNotifier } from '../notifiers/console-email-notifier.js';
import { createSlackNotifier } from '../notifiers/slack-notifier.js';
import { createSmtpNotifier } from '../notifiers/smtp-notifier.js';
import type { IssueStore } from '../ports/issue-store.js';
import { MemoryStore } from '../stores/memory-store.js';
import { openSqlStore } from '../stores/sql/open-sql-store.js';
import { fakeAnalysis } from '../test/fake-llm-server.js';
import { createMemoryNotifier } from '../test/memory-notifier.js';
import { until } from '../test/until.js';
import { useFakeLlmServer } from '../test/use-fake-llm-server.js';
import { createEngine } from './engine.js';
import type { AnalysisReport } from './engine-types.js';

const poolEvent = (userId = 999) => ({
  source: { file: 'src/main.ts', function: 'ProtectedHandler' },
  priority: 'P1',
  log: [
    'INFO: Request from 10.0.0.1',
    `ERROR: Database connection timeout when fetching user_id=${userId} for jane@example.com`,
    'ERROR: Connection pool exhausted (10/10 connections active)',
  ],
});

/** `store` as another process sees it, its claims to analyse made by `claim` (a slow pool, say). */
function withClaims(store: MemoryStore, claim: MemoryStore['claimAnalysis']): MemoryStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'claimAnalysis') return claim;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const llm = useFakeLlmServer((request) => ({
  content: JSON.stringify(
    fakeAnalysis({ evidence: ['ERROR: Connection pool exhausted (10/10 connections active)'] }),
  ),
  usage: { prompt_tokens: request.prompt.length > 0 ? 812 : 0, completion_tokens: 240 },
}));

const groqEnv = () => ({ GROQ_API_KEY: 'gsk_test_key_123', TRIAGE_LLM_BASE_URL: llm.groqUrl });

describe('Engine with an LLM (Groq wire format, local server)', () => {
  it('should redact, analyse once through the real client, alert, then track', async () => {
    const notifier = createMemoryNotifier();
    const reports: AnalysisReport[] = [];
    const engine = createEngine({
      env: groqEnv(),
      notifiers: [notifier],
      onAnalysis: (report) => void reports.push(report),
    });
    expect(engine.submit({ input: poolEvent() })).toBe(true);
    expect(await engine.flush(10_000)).toBe(true);

    expect(llm.requests).toHaveLength(1);
    const [request] = llm.requests;
    expect(request?.path).toBe('/openai/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer gsk_test_key_123');
    expect(request?.body.model).toBe('meta-llama/llama-4-scout-17b-16e-instruct');
    expect(request?.prompt).toContain('ERROR: Connection pool exhausted (10/10 connections active)');
    expect(request?.prompt).toContain('[email]');
    expect(request?.prompt).not.toContain('jane@example.com');

    expect(notifier.alerts).toHaveLength(1);
    expect(reports).toHaveLength(1);
    const { result, issue } = reports[0]!;
    expect(result.meta).toMatchObject({
      analyzer: 'llm',
      provider: 'groq',
      promptVersion: 'v2',
      tokensIn: 812,
      tokensOut: 240,
    });
    expect(result.meta.costUsd).toBeCloseTo((812 * 0.11 + 240 * 0.34) / 1e6, 12);
    expect(issue).toMatchObject({
      title: 'Database connection pool exhausted',
      status: 'new',
      source: 'llm-self-analysis',
    });
    expect(issue.description).toContain('**LLM Analysis:**');
    const stored = await engine.store.listIssues();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.analysisResult?.analysis.category).toBe('resource_exhausted');
  });

  it('should analyse and alert once per fingerprint per window, still counting every event', async () => {
    const notifier = createMemoryNotifier();
    const reports: AnalysisReport[] = [];
    const engine = createEngine({ env: groqEnv(), notifiers: [notifier] });
    for (const userId of [999, 1000, 1001]) {
      engine.submit({ input: poolEvent(userId), onAnalysis: (report) => void reports.push(report) });
    }
    await engine.flush(10_000);
    expect(llm.requests).toHaveLength(1);
    expect(notifier.alerts).toHaveLength(1);
    expect(reports.map((report) => report.reused)).toEqual([false, true, true]);
    const [issue] = await engine.store.listIssues();
    expect(issue?.count).toBe(3);
    expect(engine.stats()).toMatchObject({
      accepted: 3,
      processed: 3,
      analyzed: 1,
      throttled: 2,
      alerted: 1,
    });
  });

  // The analysis cache (24 h by default) answered a re-analysis with the analysis it was asked to redo.
  it('should make a new analysis when one is asked for again, and keep it', async () => {
    const engine = createEngine({ env: groqEnv(), notifiers: [] });
    const first = await engine.process({ input: poolEvent() });
    expect(llm.requests).toHaveLength(1);
    llm.reply(() => ({
      content: JSON.stringify(
        fakeAnalysis({
          title: 'Pool too small for the burst',
          evidence: ['ERROR: Connection pool exhausted (10/10 connections active)'],
        }),
      ),
    }));
    const again = await engine.reanalyze(first!.issue.id);
    expect(llm.requests).toHaveLength(2);
    expect(again?.title).toBe('Pool too small for the burst');
    expect(again?.analysisResult?.meta.notes.join(' ')).not.toMatch(/reused/);
    // Events after it reuse the new analysis, not the old one.
    const later = await engine.process({ input: poolEvent(7) });
    expect(llm.requests).toHaveLength(2);
    expect(later?.issue.title).toBe('Pool too small for the burst');
    await engine.close();
  });

  it('should keep the error lines analysed before a re-analysis, so an event carrying one is not new', async () => {
    const engine = createEngine({ env: groqEnv(), notifiers: [] });
    const withLine = (line: string) => ({ fingerprint: ['checkout-pool'], log: [`ERROR: ${line}`] });
    const first = await engine.process({ input: withLine('pool exhausted') });
    expect((await engine.process({ input: withLine('acquire timed out') }))?.reused).toBe(false);
    // Made from the latest event, whose only error line is the second.
    const reanalysed = await engine.reanalyze(first!.issue.id);
    expect(reanalysed?.analyzedLines).toEqual(['ERROR: pool exhausted', 'ERROR: acquire timed out']);
    const again = await engine.process({ input: withLine('pool exhausted') });
    expect(again?.reused).toBe(true);
    await engine.close();
  });

  it('should keep no username, even of an event given as redacted', async () => {
    const engine = createEngine({ env: {}, notifiers: [] });
    const report = await engine.process({
      input: { log: ['ERROR: Connection pool exhausted'], user: { username: 'Grace Hopper' } },
      redacted: true,
    });
    const [stored] = await engine.store.recentEvents(report!.issue.id, 1);
    expect(JSON.stringify(stored)).not.toContain('Grace Hopper');
    await engine.close();
  });

  // Each press of the button was an LLM call of its own.
  it('should make one new analysis for re-analyses asked for before it was made, and another for one asked after it', async () => {
    const engine = createEngine({ env: groqEnv(), notifiers: [] });
    const first = await engine.process({ input: poolEvent() });
    expect(llm.requests).toHaveLength(1);
    const issueId = first!.issue.id;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const askedAt = Date.now();
    await engine.reanalyze(issueId, askedAt);
    expect(llm.requests).toHaveLength(2);
    // Asked at the same time (a second press, queued behind the first): answered by the first.
    await engine.reanalyze(issueId, askedAt);
    await Promise.all([engine.reanalyze(issueId, askedAt), engine.reanalyze(issueId, askedAt)]);
    expect(llm.requests).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await engine.reanalyze(issueId, Date.now());
    expect(llm.requests).toHaveLength(3);
    await engine.close();
  });

  // Saved after the press, a cached analysis (an event of the issue, answered from the cache) made the
  // re-analysis a person asked for look done.
  it('should not take an analysis reused from the cache for the new one asked for', async () => {
    const engine = createEngine({ env: groqEnv(), notifiers: [] });
    const first = await engine.process({ input: poolEvent() });
    expect(llm.requests).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const askedAt = Date.now();
    await engine.setStatus(first!.issue.id, { status: 'resolved' });
    const regressed = await engine.process({ input: poolEvent(8) });
    expect(regressed?.issue.status).toBe('regressed');
    expect(llm.requests).toHaveLength(1);
    await engine.reanalyze(first!.issue.id, askedAt);
    expect(llm.requests).toHaveLength(2);
    await engine.close();
  });

  it('should not analyse again an issue another process analysed between this one reading and claiming it', async () => {
    const store = new MemoryStore();
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    // The second process's claim is slow (it waits for a pool connection, say).
    const slowClaims = withClaims(store, async (...args) => {
      await gate;
      return store.claimAnalysis(...args);
    });
    const first = createEngine({ env: groqEnv(), notifiers: [], store });
    const second = createEngine({ env: groqEnv(), notifiers: [], store: slowClaims });
    const late = second.process({ input: poolEvent() });
    expect(await until(async () => (await store.listIssues()).length === 1)).toBe(true);
    await first.process({ input: poolEvent(5) });
    expect(llm.requests).toHaveLength(1);
    openGate();
    await late;
    expect(llm.requests).toHaveLength(1);
    expect(second.stats()).toMatchObject({ analyzed: 0, throttled: 1 });
    await Promise.all([first.close(), second.close()]);
  });

  it('should hold its claim on an analysis that outlasts the lease, so no other process analyses the issue', async () => {
    llm.reply(() => ({ content: JSON.stringify(fakeAnalysis()), delayMs: 800 }));
    const store = new MemoryStore();
    const open = () => createEngine({ env: groqEnv(), notifiers: [], store, analysisLeaseMs: 200 });
    const [first, second] = [open(), open()];
    const slow = first.process({ input: poolEvent() });
    expect(await until(() => llm.requests.length === 1)).toBe(true);
    // Past the lease, while the first analysis still runs.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await second.process({ input: poolEvent(5) });
    await slow;
    expect(llm.requests).toHaveLength(1);
    expect(second.stats()).toMatchObject({ analyzed: 0, throttled: 1 });
    await Promise.all([first.close(), second.close()]);
  });

  it('should give its claim back for good, after a renewal still on its way', async () => {
    llm.reply(() => ({ content: JSON.stringify(fakeAnalysis()), delayMs: 300 }));
    const store = new MemoryStore();
    const renewals = { started: 0, done: 0 };
    // Renewals (a claim without the issue as read) answer late, as from a busy pool.
    const slowRenewals = withClaims(store, async (...args) => {
      if (args[4] !== undefined) return store.claimAnalysis(...args);
      renewals.started++;
      await new Promise((resolve) => setTimeout(resolve, 250));
      const held = await store.claimAnalysis(...args);
      renewals.done++;
      return held;
    });
    const engine = createEngine({ env: groqEnv(), notifiers: [], store: slowRenewals, analysisLeaseMs: 400 });
    const report = await engine.process({ input: poolEvent() });
    expect(renewals.started).toBeGreaterThan(0);
    expect(await until(() => renewals.done === renewals.started)).toBe(true);
    // Free for another process's analysis.
    expect(await store.claimAnalysis(report!.issue.id, Date.now(), 400, 'another')).toBe(true);
    await engine.close();
  });

  it('should refuse a claim lease so short that renewing it would be a query a millisecond', () => {
    expect(() => createEngine({ env: {}, notifiers: [], analysisLeaseMs: 0 })).toThrow(
      'analysisLeaseMs must be at least 100 ms, got 0',
    );
  });

  it('should reuse the LLM analysis another process sharing the store made, while it is fresh', async () => {
    const url = join(mkdtempSync(join(tmpdir(), 'triage-shared-analysis-')), 'triage.db');
    // Two processes on one database: each has its own analysis cache.
    const open = async (env: Record<string, string | undefined>) =>
      createEngine({ env, notifiers: [], store: await openSqlStore({ url }) });
    const first = await open(groqEnv());
    const second = await open(groqEnv());
    const made = await first.process({ input: poolEvent() });
    expect(llm.requests).toHaveLength(1);
    const madeAt = made?.result.meta.madeAt;
    expect(madeAt).toBeGreaterThan(0);
    // A regression reaches the other process: it answers with the stored analysis, at no cost.
    await first.store.setStatus(made!.issue.id, { status: 'resolved' });
    const regressed = await second.process({ input: poolEvent(5) });
    expect(llm.requests).toHaveLength(1);
    expect(regressed?.reused).toBe(false);
    expect(regressed?.result.meta).toMatchObject({ analyzer: 'llm', costUsd: 0, madeAt });
    expect(regressed?.result.meta.notes.filter((note) => /reused/.test(note))).toHaveLength(1);
    // A copy of that copy, back in the first process, says so once and keeps the first's time.
    await second.store.setStatus(made!.issue.id, { status: 'resolved' });
    const again = await first.process({ input: poolEvent(6) });
    expect(llm.requests).toHaveLength(1);
    expect(again?.result.meta.madeAt).toBe(madeAt);
    expect(again?.result.meta.notes.filter((note) => /reused/.test(note))).toHaveLength(1);
    await Promise.all([first.close(), second.close()]);

    // A process whose cache keeps analyses for less time than the stored one has lived asks again.
    const shortLived = await open({ ...groqEnv(), TRIAGE_LLM_CACHE_TTL_MS: '1' });
    await shortLived.store.setStatus(made!.issue.id, { status: 'resolved' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const expired = await shortLived.process({ input: poolEvent(7) });
    expect(llm.requests).toHaveLength(2);
    expect(expired?.result.meta.notes.join(' ')).not.toMatch(/reused/);
    await shortLived.close();
  });

  it('should ask the LLM about an issue whose stored analysis came from the offline rules', async () => {
    const url = join(mkdtempSync(join(tmpdir(), 'triage-offline-first-')), 'triage.db');
    const offline = createEngine({ env: {}, notifiers: [], store: await openSqlStore({ url }) });
    const made = await offline.process({ input: poolEvent() });
    expect(made?.result.meta.analyzer).toBe('offline');
    await offline.store.setStatus(made!.issue.id, { status: 'resolved' });
    await offline.close();
    const withLlm = createEngine({ env: groqEnv(), notifiers: [], store: await openSqlStore({ url }) });
    const regressed = await withLlm.process({ input: poolEvent(5) });
    expect(llm.requests).toHaveLength(1);
    expect(regressed?.result.meta.analyzer).toBe('llm');
    await withLlm.close();
  });

  it('should count a delivery processed twice once (a server job run again after a crash)', async () => {
    const notifier = createMemoryNotifier();
    const engine = createEngine({ env: groqEnv(), notifiers: [notifier] });
    const first = await engine.process({ input: poolEvent(), delivery: 'job-1' });
    const again = await engine.process({ input: poolEvent(), delivery: 'job-1' });
    await engine.process({ input: poolEvent(1000), delivery: 'job-2' });
    await engine.flush(10_000);
    expect(first?.issue.count).toBe(1);
    expect(again?.issue.count).toBe(1);
    const [issue] = await engine.store.listIssues();
    expect(issue?.count).toBe(2);
    expect(llm.requests).toHaveLength(1);
    expect(notifier.alerts).toHaveLength(1);
  });

  it('should ask once more when the answer fails validation, then accept the repair', async () => {
    llm.reply((_request, index) =>
      index === 0
        ? { content: 'The database pool is exhausted. Increase it.' }
        : { content: JSON.stringify(fakeAnalysis({ evidence: ['ERROR: Connection pool exhausted'] })) },
    );
    const engine = createEngine({ env: groqEnv(), notifiers: [] });
    const report = await engine.process({ input: poolEvent() });
    expect(llm.requests).toHaveLength(2);
    expect(llm.requests[1]?.prompt).toMatch(/That answer is not valid/);
    expect(report?.result.meta.analyzer).toBe('llm');
    expect(report?.result.meta.notes[0]).toMatch(/first answer failed validation/);
  });

  // A verbatim quote of long log lines failed the schema: asked again, the model quoted them again, and
  // two paid calls ended in the offline analysis. (The quote is of the log the model was given: one it
  // was not given is dropped.)
  it('should take an answer whose quote is longer than the schema allows, cut, with a note', async () => {
    const longLine = (i: number) =>
      `ERROR: Connection pool exhausted (${i}) ${'(10/10 connections active) '.repeat(14)}`;
    let quote = '';
    llm.reply((request) => {
      quote = /\nLOG:\n([\s\S]*?)\nDATA>>>/.exec(request.prompt)?.[1] ?? '';
      return { content: JSON.stringify(fakeAnalysis({ evidence: [quote] })) };
    });
    const engine = createEngine({ env: groqEnv(), notifiers: [] });
    const report = await engine.process({ input: { ...poolEvent(), log: [1, 2, 3, 4].map(longLine) } });
    expect(llm.requests).toHaveLength(1);
    expect(quote.length).toBeGreaterThan(1_000);
    expect(report?.result.meta.analyzer).toBe('llm');
    expect(report?.result.analysis.evidence[0]).toBe(`${quote.slice(0, 999)}…`);
    expect(report?.result.meta.notes).toContain("cut to the schema's lengths: evidence.0");
  });

  it('should fall back to the offline rules, with a note, when the model keeps answering prose', async () => {
    llm.reply(() => ({ content: 'I think it is the database.' }));
    const diagnostics: string[] = [];
    const engine = createEngine({
      env: groqEnv(),
      notifiers: [],
      diagnostics: (line) => diagnostics.push(line),
    });
    const report = await engine.process({ input: poolEvent() });
    expect(llm.requests).toHaveLength(2);
    expect(report?.result.meta.analyzer).toBe('offline');
    expect(report?.result.meta.notes[0]).toMatch(
      /^LLM analysis failed \(the model's answer failed validation twice/,
    );
    expect(engine.stats().failures.llm).toBe(1);
    expect(diagnostics).toHaveLength(1);
  });

  it('should retry a 429 as Retry-After says', async () => {
    llm.reply((_request, index) =>
      index === 0
        ? { status: 429, headers: { 'retry-after': '0' } }
        : { content: JSON.stringify(fakeAnalysis({ evidence: ['x'] })) },
    );
    const engine = createEngine({ env: groqEnv(), notifiers: [] });
    const report = await engine.process({ input: poolEvent() });
    expect(llm.requests).toHaveLength(2);
    expect(report?.result.meta.analyzer).toBe('llm');
  });

  it('should fall back to the offline rules when the LLM times out', async () => {
    llm.reply(() => ({ delayMs: 2_000, content: '{}' }));
    const config: LlmConfig = { provider: 'groq', model: 'm', apiKey: 'k', baseURL: llm.groqUrl };
    const failures: unknown[] = [];
    const analyzer = createFallbackAnalyzer({
      llm: () => createLlmAnalyzer({ config: () => config, timeoutMs: 100, maxRetries: 0 }),
      onFailure: (error) => failures.push(error),
    });
    const engine = createEngine({ analyzer, notifiers: [] });
    const report = await engine.process({ input: poolEvent() });
    expect(report?.result.meta.analyzer).toBe('offline');
    expect(report?.result.analysis.category).toBe('resource_exhausted');
    expect(failures).toHaveLength(1);
  });
});

describe('Engine without an LLM', () => {
  it('should diagnose with the offline rules and say so', async () => {
    const engine = createEngine({ env: {}, notifiers: [] });
    const report = await engine.process({ input: poolEvent() });
    expect(report?.result.meta.analyzer).toBe('offline');
    expect(report?.result.meta.notes).toContain('no LLM configured: offline rules answered');
    expect(report?.result.markdown).toContain("Analyzed by Triage's offline rules");
    expect(report?.issue.source).toBe('offline-rules');
  });

  it('should keep one error of two projects apart, each issue in its own project', async () => {
    const engine = createEngine({ env: {}, notifiers: [] });
    const inProject = (project?: string) =>
      engine.process({
        input: { ...poolEvent(), ...(project ? { tags: { 'triage.project': project } } : {}) },
      });
    const [one, two, again, none] = [
      await inProject('1'),
      await inProject('2'),
      await inProject('2'),
      await inProject(),
    ];
    expect(one?.issue).toMatchObject({ projectId: '1', count: 1 });
    expect(two?.issue).toMatchObject({ projectId: '2', count: 1 });
    expect(two?.issue.id).not.toBe(one?.issue.id);
    expect(again?.issue).toMatchObject({ id: two?.issue.id, count: 2 });
    // In process (no project): the event's own fingerprint, as `triage fingerprint` prints it.
    expect(none?.issue.fingerprint).toBe(fingerprintEvent(normalizeEvent(poolEvent())).fingerprint);
    await engine.close();
  });

  // Redaction makes every email "[email]": users known by email counted as one.
  it('should count users known by email apart, storing none of their emails', async () => {
    const engine = createEngine({ env: {}, notifiers: [], userKeySecret: 'k' });
    for (const user of [
      { email: 'alice@example.com' },
      { email: 'bob@example.com' },
      { email: 'alice@example.com' },
    ])
      await engine.process({ input: { ...poolEvent(), user } });
    const [issue] = await engine.store.listIssues();
    expect(issue).toMatchObject({ count: 3, usersAffected: 2 });
    const events = await engine.store.recentEvents(issue!.id, 10);
    expect(JSON.stringify(events)).not.toContain('@example.com');
  });

  // With a random key per engine, a user counted again after every restart.
  it('should key the pseudonyms with the key a SQL store keeps, so a restart counts a user once', async () => {
    const url = join(mkdtempSync(join(tmpdir(), 'triage-users-')), 'triage.db');
    const run = async (email: string) => {
      const engine = createEngine({ env: {}, notifiers: [], store: await openSqlStore({ url }) });
      await engine.process({ input: { ...poolEvent(), user: { email } } });
      const [issue] = await engine.store.listIssues();
      await engine.close();
      return issue?.usersAffected;
    };
    expect(await run('alice@example.com')).toBe(1);
    expect(await run('alice@example.com')).toBe(1);
    expect(await run('bob@example.com')).toBe(2);
  });

  it('should still track when the alert fails, and still alert when the store fails', async () => {
    const diagnostics: string[] = [];
    const failing = createMemoryNotifier({ fail: true });
    const engine = createEngine({
      env: {},
      notifiers: [failing],
      diagnostics: (line) => diagnostics.push(line),
    });
    await engine.process({ input: poolEvent() });
    expect((await engine.store.listIssues())[0]?.analysis).toContain('## Root Cause');
    expect(engine.stats().failures['alert:memory']).toBe(1);

    const brokenStore: IssueStore = Object.assign(new MemoryStore(), {
      recordEvent: () => Promise.reject(new Error('disk full')),
      saveAnalysis: () => Promise.reject(new Error('disk full')),
    });
    const notifier = createMemoryNotifier();
    const engine2 = createEngine({
      env: {},
      notifiers: [notifier],
      store: brokenStore,
      diagnostics: (line) => diagnostics.push(line),
    });
    await engine2.process({ input: poolEvent() });
    expect(notifier.alerts).toHaveLength(1);
    expect(engine2.stats().failures).toMatchObject({ record: 1, track: 1 });

    // A durable delivery is retried by its queue instead: no alert for an event not recorded.
    await expect(engine2.process({ input: poolEvent(), delivery: '7' })).rejects.toThrow(
      'recording the event failed: disk full',
    );
    expect(notifier.alerts).toHaveLength(1);
    expect(engine2.stats().failures).toMatchObject({ record: 1, track: 1 });
  });

  it('should count and log once a callback that throws, and carry on', async () => {
    const diagnostics: string[] = [];
    const engine = createEngine({
      env: {},
      notifiers: [],
      throttleWindowMs: 0,
      diagnostics: (line) => diagnostics.push(line),
      onAnalysis: () => {
        throw new Error('callback bug');
      },
    });
    engine.submit({ input: poolEvent() });
    engine.submit({ input: { log: ['ERROR: deadlock detected'] } });
    await engine.flush();
    expect(engine.stats().failures['onAnalysis callback']).toBe(2);
    expect(diagnostics).toEqual([
      '[triage] onAnalysis callback failed: callback bug (1 so far; the pipeline carries on)',
    ]);
  });

  it('should not hold later events of an issue behind a callback that never returns', async () => {
    const engine = createEngine({ env: {}, notifiers: [], diagnostics: () => {} });
    const hung = engine.process({ input: poolEvent(), onAnalysis: () => new Promise(() => {}) });
    const later = await engine.process({ input: poolEvent() });
    expect(later).toMatchObject({ reused: true, issue: { count: 2 } });
    expect(later?.result.analysis.category).toBe('resource_exhausted');
    // The first event's own process() still waits for its callback; nothing else does.
    const settled = await Promise.race([hung.then(() => 'settled'), Promise.resolve('pending')]);
    expect(settled).toBe('pending');
  });

  it('should drop and count input that is not an event', async () => {
    const engine = createEngine({ env: {}, notifiers: [], diagnostics: () => {} });
    engine.submit({ input: 42 });
    engine.submit({ input: () => JSON.parse('{oops') });
    await engine.flush();
    expect(engine.stats().failures).toMatchObject({ 'dropped:invalid-event': 1, normalize: 2 });
  });

  it('should call onSettled once a submission is done with, whatever came of it, and not before', async () => {
    const engine = createEngine({ env: {}, notifiers: [], diagnostics: () => {} });
    const settled: string[] = [];
    // What had settled when the pool event's analysis ran (an expect in the callback would be caught
    // and counted by the engine, not fail the test).
    let settledAtAnalysis: string[] | undefined;
    engine.submit({
      input: poolEvent(),
      onAnalysis: () => {
        settledAtAnalysis = [...settled];
      },
      onSettled: () => settled.push('pool'),
    });
    engine.submit({ input: 42, onSettled: () => settled.push('invalid') });
    engine.submit({
      input: poolEvent(),
      onSettled: () => {
        throw new Error('settled bug');
      },
    });
    expect(settled).toEqual([]);
    await engine.flush();
    expect(settledAtAnalysis).toBeDefined();
    expect(settledAtAnalysis).not.toContain('pool');
    expect(settled.sort()).toEqual(['invalid', 'pool']);
    expect(engine.stats().failures['settled callback']).toBe(1);
  });

  it('should settle a submission a full queue pushes out, unanalysed, at once', async () => {
    const engine = createEngine({
      env: {},
      notifiers: [],
      maxPending: 1,
      concurrency: 1,
      diagnostics: () => {},
    });
    const settled: number[] = [];
    const analysed: number[] = [];
    for (let index = 0; index < 3; index++)
      engine.submit({
        input: poolEvent(index),
        onAnalysis: () => void analysed.push(index),
        onSettled: () => void settled.push(index),
      });
    // Nothing has run yet (the queue starts on a later tick): each one pushed the one before out.
    expect(settled).toEqual([0, 1]);
    await engine.flush();
    expect(settled).toEqual([0, 1, 2]);
    expect(analysed).toEqual([2]);
    expect(engine.stats().failures['dropped:queue-full']).toBe(2);
  });

  it('should drop the oldest event when the queue is full, and count it', async () => {
    const engine = createEngine({ env: {}, notifiers: [], maxPending: 2, concurrency: 1 });
    for (let index = 0; index < 5; index++) engine.submit({ input: poolEvent(index) });
    await engine.flush();
    expect(engine.stats()).toMatchObject({ accepted: 5, processed: 2 });
    expect(engine.stats().failures['dropped:queue-full']).toBe(3);
  });

  it('should refuse events after close, and close only once', async () => {
    const engine = createEngine({ env: {}, notifiers: [], store: new MemoryStore() });
    expect(await engine.close()).toBe(true);
    expect(await engine.close()).toBe(true);
    expect(engine.submit({ input: poolEvent() })).toBe(false);
    expect(engine.stats().failures['dropped:closed']).toBe(1);
  });

  // Unchecked, routing given in code made every alert throw (counted as failures, nothing sent).
  it('should refuse routing given in code that the config file would refuse, as a ConfigError', () => {
    const quietHours = (start: string, timeZone = 'Europe/Paris') => ({
      rules: [{ channels: ['slack' as const] }],
      quietHours: { start, end: '22:00', timeZone },
    });
    const refusal = (routing: unknown) => {
      try {
        void createEngine({ env: {}, notifiers: [], routing: routing as RoutingPolicy }).close();
      } catch (error) {
        return ConfigError.isInstance(error) ? error.message : `not a ConfigError: ${error}`;
      }
      return undefined;
    };
    expect(refusal(quietHours('7:00'))).toBe('routing.quietHours.start: must be HH:MM');
    expect(refusal(quietHours('07:00', 'Mars/Olympus'))).toBe(
      'routing.quietHours.timeZone: unknown time zone "Mars/Olympus"',
    );
    expect(refusal({ rules: [{ channels: ['sms'] }] })).toMatch(
      /^routing\.rules\.0\.channels\.0: unknown channel "sms"/,
    );
    expect(refusal(quietHours('07:00'))).toBeUndefined();
  });

  // The last one given took every alert of its channel, without a word.
  it('should refuse two notifiers for one channel, naming it', async () => {
    const slack = (url: string) => createSlackNotifier({ webhookUrl: url });
    expect(() =>
      createEngine({
        env: {},
        notifiers: [
          slack('https://hooks.slack.com/services/T/B/A'),
          slack('https://hooks.slack.com/services/T/B/B'),
        ],
      }),
    ).toThrow(/two notifiers for the slack channel/);
    const email = createSmtpNotifier({
      url: 'smtp://127.0.0.1:2525',
      to: ['a@example.com'],
      from: 'b@example.com',
    });
    expect(() =>
      createEngine({ env: {}, notifiers: [email, createConsoleEmailNotifier({ to: 'a@example.com' })] }),
    ).toThrow(ConfigError);
    // Every channel configured from the environment: one notifier each.
    const engine = createEngine({
      env: {
        TRIAGE_SMTP_URL: 'smtp://127.0.0.1:2525',
        TRIAGE_ALERT_TO: 'oncall@example.com',
        TRIAGE_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/A',
        TRIAGE_PAGERDUTY_ROUTING_KEY: 'R'.repeat(32),
        TRIAGE_WEBHOOK_URL: 'https://hooks.example.com/triage',
        TRIAGE_WEBHOOK_SECRET: 's3cret',
      },
    });
    expect(engine.stats().alerted).toBe(0);
    await engine.close();
  });

  it('should fail fast on a bad LLM configuration', () => {
    expect(() => createEngine({ env: { TRIAGE_LLM_PROVIDER: 'skynet' }, notifiers: [] })).toThrow(
      /TRIAGE_LLM_PROVIDER/,
    );
  });

  it('should trust redacted: true (the server redacts at ingest) and redact everything else', async () => {
    const engine = createEngine({ env: {}, notifiers: [] });
    const line = 'ERROR: login failed for jane@example.com';
    const plain = await engine.process({ input: { log: [line] } });
    expect(plain?.event.log[0]?.message).toBe('ERROR: login failed for [email]');
    const trusted = await engine.process({
      input: { log: ['ERROR: login failed for [email]'] },
      redacted: true,
    });
    expect(trusted?.event.log[0]?.message).toBe('ERROR: login failed for [email]');
  });
});
