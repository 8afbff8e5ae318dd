import { describe, expect, it } from 'vitest';
import { InvalidEventError } from './errors/invalid-event-error.js';
import { cutMiddle, errorInfoFrom, normalizeEvent } from './normalize.js';

describe('normalizeEvent', () => {
  it('should turn plain log text into leveled entries and find the exception', () => {
    const event = normalizeEvent(
      [
        '2025-11-18 14:32:15 INFO Processing request for domain=example.com',
        "TypeError: Cannot read properties of undefined (reading 'id')",
        '    at loadUser (/srv/app/src/users.js:10:15)',
        '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      ].join('\n'),
    );
    expect(event.log.map((entry) => entry.level)).toEqual(['info', 'error', 'error', 'error']);
    expect(event.level).toBe('error');
    expect(event.error).toMatchObject({
      type: 'TypeError',
      message: "Cannot read properties of undefined (reading 'id')",
    });
    expect(event.error?.frames?.[0]).toMatchObject({
      function: 'loadUser',
      file: '/srv/app/src/users.js',
      line: 10,
      inApp: true,
    });
    expect(event.error?.frames?.[1]?.inApp).toBe(false);
  });

  it("should keep an event's own message as its last line, once, however often it is normalized", () => {
    const event = normalizeEvent({
      timestamp: 1_700_000_000_000,
      level: 'warn',
      log: ['ERROR: supplier feed returned 0 items'],
      message: 'stock low\u202e: 4 left',
    });
    expect(event.message).toBe('stock low: 4 left');
    expect(event.log).toEqual([
      { level: 'error', message: 'ERROR: supplier feed returned 0 items' },
      { level: 'warn', message: 'stock low: 4 left', time: 1_700_000_000_000 },
    ]);
    // A server stores the normalized event; its engine normalizes it again.
    expect(normalizeEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it("should keep a message's own line when the log's last line only reads the same, and group as before", () => {
    const raw = {
      timestamp: 1_700_000_000_000,
      level: 'error',
      log: ['WARN: disk 91% full', 'checkout failed for cart 8812'],
      message: 'checkout failed for cart 8812',
    };
    const event = normalizeEvent(raw);
    expect(event.log.map(({ level, message }) => `${level} ${message}`)).toEqual([
      'warn WARN: disk 91% full',
      'info checkout failed for cart 8812',
      'error checkout failed for cart 8812',
    ]);
    expect(normalizeEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('should keep an event whose thrown value is a hostile Proxy or a function that cannot be printed', () => {
    const trap = () => {
      throw new Error('trap');
    };
    const proxy = new Proxy({}, { get: trap, getPrototypeOf: trap, ownKeys: trap, has: trap });
    const unprintable = Object.assign(() => {}, { toString: trap });
    expect(normalizeEvent({ error: proxy, log: ['ERROR: checkout failed'] }).error).toEqual({
      type: 'Error',
      message: '',
    });
    expect(errorInfoFrom(proxy).type).toBe('NonError');
    expect(errorInfoFrom(unprintable)).toMatchObject({
      type: 'function',
      message: '[function that could not be rendered]',
    });
  });

  it('should accept a bare {"log": [...]} object', () => {
    const event = normalizeEvent({ log: ['ERROR: Widget agent not found for domain: example.com'] });
    expect(event.log).toEqual([
      { level: 'error', message: 'ERROR: Widget agent not found for domain: example.com' },
    ]);
    expect(typeof event.id).toBe('string');
  });

  it('should read pino JSON lines with their numeric levels', () => {
    const event = normalizeEvent(
      '{"level":50,"time":1700000000000,"msg":"db down","err":{"type":"Error","message":"ECONNREFUSED"}}',
    );
    expect(event.log[0]).toEqual({
      level: 'error',
      message: 'db down (Error: ECONNREFUSED)',
      time: 1700000000000,
    });
  });

  // Printed by pino 10's error serializer on Node 20 (paths shortened): the stack is where the frames
  // are, and pino joins a cause's stack with "caused by:".
  it("should read the stack of a pino JSON line's err into the event's error, with its cause", () => {
    const event = normalizeEvent([
      '{"level":30,"time":1767607199000,"pid":7,"hostname":"api-1","msg":"GET /users/7"}',
      '{"level":50,"time":1767607200000,"pid":7,"hostname":"api-1","err":{"type":"Error","message":"config unreadable: Expected property name or \'}\' in JSON at position 1","stack":"Error: config unreadable\\n    at loadConfig (file:///app/src/config.mjs:4:71)\\n    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)\\ncaused by: SyntaxError: Expected property name or \'}\' in JSON at position 1\\n    at JSON.parse (<anonymous>)\\n    at loadConfig (file:///app/src/config.mjs:4:36)"},"msg":"boot failed"}',
    ]);
    expect(event.log[1]?.message).toBe(
      "boot failed (Error: config unreadable: Expected property name or '}' in JSON at position 1)",
    );
    expect(event.error).toMatchObject({
      type: 'Error',
      message: "config unreadable: Expected property name or '}' in JSON at position 1",
      frames: [
        { function: 'loadConfig', file: '/app/src/config.mjs', line: 4, inApp: true },
        { function: 'ModuleJob.run', inApp: false },
      ],
      cause: {
        type: 'SyntaxError',
        frames: [
          { function: 'JSON.parse', inApp: false },
          { function: 'loadConfig', inApp: true },
        ],
      },
    });
  });

  it("should prefer a stack printed in the log to a JSON line's, and take none from an err without a stack", () => {
    const pino =
      '{"level":50,"time":1,"msg":"x","err":{"type":"TypeError","message":"a","stack":"TypeError: a\\n    at f (/app/a.js:1:1)"}}';
    expect(normalizeEvent([pino, 'RangeError: b', '    at g (/app/b.js:2:2)']).error?.type).toBe(
      'RangeError',
    );
    expect(
      normalizeEvent(['{"level":50,"msg":"x","err":{"type":"TypeError","message":"a"}}']).error,
    ).toBeUndefined();
  });

  it('should map a full event, keeping only known fields with the right types', () => {
    const event = normalizeEvent({
      service: 'checkout',
      priority: 'P0',
      level: 'error',
      log: [{ level: 'warn', message: 'slow' }],
      error: { type: 'PaymentError', message: 'gateway timeout', code: 504 },
      tags: { region: 'eu', retries: 3 },
      fingerprint: ['payment', '{{ default }}'],
      timestamp: '2025-11-18T14:32:15Z',
      request: { method: 'POST', url: '/pay', status: 500 },
      unknownField: { anything: true },
    });
    expect(event).toMatchObject({
      service: 'checkout',
      priority: 'P0',
      error: { type: 'PaymentError', message: 'gateway timeout', code: '504' },
      tags: { region: 'eu', retries: '3' },
      fingerprint: ['payment', '{{ default }}'],
      timestamp: Date.parse('2025-11-18T14:32:15Z'),
      request: { method: 'POST', url: '/pay', status: 500 },
    });
    expect(event).not.toHaveProperty('unknownField');
  });

  it('should read a Node crash that journald or rsyslog recorded, behind their headers', () => {
    for (const header of ['2025-11-18T14:32:15+0000 web-1 node[812]:', 'Nov 18 14:32:15 web-1 node[812]:']) {
      const event = normalizeEvent([
        `${header} TypeError: Cannot read properties of undefined (reading 'total')`,
        `${header}     at getOrder (/app/src/orders.js:12:5)`,
        `${header}     at async handle (/app/src/server.js:40:3)`,
      ]);
      expect(
        event.log.map((entry) => entry.level),
        header,
      ).toEqual(['error', 'error', 'error']);
      expect(event.error, header).toMatchObject({
        type: 'TypeError',
        message: "Cannot read properties of undefined (reading 'total')",
        frames: [
          { function: 'getOrder', file: '/app/src/orders.js', line: 12 },
          { function: 'handle', file: '/app/src/server.js', line: 40 },
        ],
      });
    }
  });

  it('should keep a breadcrumb mark, and only a true one', () => {
    const { log } = normalizeEvent({
      log: [
        { level: 'error', message: '[console] avatar failed', breadcrumb: true },
        { level: 'error', message: 'pool exhausted', breadcrumb: 'yes' },
      ],
    });
    expect(log.map((entry) => entry.breadcrumb)).toEqual([true, undefined]);
    // Normalized again (a stored event), unchanged.
    expect(normalizeEvent({ log }).log).toEqual(log);
  });

  it('should keep times in whole milliseconds, however a client gave them', () => {
    // Python's time.time(): seconds with a fraction.
    expect(normalizeEvent({ log: ['x'], timestamp: 1796678837.5967195 }).timestamp).toBe(1796678837597);
    expect(normalizeEvent({ log: ['x'], timestamp: 1796678837596.7195 }).timestamp).toBe(1796678837597);
    // Microseconds and nanoseconds (Go's UnixNano): the same time, not a date in the year 56000 or one
    // no Date can hold (an alert's rendering threw on it, and the alert was given up).
    expect(normalizeEvent({ log: ['x'], timestamp: 1796678837596719 }).timestamp).toBe(1796678837597);
    const nanoseconds = 1796678837596.7195 * 1e6;
    expect(normalizeEvent({ log: ['x'], timestamp: nanoseconds }).timestamp).toBe(1796678837597);
    const now = () => 42;
    expect(normalizeEvent({ log: ['x'], timestamp: 1e300 }, { now }).timestamp).toBe(42);
  });

  it('should ignore an invalid priority rather than fail', () => {
    expect(normalizeEvent({ log: ['x'], priority: 'P9' }).priority).toBeUndefined();
  });

  it('should refuse input with nothing to diagnose, saying why', () => {
    expect(() => normalizeEvent(42)).toThrow(InvalidEventError);
    expect(() => normalizeEvent(null)).toThrow(/got null/);
    expect(() => normalizeEvent('   \n\n')).toThrow(/empty/);
    expect(() => normalizeEvent({ foo: 1 })).toThrow(/no log lines/);
  });

  it("should keep the event's own id, and refuse one too long to be an identity", () => {
    expect(normalizeEvent({ id: 'a'.repeat(128), log: ['x'] }).id).toBe('a'.repeat(128));
    expect(() => normalizeEvent({ id: 'a'.repeat(129), log: ['x'] })).toThrow(
      /id is longer than 128 characters/,
    );
    // Not a string: the event gets an id of its own.
    expect(normalizeEvent({ id: 7, log: ['x'] }).id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should strip control characters and terminal colours', () => {
    const event = normalizeEvent('\x1b[31mERROR\x1b[0m bad\x00\x07 thing\x9b2J\x7f');
    expect(event.log[0]?.message).toBe('ERROR bad thing2J');
    // Bidirectional overrides and isolates, a zero-width space and a byte-order mark go; joiners stay.
    const bidi = normalizeEvent('\ufeffERROR \u202eevil\u202c \u2066x\u2069 a\u200bb 👨\u200d👩');
    expect(bidi.log[0]?.message).toBe('ERROR evil x ab 👨\u200d👩');
  });

  it('should bound huge inputs: long lines cut in the middle, entry count capped', () => {
    const long = `ERROR start ${'x'.repeat(100_000)} end`;
    const event = normalizeEvent(
      Array.from({ length: 5_000 }, (_, index) => (index === 0 ? long : `line ${index}`)),
    );
    expect(event.log.length).toBe(1_000);
    expect(event.log[0]?.message.length).toBeLessThan(8_300);
    // Cut between words: the 100,000 x's are one word, cut whole.
    expect(event.log[0]?.message).toBe('ERROR start …[100000 chars cut]… end');
    expect(event.log.at(-1)?.message).toBe('line 4999');
  });

  // Lines are cut before they are redacted: the tail of a token a cut split kept 4,081 of its
  // characters, with nothing left to say it was a token.
  it('should leave no part of a word a cut falls in', () => {
    const token = 'A1b2C3d4'.repeat(1_200);
    const { message } = normalizeEvent({ log: [`ERROR auth failed session_token=${token} for user 7`] })
      .log[0]!;
    expect(message).toMatch(/^ERROR auth failed …\[\d+ chars cut\]… for user 7$/);
    expect(message).not.toMatch(/A1b2C3d4/);
    const json = `{"a":"${'x'.repeat(5_000)}","b":"${'y'.repeat(5_000)}","c":1}`;
    // A JSON line keeps its punctuation around what was cut.
    expect(normalizeEvent({ log: [json] }).log[0]?.message).toBe('{"a":" …[10007 chars cut]… ","c":1}');
  });

  it('should follow error causes', () => {
    const error = new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'ECONNREFUSED' }) });
    expect(errorInfoFrom(error)).toMatchObject({
      type: 'Error',
      message: 'outer',
      cause: { message: 'inner', code: 'ECONNREFUSED' },
    });
    expect(errorInfoFrom('a string')).toEqual({ type: 'string', message: 'a string' });
  });

  // The whole event was dropped ("normalize failed: message getter") when one getter threw.
  it('should report an error whose getters throw with what it could read', () => {
    class LazyError extends Error {
      override get message(): string {
        throw new Error('message getter');
      }
    }
    const lazy = new LazyError();
    lazy.name = 'LazyError';
    expect(errorInfoFrom(lazy)).toMatchObject({ type: 'LazyError', message: '' });
    const noStack = new Error('stackless', { cause: 'why' });
    Object.defineProperty(noStack, 'stack', {
      get() {
        throw new Error('stack getter');
      },
    });
    expect(errorInfoFrom(noStack)).toEqual({
      type: 'Error',
      message: 'stackless',
      frames: undefined,
      code: undefined,
      cause: { type: 'string', message: 'why' },
    });
    const objectMessage = Object.assign(new Error(), { message: { reason: 'not text' } });
    expect(errorInfoFrom(objectMessage).message).toBe('{"reason":"not text"}');
    expect(
      normalizeEvent({ log: [{ level: 'error', message: lazy }], error: errorInfoFrom(lazy) }).log[0]
        ?.message,
    ).toBe('[Error whose message could not be read]');
  });
});

describe('cutMiddle', () => {
  it('should leave short text alone', () => {
    expect(cutMiddle('short', 100)).toBe('short');
  });
});

describe('cutMiddle, edge cases', () => {
  const words = Array.from({ length: 400 }, (_, index) => `word${index}`).join(' ');

  it('should never be longer than max, however small', () => {
    for (const max of [0, 1, 5, 10, 17, 20, 25, 29, 30, 31, 40, 60, 100]) {
      for (const text of [words, 'x'.repeat(9_045), `${'x'.repeat(50)} ${'y'.repeat(50)}`]) {
        const cut = cutMiddle(text, max);
        expect(cut.length).toBeLessThanOrEqual(max);
      }
    }
    expect(cutMiddle('x'.repeat(9_045), 20)).toBe('…[9045 chars cut]…');
  });

  it('should put no space beside the marker where a side is empty', () => {
    expect(cutMiddle('x'.repeat(9_045), 100)).toBe('…[9045 chars cut]…');
    const cut = cutMiddle(`${'x'.repeat(9_000)} tail`, 100);
    expect(cut).toBe('…[9000 chars cut]… tail');
  });

  it('should cut a side with no boundary hard, but never keep a piece of a split word', () => {
    // Text without spaces (Chinese, Japanese) keeps both sides.
    const cjk = '这是一个没有空格的很长的日志行'.repeat(100);
    const cut = cutMiddle(cjk, 100);
    expect(cut.startsWith(cjk.slice(0, 30))).toBe(true);
    expect(cut.endsWith(cjk.slice(-30))).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(100);
    // A long token, or one among the text without spaces, is dropped whole, not split.
    const token = 'A1b2C3d4'.repeat(10);
    for (const text of [
      `${'日志'.repeat(10)}${token}${'日志'.repeat(500)}`,
      `${'日志'.repeat(500)}${token}${'日志'.repeat(10)}`,
    ]) {
      expect(cutMiddle(text, 100).replace(/…\[\d+ chars cut\]…/, '')).not.toMatch(/[A-Za-z0-9]/);
    }
    expect(cutMiddle('x'.repeat(9_045), 100)).not.toMatch(/x/);
  });

  it('should still cut between words', () => {
    const cut = cutMiddle(words, 100);
    expect(cut).toMatch(/^word0 .* …\[\d+ chars cut\]… .* word399$/);
    for (const piece of cut
      .replace(/…\[\d+ chars cut\]…/, '')
      .trim()
      .split(/\s+/))
      expect(words.split(' ')).toContain(piece);
  });
});
