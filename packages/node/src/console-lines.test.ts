import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quietClients } from './__fixtures__/quiet-options.js';

const METHODS = ['debug', 'log', 'info', 'warn', 'error'] as const;
type Method = (typeof METHODS)[number];

/** What the console printed: each method replaced, for the test, by one that keeps its calls. */
let printed: Array<[Method, unknown[]]>;
let before: Record<Method, (...args: unknown[]) => void>;
beforeEach(() => {
  printed = [];
  before = Object.fromEntries(METHODS.map((method) => [method, console[method]])) as typeof before;
  for (const method of METHODS) console[method] = (...args: unknown[]) => void printed.push([method, args]);
});
afterEach(() => {
  Object.assign(console, before);
});
// Registered after the hook above: its clients close first, giving the console back, then the test's
// own methods are put back.
const client = quietClients({ captureConsole: true });

describe('captureConsole: console calls made in a scope', () => {
  it('should copy each call into the scope at its level, formatted as the console would, and still print it', async () => {
    const { triage, reports } = client();
    console.log('starting up');
    await triage.run({ func: 'SyncStock' }, async () => {
      console.debug('page %d of %s', 3, 'warehouse-7');
      console.log('fetched', { items: 120 });
      console.info('%i items changed', 17.9);
      console.warn('slow answer: %f s', 2.5);
      console.error('warehouse API answered %d', 502);
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(
      reports.map((report) => report.event.log.map(({ level, message }) => `${level} ${message}`)),
    ).toEqual([
      [
        'debug page 3 of warehouse-7',
        'info fetched {"items":120}',
        'info 17 items changed',
        'warn slow answer: 2.5 s',
        'error warehouse API answered 502',
      ],
    ]);
    expect(printed.map(([method, args]) => `${method} ${args[0]}`)).toEqual([
      'log starting up',
      'debug page %d of %s',
      'log fetched',
      'info %i items changed',
      'warn slow answer: %f s',
      'error warehouse API answered %d',
    ]);
  });

  it('should capture an error passed to console.error, once, and leave calls outside scopes alone', async () => {
    const { triage, reports } = client();
    const failure = new RangeError('page size out of range');
    console.error('not in a scope', new Error('startup check failed'));
    await triage.run({ func: 'Export' }, async () => {
      console.error('export failed:', failure);
      triage.current()?.capture(failure);
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.event.log.map((entry) => entry.message)).toEqual([
      'export failed: RangeError: page size out of range',
    ]);
    expect(reports[0]?.event.error).toMatchObject({ type: 'RangeError', message: 'page size out of range' });
    expect(reports[0]?.event.error?.frames?.[0]?.file).toMatch(/console-lines\.test\.ts$/);
  });

  it('should leave alone console.trace, assert, table and the rest, which Node writes through the copied ones', async () => {
    const { triage, reports } = client();
    await triage.run({ func: 'Report' }, async () => {
      console.trace('how did we get here');
      console.assert(false, 'totals differ');
      console.table([{ sku: 'sku-1', count: 3 }]);
      console.group('group');
      console.groupEnd();
      console.count('retries');
      console.info('done');
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports).toHaveLength(0);
    expect(printed.length).toBeGreaterThan(0);
  });

  it("should not copy Triage's own lines, written through the application's diagnostics function", async () => {
    const { triage, reports } = client({ diagnostics: (line) => console.error(line), maxOpenScopes: 1 });
    await triage.run({ func: 'Outer' }, async () => {
      console.error('outer failed');
      // A second scope open: over the limit, the client says so (through the console, while Outer is
      // current) and ends the oldest, Outer.
      triage.scope({ func: 'Inner' }).end();
    });
    expect(await triage.flush(5_000)).toBe(true);
    expect(printed.map(([, args]) => String(args[0]))).toEqual([
      'outer failed',
      expect.stringMatching(/^\[triage\] scope failed: more than 1 scopes were open at once/),
    ]);
    expect(reports.map((report) => report.event.log.map((entry) => entry.message))).toEqual([
      ['outer failed', '[triage] scope was never closed by the application (ended at the open-scope limit)'],
    ]);
  });

  it('should wrap the console once for every client, and give it back when the last one closes', async () => {
    const testConsole = { ...console };
    const wrapped = () => METHODS.filter((method) => console[method] !== testConsole[method]);
    const first = client();
    const second = client();
    await first.triage.run({ func: 'First' }, async () => console.error('first failed'));
    await second.triage.run({ func: 'Second' }, async () => console.error('second failed'));
    expect(await first.triage.flush(5_000)).toBe(true);
    expect(await second.triage.flush(5_000)).toBe(true);
    expect(first.reports.map((report) => report.event.log.map((entry) => entry.message))).toEqual([
      ['first failed'],
    ]);
    expect(second.reports.map((report) => report.event.log.map((entry) => entry.message))).toEqual([
      ['second failed'],
    ]);
    expect(printed.map(([, args]) => args[0])).toEqual(['first failed', 'second failed']);
    expect(wrapped()).toEqual(METHODS);
    await first.triage.close();
    expect(wrapped()).toEqual(METHODS);
    await second.triage.close();
    expect(wrapped()).toEqual([]);
  });

  it('should leave in the chain a wrapper something wrapped since, passing calls on', async () => {
    const { triage, reports } = client();
    const ours = console.error;
    const theirs = (...args: unknown[]) => ours(...args);
    console.error = theirs;
    await triage.close();
    expect(console.error).toBe(theirs);
    console.error('after close');
    expect(printed.at(-1)).toEqual(['error', ['after close']]);
    const next = client();
    await next.triage.run({ func: 'Again' }, async () => console.error('copied again'));
    expect(await next.triage.flush(5_000)).toBe(true);
    expect(next.reports.map((report) => report.event.log[0]?.message)).toEqual(['copied again']);
    expect(reports).toHaveLength(0);
  });

  it('should not touch the console without the option', async () => {
    const testConsole = console.error;
    const { triage, reports } = client({ captureConsole: false });
    expect(console.error).toBe(testConsole);
    await triage.run({ func: 'Quiet' }, async () => console.error('only printed'));
    expect(await triage.flush(5_000)).toBe(true);
    expect(reports).toHaveLength(0);
  });
});
