import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventsReceivers, type ReceivedEvent } from './__fixtures__/events-receiver.js';
import { runModule } from './__fixtures__/run-module.js';

const startReceiver = eventsReceivers();

/** Runs `body` after a client is created with `options`; resolves with how the process ended. */
function runScript(dsn: string, body: string, options = '', env: Record<string, string> = {}) {
  const script = `import { createTriage } from '@triage/node';
const triage = createTriage({ summary: 'none', ${options} });
${body}`;
  return runModule(script, { env: { TRIAGE_DSN: dsn, ...env } });
}

const messages = (event: ReceivedEvent | undefined) => event?.log.map((entry) => entry.message).join('\n');

describe('an uncaught exception', () => {
  it("should send its scope's lines and what was still held, then end the process as Node does", async () => {
    const receiver = await startReceiver();
    const ended = await runScript(
      receiver.dsn,
      `const earlier = triage.scope({ func: 'SyncPrices' });
earlier.error('ERROR: price feed answered 503');
earlier.end();
const scope = triage.scope({ file: 'jobs.ts', func: 'ImportJob' });
scope.info('importing batch %d', 7);
setTimeout(() => { throw new Error('batch 7 has no header row'); }, 10);`,
      "summary: 'all'",
    );
    // Node's own ending: the error printed, exit code 1.
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain('Error: batch 7 has no header row');
    expect(ended.stderr).not.toContain('[triage]');
    expect(ended.stdout).toMatch(/^\[triage\] jobs\.ts ImportJob crashed after [\d.]+ms \(errors=true\)$/m);
    // The scope ended earlier was still waiting for its batch's timer (1 s): it went with the crash.
    expect(receiver.received.map((event) => event.source?.function)).toEqual(['SyncPrices', 'ImportJob']);
    const crash = receiver.received[1];
    expect(crash?.error).toMatchObject({ type: 'Error', message: 'batch 7 has no header row' });
    expect(messages(crash)).toContain('importing batch 7');
    expect(messages(crash)).toContain('Uncaught exception');
    expect(messages(crash)).not.toContain('never closed');
  });

  // The thread that sends inherited the process's preloads: an instrumentation loaded again, at a crash.
  it("should send without running the application's preloaded modules again", async () => {
    const receiver = await startReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'triage-preload-'));
    const preload = join(dir, 'preload.cjs');
    const marker = join(dir, 'ran-in-a-thread');
    // A file, not stderr: a thread's output goes through the main thread, which never writes it.
    writeFileSync(
      preload,
      `if (!require('node:worker_threads').isMainThread) require('node:fs').writeFileSync(${JSON.stringify(marker)}, '');`,
    );
    const ended = await runScript(receiver.dsn, `throw new Error('with a preload');`, '', {
      NODE_OPTIONS: `--require ${preload}`,
    });
    expect(ended.code).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expect(existsSync(marker)).toBe(false);
  });

  it('should report an unhandled rejection outside any scope', async () => {
    const receiver = await startReceiver();
    const ended = await runScript(
      receiver.dsn,
      `setTimeout(() => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'sku')")), 10);`,
    );
    expect(ended.code).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.error).toMatchObject({ type: 'TypeError' });
    expect(messages(receiver.received[0])).toContain('Unhandled promise rejection');
  });

  it('should not report twice an error that triage.run() captured and threw on', async () => {
    const receiver = await startReceiver();
    const ended = await runScript(
      receiver.dsn,
      `triage.run({ func: 'Checkout' }, () => { throw new RangeError('quantity out of range'); });`,
    );
    expect(ended.code).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({
      source: { function: 'Checkout' },
      error: { type: 'RangeError' },
    });
  });

  it('should wait at most flushAtExitMs for a server that is down, and say so', async () => {
    const receiver = await startReceiver();
    receiver.close();
    const ended = await runScript(
      receiver.dsn,
      `throw new Error('config file missing');`,
      'flushAtExitMs: 300, crashDirectory: false',
    );
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain('Error: config file missing');
    expect(ended.stderr).toMatch(
      /\[triage\] send failed: the process is ending on an uncaught exception and 1 event\(s\) could not be sent to .* \(the server could not be reached\)/,
    );
  });

  it('should keep what a server that is down did not get, and send it at the next start', async () => {
    const down = await startReceiver();
    down.close();
    const directory = mkdtempSync(join(tmpdir(), 'triage-kept-'));
    const options = `flushAtExitMs: 300, crashDirectory: ${JSON.stringify(directory)}`;
    const ended = await runScript(down.dsn, `throw new Error('config file missing');`, options);
    expect(ended.code).toBe(1);
    const [name] = readdirSync(directory);
    expect(ended.stderr).toMatch(
      /\[triage\] the process is ending on an uncaught exception and 1 event\(s\) could not be sent to .* \(the server could not be reached\): kept in .*, for the next start of this application to send/,
    );
    expect(ended.stderr).toContain(join(directory, name!));
    const up = await startReceiver();
    const next = await runScript(up.dsn, 'console.log(await triage.flush(5_000));', options);
    expect(next.stdout.trim()).toBe('true');
    expect(up.received).toHaveLength(1);
    expect(up.received[0]?.error).toMatchObject({ message: 'config file missing' });
    expect(readdirSync(directory)).toEqual([]);
  });

  it('should keep at once, without posting, with flushAtExitMs: 0', async () => {
    const receiver = await startReceiver();
    const directory = mkdtempSync(join(tmpdir(), 'triage-kept-'));
    const ended = await runScript(
      receiver.dsn,
      `throw new Error('no waiting');`,
      `flushAtExitMs: 0, crashDirectory: ${JSON.stringify(directory)}`,
    );
    expect(ended.code).toBe(1);
    expect(receiver.received).toEqual([]);
    expect(readdirSync(directory)).toHaveLength(1);
    expect(ended.stderr).toContain(
      `[triage] the process is ending on an uncaught exception with 1 event(s) not sent (flushAtExitMs is 0): kept in ${directory}/`,
    );
  });

  it('should leave a process that handles it running, and send the event as any other', async () => {
    const receiver = await startReceiver();
    const ended = await runScript(
      receiver.dsn,
      `process.on('uncaughtException', async () => {
  const flushed = await triage.flush(5_000);
  process.exit(flushed ? 0 : 3);
});
setTimeout(() => { throw new Error('handled elsewhere'); }, 10);`,
    );
    expect(ended.code).toBe(0);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.error).toMatchObject({ message: 'handled elsewhere' });
  });

  // The capture callback was not counted: the crash was taken as fatal, and the client sent it at once
  // and closed for good, so nothing after it was sent.
  it('should leave a process whose capture callback handles it running, and go on sending', async () => {
    const receiver = await startReceiver();
    const ended = await runScript(
      receiver.dsn,
      `process.setUncaughtExceptionCaptureCallback(() => {
  setImmediate(async () => {
    const scope = triage.scope({ func: 'Later' });
    scope.error('ERROR: an error after the first crash');
    scope.end();
    const flushed = await triage.flush(5_000);
    process.exit(flushed ? 0 : 3);
  });
});
setTimeout(() => { throw new Error('captured by the host'); }, 10);`,
    );
    expect(ended.code).toBe(0);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]?.error).toMatchObject({ message: 'captured by the host' });
    expect(receiver.received[1]?.source?.function).toBe('Later');
  });

  it('should be reported once after triage.init() replaced a client already in use', async () => {
    const receiver = await startReceiver();
    const ended = await runScript(
      receiver.dsn,
      `import { triage as shared } from '@triage/node';
shared.scope({ func: 'EarlyHandler' }).end();
shared.init({ summary: 'none', dsn: process.env.TRIAGE_DSN_LATER });
setTimeout(() => { throw new Error('after init'); }, 10);`,
      // The script's own client stays out of it.
      'captureCrashes: false',
      { TRIAGE_DSN: '', TRIAGE_DSN_LATER: receiver.dsn },
    );
    expect(ended.code).toBe(1);
    expect(receiver.received).toHaveLength(1);
    // The first client (in process, as no DSN was set then) had closed: it said nothing of the crash.
    expect(ended.stderr).not.toContain('[triage]');
  });

  it('should send nothing with captureCrashes: false', async () => {
    const receiver = await startReceiver();
    const ended = await runScript(receiver.dsn, `throw new Error('not reported');`, 'captureCrashes: false');
    expect(ended.code).toBe(1);
    expect(receiver.received).toEqual([]);
  });
});
