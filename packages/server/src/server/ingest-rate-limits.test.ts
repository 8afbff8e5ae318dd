import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './start-server.js';

let server: RunningServer;
const ADMIN = 'test-admin-token';
const KEY = 'c'.repeat(32);
const MIB = 1024 * 1024;

beforeAll(async () => {
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: join(mkdtempSync(join(tmpdir(), 'triage-bytes-')), 'triage.db'),
    env: {
      TRIAGE_ADMIN_TOKEN: ADMIN,
      TRIAGE_DEFAULT_PROJECT_KEY: KEY,
      TRIAGE_RATE_LIMIT_MB_PER_MINUTE: '2',
      TRIAGE_RATE_LIMIT_PER_MINUTE: '50',
      TRIAGE_WORKERS: '0',
    },
    log: () => {},
  });
});
afterAll(() => server.close());

/** A native event whose body is about `bytes` long: one log line padded with text. */
const eventOf = (bytes: number) => JSON.stringify({ log: [`ERROR: big ${'x'.repeat(bytes - 30)}`] });
const ingest = (body: string | Buffer, key = KEY, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/v1/events`, {
    method: 'POST',
    headers: { 'x-triage-key': key, 'content-type': 'application/json', ...headers },
    body,
  });
const stats = async () =>
  (
    (await (
      await fetch(`${server.url}/api/v1/stats`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as { ingest: Record<string, number> }
  ).ingest;

describe('the rate limits per key: bytes (TRIAGE_RATE_LIMIT_MB_PER_MINUTE) and events', () => {
  it('should refuse what a key sends past its bytes a minute, counted decompressed, with 429 and Retry-After', async () => {
    const other = await server.context.projects.create('other');
    // Three requests of 600 KB fit in the key's 2 MiB; the fourth, gzipped to a few KB, does not.
    for (let index = 0; index < 3; index++) expect((await ingest(eventOf(600_000))).status).toBe(200);
    const refused = await ingest(gzipSync(eventOf(600_000)), KEY, { 'content-encoding': 'gzip' });
    expect(refused.status).toBe(429);
    // A sixtieth of 2 MiB (34,953 bytes) comes back each second: about 9 s for the 302,848 missing.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(8);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(9);
    expect(refused.headers.get('x-sentry-rate-limits')).toMatch(/^\d+::key$/);
    expect(((await refused.json()) as { error: string }).error).toMatch(/^rate limit exceeded for this key/);
    // Small events go on within what is left; another key has its own bucket.
    expect((await ingest(eventOf(1_000))).status).toBe(200);
    expect((await ingest(eventOf(600_000), other.publicKey)).status).toBe(200);
    expect(await stats()).toMatchObject({
      byteLimitedRequests: 1,
      byteLimitedBytes: eventOf(600_000).length,
      rateLimitedRequests: 0,
    });
    expect(await server.context.jobs.pending()).toBe(5);
  });

  it('should refuse a request larger than the whole burst with 413, so that a client splits it', async () => {
    const project = await server.context.projects.create('large');
    const response = await ingest(eventOf(2 * MIB + 1_000), project.publicKey);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toBe(
      `a request of ${eventOf(2 * MIB + 1_000).length} bytes (decompressed): this key may send at most ${2 * MIB} at once, send smaller requests`,
    );
    // Nothing was taken from the key's bytes: a request that fits still passes.
    expect((await ingest(eventOf(900_000), project.publicKey)).status).toBe(200);
  });

  it('should count an envelope whose key is only in its own header once the key is read', async () => {
    const project = await server.context.projects.create('envelope');
    const envelope = (padding: number) =>
      [
        JSON.stringify({ dsn: `http://${project.publicKey}@127.0.0.1/${project.id}` }),
        JSON.stringify({ type: 'event' }),
        JSON.stringify({ message: `boom ${'y'.repeat(padding)}` }),
      ].join('\n');
    const post = (body: string) =>
      fetch(`${server.url}/api/${project.id}/envelope/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-sentry-envelope' },
        body,
      });
    expect((await post(envelope(800_000))).status).toBe(200);
    expect((await post(envelope(800_000))).status).toBe(200);
    const refused = await post(envelope(800_000));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-sentry-rate-limits')).toMatch(/^\d+::key$/);
  });

  it("should hold a project with limits of its own to them, and give it the server's back on 'default'", async () => {
    await server.context.projects.create('own');
    const own = (await server.context.projects.setRateLimits(
      { name: 'own' },
      {
        eventsPerMinute: 3,
        bytesPerMinute: 3 * MIB,
      },
    ))!;
    expect(own.rateLimits).toEqual({ eventsPerMinute: 3, bytesPerMinute: 3 * MIB });
    // Three events of 800 KB (2.4 MB) fit in its 3 MiB; the server's 2 MiB refuses them as too large.
    const large = `[${Array.from({ length: 3 }, () => eventOf(800_000)).join(',')}]`;
    expect((await ingest(large, own.publicKey)).status).toBe(200);
    expect((await ingest(large, KEY)).status).toBe(413);
    // Its burst of events is its own: a batch of 4 is more than it ever holds (the server's 50 would take it).
    const batch = (count: number) =>
      JSON.stringify(Array.from({ length: count }, () => ({ log: ['ERROR: own'] })));
    const tooMany = await ingest(batch(4), own.publicKey);
    expect(tooMany.status).toBe(413);
    expect(((await tooMany.json()) as { error: string }).error).toBe(
      'a batch of 4 events: this key may send at most 3 at once, send fewer per request',
    );
    const refused = await ingest(batch(1), own.publicKey);
    expect(refused.status).toBe(429);
    // One of 3 a minute comes back every 20 s.
    expect(refused.headers.get('retry-after')).toBe('20');
    // The server's 50 a minute again: the same batch waits for its tokens (4.8 s) rather than never fitting.
    await server.context.projects.setRateLimits({ name: 'own' }, { eventsPerMinute: null });
    const waits = await ingest(batch(4), own.publicKey);
    expect(waits.status).toBe(429);
    expect(waits.headers.get('retry-after')).toBe('5');
  });

  it('should set and reset a project’s limits through PATCH /api/v1/projects/:id, and refuse what is not a limit', async () => {
    const project = await server.context.projects.create('patched');
    const patch = (id: string, body: unknown, token = ADMIN) =>
      fetch(`${server.url}/api/v1/projects/${id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const changed = await patch(project.id, { rateLimitPerMinute: 2, rateLimitMbPerMinute: 2.5 });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({
      project: {
        id: project.id,
        name: 'patched',
        rateLimits: { eventsPerMinute: 2, bytesPerMinute: 2.5 * MIB },
        // Under the names a PATCH takes, too: what is read can be sent back.
        rateLimitPerMinute: 2,
        rateLimitMbPerMinute: 2.5,
      },
    });
    const batch = JSON.stringify([{ log: ['ERROR: a'] }, { log: ['ERROR: b'] }, { log: ['ERROR: c'] }]);
    expect((await ingest(batch, project.publicKey)).status).toBe(413);
    const listed = (await (
      await fetch(`${server.url}/api/v1/projects`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()) as { projects: Array<{ name: string; rateLimits: object }> };
    expect(listed.projects.find((entry) => entry.name === 'patched')?.rateLimits).toEqual({
      eventsPerMinute: 2,
      bytesPerMinute: 2.5 * MIB,
    });
    const reset = await patch(project.id, { rateLimitPerMinute: null });
    const { project: afterReset } = (await reset.json()) as {
      project: { rateLimits: object; rateLimitPerMinute: unknown; rateLimitMbPerMinute: unknown };
    };
    expect(afterReset.rateLimits).toEqual({ bytesPerMinute: 2.5 * MIB });
    expect([afterReset.rateLimitPerMinute, afterReset.rateLimitMbPerMinute]).toEqual([null, 2.5]);
    expect((await ingest(batch, project.publicKey)).status).toBe(200);
    for (const [body, error] of [
      [
        { rateLimitPerMinute: 0 },
        "rateLimitPerMinute must be a whole number from 1 to 1000000000000, or null for the server's",
      ],
      [
        { rateLimitMbPerMinute: 1 },
        "rateLimitMbPerMinute must be a number from 2 to 1000000000, or null for the server's",
      ],
      [
        { rateLimitPerMinute: '5' },
        "rateLimitPerMinute must be a whole number from 1 to 1000000000000, or null for the server's",
      ],
      // 1.5 events a minute was taken as 2.
      [
        { rateLimitPerMinute: 1.5 },
        "rateLimitPerMinute must be a whole number from 1 to 1000000000000, or null for the server's",
      ],
      [{ rateLimit: 5 }, 'unknown field "rateLimit": use rateLimitPerMinute, rateLimitMbPerMinute'],
      [{}, 'send rateLimitPerMinute or rateLimitMbPerMinute (a number, or null for the server’s)'],
      [[1], 'send a JSON object, e.g. {"rateLimitPerMinute": 600, "rateLimitMbPerMinute": null}'],
    ] as const) {
      const refused = await patch(project.id, body);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ error });
    }
    expect((await patch('999', { rateLimitPerMinute: 5 })).status).toBe(404);
    expect((await patch(project.id, { rateLimitPerMinute: 5 }, 'wrong')).status).toBe(401);
  });

  it('should refuse a batch of more events than the whole burst with 413, not a 429 that waiting never ends', async () => {
    const project = await server.context.projects.create('batch');
    const batch = (count: number) =>
      JSON.stringify(Array.from({ length: count }, () => ({ log: ['ERROR: x'] })));
    const response = await ingest(batch(51), project.publicKey);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toBe(
      'a batch of 51 events: this key may send at most 50 at once, send fewer per request',
    );
    expect((await ingest(batch(50), project.publicKey)).status).toBe(200);
    expect((await ingest(batch(1), project.publicKey)).status).toBe(429);
  });

  it('should limit the telemetry a Sentry SDK sends apart from its errors, naming its categories', async () => {
    // The real SDK, five errors each with an attachment of 700 KB, against the key's 2 MiB a minute. The
    // third attachment is past it: that answer names `attachment`, and the SDK sends its last two errors
    // without theirs. Counted with the errors, the third was a 429 for everything and the SDK held back
    // the last two errors too.
    const project = await server.context.projects.create('attachments');
    const before = await server.context.jobs.pending();
    const app = fileURLToPath(new URL('../ingest/__fixtures__/sentry-attachments-app.mjs', import.meta.url));
    const dsn = `http://${project.publicKey}@${new URL(server.url).host}/${project.id}`;
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        [app],
        { env: { PATH: process.env.PATH, TRIAGE_SENTRY_DSN: dsn } },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    expect((await server.context.jobs.pending()) - before).toBe(5);
    expect(await stats()).toMatchObject({ telemetryLimitedRequests: 1, telemetryLimitedBytes: 700_000 });

    // An envelope of telemetry alone, past the limit, is a 429 that names its categories; one whose key
    // is only in its own header is counted once the key is read.
    const replay = 'r'.repeat(800_000);
    const envelope = [
      JSON.stringify({ dsn }),
      JSON.stringify({ type: 'replay_recording', length: replay.length }),
      replay,
      JSON.stringify({ type: 'span' }),
      '{}',
    ].join('\n');
    const post = (body: string) =>
      fetch(`${server.url}/api/${project.id}/envelope/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-sentry-envelope' },
        body,
      });
    const refused = await post(envelope);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-sentry-rate-limits')).toMatch(/^\d+:replay;span:key$/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /^rate limit exceeded for this key's replay, span: retry in \d+s \(its errors are not held back\)$/,
    );
    // Its errors still have their own bytes.
    const error = [
      JSON.stringify({ dsn }),
      '{"type":"event"}',
      JSON.stringify({ message: 'x'.repeat(900_000) }),
    ];
    const accepted = await post(error.join('\n'));
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('x-sentry-rate-limits')).toBeNull();

    // An envelope refused before it is split (a wrong length) still counts its bytes against its key:
    // 900 KB more than the 1.1 MB left is a 429 for the next.
    const malformed = () =>
      fetch(`${server.url}/api/${project.id}/envelope/?sentry_key=${project.publicKey}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-sentry-envelope' },
        body: `{}\n{"type":"event","length":10}\n${'x'.repeat(900_000)}`,
      });
    const refusedBefore = (await stats()).byteLimitedRequests!;
    expect((await malformed()).status).toBe(400);
    expect((await malformed()).status).toBe(429);
    expect((await stats()).byteLimitedRequests).toBe(refusedBefore + 1);

    // An envelope refused for its events takes none of its telemetry's bytes.
    const limited = (await server.context.projects.create('few-events'))!;
    await server.context.projects.setRateLimits({ name: 'few-events' }, { eventsPerMinute: 1 });
    const withReplay = () =>
      fetch(`${server.url}/api/${limited.id}/envelope/?sentry_key=${limited.publicKey}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-sentry-envelope' },
        body: [
          '{}',
          '{"type":"event"}',
          '{"message":"m"}',
          '{"type":"replay_video"}',
          'r'.repeat(800_000),
        ].join('\n'),
      });
    const telemetryBefore = (await stats()).telemetryLimitedRequests!;
    expect((await withReplay()).status).toBe(200);
    for (let index = 0; index < 3; index++) expect((await withReplay()).status).toBe(429);
    expect((await stats()).telemetryLimitedRequests).toBe(telemetryBefore);

    // Telemetry larger than the whole bucket is never taken; its error is, as every other.
    const other = await server.context.projects.create('huge-replay');
    const huge = 'h'.repeat(2 * MIB + 1);
    const withHuge = await fetch(`${server.url}/api/${other.id}/envelope/?sentry_key=${other.publicKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-sentry-envelope' },
      body: ['{}', '{"type":"event"}', '{"message":"crashed"}', '{"type":"replay_video"}', huge].join('\n'),
    });
    expect(withHuge.status).toBe(200);
    expect(withHuge.headers.get('x-sentry-rate-limits')).toBe('60:replay:key');
  });
});
