import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsReceivers } from './__fixtures__/events-receiver.js';

const run = promisify(execFile);

const startReceiver = eventsReceivers();

const silentServers: Array<() => void> = [];
afterEach(() => {
  for (const close of silentServers.splice(0)) close();
});

/** A server that reads each request and never answers it. */
async function startSilentServer() {
  let requests = 0;
  const server = createServer((request) => {
    requests++;
    request.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  silentServers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    dsn: `http://key@127.0.0.1:${(server.address() as AddressInfo).port}/1`,
    requests: () => requests,
  };
}

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
    // Without the wait (flushAtExitMs: 0) nothing is sent: it is kept for the next start (below).
    await runScript(receiver.dsn, 'flushAtExitMs: 0');
    expect(receiver.received).toHaveLength(1);
  });

  // With flushAtExitMs 0 nothing was done at exit at all: the event was lost, keeper or not, unsaid.
  it('should keep what it holds at once with flushAtExitMs: 0, for the next start to send', async () => {
    const receiver = await startReceiver();
    const directory = mkdtempSync(join(tmpdir(), 'triage-kept-'));
    const first = await runScript(
      receiver.dsn,
      `flushAtExitMs: 0, crashDirectory: ${JSON.stringify(directory)}`,
    );
    expect(receiver.received).toHaveLength(0);
    const [name] = readdirSync(directory);
    expect(first.stderr).toContain(`yet: kept in ${join(directory, name!)}, for the next start`);
    await runScript(
      receiver.dsn,
      '',
      `import { createTriage } from '@triage/node';
createTriage({ summary: 'none', crashDirectory: ${JSON.stringify(directory)} });`,
    );
    expect(receiver.received.map((event) => event.source?.function)).toEqual(['NightlyJob']);
  });

  it('should count and say what it loses with flushAtExitMs: 0 and nowhere to keep it', async () => {
    const receiver = await startReceiver();
    const { stdout, stderr } = await runScript(
      receiver.dsn,
      '',
      `${script('flushAtExitMs: 0, crashDirectory: false')}
process.once('beforeExit', () => console.log(JSON.stringify(triage.stats().sdk)));`,
    );
    expect(receiver.received).toHaveLength(0);
    expect(stderr).toContain(
      '[triage] exit failed: the process is exiting with scopes not yet sent or analysed (flushAtExitMs is 0)',
    );
    expect(JSON.parse(stdout)).toMatchObject({ 'dropped:exit': 1, 'failed:exit': 1 });
  });

  // The request in flight, which the server never answered, held the exiting process until the
  // transport's timeoutMs (10 s by default), not flushAtExitMs.
  it('should exit within about flushAtExitMs when the server never answers, keeping what it holds', async () => {
    const server = await startSilentServer();
    const directory = mkdtempSync(join(tmpdir(), 'triage-kept-'));
    const started = Date.now();
    const { stderr } = await runScript(
      server.dsn,
      `flushAtExitMs: 500, crashDirectory: ${JSON.stringify(directory)}`,
    );
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(server.requests()).toBe(1);
    const [name] = readdirSync(directory);
    expect(stderr).toContain(`yet: kept in ${join(directory, name!)}`);
    const kept = JSON.parse(readFileSync(join(directory, name!), 'utf8')) as { events: unknown[] };
    expect(kept.events).toHaveLength(1);
  });

  it('should exit within about flushAtExitMs when the server never answers and nothing is kept', async () => {
    const server = await startSilentServer();
    const started = Date.now();
    const { stderr } = await runScript(
      server.dsn,
      '',
      script(
        `flushAtExitMs: 500, transport: new HttpTransport({ dsn: process.env.TRIAGE_DSN, timeoutMs: 20_000 })`,
      ).replace('import { createTriage }', 'import { createTriage, HttpTransport }'),
    );
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(server.requests()).toBe(1);
    expect(stderr).toContain(
      '[triage] exit failed: the process is exiting with scopes not yet sent or analysed (waited 500 ms)',
    );
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
