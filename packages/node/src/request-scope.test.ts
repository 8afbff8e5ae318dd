import { once } from 'node:events';
import { Agent, createServer, get as httpGet, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnalysisReport } from '@triage/engine';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { quietClients, quietOptions } from './__fixtures__/quiet-options.js';
import type { Triage } from './triage.js';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});
/** A client in process, alerting nobody, that hands each analysis to its `reports`. */
const client = quietClients();

async function serve(app: express.Express): Promise<string> {
  const server = createServer(app);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A shop's API: a route that logs, one that throws, one that answers 503, one that rejects later. */
function shop(triage: Triage, options: Parameters<Triage['middleware']>[0] = {}) {
  const app = express();
  app.use(triage.middleware(options));
  const orders = express.Router();
  orders.get('/:id', (request, response) => {
    triage.current()?.info('looking up order %s', request.params.id);
    if (request.params.id === '7')
      throw new TypeError("Cannot read properties of undefined (reading 'total')");
    response.json({ id: request.params.id });
  });
  app.use('/orders', orders);
  app.get('/health', (_request, response) => {
    triage.current()?.info('checking the database');
    response.status(503).json({ ok: false });
  });
  app.get('/later', async () => {
    triage.current()?.info('calling the payment provider');
    await new Promise((resolve) => setTimeout(resolve, 5));
    throw new Error('payment provider timed out');
  });
  app.use(triage.errorHandler());
  return app;
}

describe('triage.middleware() with Express', () => {
  it("should analyse a route that throws, with its request's lines, route, status and error", async () => {
    const { triage, reports } = client();
    const base = await serve(shop(triage));
    const answer = await fetch(`${base}/orders/7?token=secret-in-the-query`, {
      headers: { 'user-agent': 'checkout-web/1.4', authorization: 'Bearer abc', cookie: 'session=1' },
    });
    expect(answer.status).toBe(500);
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports).toHaveLength(1);
    const { event } = reports[0]!;
    expect(event.source?.function).toBe('GET /orders/:id');
    expect(event.request).toEqual({
      method: 'GET',
      url: '/orders/7',
      route: '/orders/:id',
      status: 500,
      // Not the authorization header, the cookie or the query string.
      headers: { 'user-agent': 'checkout-web/1.4', accept: '*/*' },
    });
    expect(event.error).toMatchObject({ type: 'TypeError' });
    expect(event.log.map((entry) => entry.message)).toEqual([
      'looking up order 7',
      "TypeError: Cannot read properties of undefined (reading 'total')",
    ]);
  });

  it('should analyse a 5xx answer nothing logged as an error, and leave a 200 alone', async () => {
    const { triage, reports } = client();
    const base = await serve(shop(triage, { scope: { priority: 'P1', tags: { team: 'checkout' } } }));
    expect((await fetch(`${base}/orders/8`)).status).toBe(200);
    expect((await fetch(`${base}/health`)).status).toBe(503);
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports.map((report) => report.event.source?.function)).toEqual(['GET /health']);
    const { event } = reports[0]!;
    expect(event).toMatchObject({ priority: 'P1', tags: { team: 'checkout' }, request: { status: 503 } });
    expect(event.log.map((entry) => entry.message)).toEqual([
      'checking the database',
      'responded 503 to GET /health',
    ]);
    expect(triage.stats()).toMatchObject({ openScopes: 0, scopesEnded: 2 });
  });

  it("should capture an async route's rejection in its own scope, with concurrent requests kept apart", async () => {
    const { triage, reports } = client();
    const base = await serve(shop(triage, { errorStatus: 0 }));
    const answers = await Promise.all([
      fetch(`${base}/later`),
      fetch(`${base}/orders/9`),
      fetch(`${base}/later`),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([500, 200, 500]);
    expect(await triage.flush(5_000)).toBe(true);
    // Two events of one error: the first analysed, the second recorded on its issue.
    expect(triage.stats().transport).toMatchObject({ processed: 2 });
    expect(reports).toHaveLength(1);
    // The analysis made (not reused); its issue counts 1 or 2 events, by when the second was recorded.
    expect(reports[0]?.reused).toBe(false);
    expect([1, 2]).toContain(reports[0]?.issue.count);
    const { event } = reports[0]!;
    expect(event.source?.function).toBe('GET /later');
    expect(event.log.map((entry) => entry.message)).toEqual([
      'calling the payment provider',
      'Error: payment provider timed out',
    ]);
  });

  it('should end a request whose client went away, saying so', async () => {
    const { triage, reports } = client();
    const app = express();
    app.use(triage.middleware());
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    app.get('/slow', async (_request, response) => {
      triage.current()?.error('ERROR: upstream slow');
      await held;
      response.end();
    });
    const base = await serve(app);
    const aborted = new AbortController();
    const answer = fetch(`${base}/slow`, { signal: aborted.signal }).catch(() => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    aborted.abort();
    expect(await answer).toBe('aborted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await triage.flush(5_000)).toBe(true);
    release();
    expect(reports).toHaveLength(1);
    expect(reports[0]?.event.log.at(-1)?.message).toBe(
      'the client closed the connection before the response was sent (GET /slow)',
    );
    expect(reports[0]?.event.request?.status).toBeUndefined();
  });

  it('should follow the process-wide client that triage.init() makes after the app was set up', async () => {
    const { triage } = await import('./default-client.js');
    const app = express();
    // Written before init, as an app's module that sets up its routes at import often is.
    app.use(triage.middleware());
    app.get('/boom', () => {
      throw new RangeError('quantity out of range');
    });
    app.use(triage.errorHandler());
    const reports: AnalysisReport[] = [];
    triage.init(quietOptions(reports));
    try {
      const base = await serve(app);
      expect((await fetch(`${base}/boom`)).status).toBe(500);
      expect(await triage.flush(5_000)).toBe(true);
      expect(reports.map((report) => report.event.error?.type)).toEqual(['RangeError']);
      expect(() => triage.middleware({ errorStatus: -1 })).toThrow(/errorStatus/);
    } finally {
      await triage.close();
    }
  });

  it("should not analyse a client's error (a 400 for bad JSON, a 404 thrown), only note it", async () => {
    const { triage, reports } = client();
    const app = express();
    app.use(triage.middleware());
    app.use(express.json());
    app.post('/orders', (_request, response) => response.status(201).end());
    app.get('/orders/:id', () => {
      throw Object.assign(new Error('no such order'), { status: 404 });
    });
    app.use(triage.errorHandler());
    const base = await serve(app);
    const bad = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"sku":',
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${base}/orders/404`)).status).toBe(404);
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports).toEqual([]);
    expect(triage.stats()).toMatchObject({ openScopes: 0, scopesEnded: 2 });
  });

  it('should name a scope no route matched after no path, one issue for all such paths', async () => {
    const { triage, reports } = client();
    const app = express();
    app.use(triage.middleware());
    // A fallback that fails before any route: the paths hold an email and an id.
    app.use((_request, response) => void response.status(502).end());
    const base = await serve(app);
    for (const path of ['/users/ana@example.com', '/users/42'])
      expect((await fetch(`${base}${path}`)).status).toBe(502);
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.issue.count).toBe(1);
    expect(reports[0]?.event.source?.function).toBe('GET (no matching route)');
    expect(triage.stats().transport).toMatchObject({ processed: 2 });
  });

  it('should take the user a route learns later, set on the scope', async () => {
    const { triage, reports } = client();
    const app = express();
    app.use(triage.middleware());
    app.get('/account', () => {
      // What authentication found, after the scope was opened.
      const scope = triage.current();
      if (scope) scope.options.user = { id: 'user-42' };
      throw new Error('account store unavailable');
    });
    app.use(triage.errorHandler());
    const base = await serve(app);
    expect((await fetch(`${base}/account`)).status).toBe(500);
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports[0]?.event.user?.pseudonym).toMatch(/^[0-9a-f]{32}$/);
    expect(reports[0]?.issue.usersAffected).toBe(1);
  });

  it("should name a route of a mounted sub-app with the sub-app's mount path", async () => {
    const { triage, reports } = client();
    const api = express();
    api.get('/orders/:id', () => {
      throw new Error('order store unavailable');
    });
    const app = express();
    app.use(triage.middleware());
    app.use('/api', api);
    app.use(triage.errorHandler());
    const base = await serve(app);
    expect((await fetch(`${base}/api/orders/7`)).status).toBe(500);
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports.map((report) => report.event.source?.function)).toEqual(['GET /api/orders/:id']);
  });

  it('should refuse an errorStatus that is not a status, at setup', () => {
    const { triage } = client();
    expect(() => triage.middleware({ errorStatus: 42.5 })).toThrow(/errorStatus must be an HTTP status/);
  });
});

describe('triage.fastify with Fastify', () => {
  it("should analyse a route that throws in its request's scope, named after Fastify's route", async () => {
    const { default: fastify } = await import('fastify');
    const { triage, reports } = client();
    const app = fastify();
    await app.register(triage.fastify, { scope: { priority: 'P1' } });
    await app.register(
      async (orders) => {
        orders.get<{ Params: { id: string } }>('/:id', async (request) => {
          triage.current()?.info('looking up order %s', request.params.id);
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (request.params.id === '7')
            throw new TypeError("Cannot read properties of undefined (reading 'total')");
          return { id: request.params.id };
        });
      },
      { prefix: '/orders' },
    );
    app.get('/health', async (_request, reply) => reply.code(503).send({ ok: false }));
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const answers = await Promise.all([
        fetch(`${base}/orders/7?token=secret`),
        fetch(`${base}/orders/8`),
        fetch(`${base}/health`),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([500, 200, 503]);
      expect(await triage.flush(5_000)).toBe(true);
      const byFunction = new Map(reports.map((report) => [report.event.source?.function, report.event]));
      expect([...byFunction.keys()].sort()).toEqual(['GET /health', 'GET /orders/:id']);
      const thrown = byFunction.get('GET /orders/:id')!;
      expect(thrown).toMatchObject({
        priority: 'P1',
        request: { method: 'GET', url: '/orders/7', route: '/orders/:id', status: 500 },
        error: { type: 'TypeError' },
      });
      expect(thrown.log.map((entry) => entry.message)).toEqual([
        'looking up order 7',
        "TypeError: Cannot read properties of undefined (reading 'total')",
      ]);
      expect(byFunction.get('GET /health')?.log.map((entry) => entry.message)).toEqual([
        'responded 503 to GET /health',
      ]);
    } finally {
      await app.close();
    }
  });
});

describe('Fastify with its logger bridged by triage.pinoHooks()', () => {
  it("should record Fastify's own lines without the request's headers, and the error once", async () => {
    const { default: fastify } = await import('fastify');
    const { default: pino } = await import('pino');
    const { Writable } = await import('node:stream');
    const { triage, reports } = client();
    const loggerInstance = pino(
      { hooks: triage.pinoHooks() },
      new Writable({ write: (_chunk, _encoding, done) => done() }),
    );
    const app = fastify({ loggerInstance });
    await app.register(triage.fastify);
    app.get('/orders/:id', async () => {
      throw new TypeError('bad total');
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const answer = await fetch(`${base}/orders/7`, {
        headers: { cookie: 'sid=SECRETCOOKIE', authorization: 'Bearer SECRETTOKEN' },
      });
      expect(answer.status).toBe(500);
      expect(await triage.flush(5_000)).toBe(true);
      expect(reports).toHaveLength(1);
      const text = JSON.stringify(reports[0]!.event);
      expect(text).not.toContain('SECRETCOOKIE');
      expect(text).not.toContain('SECRETTOKEN');
      const errors = reports[0]!.event.log.filter((entry) => entry.level === 'error');
      // onError saw it first and left it to the end of the scope; Fastify's own error line, the same
      // error, then reported it, and is the one kept.
      expect(errors.map((entry) => entry.message)).toEqual([
        expect.stringMatching(
          /^TypeError: bad total \{"reqId":"req-1","req":\{"method":"GET","url":"\/orders\/7"/,
        ),
      ]);
    } finally {
      await app.close();
    }
  });
});

describe('the process-wide triage.fastify', () => {
  it('should follow the client triage.init() makes', async () => {
    const { default: fastify } = await import('fastify');
    const { triage } = await import('./default-client.js');
    const app = fastify();
    await app.register(triage.fastify);
    app.get('/boom', async () => {
      throw new RangeError('quantity out of range');
    });
    const reports: AnalysisReport[] = [];
    triage.init(quietOptions(reports));
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect((await fetch(`${base}/boom`)).status).toBe(500);
      expect(await triage.flush(5_000)).toBe(true);
      expect(reports.map((report) => report.event.error?.type)).toEqual(['RangeError']);
    } finally {
      await app.close();
      await triage.close();
    }
  });
});

/**
 * Asks for `paths` one after another over one keep-alive connection to a server of `handler`; the
 * number of connections the server saw (1, or the test shows nothing).
 */
async function requestOverOneConnection(handler: RequestListener, paths: string[]): Promise<number> {
  const sockets = new Set<unknown>();
  const server = createServer((request, response) => {
    sockets.add(request.socket);
    handler(request, response);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const path of paths)
      await new Promise<void>((resolve, reject) =>
        httpGet({ port, host: '127.0.0.1', path, agent }, (answer) => {
          answer.resume();
          answer.on('end', resolve);
        }).on('error', reject),
      );
  } finally {
    agent.destroy();
  }
  return sockets.size;
}

describe('triage.scope() in a plain node:http handler', () => {
  it("should not be the next request's scope on a keep-alive connection", async () => {
    const { triage, reports } = client();
    const seen: (string | undefined)[] = [];
    let ended!: Promise<void>;
    const connections = await requestOverOneConnection(
      (request, response) => {
        seen.push(triage.current()?.options.func);
        triage.current()?.info('%s on the connection', request.url);
        if (request.url === '/first') {
          const scope = triage.scope({ func: 'first' });
          // Its own continuation keeps it, after the response and past the next request.
          ended = new Promise((resolve) =>
            setTimeout(() => {
              triage.current()?.error('the first request failed after its answer');
              scope.end();
              resolve();
            }, 100),
          );
        }
        response.end('ok');
      },
      ['/first', '/second'],
    );
    await ended;
    expect(connections).toBe(1);
    expect(seen).toEqual([undefined, undefined]);
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports.map((report) => report.event.log.map((entry) => entry.message))).toEqual([
      ['the first request failed after its answer'],
    ]);
  });

  it('should stay the scope of every request when it was opened before the server, elsewhere', async () => {
    const { triage } = client();
    // Opened at start-up, before the server: its requests run in it, as before.
    const boot = triage.scope({ func: 'boot' });
    const seen: (string | undefined)[] = [];
    try {
      const connections = await requestOverOneConnection(
        (_request, response) => {
          seen.push(triage.current()?.options.func);
          response.end('ok');
        },
        ['/', '/'],
      );
      expect(connections).toBe(1);
    } finally {
      boot.end();
    }
    expect(seen).toEqual(['boot', 'boot']);
  });
});
