import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { eventsReceivers } from './__fixtures__/events-receiver.js';

const run = promisify(execFile);

const startReceiver = eventsReceivers();

/** A script that ends one scope with an error and then simply ends, as a job or a CLI does. */
const script = (options: string) => `import { createTriage } from '@triage/node';
const triage = createTriage({ summary: 'none', ${options} });
const scope = triage.scope({ file: 'job.ts', func: 'NightlyJob' });
scope.error('ERROR: connect ECONNREFUSED 10.0.0.7:5432');
scope.end();`;

const runScript = (dsn: string, options = '', body = script(options)) =>
  run(process.execPath, ['--input-type=module', '-e', body], {
    // A temporary directory of its own: the default crash directory, where unsent events are kept.
    env: { PATH: process.env.PATH, TRIAGE_DSN: dsn, TMPDIR: mkdtempSync(join(tmpdir(), 'triage-tmp-')) },
    encoding: 'utf8',
  });

describe('a process that ends on its own', () => {
  // The batch waited for a timer that does not hold the process: it exited first, and the event was
  // lost without a word.
  it('should send what it still holds before it exits', async () => {
    const receiver = await startReceiver();
    await runScript(receiver.dsn);
    expect(receiver.received).toHaveLength(1);
    // Without the wait (flushAtExitMs: 0), as before, nothing arrives.
    await runScript(receiver.dsn, 'flushAtExitMs: 0');
    expect(receiver.received).toHaveLength(1);
  });

  it('should wait at most flushAtExitMs for a server that is down, and say so', async () => {
    const receiver = await startReceiver();
    receiver.close();
    const { stderr } = await runScript(receiver.dsn, 'flushAtExitMs: 300, crashDirectory: false');
    expect(stderr).toContain(
      '[triage] exit failed: the process is exiting with scopes not yet sent or analysed (waited 300 ms)',
    );
  });

  it('should keep what a server that is down did not get, and send it at the next start', async () => {
    const down = await startReceiver();
    down.close();
    const directory = mkdtempSync(join(tmpdir(), 'triage-kept-'));
    const options = `flushAtExitMs: 300, crashDirectory: ${JSON.stringify(directory)}`;
    const first = await runScript(down.dsn, options);
    const [name] = readdirSync(directory);
    expect(first.stderr).toContain(
      `[triage] the process is exiting and 1 event(s) could not be sent to ${down.dsn.replace('key@', '').replace(/\/1$/, '/api/v1/events')} yet: kept in ${join(directory, name!)}, for the next start of this application to send`,
    );
    expect(first.stderr).not.toContain('exit failed');
    const up = await startReceiver();
    // The next start ends no scope of its own, and never calls flush: it only sends what the first
    // one kept, before it exits.
    const next = await runScript(
      up.dsn,
      options,
      `import { createTriage } from '@triage/node';
createTriage({ summary: 'none', ${options} });`,
    );
    expect(next.stderr).toMatch(
      /^\[triage\] sending 1 event\(s\) that process \d+ could not send before it ended \(at .*Z\)\n$/,
    );
    expect(up.received.map((event) => event.source?.function)).toEqual(['NightlyJob']);
    expect(readdirSync(directory)).toEqual([]);
  });
});
