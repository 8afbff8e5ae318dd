import type { AnalysisReport } from '@triage/engine';
import { describe, expect, it } from 'vitest';
import { runModule } from './__fixtures__/run-module.js';
import { createTriage, type TriageOptions } from './triage.js';

function setup(options: TriageOptions = {}) {
  const summaries: string[] = [];
  const diagnostics: string[] = [];
  const reports: AnalysisReport[] = [];
  const triage = createTriage({
    summary: (line) => summaries.push(line),
    diagnostics: (line) => diagnostics.push(line),
    onAnalysis: (report) => void reports.push(report),
    engine: { env: {}, notifiers: [] },
    ...options,
  });
  return { triage, summaries, diagnostics, reports };
}

describe('Triage client', () => {
  it('should print one summary line per scope and analyse only scopes with errors', async () => {
    const { triage, summaries, reports } = setup();
    const ok = triage.scope({ file: 'src/api/widget_chat.ts', func: 'HandleWidgetChat' });
    ok.info('fine');
    ok.end();
    const failing = triage.scope({ file: 'src/api/widget_chat.ts', func: 'HandleWidgetChat' });
    failing.error('Widget agent not found for domain: example.com');
    failing.end();
    expect(await triage.flush()).toBe(true);
    expect(summaries).toHaveLength(2);
    expect(summaries[0]).toMatch(
      /^\[triage\] src\/api\/widget_chat\.ts HandleWidgetChat completed in [\d.]+ms \(errors=false\)$/,
    );
    expect(summaries[1]).toMatch(/\(errors=true\)$/);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.event.source).toEqual({
      file: 'src/api/widget_chat.ts',
      function: 'HandleWidgetChat',
    });
  });

  // Errors whose getters throw (a lazy message, a stack behind a proxy) made normalization fail, and
  // the scope's event was dropped with "normalize failed".
  it('should analyse a scope whose error has getters that throw', async () => {
    class LazyError extends Error {
      override get message(): string {
        throw new Error('message getter');
      }
    }
    const { triage, reports, diagnostics } = setup();
    const scope = triage.scope({ func: 'Lazy' });
    scope.error('charge failed: %s', new LazyError());
    scope.capture(new LazyError());
    scope.end();
    expect(await triage.flush()).toBe(true);
    expect(diagnostics.filter((line) => line.includes('failed'))).toEqual([]);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.event.log.map((entry) => entry.message)).toContain(
      'charge failed: [Error whose message could not be read]',
    );
  });

  // A logged object with a cycle (a request, a socket) reached the alert outbox as it was: "alert failed:
  // Converting circular structure to JSON", the alert lost. A proxy that refuses to be read, or a %d of a
  // value that refuses to be a number, dropped the whole event.
  it('should analyse and alert on a scope that logged cycles, deep nesting and values that refuse to be read', async () => {
    const alerts: string[] = [];
    const { triage, reports, diagnostics } = setup({
      engine: {
        env: {},
        notifiers: [{ name: 'email', send: async (alert) => void alerts.push(JSON.stringify(alert.event)) }],
      },
    });
    const request: Record<string, unknown> = { url: '/pay', user: 'alice@example.com' };
    request.self = request;
    let deep: Record<string, unknown> = { password: 'hunter2' };
    for (let level = 0; level < 100; level++) deep = { n: deep };
    const refuses = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('no prototype');
        },
        ownKeys() {
          throw new Error('no keys');
        },
      },
    );
    const scope = triage.scope({ func: 'Pay' });
    scope.error('Payment declined', { request, deep });
    scope.error('retry %d of %s', Symbol('attempt'), refuses);
    scope.warn(refuses);
    scope.end();
    expect(await triage.flush()).toBe(true);
    expect(diagnostics.filter((line) => line.includes('failed'))).toEqual([]);
    expect(reports).toHaveLength(1);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain('"self":"[Circular]"');
    expect(alerts[0]).toContain('"n":"[nested too deep]"');
    expect(alerts[0]).not.toMatch(/alice@example\.com|hunter2/);
    expect(reports[0]?.event.log.map((entry) => entry.message)).toContain('retry NaN of [Unserializable]');
  });

  it("should give a scope's onAnalysis the structured analysis and its markdown", async () => {
    const { triage } = setup();
    const received: AnalysisReport[] = [];
    const scope = triage.scope({ func: 'Checkout', onAnalysis: (report) => void received.push(report) });
    scope.error('connect ECONNREFUSED 127.0.0.1:5432');
    scope.end();
    await triage.flush();
    expect(received).toHaveLength(1);
    expect(received[0]?.result.analysis.severity).toMatch(/critical|high|medium|low/);
    expect(received[0]?.result.markdown).toContain('## Root Cause');
  });

  it('should make the scope current across awaits, and not leak it to other call chains', async () => {
    const { triage } = setup();
    const seen: unknown[] = [];
    const handler = async (name: string) => {
      const scope = triage.scope({ func: name });
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(triage.current() === scope);
      triage.current()?.info('from deep in the call chain');
      scope.end();
      return scope;
    };
    const [a, b] = await Promise.all([handler('a'), handler('b')]);
    expect(seen).toEqual([true, true]);
    expect(a.entries().map((entry) => entry.format)).toEqual(['from deep in the call chain']);
    expect(b.entries()).toHaveLength(1);
    await triage.close();
  });

  it('should capture and re-throw what a run() callback throws or rejects', async () => {
    const { triage, reports } = setup();
    await expect(
      triage.run({ func: 'Job' }, async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'id')");
      }),
    ).rejects.toThrow(TypeError);
    expect(() =>
      triage.run({ func: 'SyncJob' }, () => {
        throw new Error('sync failure');
      }),
    ).toThrow('sync failure');
    expect(triage.run({ func: 'Fine' }, () => 42)).toBe(42);
    await triage.flush();
    expect(reports.map((report) => report.event.source?.function).sort()).toEqual(['Job', 'SyncJob']);
    expect(reports.find((report) => report.event.source?.function === 'Job')?.result.analysis.category).toBe(
      'code_defect',
    );
  });

  it("should leave a rejection of run()'s promise the host's: unhandled only when the host left it so", async () => {
    const script = (use: string) => `import { createTriage } from '@triage/node';
const triage = createTriage({ summary: 'none', crashDirectory: false, engine: { notifiers: [] } });
const promise = triage.run({ func: 'Job' }, async () => { await null; throw new Error('job failed'); });
${use}`;
    const handled = await runModule(
      script(`try { await promise; } catch (error) { process.stderr.write('host caught ' + error.message + '\\n'); }
const later = triage.run({ func: 'Later' }, () => Promise.reject(new Error('caught later')));
later.catch(() => process.stderr.write('host caught later\\n'));`),
    );
    expect(handled.stderr).toContain('host caught job failed');
    expect(handled.stderr).toContain('host caught later');
    expect(handled.code).toBe(0);
    // Left unhandled by the host, as without Triage: Node ends the process for it.
    const unhandled = await runModule(
      script(`setTimeout(() => process.stderr.write('still running\\n'), 10_000);`),
    );
    expect(unhandled.stderr).toContain('Error: job failed');
    expect(unhandled.stderr).not.toContain('still running');
    expect(unhandled.code).toBe(1);
  });

  // Ending a scope opened inside another left no scope current: the enclosing one was lost.
  it('should make the enclosing scope current again when a nested scope ends', async () => {
    const { triage } = setup();
    triage.run({ func: 'Outer' }, () => {
      const inner = triage.scope({ func: 'Inner' });
      expect(triage.current()?.options.func).toBe('Inner');
      inner.end();
      expect(triage.current()?.options.func).toBe('Outer');
    });
    await triage.close();
  });

  it('should end scopes never closed at shutdown, flag them, and still analyse their errors', async () => {
    const { triage, reports } = setup();
    const leaked = triage.scope({ func: 'Leaky' });
    leaked.error('Connection pool exhausted (10/10 connections active)');
    expect(triage.stats().openScopes).toBe(1);
    await triage.close();
    expect(triage.stats().openScopes).toBe(0);
    expect(reports[0]?.event.log.at(-1)?.message).toMatch(
      /scope was never closed by the application \(ended at shutdown\)/,
    );
  });

  it('should still run what run() is given once closed, recording and tracking nothing', async () => {
    const { triage, summaries, reports } = setup({ captureCrashes: false, crashDirectory: false });
    await triage.close();
    const value = triage.run({ func: 'Late' }, (scope) => {
      scope.error('logged after close');
      expect(triage.current()).toBeUndefined();
      return 42;
    });
    expect(value).toBe(42);
    await expect(
      triage.run({ func: 'LateAsync' }, async () => {
        throw new Error('thrown after close');
      }),
    ).rejects.toThrow('thrown after close');
    expect(triage.stats().openScopes).toBe(0);
    expect(await triage.flush(1_000)).toBe(true);
    expect(summaries).toEqual([]);
    expect(reports).toEqual([]);
  });

  it('should end scopes still open after scopeTimeoutMs, logging it once', async () => {
    const { triage, diagnostics } = setup({ scopeTimeoutMs: 20 });
    const leaked = triage.scope({ func: 'Forgotten' });
    leaked.error('boom');
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(leaked.ended).toBe(true);
    expect(leaked.endedBy).toBe('timeout');
    expect(diagnostics.filter((line) => line.includes('Forgotten was never closed'))).toHaveLength(1);
    await triage.close();
  });

  it('should end the oldest scope past maxOpenScopes, flag it, analyse its errors and log it once', async () => {
    const { triage, diagnostics, reports } = setup({ maxOpenScopes: 3 });
    const leaked = Array.from({ length: 5 }, (_, index) => {
      const scope = triage.scope({ func: `Forgotten${index}` });
      scope.error('Connection pool exhausted (10/10 connections active)');
      return scope;
    });
    expect(leaked.map((scope) => scope.ended)).toEqual([true, true, false, false, false]);
    expect(leaked[0]?.endedBy).toBe('limit');
    expect(triage.stats()).toMatchObject({ openScopes: 3, sdk: { 'failed:scope': 2 } });
    expect(diagnostics.filter((line) => line.includes('scopes were open at once'))).toEqual([
      '[triage] scope failed: more than 3 scopes were open at once: the oldest are ended as never closed (does a path forget to end its scope?)',
    ]);
    await triage.flush();
    expect(reports.map((report) => report.event.source?.function).sort()).toEqual([
      'Forgotten0',
      'Forgotten1',
    ]);
    expect(reports[0]?.event.log.at(-1)?.message).toBe(
      '[triage] scope was never closed by the application (ended at the open-scope limit)',
    );
    expect(() => createTriage({ maxOpenScopes: 0 })).toThrow(/maxOpenScopes/);
    await triage.close();
  });

  it('should never throw into the application: a throwing sink or callback is counted and logged once', async () => {
    const { triage, diagnostics } = setup({
      summary: () => {
        throw new Error('sink broke');
      },
      onAnalysis: () => {
        throw new Error('callback broke');
      },
    });
    for (let index = 0; index < 3; index++) {
      const scope = triage.scope({ func: 'Handler' });
      scope.error('failure %d', index);
      scope.end();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await triage.flush();
    expect(diagnostics.filter((line) => line.includes('sink broke'))).toHaveLength(1);
    expect(diagnostics.filter((line) => line.includes('callback broke'))).toHaveLength(1);
    expect(triage.stats().sdk['failed:summary']).toBe(3);
  });

  it('should report a bad engine configuration through ready() and diagnostics, not by throwing', async () => {
    const { triage, diagnostics } = setup({
      engine: { env: { TRIAGE_LLM_PROVIDER: 'nope' }, notifiers: [] },
    });
    const scope = triage.scope({ func: 'Handler' });
    scope.error('boom');
    expect(() => scope.end()).not.toThrow();
    await expect(triage.ready()).rejects.toThrow(/TRIAGE_LLM_PROVIDER/);
    expect(
      diagnostics.some((line) => line.startsWith('[triage] engine start failed: TRIAGE_LLM_PROVIDER')),
    ).toBe(true);
    expect(await triage.flush(1_000)).toBe(false);
  });

  it('should refuse bad buffer sizes at setup', () => {
    expect(() => createTriage({ tailEntries: -1 })).toThrow(/tailEntries/);
  });
});

describe('the process-wide client', () => {
  it('should not throw on first use when TRIAGE_DSN is malformed, and diagnose in process instead', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = `import { triage } from '@triage/node';
const scope = triage.scope({ func: 'Handler' });
scope.end();
console.log(JSON.stringify(triage.stats().openScopes));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, TRIAGE_DSN: 'not a dsn' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(output.trim().split('\n')).toContain('0');
  });
});
