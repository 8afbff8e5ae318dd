import { Writable } from 'node:stream';
import type { TriageEvent } from '@triage/core';
import type { AnalysisReport } from '@triage/engine';
import { describe, expect, it } from 'vitest';
import winston from 'winston';
import { quietClients, quietOptions } from './__fixtures__/quiet-options.js';

const client = quietClients();

/** A winston logger writing JSON lines to `written`, with the application's own format. */
function logger(format: winston.Logform.Format = winston.format.json(), level = 'silly') {
  const written: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    objectMode: true,
    write(info, _encoding, done) {
      written.push(info);
      done();
    },
  });
  return {
    log: winston.createLogger({ level, format, transports: [new winston.transports.Stream({ stream })] }),
    written,
  };
}

const messages = (report: AnalysisReport | undefined) =>
  report?.event.log.map(({ level, message }) => `${level} ${message}`);

describe('captureWinston: the lines a winston logger writes in a scope', () => {
  it("should keep each line as the logger's format left it, at its level, and let winston write it", async () => {
    const { triage, reports } = client();
    const { log, written } = logger(
      winston.format.combine(winston.format.splat(), winston.format.timestamp(), winston.format.json()),
    );
    triage.captureWinston(log);
    log.info('starting up');
    await triage.run({ func: 'SyncStock' }, async () => {
      const requestLog = log.child({ requestId: 'req-7' });
      requestLog.silly('cache miss for %s', 'sku-1');
      requestLog.http('GET /stock/%d', 7);
      requestLog.info('fetched', { items: 120 });
      requestLog.warn('slow answer: %d ms', 2_500);
      requestLog.error('warehouse API answered %d', 502);
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(messages(reports[0])).toEqual([
      'debug cache miss for sku-1 {"requestId":"req-7"}',
      'info GET /stock/7 {"requestId":"req-7"}',
      // In the order the logger's json() wrote them (sorted).
      'info fetched {"items":120,"requestId":"req-7"}',
      'warn slow answer: 2500 ms {"requestId":"req-7"}',
      'error warehouse API answered 502 {"requestId":"req-7"}',
    ]);
    expect(written.map((line) => line.message)).toEqual([
      'starting up',
      'cache miss for sku-1',
      'GET /stock/7',
      'fetched',
      'slow answer: 2500 ms',
      'warehouse API answered 502',
    ]);
  });

  it("should honour the logger's redacting format, and leave out a line a format filtered", async () => {
    const { triage, reports } = client();
    const redact = winston.format((info) => {
      if (info.private) return false;
      if (typeof info.diagnosis === 'string') info.diagnosis = '[hidden]';
      return info;
    });
    const { log } = logger(winston.format.combine(redact(), winston.format.json()));
    triage.captureWinston(log);
    await triage.run({ func: 'Admit' }, async () => {
      log.info('admitting', { patient: 'p-1', diagnosis: 'hypertension stage 2' });
      log.info('private note', { private: true, note: 'hypertension again' });
      log.error('admission failed');
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(JSON.stringify(reports[0]?.event)).not.toContain('hypertension');
    expect(messages(reports[0])).toEqual([
      'info admitting {"diagnosis":"[hidden]","patient":"p-1"}',
      'error admission failed',
    ]);
  });

  it('should capture an error logged on an error line, with its stack, once', async () => {
    const { triage, reports } = client();
    const { log } = logger(
      winston.format.combine(winston.format.errors({ stack: true }), winston.format.json()),
    );
    triage.captureWinston(log);
    const failure = new RangeError('page size out of range');
    await triage.run({ func: 'Export' }, async () => {
      log.warn('retrying', { attempt: 2 });
      log.error(failure);
      triage.current()?.capture(failure);
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(messages(reports[0])).toEqual(['warn retrying {"attempt":2}', 'error page size out of range']);
    expect(reports[0]?.event.error).toMatchObject({ type: 'RangeError', message: 'page size out of range' });
    expect(reports[0]?.event.error?.frames?.[0]?.file).toMatch(/winston-lines\.test\.ts$/);
  });

  it('should diagnose only what the line has of an error, and record no line below the level any transport writes', async () => {
    const { triage, reports } = client();
    const { log } = logger(winston.format.json(), 'info');
    triage.captureWinston(log);
    const declined = Object.assign(new TypeError('card declined by the issuer'), { code: 'E_CARD' });
    // Without format.errors(), winston's json() writes neither the message nor the stack of an error
    // logged alone: nor does the diagnosis have them.
    await triage.run({ func: 'Alone' }, async () => {
      log.debug('below the level');
      log.error(declined);
    });
    // Passed as metadata, its stack is copied into the line: the error is diagnosed from it.
    await triage.run({ func: 'AsMetadata' }, async () => log.error('Payment failed', declined));
    // With format.errors() and a format that finishes no JSON line, from the line's values.
    const pretty = logger(
      winston.format.combine(winston.format.errors({ stack: true }), winston.format.prettyPrint()),
    );
    triage.captureWinston(pretty.log);
    await triage.run({ func: 'Pretty' }, async () =>
      pretty.log.error(new RangeError('page size out of range')),
    );
    expect(await triage.flush(5_000)).toBe(true);
    const byHandler: Record<string, TriageEvent> = Object.fromEntries(
      reports.map((report) => [report.event.source?.function, report.event]),
    );
    expect(byHandler.Alone?.log.map((entry) => entry.message)).toEqual(['{"code":"E_CARD"}']);
    expect(byHandler.Alone?.error?.message ?? '').not.toContain('declined');
    expect(byHandler.AsMetadata?.error).toMatchObject({
      type: 'TypeError',
      message: 'card declined by the issuer',
      code: 'E_CARD',
    });
    expect(byHandler.AsMetadata?.error?.frames?.[0]?.file).toMatch(/winston-lines\.test\.ts$/);
    expect(byHandler.Pretty?.error).toMatchObject({ type: 'RangeError', message: 'page size out of range' });
  });

  it('should take a JSON line a printf format finished as the line, without the fields it left out', async () => {
    const { triage, reports } = client();
    const { log } = logger(
      winston.format.printf((info) =>
        JSON.stringify({ severity: info.level.toUpperCase(), message: info.message }),
      ),
    );
    triage.captureWinston(log);
    await triage.run({ func: 'Admit' }, async () =>
      log.error('admission failed', { patientName: 'Jane Q. Doe', diagnosis: 'hypertension stage 2' }),
    );
    expect(await triage.flush(5_000)).toBe(true);
    expect(JSON.stringify(reports[0]?.event)).not.toMatch(/Jane|hypertension/);
    expect(messages(reports[0])).toEqual(['error admission failed {"severity":"ERROR"}']);
  });

  it('should capture a child through its root, a logger captured again once, and refuse what is no logger', async () => {
    const diagnostics: string[] = [];
    const { triage, reports } = client({ diagnostics: (line) => diagnostics.push(line) });
    const { log, written } = logger();
    const child = log.child({ requestId: 'req-7' });
    expect(triage.captureWinston(child)).toBe(child);
    triage.captureWinston(log);
    log.configure({ format: winston.format.json(), transports: log.transports });
    triage.captureWinston(log);
    expect(triage.captureWinston(winston as unknown as winston.Logger)).toBe(winston);
    await triage.run({ func: 'Child' }, async () => child.error('stock sync failed'));
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports.map(messages)).toEqual([['error stock sync failed {"requestId":"req-7"}']]);
    expect(written).toHaveLength(1);
    expect(diagnostics).toEqual([
      '[triage] winston failed: captureWinston needs a logger from winston.createLogger() (or one of its children)',
    ]);
  });

  it('should take a line to the scope current when it was logged, even when winston formats it later', async () => {
    const { triage, reports } = client();
    const { log, written } = logger();
    triage.captureWinston(log);
    const first = triage.scope({ func: 'First' });
    // A logger whose writes are held back (as behind a slow transport): the format runs at uncork.
    log.cork();
    log.error('first failed');
    const second = triage.run({ func: 'Second' }, async () => {
      log.uncork();
      triage.current()?.warn('second only warns');
    });
    await second;
    first.end();
    expect(written.map((line) => line.message)).toEqual(['first failed']);
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports.map((report) => [report.event.source?.function, messages(report)])).toEqual([
      ['First', ['error first failed']],
    ]);
  });

  it('should follow the process-wide client from triage.captureWinston()', async () => {
    const { triage } = await import('./default-client.js');
    const { log } = logger();
    triage.captureWinston(log);
    const reports: AnalysisReport[] = [];
    triage.init(quietOptions(reports));
    try {
      await triage.run({ func: 'SyncStock' }, async () => log.error('warehouse API answered 502'));
      expect(await triage.flush(5_000)).toBe(true);
      expect(reports.map(messages)).toEqual([['error warehouse API answered 502']]);
    } finally {
      await triage.close();
    }
  });

  it('should survive what it cannot read, count it, say so once, and let winston write every line', async () => {
    const diagnostics: string[] = [];
    const { triage } = client({ diagnostics: (line) => diagnostics.push(line) });
    const { log, written } = logger();
    triage.captureWinston(log);
    // A line whose getter works for winston's json format and throws for the bridge, which reads it after.
    const odd = () => {
      let reads = 0;
      return {
        level: 'error',
        message: 'odd line',
        get stack() {
          if (reads++ > 0) throw new Error('a getter that throws on its second read');
          return undefined;
        },
      };
    };
    triage.scope({ func: 'Handler' });
    for (let line = 0; line < 3; line++) log.log(odd());
    expect(written).toHaveLength(3);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/^\[triage\] winston failed: a getter that throws/);
    expect(triage.stats().sdk['failed:winston']).toBe(3);
  });
});
