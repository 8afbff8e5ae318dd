import { tracingChannel } from 'node:diagnostics_channel';
import { Writable } from 'node:stream';
import type { TriageEvent } from '@triage/core';
import type { AnalysisReport } from '@triage/engine';
import express from 'express';
import Fastify from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { quietClients } from './__fixtures__/quiet-options.js';

const client = quietClients();

/** A pino logger (10, which publishes its lines) writing to `written`, configured by the application alone. */
function logger(options: pino.LoggerOptions = {}) {
  const written: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      try {
        written.push(JSON.parse(String(chunk)));
      } catch {
        // A line pino could not write as JSON (a removed `msg`), kept as text.
        written.push({ unparsed: String(chunk) });
      }
      done();
    },
  });
  return { log: pino({ level: 'trace', ...options }, sink), written };
}

const messages = (report: AnalysisReport | undefined) =>
  report?.event.log.map(({ level, message }) => `${level} ${message}`);

describe('capturePino: the lines pino writes in a scope', () => {
  it('should keep each line as pino wrote it, with its child bindings and serializers, and leave pino its own', async () => {
    const { triage, reports } = client();
    const { log, written } = logger({
      serializers: {
        order: (order: { id: string; items: unknown[] }) => ({ id: order.id, items: order.items.length }),
      },
    });
    log.info('starting up');
    await triage.run({ func: 'ChargeCard' }, async () => {
      const requestLog = log.child({ requestId: 'req-7' });
      requestLog.trace('looking up order %s', 'A-17');
      requestLog.info({ order: { id: 'A-17', items: ['sku-1', 'sku-2'] } }, 'order loaded');
      requestLog.warn({ attempt: 2 }, 'retrying at 100%% of quota in %d ms', 250);
      requestLog.fatal('payment provider unreachable');
    });
    log.info('idle');
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports).toHaveLength(1);
    expect(messages(reports[0])).toEqual([
      'debug looking up order A-17 {"requestId":"req-7"}',
      'info order loaded {"requestId":"req-7","order":{"id":"A-17","items":2}}',
      'warn retrying at 100% of quota in 250 ms {"requestId":"req-7","attempt":2}',
      'error payment provider unreachable {"requestId":"req-7"}',
    ]);
    expect(reports[0]?.event.log[1]?.fields).toEqual({ requestId: 'req-7', order: { id: 'A-17', items: 2 } });
    expect(written.map((line) => line.msg)).toEqual([
      'starting up',
      'looking up order A-17',
      'order loaded',
      'retrying at 100% of quota in 250 ms',
      'payment provider unreachable',
      'idle',
    ]);
  });

  it("should honour the logger's redact paths, censored or removed, in fields and in interpolated objects", async () => {
    const { triage, reports } = client();
    const censored = logger({ redact: ['patient.diagnosis', '*.ssn'] }).log;
    const removed = logger({ redact: { paths: ['card.holder'], remove: true } }).log;
    await triage.run({ func: 'Admit' }, async () => {
      censored
        .child({ requestId: 'req-7' })
        .info({ patient: { id: 'p-1', diagnosis: 'hypertension stage 2' } }, 'admitting');
      censored.warn('insurance check for %j', { member: { ssn: '078-05-1120', plan: 'gold' } });
      removed.error({ card: { holder: 'Jane Q. Doe', last4: '4242' } }, 'card refused');
    });
    expect(await triage.flush(5_000)).toBe(true);
    const event = JSON.stringify(reports[0]?.event);
    expect(event).not.toContain('hypertension');
    expect(event).not.toContain('078-05-1120');
    expect(event).not.toContain('Jane Q. Doe');
    expect(messages(reports[0])).toEqual([
      'info admitting {"requestId":"req-7","patient":{"id":"p-1","diagnosis":"[Redacted]"}}',
      'warn insurance check for {"member":{"ssn":"[Redacted]","plan":"gold"}}',
      'error card refused {"card":{"last4":"4242"}}',
    ]);
  });

  it("should diagnose an error as the logger wrote it: redacted, serialized or left out, never the caller's own", async () => {
    const { triage, reports } = client();
    // Nothing Triage's own redaction would find: only the logger's configuration hides it.
    const cardError = () => new Error('claim for patient p-1 (hypertension stage 2) refused');
    const redacting = logger({ redact: ['err.message', 'err.stack'] }).log;
    const serializing = logger({ serializers: { err: (error: Error) => ({ type: error.name }) } }).log;
    const removing = logger({ redact: { paths: ['upstream'], remove: true } }).log;
    await triage.run({ func: 'Redacted' }, async () =>
      redacting.error({ err: cardError() }, 'charge failed'),
    );
    await triage.run({ func: 'Serialized' }, async () => serializing.error(cardError(), 'claim failed'));
    await triage.run({ func: 'Removed' }, async () =>
      removing.error({ upstream: cardError() }, 'upstream failed'),
    );
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports).toHaveLength(3);
    expect(JSON.stringify(reports.map((report) => report.event))).not.toContain('hypertension');
    const byHandler: Record<string, TriageEvent> = Object.fromEntries(
      reports.map((report) => [report.event.source?.function, report.event]),
    );
    expect(byHandler.Redacted?.error).toMatchObject({ type: 'Error', message: '[Redacted]' });
    expect(byHandler.Redacted?.error?.frames).toBeUndefined();
    expect(byHandler.Redacted?.log.map((entry) => entry.message)).toEqual([
      'charge failed Error: [Redacted]',
    ]);
    expect(byHandler.Serialized?.error).toMatchObject({ type: 'Error', message: '' });
    expect(byHandler.Serialized?.log.map((entry) => entry.message)).toEqual(['claim failed Error']);
    expect(byHandler.Removed?.log.map((entry) => entry.message)).toEqual(['upstream failed']);
  });

  it("should read the message, the error and the fields at the logger's own keys, and pass the line through its streamWrite", async () => {
    const { triage, reports } = client();
    const custom = logger({ messageKey: 'message', errorKey: 'error', nestedKey: 'payload' }).log;
    const masking = logger({
      redact: ['msg'],
      hooks: { streamWrite: (line: string) => line.replaceAll(/[\w.]+@[\w.]+/g, '<email>') },
    }).log;
    await triage.run({ func: 'Keys' }, async () => {
      custom.info({ status: 'ok' }, 'ok');
      custom
        .child({ phase: 'charge' })
        .error({ error: new TypeError('amount is not a number'), orderId: 'A-17' }, 'charge');
      masking.info({ user: 'alice@example.com' }, 'signed in as alice@example.com');
    });
    expect(await triage.flush(5_000)).toBe(true);
    const { event } = reports[0]!;
    expect(JSON.stringify(event)).not.toContain('alice@example.com');
    expect(event.log.map((entry) => entry.message)).toEqual([
      'ok {"payload":{"status":"ok"}}',
      'charge TypeError: amount is not a number {"phase":"charge","payload":{"orderId":"A-17"}}',
      '[Redacted] {"user":"<email>"}',
    ]);
    expect(event.error).toMatchObject({ type: 'TypeError', message: 'amount is not a number' });
    expect(event.error?.frames?.[0]?.file).toMatch(/pino-lines\.test\.ts$/);
  });

  it("should diagnose the error at the logger's errorKey as the line wrote it, its causes a chain again", async () => {
    const { triage, reports } = client();
    const { log } = logger();
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' });
    const loadFailed = new Error('loading orders failed', { cause: refused });
    const unrelated = new TypeError('an error of another field');
    await triage.run({ func: 'Load' }, async () => {
      log.error(loadFailed);
      log.error({ upstream: unrelated, err: loadFailed }, 'again');
      triage.current()?.capture(loadFailed);
    });
    expect(await triage.flush(5_000)).toBe(true);
    const { event } = reports[0]!;
    expect(event.log.map((entry) => entry.message)).toEqual([
      'Error: loading orders failed: connect ECONNREFUSED 10.0.0.7:5432',
    ]);
    // pino's serializer writes the causes' stacks after the error's, not their codes.
    expect(event.error).toMatchObject({
      type: 'Error',
      message: 'loading orders failed',
      cause: { type: 'Error', message: 'connect ECONNREFUSED 10.0.0.7:5432' },
    });
    expect(event.error?.frames?.[0]?.file).toMatch(/pino-lines\.test\.ts$/);
    expect(event.error?.cause?.frames?.[0]?.file).toMatch(/pino-lines\.test\.ts$/);
  });

  it('should leave an error under another key than errorKey to be captured as it is', async () => {
    const { triage, reports } = client();
    const { log } = logger();
    const failure = Object.assign(new RangeError('page size out of range'), { code: 'E_PAGE' });
    await triage.run({ func: 'Query' }, async () => {
      log.error({ error: failure }, 'query failed');
      triage.current()?.capture(failure);
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports[0]?.event.error).toMatchObject({
      type: 'RangeError',
      message: 'page size out of range',
      code: 'E_PAGE',
    });
    expect(reports[0]?.event.log.map((entry) => entry.message)).toEqual([
      'query failed {"error":{"code":"E_PAGE"}}',
      'RangeError: page size out of range',
    ]);
  });

  it("should keep out of the diagnosis an error the logger's configuration removed, even when reported again", async () => {
    const { triage, reports } = client();
    const { log } = logger({ redact: { paths: ['err'], remove: true } });
    const secret = new Error('claim for patient p-1 (hypertension stage 2) refused');
    await triage.run({ func: 'Claim' }, async () => {
      log.error({ err: secret }, 'claim failed');
      triage.current()?.capture(secret);
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(JSON.stringify(reports[0]?.event)).not.toContain('hypertension');
    expect(reports[0]?.event.log.map((entry) => entry.message)).toEqual(['claim failed']);
  });

  it("should pass the whole line through the logger's streamWrite hook before cutting it", async () => {
    const { triage, reports } = client();
    const { log } = logger({
      base: null,
      hooks: { streamWrite: (line: string) => line.replaceAll(/"diagnosis":"[^"]*"/g, '"diagnosis":"***"') },
    });
    // `{"level":50,"time":<13 digits>,"blob":"` is 41 characters and `","diagnosis":"` 15: the value
    // starts 100 characters before the 16 KiB at which the line is cut, and ends 200 after it.
    const blob = 'x'.repeat(16 * 1024 - 56 - 100);
    const diagnosis = `hypertension stage 2 ${'y'.repeat(280)}`;
    await triage.run({ func: 'Upload' }, async () => log.error({ blob, diagnosis }, 'upload failed'));
    expect(await triage.flush(5_000)).toBe(true);
    expect(JSON.stringify(reports[0]?.event)).not.toContain('hypertension');
  });

  it('should keep a very long line cut, as text', async () => {
    const { triage, reports } = client();
    const { log } = logger();
    await triage.run({ func: 'Long' }, async () => log.error({ blob: 'x'.repeat(100_000) }, 'upload failed'));
    expect(await triage.flush(5_000)).toBe(true);
    const message = reports[0]?.event.log[0]?.message ?? '';
    expect(message.startsWith('{"level":50,')).toBe(true);
    expect(message.length).toBeLessThanOrEqual(16 * 1024);
  });

  it('should capture an error on an error line with its stack, name one on a lower line, and capture one error once', async () => {
    const { triage, reports } = client();
    const { log } = logger();
    const declined = new RangeError('amount out of range');
    await triage.run({ func: 'Refund' }, async () => {
      log.warn({ err: new Error('slow provider'), ms: 950 }, 'provider slow');
      log.error({ err: declined, orderId: 'A-17' }, 'refund %s failed', 'tx-9');
      log.error(declined);
      triage.current()?.capture(declined);
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(messages(reports[0])).toEqual([
      'warn provider slow Error: slow provider {"ms":950}',
      'error refund tx-9 failed RangeError: amount out of range {"orderId":"A-17"}',
    ]);
    expect(reports[0]?.event.error).toMatchObject({ type: 'RangeError', message: 'amount out of range' });
    expect(reports[0]?.event.error?.frames?.[0]?.file).toMatch(/pino-lines\.test\.ts$/);
  });

  it('should record into the scopes of its own client only, and stop at close', async () => {
    const first = client();
    const second = client();
    const { log } = logger();
    const channel = tracingChannel('pino_asJson');
    await first.triage.run({ func: 'First' }, async () => log.error('first failed'));
    await second.triage.run({ func: 'Second' }, async () => log.error('second failed'));
    expect(await first.triage.flush(5_000)).toBe(true);
    expect(await second.triage.flush(5_000)).toBe(true);
    expect(first.reports.map(messages)).toEqual([['error first failed']]);
    expect(second.reports.map(messages)).toEqual([['error second failed']]);
    expect(channel.end.hasSubscribers).toBe(true);
    await first.triage.close();
    await second.triage.close();
    expect(channel.end.hasSubscribers).toBe(false);
  });

  it('should record nothing with capturePino off', async () => {
    const { triage, reports } = client({ capturePino: false });
    const { log } = logger();
    await triage.run({ func: 'Quiet' }, async () => {
      log.error('not copied');
      triage.current()?.error('logged to the scope itself');
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports.map(messages)).toEqual([['error logged to the scope itself']]);
  });

  it('should survive what it cannot read, count it, say so once, and let pino write every line', async () => {
    const diagnostics: string[] = [];
    const { triage } = client({ diagnostics: (line) => diagnostics.push(line) });
    const { log, written } = logger();
    // An `err` whose getter works for pino and throws for the bridge, which reads it after pino.
    const odd = () => {
      let reads = 0;
      return {
        get err() {
          if (reads++ > 0) throw new Error('a getter that throws on its second read');
          return undefined;
        },
      };
    };
    // And a value thrown that cannot even be turned into a string.
    const odder = () => {
      let reads = 0;
      return {
        get err() {
          if (reads++ > 0) throw Object.create(null);
          return undefined;
        },
      };
    };
    triage.scope({ func: 'Handler' });
    for (let line = 0; line < 3; line++) log.error(odd(), 'odd error object');
    log.error(odder(), 'odder error object');
    expect(written).toHaveLength(4);
    expect(diagnostics).toHaveLength(2);
    expect(diagnostics[0]).toMatch(/^\[triage\] pino failed: a getter that throws/);
    expect(triage.stats().sdk['failed:pino']).toBe(4);
  });

  it("should diagnose a Fastify route's error as Fastify's logger wrote it, after its redact paths", async () => {
    const { triage, reports } = client();
    const { log } = logger({ level: 'info', redact: ['err.message', 'err.stack'] });
    const app = Fastify({ loggerInstance: log });
    await app.register(triage.fastify);
    app.get('/claims/:id', async () => {
      throw new Error('claim for patient p-1 (hypertension stage 2) refused');
    });
    expect((await app.inject({ method: 'GET', url: '/claims/1' })).statusCode).toBe(500);
    await app.close();
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports).toHaveLength(1);
    // The error as Fastify's line wrote it (its message and stack redacted, so no frames); the line's
    // own message is the error's message again, as Fastify writes it: hiding that takes `msg` too.
    expect(reports[0]?.event.error).toEqual({ type: 'Error', message: '[Redacted]' });
    expect(reports[0]?.event.log[0]?.message).toMatch(
      /^claim for patient .* refused Error: \[Redacted\] \{"reqId"/,
    );
  });

  it("should keep a route's error the diagnosis's, and in its place, when a logger reports another error after", async () => {
    const { triage, reports } = client();
    const { log } = logger({ level: 'info' });
    const app = express();
    app.use(triage.middleware());
    // An access logger in the manner of pino-http: an error line of its own once a 500 is sent.
    app.use((_request, response, next) => {
      response.on('finish', () => {
        if (response.statusCode >= 500)
          log.error({ err: new Error('failed with status code 500') }, 'request errored');
      });
      next();
    });
    app.get('/orders/:id', () => {
      throw new TypeError("Cannot read properties of undefined (reading 'total')");
    });
    app.use(triage.errorHandler());
    app.use(
      (
        _error: unknown,
        _request: express.Request,
        response: express.Response,
        _next: express.NextFunction,
      ) => {
        response.status(500).end();
      },
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as { port: number };
      expect((await fetch(`http://127.0.0.1:${port}/orders/7`)).status).toBe(500);
      expect(await triage.flush(5_000)).toBe(true);
    } finally {
      server.close();
    }
    expect(reports).toHaveLength(1);
    expect(reports[0]?.event.error).toMatchObject({ type: 'TypeError' });
    expect(reports[0]?.event.log.map((entry) => entry.message)).toEqual([
      "TypeError: Cannot read properties of undefined (reading 'total')",
      'request errored Error: failed with status code 500',
    ]);
  });

  it("should let a framework's capture stand where the logger's error line is no JSON", async () => {
    const { triage, reports } = client();
    // Removing `msg` makes pino write `"msg":undefined`: the line cannot be read.
    const { log } = logger({ level: 'info', redact: { paths: ['msg'], remove: true } });
    const app = Fastify({ loggerInstance: log });
    await app.register(triage.fastify);
    app.get('/stock', async () => {
      throw new RangeError('page size out of range');
    });
    expect((await app.inject({ method: 'GET', url: '/stock' })).statusCode).toBe(500);
    await app.close();
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports[0]?.event.error).toMatchObject({ type: 'RangeError', message: 'page size out of range' });
  });

  it("should copy Fastify's own request lines, with their request id and without the request's cookies", async () => {
    const { triage, reports } = client();
    const { log } = logger({ level: 'info' });
    const app = Fastify({ loggerInstance: log });
    await app.register(triage.fastify);
    app.get('/orders/:id', async (request) => {
      request.log.info({ orderId: (request.params as { id: string }).id }, 'loading order');
      throw new Error('order store timed out');
    });
    const response = await app.inject({
      method: 'GET',
      url: '/orders/17',
      headers: { cookie: 'session=s3cr3t-session-value', authorization: 'Bearer s3cr3t-token-value' },
    });
    expect(response.statusCode).toBe(500);
    await app.close();
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports).toHaveLength(1);
    const { event } = reports[0]!;
    expect(JSON.stringify(event)).not.toMatch(/s3cr3t/);
    expect(event.error).toMatchObject({ message: 'order store timed out' });
    const lines = event.log.map((entry) => entry.message);
    // Fastify logs 'incoming request' before its hooks run, so before the scope. Its error line reports
    // the error the plugin's onError saw first (and left to the scope's end): the line is what is kept.
    expect(lines).toEqual([
      'loading order {"reqId":"req-1","orderId":"17"}',
      'Error: order store timed out {"reqId":"req-1","req":{"method":"GET","url":"/orders/17","host":"localhost:80","remoteAddress":"127.0.0.1"},"res":{"statusCode":500}}',
      expect.stringMatching(
        /^request completed \{"reqId":"req-1","res":\{"statusCode":500\},"responseTime":[\d.]+\}$/,
      ),
    ]);
    expect(event.request).toMatchObject({
      method: 'GET',
      url: '/orders/17',
      route: '/orders/:id',
      status: 500,
    });
    expect(lines.filter((line) => line.includes('order store timed out'))).toHaveLength(1);
  });
});
