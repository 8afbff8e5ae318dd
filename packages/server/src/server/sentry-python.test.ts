// Any language through Sentry's SDKs: a real Python service with the official Python SDK (Debian's
// python3-sentry-sdk, 1.9) reports to a real Triage server, through a proxy that records what it sent.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './start-server.js';

/** Debian's interpreter: the one python3-sentry-sdk is installed for (a pyenv python3 on PATH has no SDK). */
const PYTHON = '/usr/bin/python3';
const APP = fileURLToPath(new URL('../ingest/__fixtures__/sentry-python/app.py', import.meta.url));
const ADMIN = 'test-admin-token';
const KEY = 'c'.repeat(32);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const run = (args: string[], env: Record<string, string> = {}) =>
  new Promise<Run>((resolve) =>
    execFile(
      PYTHON,
      args,
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({
          // A missing interpreter is an error with a string code (ENOENT), not an exit code.
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr: stderr || (error?.message ?? ''),
        }),
    ),
  );

/** What the SDK sent, as it sent it, and what Triage answered. */
interface Sent {
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  status: number;
  answer: string;
}

/** A pass-through to Triage that keeps every request and its answer's status. */
async function recordingProxy(target: string): Promise<{ server: Server; port: number; sent: Sent[] }> {
  const sent: Sent[] = [];
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = incoming.url ?? '/';
      const forward = request(
        new URL(url, target),
        { method: incoming.method, headers: incoming.headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (part: Buffer) => parts.push(part));
          answer.on('end', () => {
            const reply = Buffer.concat(parts);
            sent.push({
              url,
              headers: incoming.headers,
              body,
              status: answer.statusCode ?? 0,
              answer: reply.toString(),
            });
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers).end(reply);
          });
        },
      );
      forward.on('error', () => outgoing.writeHead(502).end());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sent };
}

/** The item types of an envelope (every item header of Python's SDK has its `length`). */
function itemTypes(envelope: Buffer): string[] {
  const types: string[] = [];
  let at = envelope.indexOf(10) + 1;
  while (at > 0 && at < envelope.length) {
    const end = envelope.indexOf(10, at);
    const header = JSON.parse(envelope.subarray(at, end === -1 ? undefined : end).toString()) as {
      type: string;
      length: number;
    };
    types.push(header.type);
    at = end + 1 + header.length + 1;
  }
  return types;
}

/** The line of app.py (1-based) that holds `text`: the frames' line numbers follow the fixture. */
const lineOf = (text: string) =>
  readFileSync(APP, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(text)) + 1;

let server: RunningServer;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
/** Why the setup failed: every test fails with it (a hook's error would report them as skipped). */
let failure: unknown;

async function setUp(): Promise<void> {
  const probe = await run(['-c', 'import sentry_sdk; print(sentry_sdk.VERSION)']);
  if (probe.code !== 0)
    throw new Error(
      `${PYTHON} cannot import sentry_sdk: install Debian's python3-sentry-sdk ` +
        `(apt-get install python3-sentry-sdk; .ci/run does). ${probe.stderr.trim()}`,
    );
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: join(mkdtempSync(join(tmpdir(), 'triage-sentry-python-')), 'triage.db'),
    env: {
      TRIAGE_ADMIN_TOKEN: ADMIN,
      TRIAGE_DEFAULT_PROJECT_KEY: KEY,
      TRIAGE_ALERT_TO: 'oncall@example.com',
    },
    log: () => {},
  });
  proxy = await recordingProxy(server.url);
  const dsn = new URL(server.dsn);
  dsn.port = String(proxy.port);
  const app = await run([APP], { TRIAGE_SENTRY_DSN: dsn.href });
  if (app.code !== 0) throw new Error(`app.py exited with ${app.code}: ${app.stderr}`);
  if (!(await server.context.jobs.drain(15_000))) throw new Error('the job queue did not drain in 15 s');
}

beforeAll(async () => {
  try {
    await setUp();
  } catch (error) {
    failure = error;
  }
}, 60_000);

/** Not a skip: without Debian's SDK (or a server) every test fails, saying why. */
const ready = () => {
  if (failure) throw failure;
};

afterAll(async () => {
  proxy?.server.close();
  await server?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: the tests walk arbitrary JSON answers.
type Json = Record<string, any>;

const api = async (path: string) => {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Json;
};

/** The one issue whose event `matches`, and that event: every issue of this server's own database is the app's. */
const onlyEvent = async (matches: (event: Json) => boolean) => {
  const list = await api('/api/v1/issues');
  const details = await Promise.all(list.issues.map(({ id }: { id: string }) => api(`/api/v1/issues/${id}`)));
  const found = details.filter((detail) => detail.events.some(matches));
  expect(found).toHaveLength(1);
  expect(found[0].events).toHaveLength(1);
  return { issue: found[0].issue, event: found[0].events[0] };
};

describe("a Python service with the official Sentry SDK (Debian's python3-sentry-sdk)", () => {
  it('should have every request the SDK sent answered with 200: gzipped, with X-Sentry-Auth', () => {
    ready();
    // 1.9 posts an event to /store/ as JSON, and in an envelope when it carries an attachment; a
    // session and a client report go in envelopes of their own.
    const store = (body: Buffer) => [`event (${JSON.parse(gunzipSync(body).toString()).level})`];
    expect(
      proxy.sent.map(({ url, headers, body }) => [
        url,
        headers['content-type'],
        url.endsWith('/store/') ? store(body) : itemTypes(gunzipSync(body)),
      ]),
    ).toEqual([
      ['/api/1/store/', 'application/json', ['event (error)']],
      ['/api/1/store/', 'application/json', ['event (error)']],
      ['/api/1/store/', 'application/json', ['event (warning)']],
      ['/api/1/envelope/', 'application/x-sentry-envelope', ['event', 'attachment']],
      ['/api/1/envelope/', 'application/x-sentry-envelope', ['session']],
      ['/api/1/envelope/', 'application/x-sentry-envelope', ['client_report']],
    ]);
    for (const { url, headers, status, answer } of proxy.sent) {
      expect(status, `${url}: ${answer}`).toBe(200);
      expect(headers['content-encoding']).toBe('gzip');
      // The key in the header only, not in the URL.
      expect(headers['x-sentry-auth']).toMatch(
        new RegExp(
          `^Sentry sentry_key=${KEY}, sentry_version=7, sentry_client=sentry\\.python/1\\.9\\.\\d+$`,
        ),
      );
    }
    expect(JSON.parse(gunzipSync(proxy.sent[4]!.body).toString().split('\n')[2]!)).toMatchObject({
      status: 'exited',
      attrs: { release: 'inventory@2.3.1', environment: 'staging' },
    });
    expect(JSON.parse(gunzipSync(proxy.sent[5]!.body).toString().split('\n')[2]!)).toMatchObject({
      discarded_events: [{ reason: 'before_send', category: 'error', quantity: 1 }],
    });
  });

  it('should store the four events as four issues; the session, client report and attachment make none', async () => {
    ready();
    const stats = await api('/api/v1/stats');
    expect(stats.events).toBe(4);
    expect(stats.queue).toMatchObject({ failed: 0, dead: 0 });
    const list = await api('/api/v1/issues');
    expect(list.issues).toHaveLength(4);
    for (const issue of list.issues)
      expect(issue).toMatchObject({
        count: 1,
        usersAffected: 1,
        environment: 'staging',
        release: 'inventory@2.3.1',
      });
  });

  it('should show the chained exception with its in-app frames, the logging breadcrumb, tags and user', async () => {
    ready();
    const { event } = await onlyEvent((event) => event.error?.type === 'RuntimeError');
    expect(event).toMatchObject({
      level: 'error',
      release: 'inventory@2.3.1',
      environment: 'staging',
      source: { file: 'app.py', function: 'reserve' },
    });
    // `raise RuntimeError(...) from error`: the raised one outermost, the KeyError its cause; frames
    // innermost first, the app's own (in_app) with their lines.
    const frames = (error: { frames: Array<Record<string, unknown>> }) =>
      error.frames.map(({ function: name, file, line, inApp }) => ({ name, file, line, inApp }));
    expect(event.error).toMatchObject({
      type: 'RuntimeError',
      message: 'cannot reserve 2 of sku-9: unknown SKU',
      cause: { type: 'KeyError', message: "'sku-9'" },
    });
    expect(event.error.cause.cause).toBeUndefined();
    expect(frames(event.error)).toEqual([
      { name: 'reserve', file: 'app.py', line: lineOf('raise RuntimeError(f"'), inApp: true },
      { name: 'main', file: 'app.py', line: lineOf('reserve("sku-9", 2)'), inApp: true },
    ]);
    expect(frames(event.error.cause)).toEqual([
      { name: 'load_stock', file: 'app.py', line: lineOf('return STOCK[sku]'), inApp: true },
      { name: 'reserve', file: 'app.py', line: lineOf('available = load_stock(sku)'), inApp: true },
    ]);
    // logger.info(...) through the SDK's logging integration: a breadcrumb, formatted, as a log line.
    expect(event.log).toEqual([
      {
        level: 'info',
        message: '[inventory.stock] reserving 2 of sku-9 for order o-1017',
        time: expect.any(Number),
        breadcrumb: true,
      },
    ]);
    expect(event.tags).toMatchObject({
      warehouse: 'ams-2',
      server_name: 'worker-3',
      platform: 'python',
      sdk: 'sentry.python',
      runtime: expect.stringMatching(/^CPython 3\.\d+/),
    });
    // capture_exception() without a mechanism: the SDK sends `mechanism: null`, no tag made of it.
    expect(event.tags.mechanism).toBeUndefined();
    expect(event.user).toMatchObject({ id: '7', pseudonym: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(JSON.stringify(event)).not.toContain('lin@example.com');
  });

  it("should read an error logged with Python's logging: its template's params filled in", async () => {
    ready();
    const { event } = await onlyEvent((event) => event.tags.logger === 'inventory.stock');
    const message = 'supplier feed acme returned 0 items, expected 120';
    expect(event).toMatchObject({
      level: 'error',
      message,
      fingerprint: ['supplier feed %s returned %d items, expected %d'],
      tags: { logger: 'inventory.stock', warehouse: 'ams-2' },
    });
    expect(event.error).toBeUndefined();
    expect(
      event.log.map(({ level, message }: { level: string; message: string }) => [level, message]),
    ).toEqual([
      ['info', '[inventory.stock] reserving 2 of sku-9 for order o-1017'],
      // The SDK's stdlib integration records its own request for the exception event: an http breadcrumb.
      ['info', `[httplib] POST http://127.0.0.1:${proxy.port}/api/1/store/ → 200`],
      ['error', message],
    ]);
  });

  it('should take capture_message at "warning" and "fatal" (the latter from an envelope with an attachment)', async () => {
    ready();
    const warning = await onlyEvent((event) => event.message === 'stock of sku-1 low: 4 left');
    expect(warning.event).toMatchObject({
      level: 'warn',
      message: 'stock of sku-1 low: 4 left',
      release: 'inventory@2.3.1',
      tags: { warehouse: 'ams-2' },
    });
    // Its issue is headed by its own message, not by the error logged before it (a breadcrumb here).
    expect(warning.issue.analysisResult.analysis.summary).toBe('stock of sku-1 low: 4 left');
    expect(warning.issue.description).toMatch(/^\*\*Error Message:\*\* stock of sku-1 low: 4 left\n/);
    // The error logged before it is a breadcrumb of this one, at its level.
    expect(warning.event.log).toContainEqual({
      level: 'error',
      message: '[inventory.stock] supplier feed acme returned 0 items, expected 120',
      time: expect.any(Number),
      breadcrumb: true,
    });
    expect(warning.event.log.at(-1)).toMatchObject({ level: 'warn', message: 'stock of sku-1 low: 4 left' });

    const fatal = await onlyEvent((event) => event.message === 'inventory ledger out of balance');
    // Triage's levels end at error: Sentry's "fatal" is one.
    expect(fatal.event).toMatchObject({
      level: 'error',
      message: 'inventory ledger out of balance',
      environment: 'staging',
    });
    expect(fatal.event.log.at(-1)).toMatchObject({
      level: 'error',
      message: 'inventory ledger out of balance',
    });
    expect(JSON.stringify(fatal.event)).not.toContain('sku,count');
    // before_send dropped the heartbeat: nothing of it arrived.
    expect((await api('/api/v1/issues?q=heartbeat')).issues).toHaveLength(0);
  });
});
