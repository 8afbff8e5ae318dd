import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeEvent } from '@triage/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEngine } from '../pipeline/engine.js';
import { openSqlStore } from '../stores/sql/open-sql-store.js';
import { type FakeLlmServer, fakeAnalysis, startFakeLlmServer } from '../test/fake-llm-server.js';
import { createMemoryNotifier } from '../test/memory-notifier.js';
import { testDatabase } from '../test/postgres-database.js';
import { until } from '../test/until.js';
import { buildPrompt } from './build-prompt.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { SpendLedger } from './spend-ledger.js';

let llm: FakeLlmServer;
beforeAll(async () => {
  llm = await startFakeLlmServer();
});
afterAll(() => llm.close());
beforeEach(() => {
  llm.requests.length = 0;
  llm.reply(() => ({
    content: JSON.stringify(fakeAnalysis({ evidence: ['x'] })),
    usage: { prompt_tokens: 1_000, completion_tokens: 1_000 },
  }));
});

const env = () => ({ GROQ_API_KEY: 'gsk_k', TRIAGE_LLM_BASE_URL: llm.groqUrl });
const event = (handler: string, line = 'ERROR: Connection pool exhausted (10/10 connections active)') => ({
  source: { file: 'src/app.ts', function: handler },
  log: [line],
});

describe('LLM budgets', () => {
  it('should answer offline, with a note, once the daily budget is spent', async () => {
    // One call costs 1,000 × $0.11/M + 1,000 × $0.34/M = $0.00045.
    const engine = createEngine({ env: { ...env(), TRIAGE_LLM_DAILY_BUDGET_USD: '0.0004' }, notifiers: [] });
    const first = await engine.process({ input: event('A') });
    const second = await engine.process({ input: event('B', 'ERROR: connect ECONNREFUSED 127.0.0.1:5432') });
    expect(first?.result.meta.analyzer).toBe('llm');
    expect(second?.result.meta.analyzer).toBe('offline');
    expect(second?.result.meta.notes[0]).toBe(
      'over the daily LLM budget ($0.00045 of $0.0004 spent today): offline rules answered',
    );
    expect(llm.requests).toHaveLength(1);
    expect(engine.stats().spend).toMatchObject({ calls: 1, byHandler: { 'src/app.ts A': { calls: 1 } } });
    expect(engine.stats().spend.totalUsd).toBeCloseTo(0.00045, 10);
  });

  it('should hold each handler to its own daily budget', async () => {
    const engine = createEngine({
      env: { ...env(), TRIAGE_LLM_HANDLER_DAILY_BUDGET_USD: '0.0004' },
      notifiers: [],
    });
    await engine.process({ input: event('A') });
    const again = await engine.process({ input: event('A', 'ERROR: connect ECONNREFUSED 127.0.0.1:5432') });
    const other = await engine.process({ input: event('B', 'ERROR: connect ECONNREFUSED 127.0.0.1:5432') });
    expect(again?.result.meta.notes[0]).toMatch(/^over the daily LLM budget of handler "src\/app.ts A"/);
    expect(other?.result.meta.analyzer).toBe('llm');
  });

  // Each process counted its own spend from zero: every server instance, and every restart, had the
  // whole daily budget again.
  const postgres = testDatabase('triage_spend');
  it.each([
    ['SQLite', async () => join(mkdtempSync(join(tmpdir(), 'triage-spend-')), 'triage.db')],
    [
      'PostgreSQL',
      async () => {
        await postgres.create();
        return postgres.url;
      },
    ],
  ])(
    'should hold the daily budget across instances and restarts sharing a database, on %s',
    async (_name, url) => {
      const databaseUrl = await url();
      const instance = async () => {
        const store = await openSqlStore({ url: databaseUrl });
        const engine = createEngine({
          env: { ...env(), TRIAGE_LLM_DAILY_BUDGET_USD: '0.0008' },
          notifiers: [],
          store,
        });
        return { engine, store };
      };
      try {
        const [a, b] = [await instance(), await instance()];
        // $0.00045 a call: the first instance's call leaves $0.00035, the second's spends past the budget.
        expect((await a.engine.process({ input: event('A') }))?.result.meta.analyzer).toBe('llm');
        expect(
          (await b.engine.process({ input: event('B', 'ERROR: EADDRINUSE') }))?.result.meta.analyzer,
        ).toBe('llm');
        const third = await a.engine.process({
          input: event('C', 'ERROR: connect ECONNREFUSED 127.0.0.1:5432'),
        });
        expect(third?.result.meta.notes[0]).toBe(
          'over the daily LLM budget ($0.0009 of $0.0008 spent today): offline rules answered',
        );
        await a.engine.close();
        await b.engine.close();
        // A restart finds the day's spend where it was.
        const restarted = await instance();
        const fourth = await restarted.engine.process({ input: event('D', 'ERROR: ETIMEDOUT') });
        expect(fourth?.result.meta.analyzer).toBe('offline');
        const spend = await restarted.store.spendOn(new Date().toISOString().slice(0, 10));
        expect(spend).toMatchObject({
          calls: 2,
          byHandler: { 'src/app.ts A': { calls: 1 }, 'src/app.ts B': { calls: 1 } },
        });
        expect(spend.totalUsd).toBeCloseTo(0.0009, 10);
        expect(llm.requests).toHaveLength(2);
        await restarted.engine.close();
      } finally {
        if (databaseUrl.startsWith('postgres')) await postgres.drop();
      }
    },
  );

  it('should start a new day with a clean slate', async () => {
    let now = Date.parse('2026-01-01T23:59:00Z');
    const ledger = new SpendLedger({ dailyUsd: 1 }, () => now);
    const anEvent = normalizeEvent(event('A'));
    await ledger.record(anEvent, 1);
    expect(await ledger.check(anEvent)).toMatch(/over the daily LLM budget/);
    now = Date.parse('2026-01-02T00:00:01Z');
    expect(await ledger.check(anEvent)).toBeUndefined();
  });
});

describe('analysis cache', () => {
  it('should make a storm of one error cost one LLM call, even with no throttle window', async () => {
    const engine = createEngine({ env: env(), notifiers: [], throttleWindowMs: 0 });
    const results = [];
    // One after the other, so every event is analysed again (window 0) and meets the cache.
    for (let index = 0; index < 5; index++) results.push(await engine.process({ input: event('A') }));
    expect(llm.requests).toHaveLength(1);
    expect(engine.stats().analyzed).toBe(5);
    expect(results.map((report) => report?.result.meta.analyzer)).toEqual([
      'llm',
      'llm',
      'llm',
      'llm',
      'llm',
    ]);
    expect(
      results.filter((report) => report?.result.meta.notes.some((note) => note.startsWith('reused'))),
    ).toHaveLength(4);
    expect(engine.stats().spend.calls).toBe(1);
  });

  it('should let concurrent events of one issue share the analysis in flight', async () => {
    const engine = createEngine({ env: env(), notifiers: [], throttleWindowMs: 0 });
    const results = await Promise.all(Array.from({ length: 5 }, () => engine.process({ input: event('A') })));
    expect(llm.requests).toHaveLength(1);
    expect(results.filter((report) => report?.reused)).toHaveLength(4);
  });

  it('should record an event of an issue under analysis and resolve at once when told not to wait for it', async () => {
    let answer = () => {};
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    llm.reply(async () => {
      await answered;
      return { content: JSON.stringify(fakeAnalysis({ evidence: ['x'] })) };
    });
    const engine = createEngine({ env: env(), notifiers: [], throttleWindowMs: 0 });
    const first = engine.process({ input: event('A') });
    await until(() => llm.requests.length === 1, 5_000);
    // The LLM has not answered: the second event is counted and its process done all the same.
    expect(await engine.process({ input: event('A'), awaitAnalysisInFlight: false })).toBeUndefined();
    expect((await engine.store.listIssues())[0]?.count).toBe(2);
    answer();
    expect((await first)?.reused).toBe(false);
    expect(llm.requests).toHaveLength(1);
  });
});

describe('circuit breaker', () => {
  it('should stop calling after consecutive failures, then let one trial through after the cooldown', () => {
    let now = 0;
    const breaker = new CircuitBreaker(3, 1_000, () => now);
    for (let index = 0; index < 3; index++) {
      expect(breaker.check()).toBeUndefined();
      breaker.failure();
    }
    expect(breaker.check()).toMatch(/^LLM circuit open after 3 consecutive failures/);
    now = 1_001;
    expect(breaker.check()).toBeUndefined();
    expect(breaker.check()).toMatch(/circuit open/);
    breaker.success();
    expect(breaker.check()).toBeUndefined();
  });

  it('should answer offline while the circuit is open', async () => {
    // 400 is not retried by the client, so each failing analysis is one request.
    llm.reply(() => ({ status: 400 }));
    const engine = createEngine({ env: env(), notifiers: [], throttleWindowMs: 0, diagnostics: () => {} });
    for (let index = 0; index < 6; index++) {
      await engine.process({ input: event('A', `ERROR: distinct failure number ${'x'.repeat(index + 1)}`) });
    }
    const report = await engine.process({ input: event('A', 'ERROR: yet another failure') });
    expect(report?.result.meta.notes[0]).toMatch(/^LLM circuit open after 5 consecutive failures/);
    expect(llm.requests).toHaveLength(5);
  });
});

describe('dry run', () => {
  it('should print the prompt, call no LLM and alert nobody', async () => {
    const printed: string[] = [];
    const notifier = createMemoryNotifier();
    const engine = createEngine({
      env: { ...env(), TRIAGE_DRY_RUN: '1' },
      notifiers: [notifier],
      dryRunOutput: (text) => printed.push(text),
    });
    const report = await engine.process({ input: event('A') });
    expect(llm.requests).toHaveLength(0);
    expect(notifier.alerts).toHaveLength(0);
    expect(printed[0]).toMatch(/^--- triage dry run: prompt v1, \d+ tokens ---/);
    expect(printed[0]).toContain('ERROR: Connection pool exhausted (10/10 connections active)');
    expect(report?.result.meta.notes[0]).toMatch(
      /^dry run: the \d+-token prompt was printed, no LLM was called$/,
    );
  });
});

describe('an answer holding control characters', () => {
  // PostgreSQL refused the analysis (`invalid byte sequence for encoding "UTF8": 0x00`) and the issue kept
  // none; on a terminal (the console email, `triage diagnose`) the escape sequences acted.
  const postgres = testDatabase('triage_control_answer');
  beforeAll(postgres.create);
  afterAll(postgres.drop);

  it('should keep the analysis, on PostgreSQL, without the control characters', async () => {
    llm.reply(() => ({
      content: JSON.stringify(
        fakeAnalysis({
          title: 'Pool\u0000 exhausted\u001b[2J',
          rootCause:
            'All ten \u001b]8;;http://evil.example\u0007connections\u001b]8;;\u0007 were in use\u009b31m.',
          evidence: ['ERROR: Connection pool exhausted (10/10 connections active)\u0007'],
        }),
      ),
    }));
    const failures: string[] = [];
    const store = await openSqlStore({ url: postgres.url });
    const engine = createEngine({
      env: env(),
      notifiers: [],
      store,
      diagnostics: (line) => failures.push(line),
    });
    const report = await engine.process({ input: event('Control') });
    expect(failures).toEqual([]);
    const stored = (await store.getIssue(report!.issue.id))?.analysisResult?.analysis;
    expect(stored).toMatchObject({
      title: 'Pool exhausted[2J',
      rootCause: 'All ten ]8;;http://evil.exampleconnections]8;; were in use31m.',
      evidence: ['ERROR: Connection pool exhausted (10/10 connections active)'],
    });
    expect(report?.result.markdown).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    await engine.close();
  });
});

describe('buildPrompt', () => {
  it('should keep the whole prompt within the token budget, keeping the error', async () => {
    const lines = Array.from(
      { length: 2_000 },
      (_, index) => `INFO request ${index} served by worker-${index % 9} in ${index}ms`,
    );
    lines.splice(1_000, 0, 'ERROR: deadlock detected');
    const built = await buildPrompt(normalizeEvent(lines), { maxPromptTokens: 1_200 });
    expect(built.tokens).toBeLessThanOrEqual(1_200);
    expect(built.prompt).toContain('ERROR: ERROR: deadlock detected');
    expect(built.omitted.some((note) => note.includes('over the'))).toBe(true);
  });
});
