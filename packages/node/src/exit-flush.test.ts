import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);

let close: (() => void) | undefined;
afterEach(() => close?.());

/** A Triage server's ingest endpoint that counts the events it receives. */
async function startReceiver() {
  const received: unknown[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const json = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    received.push(...(JSON.parse(json.toString('utf8')) as { events: unknown[] }).events);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ids":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => {
    server.closeAllConnections();
    server.close();
  };
  return { received, dsn: `http://key@127.0.0.1:${(server.address() as AddressInfo).port}/1` };
}

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
    close?.();
    close = undefined;
    const { stderr } = await runScript(receiver.dsn, 'flushAtExitMs: 300');
    expect(stderr).toContain(
      '[triage] exit failed: the process is exiting with scopes not yet sent or analysed (waited 300 ms)',
    );
  });
});
