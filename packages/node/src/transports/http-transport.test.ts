import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { RequestInfo, TriageEvent } from '@triage/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CrashKeeper } from '../crash-keeping.js';
import { createTriage, type Triage } from '../triage.js';
import { HttpTransport, type HttpTransportOptions } from './http-transport.js';
import type { TransportJob } from './transport.js';

interface Received {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  /** Bytes as sent (compressed or not). */
  raw: Buffer;
  events: TriageEvent[];
  /** When the server had read the whole request. */
  at: number;
}

/** 'hang': never answers; 'cut': answers 200 and the start of its body, never the rest. */
type Reply = { status: number; headers?: Record<string, string>; body?: unknown } | 'hang' | 'cut';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllEnvs();
});

/** A local Triage server that records requests and answers as `reply` says (default: 200 with ids). */
async function startServer(
  reply: (request: Received, index: number) => Reply = () => ({ status: 200 }),
  port = 0,
) {
  const requests: Received[] = [];
  /** Requests whose client gave up on them before they were answered. */
  let abandoned = 0;
  const server = createServer(async (request, response) => {
    response.on('close', () => {
      if (!response.writableFinished) abandoned++;
    });
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const json = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    const received: Received = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      raw,
      events: (JSON.parse(json.toString('utf8')) as { events: TriageEvent[] }).events,
      at: Date.now(),
    };
    requests.push(received);
    const answer = reply(received, requests.length - 1);
    if (answer === 'hang') return;
    if (answer === 'cut') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(`{"ids":["${received.events[0]?.id}"`);
      return;
    }
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.body ?? { ids: received.events.map((event) => event.id) }));
  });
  await listen(server, port);
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  cleanups.push(close);
  const { port: bound } = server.address() as AddressInfo;
  return {
    requests,
    port: bound,
    dsn: `http://public-key@127.0.0.1:${bound}/42`,
    close,
    abandoned: () => abandoned,
  };
}

function listen(server: Server, port: number) {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

function transportFor(dsn: string, options: Partial<HttpTransportOptions> = {}) {
  const failures: string[] = [];
  const drops: Array<[string, number]> = [];
  const transport = new HttpTransport({
    dsn,
    flushIntervalMs: 20,
    retryBaseMs: 20,
    retryMaxMs: 100,
    onFailure: (stage, error) => failures.push(`${stage}: ${(error as Error).message}`),
    onDrop: (reason, count) => drops.push([reason, count]),
    ...options,
  });
  cleanups.push(() => transport.close(100));
  return { transport, failures, drops };
}

/** A new directory for a CrashKeeper's files. */
function keptDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'triage-kept-'));
}

function event(index: number, message = `event ${index}`): TriageEvent {
  return {
    id: `id-${index}`,
    timestamp: 1_700_000_000_000 + index,
    level: 'error',
    log: [{ level: 'error', message }],
  };
}

function job(index: number, message?: string): TransportJob {
  return { event: () => event(index, message) };
}

function messages(requests: Received[]): string[] {
  return requests.flatMap((request) => request.events.map((sent) => sent.log[0]!.message));
}

async function until(condition: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('HttpTransport', () => {
  it('should send N scopes in ceil(N / batchSize) requests, in order, with the key header', async () => {
    const server = await startServer();
    const { transport } = transportFor(server.dsn, { batchSize: 10 });
    for (let index = 0; index < 25; index++) transport.send(job(index));
    expect(await transport.flush(5_000)).toBe(true);
    expect(server.requests.map((request) => request.events.length)).toEqual([10, 10, 5]);
    expect(messages(server.requests)).toEqual(Array.from({ length: 25 }, (_, index) => `event ${index}`));
    const [first] = server.requests;
    expect(first?.method).toBe('POST');
    expect(first?.url).toBe('/api/v1/events');
    expect(first?.headers['x-triage-key']).toBe('public-key');
    expect(first?.headers['content-type']).toBe('application/json');
    expect(transport.stats()).toMatchObject({ sent: 25, requests: 3, retries: 0, failures: 0 });
  });

  it('should build events in the background, not in send(), and send a partial batch after the interval', async () => {
    const server = await startServer();
    const { transport } = transportFor(server.dsn, { batchSize: 50, flushIntervalMs: 30 });
    let built = 0;
    const counted = (index: number): TransportJob => ({
      event: () => {
        built++;
        return event(index);
      },
    });
    transport.send(counted(1));
    transport.send(counted(2));
    expect(built).toBe(0);
    await until(() => server.requests.length === 1);
    expect(built).toBe(2);
    expect(messages(server.requests)).toEqual(['event 1', 'event 2']);
  });

  it('should gzip a body over 1 KB and leave a small one plain', async () => {
    const server = await startServer();
    const { transport } = transportFor(server.dsn);
    transport.send(job(1));
    expect(await transport.flush(5_000)).toBe(true);
    const big = [event(2, 'x'.repeat(800)), event(3, 'y'.repeat(800))];
    for (const sent of big) transport.send({ event: () => sent });
    expect(await transport.flush(5_000)).toBe(true);
    const [small, large] = server.requests;
    expect(small?.headers['content-encoding']).toBeUndefined();
    expect(large?.headers['content-encoding']).toBe('gzip');
    expect(large!.raw.length).toBeLessThan(1024);
    expect(JSON.parse(gunzipSync(large!.raw).toString('utf8'))).toEqual({ events: big });
  });

  it('should wait for Retry-After on 429, even when flushed, then deliver', async () => {
    const server = await startServer((_request, index) =>
      index === 0
        ? { status: 429, headers: { 'retry-after': '1' }, body: { error: 'over quota' } }
        : { status: 200 },
    );
    const { transport } = transportFor(server.dsn);
    transport.send(job(1));
    expect(await transport.flush(5_000)).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(1_000);
    expect(messages(server.requests)).toEqual(['event 1', 'event 1']);
    expect(transport.stats()).toMatchObject({ sent: 1, retries: 1 });
  });

  it('should split a batch the server finds too large (413) and retry each half, in order', async () => {
    const server = await startServer((request) =>
      request.events.length > 2 ? { status: 413 } : { status: 200 },
    );
    const { transport, drops } = transportFor(server.dsn, { batchSize: 5 });
    for (let index = 0; index < 5; index++) transport.send(job(index));
    expect(await transport.flush(5_000)).toBe(true);
    expect(server.requests.map((request) => request.events.length)).toEqual([5, 3, 2, 1, 2]);
    const accepted = server.requests.filter((request) => request.events.length <= 2);
    expect(messages(accepted)).toEqual(['event 0', 'event 1', 'event 2', 'event 3', 'event 4']);
    expect(drops).toEqual([]);
  });

  it('should drop and count a single event that is still too large', async () => {
    const server = await startServer((request) =>
      request.events.some((sent) => sent.log[0]!.message === 'huge') ? { status: 413 } : { status: 200 },
    );
    const { transport, drops, failures } = transportFor(server.dsn);
    transport.send(job(1));
    transport.send(job(2, 'huge'));
    transport.send(job(3));
    expect(await transport.flush(5_000)).toBe(false);
    const accepted = server.requests.filter(
      (request) => !request.events.some((sent) => sent.log[0]!.message === 'huge'),
    );
    expect(messages(accepted)).toEqual(['event 1', 'event 3']);
    expect(drops).toEqual([['too-large', 1]]);
    expect(failures).toHaveLength(1);
  });

  // One event the server refused with 400 (a depth limit counted from the body, not the event) lost
  // the 49 others of its batch.
  it('should split a batch refused with 400 and drop only the event refused, logging its reason once', async () => {
    const refuses = (request: Received) => request.events.some((sent) => sent.log[0]!.message === 'bad');
    const server = await startServer((request) =>
      refuses(request)
        ? { status: 400, body: { error: 'event 0: nesting deeper than 64' } }
        : { status: 200 },
    );
    const { transport, drops, failures } = transportFor(server.dsn, { batchSize: 5 });
    for (let index = 0; index < 5; index++) transport.send(job(index, index === 2 ? 'bad' : undefined));
    expect(await transport.flush(5_000)).toBe(false);
    expect(server.requests.map((request) => request.events.length)).toEqual([5, 3, 2, 1, 2]);
    const accepted = server.requests.filter((request) => !refuses(request));
    expect(messages(accepted)).toEqual(['event 0', 'event 1', 'event 3', 'event 4']);
    transport.send(job(5, 'bad'));
    expect(await transport.flush(5_000)).toBe(false);
    expect(drops).toEqual([
      ['rejected', 1],
      ['rejected', 1],
    ]);
    expect(failures).toEqual([
      'send: the Triage server rejected an event (HTTP 400): event 0: nesting deeper than 64; dropped',
    ]);
    expect(transport.stats()).toMatchObject({ sent: 4, dropped: { rejected: 2 }, retries: 0 });
  });

  // The native endpoint stores what it can of a batch and lists the rest: they were counted as sent.
  it('should count the events a 2xx lists as refused as dropped, and the others as sent', async () => {
    const server = await startServer((request, index) =>
      index === 0
        ? {
            status: 200,
            body: {
              ids: [request.events[0]!.id, request.events[2]!.id],
              errors: [{ index: 1, error: 'log must be an array' }],
            },
          }
        : { status: 200 },
    );
    const { transport, drops, failures } = transportFor(server.dsn);
    for (let index = 0; index < 3; index++) transport.send(job(index));
    expect(await transport.flush(5_000)).toBe(false);
    expect(transport.stats()).toMatchObject({ sent: 2, dropped: { rejected: 1 }, retries: 0 });
    expect(drops).toEqual([['rejected', 1]]);
    expect(failures).toEqual([
      'send: the Triage server refused 1 of the 3 event(s) of a batch, dropped (event 1: log must be an array)',
    ]);
    transport.send(job(3));
    expect(await transport.flush(5_000)).toBe(true);
    expect(transport.stats()).toMatchObject({ sent: 3 });
  });

  it('should drop on 401 and log once, naming TRIAGE_DSN', async () => {
    const server = await startServer(() => ({ status: 401, body: { error: 'unknown key' } }));
    const { transport, drops, failures } = transportFor(server.dsn);
    transport.send(job(1));
    expect(await transport.flush(5_000)).toBe(false);
    transport.send(job(2));
    expect(await transport.flush(5_000)).toBe(false);
    expect(drops).toEqual([
      ['unauthorized', 1],
      ['unauthorized', 1],
    ]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/TRIAGE_DSN/);
    expect(failures[0]).not.toContain('public-key');
  });

  it.each([301, 307])(
    'should not follow a %i: the batch is dropped, counted and logged once, and the key goes nowhere else',
    async (status) => {
      const elsewhere = await startServer();
      const server = await startServer(() => ({
        status,
        headers: { location: `http://127.0.0.1:${elsewhere.port}/api/v1/events` },
      }));
      const { transport, drops, failures } = transportFor(server.dsn);
      transport.send(job(1));
      expect(await transport.flush(5_000)).toBe(false);
      transport.send(job(2));
      expect(await transport.flush(5_000)).toBe(false);
      // Followed, a 301 became a GET without the events (lost, "sent" when answered 200), and either
      // status carried X-Triage-Key to the other address.
      expect(elsewhere.requests).toHaveLength(0);
      expect(server.requests).toHaveLength(2);
      expect(drops).toEqual([
        ['redirected', 1],
        ['redirected', 1],
      ]);
      expect(failures).toEqual([
        `send: the Triage server at http://127.0.0.1:${server.port}/api/v1/events answered ${status}, a redirect to http://127.0.0.1:${elsewhere.port}/api/v1/events; redirects are not followed (they would lose the events or send the key elsewhere): point TRIAGE_DSN (or the dsn option) at the address it redirects to. Events are dropped until then`,
      ]);
    },
  );

  it('should retry a 500 with backoff and deliver the batch once', async () => {
    const server = await startServer((_request, index) => (index === 0 ? { status: 500 } : { status: 200 }));
    const { transport, failures } = transportFor(server.dsn);
    for (let index = 0; index < 3; index++) transport.send(job(index));
    expect(await transport.flush(5_000)).toBe(true);
    expect(server.requests.map((request) => request.events.length)).toEqual([3, 3]);
    expect(transport.stats()).toMatchObject({ sent: 3, requests: 2, retries: 1, failures: 1 });
    expect(failures).toEqual([expect.stringMatching(/failed on a batch \(HTTP 500: .*\); retrying it$/)]);
  });

  // An event the server fails on every time (a bug it triggers there) held back every event behind it.
  it('should split a batch the server answers 500 three times, and drop the event it fails on', async () => {
    const poisoned = (request: Received) => request.events.some((sent) => sent.log[0]!.message === 'poison');
    const server = await startServer((request) =>
      poisoned(request) ? { status: 500, body: { error: 'internal error' } } : { status: 200 },
    );
    const { transport, drops, failures } = transportFor(server.dsn, { batchSize: 4 });
    for (let index = 0; index < 4; index++) transport.send(job(index, index === 1 ? 'poison' : undefined));
    expect(await transport.flush(5_000)).toBe(false);
    expect(server.requests.map((request) => request.events.length)).toEqual([
      4, 4, 4, 2, 2, 2, 1, 1, 1, 1, 2,
    ]);
    expect(messages(server.requests.filter((request) => !poisoned(request)))).toEqual([
      'event 0',
      'event 2',
      'event 3',
    ]);
    expect(drops).toEqual([['server-error', 1]]);
    expect(failures).toEqual([
      expect.stringMatching(/failed on a batch \(HTTP 500: internal error\); retrying it$/),
      expect.stringMatching(/failed 3 times on an event \(HTTP 500: internal error\); dropped$/),
    ]);
  });

  it('should keep retrying a batch while the server is unavailable (502, 503, 504), never dropping it', async () => {
    const server = await startServer((_request, index) =>
      index < 6 ? { status: [502, 503, 504][index % 3]! } : { status: 200 },
    );
    const { transport, drops } = transportFor(server.dsn);
    transport.send(job(1));
    transport.send(job(2));
    await until(() => server.requests.length === 7);
    expect(await transport.flush(5_000)).toBe(true);
    expect(server.requests.map((request) => request.events.length)).toEqual([2, 2, 2, 2, 2, 2, 2]);
    expect(drops).toEqual([]);
  });

  // A 503 says how long the server needs (its database down: 5 s; its memory full: 1 s); retried at
  // once by flush(), it got the same answer, over and over.
  it.each([503, 500])('should wait for the Retry-After of a %i, even when flushed', async (status) => {
    const server = await startServer((_request, index) =>
      index === 0 ? { status, headers: { 'retry-after': '1' } } : { status: 200 },
    );
    const { transport } = transportFor(server.dsn);
    transport.send(job(1));
    expect(await transport.flush(5_000)).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(1_000);
  });

  // An application that flushed every 20 ms while the server answered 503 made one request per flush.
  it('should not try more than once per retryBaseMs however often it is flushed', async () => {
    const server = await startServer(() => ({ status: 503 }));
    const { transport } = transportFor(server.dsn, { retryBaseMs: 200, retryMaxMs: 60_000 });
    transport.send(job(1));
    const stop = Date.now() + 1_200;
    while (Date.now() < stop) {
      void transport.flush(200);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(server.requests.length).toBeLessThanOrEqual(10);
    // A backoff's jitter alone may end at half of retryBaseMs; flush never brings it sooner.
    const gaps = server.requests.slice(1).map((request, index) => request.at - server.requests[index]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(90);
  });

  it('should still cut a backoff short when flushed, to retryBaseMs after the last attempt', async () => {
    // Without flush, the six waits back off to at least 50 + 100 + 200 + 400 + 800 + 1,600 ms.
    const server = await startServer((_request, index) => (index < 6 ? { status: 503 } : { status: 200 }));
    const { transport } = transportFor(server.dsn, { retryBaseMs: 100, retryMaxMs: 60_000 });
    transport.send(job(1));
    const deadline = Date.now() + 2_500;
    while (server.requests.length < 7 && Date.now() < deadline) {
      void transport.flush(50);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(server.requests).toHaveLength(7);
  });

  it('should keep events while the server is down and deliver them once it is up', async () => {
    const probe = await startServer();
    const { port, dsn } = probe;
    await probe.close();
    const { transport, failures } = transportFor(dsn, { retryBaseMs: 20, retryMaxMs: 50 });
    for (let index = 0; index < 3; index++) transport.send(job(index));
    await until(() => (transport.stats().failures as number) >= 2);
    expect(failures).toEqual([expect.stringMatching(/unavailable .*ECONNREFUSED/)]);
    const server = await startServer(undefined, port);
    expect(await transport.flush(5_000)).toBe(true);
    expect(messages(server.requests)).toEqual(['event 0', 'event 1', 'event 2']);
  });

  it('should drop and count the oldest scope when the buffer is full', async () => {
    const server = await startServer();
    const { transport, drops } = transportFor(server.dsn, { maxBuffered: 3, flushIntervalMs: 60_000 });
    for (let index = 0; index < 5; index++) transport.send(job(index));
    expect(drops).toEqual([
      ['buffer-full', 1],
      ['buffer-full', 1],
    ]);
    expect(await transport.flush(5_000)).toBe(true);
    expect(messages(server.requests)).toEqual(['event 2', 'event 3', 'event 4']);
    expect(transport.stats()).toMatchObject({ sent: 3, dropped: { 'buffer-full': 2 } });
  });

  it('should resolve flush() false when the server never answers in time, and close() drops what is left', async () => {
    const server = await startServer(() => 'hang');
    const { transport, drops } = transportFor(server.dsn);
    transport.send(job(1));
    expect(await transport.flush(200)).toBe(false);
    expect(server.requests).toHaveLength(1);
    expect(await transport.close(50)).toBe(false);
    expect(drops).toEqual([['closed', 1]]);
    transport.send(job(2));
    expect(transport.stats()).toMatchObject({ dropped: { closed: 2 }, buffered: 0, inFlight: 0 });
  });

  it('should keep at close what the server did not get in time, and send it from the next transport', async () => {
    const directory = keptDirectory();
    const hung = await startServer(() => 'hang');
    const notes: string[] = [];
    const { transport, drops } = transportFor(hung.dsn, {
      keeper: new CrashKeeper(directory),
      onNote: (line) => notes.push(line),
    });
    transport.send(job(1));
    transport.send(job(2));
    expect(await transport.close(200)).toBe(false);
    expect(drops).toEqual([]);
    expect(transport.stats()).toMatchObject({ kept: 2 });
    const [name] = readdirSync(directory);
    expect(notes).toEqual([
      `closing with 2 event(s) not sent to http://127.0.0.1:${hung.port}/api/v1/events: kept in ${join(directory, name!)}, for the next start of this application to send`,
    ]);

    const server = await startServer();
    const next = transportFor(server.dsn, { keeper: new CrashKeeper(directory) });
    await next.transport.replayKept();
    expect(await next.transport.flush(5_000)).toBe(true);
    // The same events, under the same ids: a server that got them before counts them once.
    expect(server.requests.flatMap((request) => request.events.map((item) => item.id))).toEqual([
      'id-1',
      'id-2',
    ]);
    expect(readdirSync(directory)).toEqual([]);
  });

  it('should retry a request that times out', async () => {
    const server = await startServer((_request, index) => (index === 0 ? 'hang' : { status: 200 }));
    const { transport } = transportFor(server.dsn, { timeoutMs: 100 });
    transport.send(job(1));
    expect(await transport.flush(5_000)).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  // The server had stored the events (its 200 had come) when the timeout cut the rest of its body:
  // they were sent again.
  it('should count as sent a batch answered 200 whose body is cut short', async () => {
    const server = await startServer((_request, index) => (index === 0 ? 'cut' : { status: 200 }));
    const { transport, failures } = transportFor(server.dsn, { timeoutMs: 200 });
    transport.send(job(1));
    expect(await transport.flush(5_000)).toBe(true);
    expect(server.requests).toHaveLength(1);
    expect(transport.stats()).toMatchObject({ sent: 1, requests: 1, retries: 0, failures: 0 });
    expect(failures).toEqual([]);
  });

  // The events kept at exit stayed queued, and the request in flight held the exiting process until
  // timeoutMs: sent and kept both, and their flush waiters settled twice.
  it('should take the events it keeps at exit out of the queue and abort the request in flight', async () => {
    const directory = keptDirectory();
    const server = await startServer((_request, index) => (index === 0 ? 'hang' : { status: 200 }));
    const { transport, failures, drops } = transportFor(server.dsn, {
      timeoutMs: 20_000,
      keeper: new CrashKeeper(directory),
    });
    transport.send(job(1));
    transport.send(job(2));
    await until(() => server.requests.length === 1);
    transport.send(job(3));
    const flushing = transport.flush(5_000);
    expect(transport.keepAtExit()).toBe(0);
    expect(await flushing).toBe(false);
    expect(transport.stats()).toMatchObject({ kept: 3, sent: 0, buffered: 0, inFlight: 0 });
    await until(() => server.abandoned() === 1);
    const [name] = readdirSync(directory);
    const kept = JSON.parse(readFileSync(join(directory, name!), 'utf8')) as { events: TriageEvent[] };
    expect(kept.events.map((item) => item.id)).toEqual(['id-1', 'id-2', 'id-3']);
    // Still open: the process may live on after beforeExit.
    transport.send(job(4));
    expect(await transport.flush(5_000)).toBe(true);
    expect(server.requests.map((request) => request.events.map((item) => item.id))).toEqual([
      ['id-1', 'id-2'],
      ['id-4'],
    ]);
    expect(failures).toEqual([]);
    expect(drops).toEqual([]);
  });

  // An exit keeps the buffer and the batch in flight (up to maxBuffered + batchSize): such a file was
  // given back at every start, never sent, and nothing said so.
  it('should replay the newest maxBuffered events of a kept crash that could never fit, and count the rest', async () => {
    const directory = keptDirectory();
    new CrashKeeper(directory).keepWritten([1, 2, 3].map((index) => JSON.stringify(event(index))));
    const server = await startServer();
    const notes: string[] = [];
    const { transport, drops } = transportFor(server.dsn, {
      maxBuffered: 2,
      keeper: new CrashKeeper(directory),
      onNote: (line) => notes.push(line),
    });
    await transport.replayKept();
    expect(await transport.flush(5_000)).toBe(true);
    expect(server.requests.flatMap((request) => request.events.map((item) => item.id))).toEqual([
      'id-2',
      'id-3',
    ]);
    expect(drops).toEqual([['buffer-full', 1]]);
    expect(notes).toEqual([
      expect.stringMatching(
        /^sending 3 event\(s\) that process \d+ could not send before it ended \(at .*Z\); its oldest 1 are dropped \(maxBuffered is 2\)$/,
      ),
    ]);
    expect(readdirSync(directory)).toEqual([]);
  });

  // A kept file was deleted once its events were buffered: a process killed during the outage, right
  // after its start, lost them.
  it('should delete a kept file once its events are delivered, not once they are buffered', async () => {
    const directory = keptDirectory();
    new CrashKeeper(directory).keepWritten([1, 2].map((index) => JSON.stringify(event(index))));
    const server = await startServer((_request, index) => (index < 2 ? { status: 503 } : { status: 200 }));
    const { transport } = transportFor(server.dsn, { keeper: new CrashKeeper(directory) });
    expect(await transport.replayKept()).toBe(2);
    await until(() => server.requests.length === 1);
    expect(readdirSync(directory)).toEqual([expect.stringMatching(/\.json\.claimed-\d+$/)]);
    expect(await transport.flush(5_000)).toBe(true);
    expect(readdirSync(directory)).toEqual([]);
  });

  it('should keep a replayed file whose events were dropped for the key, not for what they hold', async () => {
    const directory = keptDirectory();
    new CrashKeeper(directory).keepWritten([1, 2].map((index) => JSON.stringify(event(index))));
    // A key rotated meanwhile: the server never had them, and a start with the new key should send them.
    const server = await startServer(() => ({ status: 401 }));
    const { transport } = transportFor(server.dsn, { keeper: new CrashKeeper(directory) });
    expect(await transport.replayKept()).toBe(2);
    expect(await transport.flush(5_000)).toBe(false);
    expect(transport.stats()).toMatchObject({ dropped: { unauthorized: 2 } });
    expect(readdirSync(directory)).toHaveLength(1);
  });

  it('should replace a replayed file with the one it keeps again at a crash, not add another', async () => {
    const directory = keptDirectory();
    new CrashKeeper(directory).keepWritten([1, 2].map((index) => JSON.stringify(event(index))));
    const server = await startServer(() => 'hang');
    const { transport } = transportFor(server.dsn, { keeper: new CrashKeeper(directory) });
    await transport.replayKept();
    await until(() => server.requests.length === 1);
    transport.send(job(3));
    transport.sendAtCrash(0);
    const files = readdirSync(directory);
    expect(files).toEqual([expect.stringMatching(/^crash-\d+-\d+-[0-9a-f]+\.json$/)]);
    const kept = JSON.parse(readFileSync(join(directory, files[0]!), 'utf8')) as { events: TriageEvent[] };
    expect(kept.events.map((item) => item.id)).toEqual(['id-1', 'id-2', 'id-3']);
  });

  // Counted as a drop ('on-analysis-remote'), though its event was sent.
  it("should count a scope's onAnalysis as ignored, not dropped, and drop an event that fails to build", async () => {
    const server = await startServer();
    const { transport, drops, failures } = transportFor(server.dsn);
    transport.send({ event: () => event(1), onAnalysis: () => {} });
    transport.send({ event: () => event(2), onAnalysis: () => {} });
    transport.send({
      event: () => {
        throw new Error('formatting failed');
      },
    });
    expect(await transport.flush(5_000)).toBe(false);
    expect(messages(server.requests)).toEqual(['event 1', 'event 2']);
    expect(transport.stats()).toMatchObject({
      sent: 2,
      dropped: { 'event-failed': 1 },
      ignored: { 'on-analysis-remote': 2 },
    });
    expect(drops).toEqual([['event-failed', 1]]);
    expect(failures).toEqual([
      expect.stringMatching(/^onAnalysis: .*in-process engine/),
      'event: formatting failed',
    ]);
  });

  it('should throw at construction for a malformed DSN or option', () => {
    expect(() => new HttpTransport({ dsn: 'http://127.0.0.1:7070/42' })).toThrow(/TRIAGE_DSN/);
    expect(() => new HttpTransport({ dsn: 'http://key@127.0.0.1:7070/42', batchSize: 0 })).toThrow(
      RangeError,
    );
  });
});

describe('createTriage with a DSN', () => {
  let triage: Triage | undefined;
  afterEach(async () => {
    await triage?.close(100);
    triage = undefined;
  });

  it("should deliver an ended scope with errors to the server as a TriageEvent with the scope's lines", async () => {
    const server = await startServer();
    const diagnostics: string[] = [];
    triage = createTriage({
      dsn: server.dsn,
      summary: 'none',
      service: 'checkout-api',
      diagnostics: (line) => diagnostics.push(line),
    });
    const quiet = triage.scope({ func: 'Healthcheck' });
    quiet.info('all good');
    quiet.end();
    const scope = triage.scope({ file: 'src/api/checkout.ts', func: 'HandleCheckout', priority: 'P0' });
    scope.info('charging order %s', 'ord_1');
    scope.error('Payment declined', { orderId: 'ord_1' });
    scope.end();
    expect(await triage.flush(5_000)).toBe(true);
    expect(server.requests).toHaveLength(1);
    const [sent] = server.requests[0]!.events;
    expect(sent).toMatchObject({
      level: 'error',
      service: 'checkout-api',
      source: { file: 'src/api/checkout.ts', function: 'HandleCheckout' },
      priority: 'P0',
    });
    expect(sent?.log.map((line) => [line.level, line.message])).toEqual([
      ['info', 'charging order ord_1'],
      ['error', 'Payment declined {"orderId":"ord_1"}'],
    ]);
    expect(triage.stats().transport).toMatchObject({ sent: 1 });
    await expect(triage.ready()).rejects.toThrow(/Triage server/);
    expect(diagnostics).toEqual([]);
  });

  // "Nothing leaves the process before redaction": the events were sent as captured, and the server
  // redacted them; the network, its proxies and the server's access logs saw emails and tokens.
  it('should redact what it sends, and send a pseudonym of the user made before', async () => {
    const server = await startServer();
    const token = `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`;
    const send = async (options: Parameters<typeof createTriage>[0]) => {
      triage = createTriage({ dsn: server.dsn, summary: 'none', ...options });
      const scope = triage.scope({
        func: 'Charge',
        user: { email: 'jane@example.com' },
        tags: { card: '4242 4242 4242 4242' },
      });
      scope.error('charge failed for jane@example.com with key %s', token);
      scope.end();
      expect(await triage.flush(5_000)).toBe(true);
      await triage.close(100);
      const request = server.requests.at(-1)!;
      const wire = (
        request.headers['content-encoding'] === 'gzip' ? gunzipSync(request.raw) : request.raw
      ).toString();
      return { wire, event: request.events[0]! };
    };
    const { wire, event } = await send({});
    for (const secret of ['jane@example.com', token, '4242 4242 4242 4242'])
      expect(wire).not.toContain(secret);
    expect(event.log.map((line) => line.message)).toEqual([
      `charge failed for [email] with key [stripe_key]`,
    ]);
    expect(event.user).toMatchObject({
      email: '[email]',
      pseudonym: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    // Another instance of the application (same DSN) gives the same user the same pseudonym; another
    // key, given as the engine's userKeySecret, another one.
    expect((await send({})).event.user?.pseudonym).toBe(event.user?.pseudonym);
    expect((await send({ engine: { userKeySecret: 'other' } })).event.user?.pseudonym).not.toBe(
      event.user?.pseudonym,
    );
    // The engine's redact options apply too.
    const custom = await send({
      engine: { redact: { patterns: [{ pattern: /Charge|charge/g, replacement: '[verb]' }] } },
    });
    expect(custom.event.log[0]?.message).toBe('[verb] failed for [email] with key [stripe_key]');
    triage = undefined;
  });

  // The user and request were sent as the application gave them (redacted): a name, a phone number,
  // an address and the request's cookies left the process, for the server to drop on arrival.
  it('should send only the user and request fields the server keeps', async () => {
    const server = await startServer();
    triage = createTriage({ dsn: server.dsn, summary: 'none' });
    const scope = triage.scope({
      func: 'Checkout',
      user: { id: '42', name: 'Jane Doe', phone: '+1 415 555 2671', address: '1 Main St, Springfield' },
      request: {
        method: 'POST',
        url: '/checkout',
        status: 500,
        headers: { 'user-agent': 'curl/8', 'x-count': 3 as unknown as string },
        cookies: { sid: 's3cr3tSessionValue' },
      } as RequestInfo,
    });
    scope.error('checkout failed');
    scope.end();
    expect(await triage.flush(5_000)).toBe(true);
    const request = server.requests[0]!;
    const wire = (
      request.headers['content-encoding'] === 'gzip' ? gunzipSync(request.raw) : request.raw
    ).toString();
    // The phone by what no timestamp or pseudonym holds: '415' alone was found in a timestamp once.
    for (const dropped of ['Jane Doe', 'phone', '555 2671', 'Main St', 's3cr3tSessionValue', 'cookies'])
      expect(wire).not.toContain(dropped);
    const [sent] = request.events;
    expect(Object.keys(sent?.user ?? {}).sort()).toEqual(['id', 'pseudonym']);
    expect(sent?.user?.id).toBe('42');
    expect(sent?.request).toEqual({
      method: 'POST',
      url: '/checkout',
      status: 500,
      headers: { 'user-agent': 'curl/8', 'x-count': '3' },
    });
  });

  // A JavaScript application's ids are often numbers: the pseudonym's HMAC threw on one, and the
  // event was dropped as `event-failed`.
  it('should send the event of a user whose id is a number, the id as text', async () => {
    const server = await startServer();
    triage = createTriage({ dsn: server.dsn, summary: 'none' });
    const scope = triage.scope({ func: 'Checkout', user: { id: 42 as unknown as string } });
    scope.error('checkout failed');
    scope.end();
    expect(await triage.flush(5_000)).toBe(true);
    expect(server.requests[0]?.events[0]?.user).toEqual({
      id: '42',
      pseudonym: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it('should read TRIAGE_DSN, and count a dropped batch in the client stats', async () => {
    const server = await startServer(() => ({ status: 403 }));
    vi.stubEnv('TRIAGE_DSN', server.dsn);
    const diagnostics: string[] = [];
    triage = createTriage({ summary: 'none', diagnostics: (line) => diagnostics.push(line) });
    const scope = triage.scope({ func: 'Job' });
    scope.error('boom');
    scope.end();
    expect(await triage.flush(5_000)).toBe(false);
    expect(server.requests).toHaveLength(1);
    expect(triage.stats().sdk).toMatchObject({ 'dropped:unauthorized': 1 });
    expect(diagnostics).toEqual([expect.stringMatching(/^\[triage\] send failed: .*TRIAGE_DSN/)]);
  });

  it('should fail fast in createTriage for a malformed DSN', () => {
    expect(() => createTriage({ dsn: 'http://127.0.0.1:7070/42', summary: 'none' })).toThrow(RangeError);
    vi.stubEnv('TRIAGE_DSN', 'https://key@triage.example.com');
    expect(() => createTriage({ summary: 'none' })).toThrow(/TRIAGE_DSN .*no project id/);
  });
});
