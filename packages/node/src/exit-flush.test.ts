import { execFile } from 'node:child_process';
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

const runScript = (dsn: string, options = '') =>
  run(process.execPath, ['--input-type=module', '-e', script(options)], {
    env: { PATH: process.env.PATH, TRIAGE_DSN: dsn },
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
    const { stderr } = await runScript(receiver.dsn, 'flushAtExitMs: 300');
    expect(stderr).toContain(
      '[triage] exit failed: the process is exiting with scopes not yet sent or analysed (waited 300 ms)',
    );
  });
});
