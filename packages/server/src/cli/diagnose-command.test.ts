import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedactor, fingerprintEvent, normalizeEvent } from '@triage/core';
import { startFakeLlmServer, until } from '@triage/engine/test';
import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../ingest/parse-envelope.js';
import { parseSentryStore } from '../ingest/parse-sentry-request.js';
import { runCli as run } from '../test/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'triage-diagnose-'));
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const PINO = {
  level: 50,
  time: 1763476335000,
  pid: 7,
  hostname: 'api-7d9f',
  msg: 'connect ECONNREFUSED 10.0.0.7:5432',
};
const BUNYAN = {
  name: 'api',
  hostname: 'api-7d9f',
  pid: 7,
  level: 50,
  msg: 'connect ECONNREFUSED 10.0.0.7:5432',
  time: '2025-11-18T14:32:15.000Z',
  v: 0,
};
const POOL_ERROR = '[2025-11-18 14:32:15] ERROR: Connection pool exhausted (10/10 connections active)';

describe('triage diagnose of a structured logger’s JSON', () => {
  it('should read one pino or bunyan line as a log line (it was refused: "the event has no log lines")', async () => {
    for (const record of [PINO, BUNYAN]) {
      const { code, stdout, stderr } = await run(['diagnose', '--json'], {
        stdin: `${JSON.stringify(record)}\n`,
      });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ category: 'connection_refused' });
    }
  });

  it('should diagnose each line of a pino log with --jsonl', async () => {
    const path = file('pino.log', `${JSON.stringify(PINO)}\n${JSON.stringify({ ...PINO, pid: 8 })}\n`);
    const { code, stdout, stderr } = await run(['diagnose', '--jsonl', path]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toMatchObject([
      { line: 1, category: 'connection_refused' },
      { line: 2, category: 'connection_refused' },
    ]);
  });

  it('should read records printed one after another over several lines (`jq . app.log`) as its lines', async () => {
    const records = [{ ...PINO, level: 30, msg: 'GET /orders/12' }, PINO];
    const compact = await run(['diagnose', '--json'], {
      stdin: records.map((record) => JSON.stringify(record)).join('\n'),
    });
    const pretty = await run(['diagnose', '--json'], {
      stdin: `${records.map((record) => JSON.stringify(record, null, 2)).join('\n')}\n`,
    });
    expect(pretty.stderr).toBe('');
    expect(pretty.code).toBe(0);
    const { meta: _, ...analysis } = JSON.parse(pretty.stdout);
    const { meta: __, ...expected } = JSON.parse(compact.stdout);
    expect(analysis).toEqual(expected);
  });
});

describe('triage diagnose of a Sentry event', () => {
  // The event as @sentry/node sent it (a store body; what Sentry's "JSON" view shows of it).
  const envelope = readFileSync(
    new URL('../ingest/__fixtures__/sentry-node/error-with-cause.envelope', import.meta.url),
  );
  const payload = parseEnvelope(envelope, { maxItemBytes: 1024 * 1024, maxItems: 10 }).items[0]!.payload;

  it('should diagnose it as the server maps it (it got "the event has no log lines, no error…")', async () => {
    const { code, stdout, stderr } = await run(['diagnose', '--json', file('sentry-event.json', payload)]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const stored = createRedactor().event(normalizeEvent(parseSentryStore(payload).events[0]));
    expect(JSON.parse(stdout)).toMatchObject({
      category: 'code_defect',
      fingerprint: fingerprintEvent(stored).fingerprint,
      issueTitle: 'Error: checkout failed for order <num>',
    });
  });

  it('should say why a Sentry event has nothing to diagnose', async () => {
    const transaction = await run(['diagnose'], {
      stdin: JSON.stringify({ event_id: 'a'.repeat(32), type: 'transaction', spans: [] }),
    });
    expect(transaction).toEqual({
      code: 2,
      stdout: '',
      stderr: 'triage: the Sentry event is a transaction (not an error event): nothing to diagnose\n',
    });
    const empty = await run(['diagnose'], {
      stdin: JSON.stringify({ event_id: 'a'.repeat(32), platform: 'node' }),
    });
    expect(empty.stderr).toBe(
      'triage: the Sentry event was refused: event has no exception, message or breadcrumbs\n',
    );
  });
});

describe('triage diagnose of an input larger than 50 MB', () => {
  it('should diagnose its last 50 MB, saying what it left out (it was refused)', async () => {
    const noise = 'INFO request served in 12ms for user 42 on path /api/orders/list\n'.repeat(900_000);
    const stdin = `ERROR: deadlock detected\n${noise}${POOL_ERROR}\n`;
    const { code, stdout, stderr } = await run(['diagnose', '--json'], { stdin });
    expect(stderr).toMatch(/^triage: the input is larger than 50 MB: its first \d+\.\d MB were left out\n$/);
    expect(code).toBe(0);
    const analysis = JSON.parse(stdout);
    expect(analysis.category).toBe('resource_exhausted');
    expect(JSON.stringify(analysis.evidence)).not.toContain('deadlock');
  });

  // With --jsonl too, its start was left out: every event in it, with exit 0 and a notice.
  it('should diagnose every line of --jsonl, numbered as the input’s', async () => {
    const blank = `${' '.repeat(1023)}\n`.repeat(51 * 1024);
    const event = JSON.stringify({ log: [POOL_ERROR] });
    const path = file('big.jsonl', `${event}\n${blank}${event}\n`);
    const { code, stdout, stderr } = await run(['diagnose', '--jsonl', path]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).line),
    ).toEqual([1, 51 * 1024 + 2]);
  });
});

describe('triage diagnose at Ctrl-C (the process)', () => {
  const bin = fileURLToPath(new URL('../../bin/triage.js', import.meta.url));

  /** `triage diagnose --json` as a process whose stdin stays open, as `kubectl logs -f` keeps it. */
  function diagnoseProcess(env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [bin, 'diagnose', '--json'], {
      env: { PATH: process.env.PATH, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    child.stdin.on('error', () => {});
    /** Writes 1 MB of log: the write is done once the process has read most of it (a pipe holds 64 KB). */
    const feed = () =>
      new Promise<void>((resolve) =>
        child.stdin.write(`${'INFO ok\n'.repeat(128 * 1024)}${POOL_ERROR}\n`, () => resolve()),
      );
    return { child, feed, exited, output: () => ({ stdout, stderr }) };
  }

  it('should stop reading and diagnose what came, once for the Ctrl-C and the copy npx passes on (it died, losing it)', async () => {
    const triage = diagnoseProcess();
    await triage.feed();
    triage.child.kill('SIGINT');
    triage.child.kill('SIGINT');
    expect(await triage.exited).toEqual({ code: 0, signal: null });
    const { stdout, stderr } = triage.output();
    expect(stderr).toBe('triage: the input was cut short by Ctrl-C: going on with what was read\n');
    expect(JSON.parse(stdout).category).toBe('resource_exhausted');
  });

  it('should end at once at a later Ctrl-C, and at the first when nothing came (exit 130)', async () => {
    const idle = diagnoseProcess();
    await new Promise((resolve) => setTimeout(resolve, 300));
    idle.child.kill('SIGINT');
    expect(await idle.exited).toEqual({ code: null, signal: 'SIGINT' });

    const llm = await startFakeLlmServer(() => ({ delayMs: 30_000 }));
    try {
      const slow = diagnoseProcess({ GROQ_API_KEY: 'gsk_x', TRIAGE_LLM_BASE_URL: llm.groqUrl });
      await slow.feed();
      slow.child.kill('SIGINT');
      const first = Date.now();
      expect(await until(() => llm.requests.length === 1)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, first + 1_200 - Date.now())));
      slow.child.kill('SIGINT');
      expect(await slow.exited).toEqual({ code: null, signal: 'SIGINT' });
      expect(Date.now() - first).toBeLessThan(10_000);
    } finally {
      await llm.close();
    }
  });
});
