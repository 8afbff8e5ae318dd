import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedactor, fingerprintEvent, normalizeEvent } from '@triage/core';
import { describe, expect, it } from 'vitest';
import { parseSentryStore } from '../ingest/parse-sentry-request.js';
import { runCli as run } from '../test/run-cli.js';

const LINE = JSON.stringify({
  level: 50,
  time: 1763476335000,
  pid: 7,
  hostname: 'api-7d9f',
  msg: 'connect ECONNREFUSED 10.0.0.7:5432',
});

describe('triage fingerprint of a structured logger’s JSON', () => {
  it('should key one pino line as the log of that line (it was refused), with --jsonl too', async () => {
    const asLog = await run(['fingerprint'], { stdin: JSON.stringify({ log: [LINE] }) });
    expect(asLog.code).toBe(0);
    expect(await run(['fingerprint'], { stdin: LINE })).toEqual(asLog);
    const lines = await run(['fingerprint', '--jsonl'], { stdin: `${LINE}\n` });
    expect(lines).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(lines.stdout)).toEqual({ line: 1, ...JSON.parse(asLog.stdout) });
  });

  it('should key records printed over several lines (`jq .`) as their JSON lines', async () => {
    const records = [JSON.stringify({ level: 30, msg: 'GET /orders/12' }), LINE];
    const jsonLines = await run(['fingerprint'], { stdin: records.join('\n') });
    const pretty = await run(['fingerprint'], {
      stdin: records.map((record) => JSON.stringify(JSON.parse(record), null, 2)).join('\n'),
    });
    expect(jsonLines.code).toBe(0);
    expect(pretty).toEqual(jsonLines);
  });
});

describe('triage fingerprint of a record or a Sentry event', () => {
  // A record with an `event_id` or a `platform` was taken for a Sentry event and refused ("the Sentry
  // event was refused: event has no exception, message or breadcrumbs"), exit 2.
  it.each([
    ['an event_id', { level: 'error', ts: 1, msg: 'db down', event_id: 'a1' }],
    ['a platform', { level: 'error', ts: 1, msg: 'db down', platform: 'ios' }],
    ['a Sentry-shaped event_id', { level: 'error', ts: 1, msg: 'db down', event_id: 'a'.repeat(32) }],
  ])('should key a logger record with %s as its line', async (_name, record) => {
    const line = JSON.stringify(record);
    const asLog = await run(['fingerprint'], { stdin: JSON.stringify({ log: [line] }) });
    expect(asLog.code).toBe(0);
    expect(await run(['fingerprint'], { stdin: line })).toEqual(asLog);
    expect(await run(['fingerprint', '--jsonl'], { stdin: `${line}\n` })).toEqual({
      code: 0,
      stdout: `${JSON.stringify({ line: 1, ...JSON.parse(asLog.stdout) })}\n`,
      stderr: '',
    });
  });

  it.each([
    ['32 hex digits', 'c0ffee00'.repeat(4)],
    ['a UUID', 'c0ffee00-1234-4abc-8def-0123456789ab'],
  ])(
    'should still read a message-only Sentry event, its event_id %s, as Sentry maps it',
    async (_name, id) => {
      const event = {
        event_id: id,
        message: 'payment provider timed out after 30000ms',
        level: 'info',
        platform: 'node',
        timestamp: 1763476335,
      };
      const stored = createRedactor().event(
        normalizeEvent(parseSentryStore(Buffer.from(JSON.stringify(event))).events[0]),
      );
      const { code, stdout } = await run(['fingerprint'], { stdin: JSON.stringify(event) });
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual({
        fingerprint: fingerprintEvent(stored).fingerprint,
        title: fingerprintEvent(stored).title,
      });
    },
  );
});

describe('triage fingerprint --jsonl of a file larger than 50 MB', () => {
  // Its first 50 MB were left out, their events unkeyed, with exit 0 and a notice.
  it('should key every line, numbered as the input’s', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'triage-fingerprint-')), 'big.jsonl');
    writeFileSync(path, `${LINE}\n${`${' '.repeat(1023)}\n`.repeat(51 * 1024)}${LINE}\n`);
    const { code, stdout, stderr } = await run(['fingerprint', '--jsonl', path]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).line),
    ).toEqual([1, 51 * 1024 + 2]);
  });
});
