import { fingerprintEvent, normalizeEvent } from '@triage/core';
import { describe, expect, it } from 'vitest';
import { refusal } from './__fixtures__/refusal.js';
import { sentryEventToTriage } from './sentry-to-event.js';

const receivedAt = 1_700_000_000_000;
const convert = (payload: object, clockDriftMs?: number) =>
  sentryEventToTriage(payload, { receivedAt, clockDriftMs });

/** A Python SDK event: `raise ValueError(...) from KeyError(...)` inside a logged request. */
const pythonEvent = {
  event_id: 'fc6d8c0c43fc4630ad850ee518f1b9d0',
  timestamp: '2023-11-14T22:13:20.250Z',
  platform: 'python',
  level: 'fatal',
  logger: 'app.payments',
  logentry: { message: 'charge failed for %s', params: ['order 7'], formatted: 'charge failed for order 7' },
  exception: {
    values: [
      {
        type: 'KeyError',
        value: "'price'",
        module: 'builtins',
        stacktrace: { frames: [{ function: 'price_of', filename: 'app/cart.py', lineno: 12, in_app: true }] },
      },
      {
        type: 'ValueError',
        value: 'cart is invalid',
        mechanism: { type: 'logging', handled: true },
        stacktrace: {
          frames: [
            { function: 'dispatch', filename: 'flask/app.py', lineno: 880, in_app: false },
            { function: 'checkout', filename: 'app/views.py', lineno: 40, in_app: true },
            { function: 'total', filename: 'app/cart.py', lineno: 20, in_app: true },
          ],
        },
      },
    ],
  },
  breadcrumbs: { values: [{ timestamp: 1700000000.1, category: 'query', message: 'SELECT * FROM carts' }] },
  request: {
    method: 'POST',
    url: 'https://shop.example.com/checkout',
    headers: { Cookie: 'sid=1', Accept: '*/*' },
  },
  user: { id: 7, email: 'ada@example.com' },
  tags: [['region', 'eu']],
  release: 'shop@2.0.0',
  environment: 'staging',
  server_name: 'web-2',
  transaction: '/checkout',
  fingerprint: ['{{ default }}', 'payments', 3, { bad: true }],
  sdk: { name: 'sentry.python.flask', version: '2.19.0' },
  extra: { anything: 'ignored' },
};

describe('sentryEventToTriage', () => {
  it('should map a full error event', () => {
    const event = convert(pythonEvent);
    expect(event).toMatchObject({
      id: 'fc6d8c0c43fc4630ad850ee518f1b9d0',
      timestamp: 1700000000250,
      level: 'error',
      message: 'charge failed for order 7',
      source: { file: 'app/cart.py', function: 'total' },
      request: { method: 'POST', url: 'https://shop.example.com/checkout', headers: { accept: '*/*' } },
      user: { id: '7', email: 'ada@example.com' },
      release: 'shop@2.0.0',
      environment: 'staging',
      fingerprint: ['{{ default }}', 'payments', '3'],
      tags: {
        region: 'eu',
        server_name: 'web-2',
        platform: 'python',
        sdk: 'sentry.python.flask',
        logger: 'app.payments',
        transaction: '/checkout',
        mechanism: 'logging',
        handled: 'yes',
      },
    });
    expect(event.error).toMatchObject({
      type: 'ValueError',
      message: 'cart is invalid',
      cause: { type: 'KeyError', message: "'price'" },
    });
    expect(event.error?.frames?.map((frame) => frame.function)).toEqual(['total', 'checkout', 'dispatch']);
    expect(event.log).toEqual([
      { level: 'info', message: '[query] SELECT * FROM carts', time: 1700000000100, breadcrumb: true },
    ]);
    // The message is the last line once normalized, at the event's level and time.
    expect(normalizeEvent(event).log).toEqual([
      { level: 'info', message: '[query] SELECT * FROM carts', time: 1700000000100, breadcrumb: true },
      { level: 'error', message: 'charge failed for order 7', time: 1700000000250 },
    ]);
  });

  it('should produce input that normalizeEvent and fingerprintEvent accept', () => {
    const event = normalizeEvent(convert(pythonEvent));
    expect(event.id).toBe('fc6d8c0c43fc4630ad850ee518f1b9d0');
    expect(event.error?.cause?.type).toBe('KeyError');
    expect(event.request?.headers).toEqual({ accept: '*/*' });
    const { components } = fingerprintEvent(event);
    expect(components).toContain('payments');
    expect(components).toContain('ValueError');
  });

  it.each([
    ['fatal', 'error'],
    ['error', 'error'],
    ['warning', 'warn'],
    ['info', 'info'],
    ['debug', 'debug'],
    ['log', 'info'],
    ['nonsense', 'error'],
    [undefined, 'error'],
  ])('should map level %s to %s', (level, expected) => {
    expect(convert({ message: 'm', level }).level).toBe(expected);
  });

  it('should treat captureMessage with its synthetic stack as a message, not an error', () => {
    const event = convert({
      level: 'warning',
      message: 'payment provider slow: 2300 ms',
      exception: {
        values: [
          {
            value: 'payment provider slow: 2300 ms',
            stacktrace: { frames: [{ function: 'poll', filename: '/srv/app/poller.js', in_app: true }] },
            mechanism: { type: 'generic', handled: true, synthetic: true },
          },
        ],
      },
    });
    expect(event.error).toBeUndefined();
    expect(event.level).toBe('warn');
    expect(event.message).toBe('payment provider slow: 2300 ms');
    expect(event.source).toEqual({ file: '/srv/app/poller.js', function: 'poll' });
    expect(event.tags?.mechanism).toBeUndefined();
    expect(normalizeEvent(event).level).toBe('warn');
  });

  it('should group a message event by its template, not by the breadcrumbs before it', () => {
    const failedRequest = {
      breadcrumbs: [{ category: 'http', level: 'error', data: { url: '/checkout', status_code: 500 } }],
    };
    const keyOf = (payload: object) => fingerprintEvent(normalizeEvent(convert(payload))).fingerprint;
    const slow = keyOf({ ...failedRequest, level: 'warning', message: 'payment provider slow: 2300 ms' });
    const refund = (params: string[]) =>
      keyOf({ ...failedRequest, logentry: { message: 'refund %s refused for order %s', params } });
    // Both after the same failed request: they were one issue.
    expect(slow).not.toBe(refund(['r-19', '7']));
    expect(refund(['r-19', '7'])).toBe(refund(['r-20', '8']));
    expect(keyOf({ message: 'payment provider slow: 2400 ms' })).toBe(
      keyOf({ ...failedRequest, message: 'payment provider slow: 2300 ms' }),
    );
    // A browser's transaction is its raw URL: one message, one issue, whatever the page.
    expect(keyOf({ message: 'quota low', transaction: '/orders/7' })).toBe(
      keyOf({ message: 'quota low', transaction: '/orders/8' }),
    );
    // The SDK's own fingerprint still wins.
    expect(keyOf({ message: 'a', fingerprint: ['payments'] })).toBe(
      keyOf({ message: 'b', fingerprint: ['payments'] }),
    );
  });

  // @sentry/node's captureMessage sends the absolute path, a browser's the bundle's URL with its hash:
  // each deploy opened a new issue for the same message.
  it("should group a message event by its frame's file name, not its release's directory or bundle hash", () => {
    const keyOf = (filename: string, fn = 'checkout') =>
      fingerprintEvent(
        normalizeEvent(
          convert({
            level: 'warning',
            logentry: { message: 'User %s failed checkout', params: ['u-1'] },
            stacktrace: {
              frames: [{ function: fn, filename, abs_path: filename, lineno: 12, in_app: true }],
            },
          }),
        ),
      ).fingerprint;
    expect(keyOf('/srv/releases/a/app.mjs')).toBe(keyOf('/srv/releases/b/app.mjs'));
    expect(keyOf('https://shop.example.com/assets/index-B7x2kQ9a.js')).toBe(
      keyOf('https://shop.example.com/assets/index-Xy81Lp0q.js'),
    );
    // Another function or another file is another place in the code.
    expect(keyOf('/srv/releases/a/app.mjs', 'pay')).not.toBe(keyOf('/srv/releases/a/app.mjs'));
    expect(keyOf('/srv/releases/a/cart.mjs')).not.toBe(keyOf('/srv/releases/a/app.mjs'));
  });

  it("should expand a message event's {{ default }} to its message grouping, not its breadcrumbs'", () => {
    const failedRequest = {
      breadcrumbs: [{ category: 'http', level: 'error', message: 'GET /api/cart 500' }],
    };
    const withDefault = (message: string) =>
      convert({
        ...failedRequest,
        level: 'warning',
        logentry: { message },
        fingerprint: ['{{ default }}', 'web'],
      });
    expect(withDefault('Cart total mismatch').fingerprint).toEqual(['Cart total mismatch', 'web']);
    const keyOf = (payload: object) => fingerprintEvent(normalizeEvent(payload)).fingerprint;
    expect(keyOf(withDefault('Cart total mismatch'))).not.toBe(keyOf(withDefault('Coupon expired')));
    // An error event's {{ default }} is core's computed key, expanded when it is fingerprinted.
    expect(convert(pythonEvent).fingerprint?.[0]).toBe('{{ default }}');
  });

  it('should fill in the fingerprint variables the Triage event does not keep, core the others', () => {
    const payload = {
      platform: 'python',
      level: 'fatal',
      transaction: '/checkout',
      exception: {
        values: [
          {
            type: 'ValueError',
            value: 'cart 7 is invalid',
            stacktrace: {
              frames: [
                { function: 'dispatch', module: 'flask.app', filename: 'flask/app.py', in_app: false },
                { function: 'total', module: 'shop.cart', filename: 'shop/cart.py', in_app: true },
                {
                  function: 'deepcopy',
                  module: 'copy',
                  filename: 'copy.py',
                  in_app: false,
                  package: '/usr/lib/libpython3.11.so',
                },
              ],
            },
          },
        ],
      },
      fingerprint: [
        '{{ module }}',
        '{{ package }}',
        '{{ level }}',
        '{{ transaction }}',
        '{{ function }}',
        '{{ type }}',
      ],
    };
    expect(convert(payload).fingerprint).toEqual([
      'shop.cart',
      '{{ package }}',
      'fatal',
      '{{ transaction }}',
      '{{ function }}',
      '{{ type }}',
    ]);
    // A native frame's package is its binary's path: its file name is taken.
    const native = {
      message: 'render stalled',
      stacktrace: {
        frames: [{ function: 'draw', package: '/Applications/Shop.app/Contents/MacOS/Shop', in_app: true }],
      },
      fingerprint: ['{{ stack.package }}'],
    };
    expect(convert(native).fingerprint).toEqual(['Shop']);
    expect(fingerprintEvent(normalizeEvent(convert(payload))).components).toEqual([
      'shop.cart',
      '<no-package>',
      'fatal',
      '/checkout',
      'total',
      'ValueError',
    ]);
  });

  it("should read what raven clients sent: the interfaces' old names, a top-level stack and Python's numeric levels", () => {
    const raven = convert({
      message: 'payment gateway slow',
      level: 30,
      'sentry.interfaces.User': { id: 'u-1' },
      'sentry.interfaces.Http': { url: 'https://shop.example/pay', method: 'post' },
      stacktrace: { frames: [{ filename: 'shop/pay.py', function: 'charge', in_app: true }] },
    });
    expect(raven).toMatchObject({
      level: 'warn',
      user: { id: 'u-1' },
      request: { method: 'POST', url: 'https://shop.example/pay' },
      source: { file: 'shop/pay.py', function: 'charge' },
    });
    expect(
      convert({ 'sentry.interfaces.Exception': { values: [{ type: 'KeyError', value: "'sku'" }] } }).error,
    ).toMatchObject({ type: 'KeyError' });
    expect(convert({ message: 'm', level: '20' }).level).toBe('info');
    expect(convert({ message: 'm', level: 50 }).level).toBe('error');
  });

  it("should correct the times of a client whose clock is an hour or more off, and drop a breadcrumb's time ahead of any clock", () => {
    const twoHours = 2 * 3_600_000;
    const slow = convert(
      {
        message: 'm',
        timestamp: (receivedAt - twoHours - 5_000) / 1000,
        breadcrumbs: [{ message: 'before', timestamp: (receivedAt - twoHours - 6_000) / 1000 }],
      },
      twoHours,
    );
    expect(slow.timestamp).toBe(receivedAt - 5_000);
    expect(slow.log[0]?.time).toBe(receivedAt - 6_000);
    const ahead = convert({
      message: 'm',
      breadcrumbs: [{ message: 'from the future', timestamp: (receivedAt + 15 * 3_600_000) / 1000 }],
    });
    expect(ahead.log[0]).toEqual({ level: 'info', message: 'from the future', breadcrumb: true });
  });

  it('should read the message from logentry or from message, as a string or an object', () => {
    expect(convert({ logentry: { message: 'raw %s', params: ['x'] } }).message).toBe('raw x');
    expect(convert({ message: { formatted: 'formatted one' } }).message).toBe('formatted one');
    expect(convert({ message: 'plain', logentry: { formatted: '  ' } }).message).toBe('plain');
  });

  it('should use the transaction as source when there are no frames', () => {
    expect(convert({ message: 'm', transaction: 'GET /orders/:id' }).source).toEqual({
      function: 'GET /orders/:id',
    });
    expect(convert({ message: 'm' }).source).toBeUndefined();
  });

  // A browser names its transactions by the page's path: a rejection with no stack on /orders/123 and on
  // /orders/456 made two issues, "… in /orders/123" and "… in /orders/456".
  it('should parameterize a transaction that is a raw URL path before it names an event with no frames', () => {
    const rejection = (transaction: string, transaction_info?: object) =>
      convert({
        platform: 'javascript',
        transaction,
        transaction_info,
        exception: {
          values: [
            {
              type: 'Error',
              value: 'Non-Error promise rejection captured with value: undefined',
              mechanism: { type: 'onunhandledrejection', handled: false },
            },
          ],
        },
      });
    const keyOf = (event: object) => fingerprintEvent(normalizeEvent(event)).fingerprint;
    const url = { source: 'url' };
    expect(rejection('/orders/123', url).source).toEqual({ function: '/orders/<num>' });
    expect(keyOf(rejection('/orders/123', url))).toBe(keyOf(rejection('/orders/456', url)));
    // An SDK that sends no transaction_info: a path is taken for a raw one.
    expect(keyOf(rejection('/orders/123'))).toBe(keyOf(rejection('/orders/456')));
    expect(keyOf(rejection('/orders/123'))).not.toBe(keyOf(rejection('/carts/123')));
    // A route, a view or a task stays as named.
    for (const [name, info] of [
      ['/orders/:id', { source: 'route' }],
      ['GET /orders/{id}', { source: 'route' }],
      ['checkout.views.pay', { source: 'view' }],
      ['/orders/:id', undefined],
      ['/api/v2/orders/{order_id}', undefined],
      ['/orders/2024', { source: 'custom' }],
    ] as const) {
      expect(rejection(name, info).source).toEqual({ function: name });
    }
  });

  it('should take a message event source from the stack of its thread', () => {
    const event = convert({
      message: 'm',
      threads: {
        values: [
          { id: 1, stacktrace: { frames: [{ function: 'run', filename: 'app/jobs.py', in_app: true }] } },
        ],
      },
    });
    expect(event.source).toEqual({ file: 'app/jobs.py', function: 'run' });
  });

  // Real sentry-java and sentry-python events: in_app is sent only for classes and files the SDK was told
  // about, the runtime's frames come without it.
  it("should take the source of a JVM or Python event without in_app from the application's frames", () => {
    const java = (accessor: number) =>
      convert({
        platform: 'java',
        exception: {
          values: [
            {
              type: 'NullPointerException',
              module: 'java.lang',
              value: 'Cannot invoke "Object.hashCode()" because "key" is null',
              stacktrace: {
                frames: [
                  { function: 'run', module: 'java.lang.Thread', filename: 'Thread.java', lineno: 840 },
                  { function: 'invoke', module: `jdk.internal.reflect.GeneratedMethodAccessor${accessor}` },
                  {
                    function: 'process',
                    module: 'com.shop.OrderService',
                    filename: 'OrderService.java',
                    lineno: 31,
                  },
                  { function: 'get', module: 'java.util.HashMap', filename: 'HashMap.java', lineno: 556 },
                ],
              },
            },
          ],
        },
      });
    expect(java(57).source).toEqual({ file: 'OrderService.java', function: 'com.shop.OrderService.process' });
    const keyOf = (event: object) => fingerprintEvent(normalizeEvent(event)).fingerprint;
    expect(keyOf(java(57))).toBe(keyOf(java(112)));
    const python = convert({
      platform: 'python',
      exception: {
        values: [
          {
            type: 'JSONDecodeError',
            module: 'json.decoder',
            value: 'Expecting value: line 1 column 1 (char 0)',
            stacktrace: {
              frames: [
                {
                  function: 'checkout',
                  module: 'app.views',
                  filename: 'app/views.py',
                  abs_path: '/srv/app/app/views.py',
                  lineno: 40,
                },
                {
                  function: 'loads',
                  module: 'json',
                  filename: 'json/__init__.py',
                  abs_path: '/usr/lib/python3.11/json/__init__.py',
                  lineno: 346,
                },
                {
                  function: 'raw_decode',
                  module: 'json.decoder',
                  filename: 'json/decoder.py',
                  abs_path: '/usr/lib/python3.11/json/decoder.py',
                  lineno: 355,
                },
              ],
            },
          },
        ],
      },
    });
    expect(python.source).toEqual({ file: 'app/views.py', function: 'checkout' });
  });

  it('should accept an event made of breadcrumbs only', () => {
    const event = convert({ breadcrumbs: [{ category: 'auth', message: 'login failed', level: 'error' }] });
    expect(event.log).toEqual([{ level: 'error', message: '[auth] login failed', breadcrumb: true }]);
    expect(event.timestamp).toBe(receivedAt);
  });

  it('should refuse an event with nothing usable in it', () => {
    const error = refusal(() => convert({ event_id: 'x', platform: 'node', exception: { values: [] } }));
    expect(error.status).toBe(400);
    expect(error.message).toBe('event has no exception, message or breadcrumbs');
  });

  it('should never throw on odd field shapes', () => {
    const fields = [
      'event_id',
      'timestamp',
      'level',
      'platform',
      'logentry',
      'message',
      'exception',
      'threads',
      'breadcrumbs',
      'request',
      'user',
      'tags',
      'contexts',
      'release',
      'environment',
      'server_name',
      'fingerprint',
      'transaction',
      'sdk',
    ];
    const oddValues = [
      null,
      0,
      -1,
      'x',
      '',
      true,
      [],
      {},
      [null],
      [[]],
      { values: null },
      { values: [1, 'x', null] },
    ];
    for (const field of fields) {
      for (const value of oddValues) {
        const base = {
          exception: { values: [{ type: 'Error', value: 'boom' }] },
          message: 'boom',
          breadcrumbs: [{ message: 'step' }],
          [field]: value,
        };
        expect(() => convert(base)).not.toThrow();
        expect(() => normalizeEvent(convert(base))).not.toThrow();
      }
    }
  });

  it('should read an ISO timestamp without a zone as UTC and fall back to receivedAt', () => {
    expect(convert({ message: 'm', timestamp: '2023-11-14T22:13:20' }).timestamp).toBe(1700000000000);
    expect(convert({ message: 'm', timestamp: 'soon' }).timestamp).toBe(receivedAt);
  });
});
