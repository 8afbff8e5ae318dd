import { Writable } from 'node:stream';
import type { AnalysisReport } from '@triage/engine';
import pinoWithChannel from 'pino';
import pino from 'pino-9-9';
import { afterEach, describe, expect, it } from 'vitest';
import { quietOptions } from './__fixtures__/quiet-options.js';
import { createTriage, type Triage } from './triage.js';

const clients: Triage[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

/**
 * A client in process, alerting nobody, and a pino 9.9 logger (one that publishes no line on pino's
 * tracing channel) with the client's hooks, writing JSON lines to `written`.
 */
function setup(capturePino?: boolean) {
  const reports: AnalysisReport[] = [];
  const triage = createTriage({ ...quietOptions(reports), capturePino });
  clients.push(triage);
  const written: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      written.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const logger = pino({ level: 'debug', hooks: triage.pinoHooks() }, sink);
  return { triage, logger, reports, written };
}

describe('triage.pinoHooks()', () => {
  it.each([
    ['with capturePino on, which a pino before 9.10 publishes nothing to', undefined],
    ['with capturePino off', false],
  ])(
    "should copy a handler's pino lines into its scope, in each of pino's call forms (%s)",
    async (_, capturePino) => {
      const { triage, logger, reports, written } = setup(capturePino);
      const scope = triage.scope({ file: 'src/payments.ts', func: 'ChargeCard' });
      logger.debug('charging card of order %s', 'A-17');
      logger.info({ amountCents: 4_200 }, 'amount computed');
      logger.warn({ attempt: 2 }, 'retrying in %d ms', 250);
      logger.error(new Error('card declined: insufficient funds'), 'charge failed');
      scope.end();
      expect(await triage.flush(5_000)).toBe(true);
      expect(reports).toHaveLength(1);
      const { event } = reports[0]!;
      expect(event.log.map(({ level, message }) => `${level} ${message}`)).toEqual([
        'debug charging card of order A-17',
        'info amount computed {"amountCents":4200}',
        'warn retrying in 250 ms {"attempt":2}',
        'error charge failed Error: card declined: insufficient funds',
      ]);
      expect(event.log[1]?.fields).toEqual({ amountCents: 4_200 });
      expect(event.error).toMatchObject({ type: 'Error', message: 'card declined: insufficient funds' });
      // pino wrote every line as it would have.
      expect(written.map((line) => line.msg)).toEqual([
        'charging card of order A-17',
        'amount computed',
        'retrying in 250 ms',
        'charge failed',
      ]);
    },
  );

  it("should format an error line's message with its own values, and keep the merging object's fields", async () => {
    const { triage, logger, reports } = setup();
    await triage.run({ func: 'Charge' }, async () => {
      logger.error({ err: new Error('card declined'), orderId: 'A-17' }, 'charge %s failed', 'tx-9');
      logger.warn({ err: new Error('slow provider'), ms: 950 }, 'retrying at 100%');
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports[0]?.event.log.map((entry) => entry.message)).toEqual([
      'charge tx-9 failed {"orderId":"A-17"} Error: card declined',
      'retrying at 100% {"ms":950} Error: slow provider',
    ]);
  });

  it('should capture an error under err, and leave lines outside any scope to pino alone', async () => {
    const { triage, logger, reports, written } = setup();
    logger.error({ err: new TypeError('not in a scope') }, 'startup check failed');
    await triage.run({ func: 'NightlyExport' }, async () => {
      logger.error({ err: new RangeError('page size out of range'), page: 3 }, 'export failed');
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports.map((report) => report.event.error?.type)).toEqual(['RangeError']);
    expect(reports[0]?.event.source?.function).toBe('NightlyExport');
    expect(written).toHaveLength(2);
  });

  it('should follow the process-wide client from triage.pinoHooks()', async () => {
    const { triage } = await import('./default-client.js');
    const logger = pino(
      { hooks: triage.pinoHooks() },
      new Writable({ write: (_chunk, _encoding, done) => done() }),
    );
    const reports: AnalysisReport[] = [];
    triage.init(quietOptions(reports));
    try {
      const scope = triage.scope({ func: 'SyncStock' });
      logger.error('ERROR: warehouse API answered 502');
      scope.end();
      expect(await triage.flush(5_000)).toBe(true);
      expect(reports.map((report) => report.event.log.map((entry) => entry.message))).toEqual([
        ['ERROR: warehouse API answered 502'],
      ]);
    } finally {
      await triage.close();
    }
  });

  it('should still let pino write a line the bridge fails on, and say so once', async () => {
    const diagnostics: string[] = [];
    const triage = createTriage({
      summary: 'none',
      crashDirectory: false,
      captureCrashes: false,
      diagnostics: (line) => diagnostics.push(line),
      engine: { notifiers: [] },
    });
    clients.push(triage);
    const written: string[] = [];
    const logger = pino(
      { hooks: triage.pinoHooks() },
      new Writable({
        write(chunk, _encoding, done) {
          written.push(String(chunk));
          done();
        },
      }),
    );
    triage.scope({ func: 'Handler' });
    // A merging object whose `err` getter throws once pino has written its line: pino reads it and
    // writes, then the bridge, which reads it after, fails.
    const odd = () => {
      const before = written.length;
      return {
        get err() {
          if (written.length > before) throw new Error('a getter that throws once the line is written');
          return undefined;
        },
      };
    };
    for (let line = 0; line < 3; line++) logger.error(odd(), 'odd error object');
    expect(written).toHaveLength(3);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/^\[triage\] pino failed: /);
    expect(triage.stats().sdk['failed:pino']).toBe(3);
  });

  it('should add nothing where the logger publishes its lines and capturePino records them', async () => {
    const reports: AnalysisReport[] = [];
    const triage = createTriage(quietOptions(reports));
    clients.push(triage);
    const logger = pinoWithChannel(
      { hooks: triage.pinoHooks() },
      new Writable({ write: (_chunk, _encoding, done) => done() }),
    );
    await triage.run({ func: 'Charge' }, async () => {
      logger.info({ orderId: 'A-17' }, 'charging');
      logger.error(new Error('card declined'), 'charge failed');
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports[0]?.event.log.map((entry) => entry.message)).toEqual([
      'charging {"orderId":"A-17"}',
      'charge failed Error: card declined',
    ]);
  });
});
