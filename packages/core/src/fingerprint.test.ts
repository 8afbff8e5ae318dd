import { describe, expect, it } from 'vitest';
import { fingerprintEvent, frameKey, projectFingerprint } from './fingerprint.js';
import { normalizeEvent } from './normalize.js';
import { parameterize } from './parameterize.js';

describe('parameterize', () => {
  it('should replace volatile values with placeholders', () => {
    expect(
      parameterize(
        'user 42 (bob@example.com) at 2025-11-18T14:32:15Z from 10.0.0.7:5432 req 3f2b8c9e-1a4d-4e6f-9b2c-7d8e9f0a1b2c took 1532ms see https://x.io/a?b=1 hash 9fceb02d0ae5',
      ),
    ).toBe('user <num> (<email>) at <date> from <ip>:5432 req <uuid> took <duration> see <url> hash <hex>');
  });

  it('should replace hosts, pod names, temp paths and quoted values, keeping quoted identifiers', () => {
    expect(parameterize('getaddrinfo ENOTFOUND db-7.prod.internal')).toBe('getaddrinfo ENOTFOUND <host>');
    expect(parameterize('pod api-7d9f8b6c5-x2k4p OOMKilled')).toBe('pod <pod> OOMKilled');
    expect(parameterize("ENOENT: no such file, open '/tmp/upload-8a7f3/part.bin'")).toBe(
      "ENOENT: no such file, open '<tmp>'",
    );
    expect(parameterize('duplicate key value violates unique constraint "users_email_key"')).toBe(
      'duplicate key value violates unique constraint "users_email_key"',
    );
    expect(parameterize('Cannot find order \'ORD-20931\' for customer "Jane Doe"')).toBe(
      'Cannot find order \'<str>\' for customer "<str>"',
    );
    expect(parameterize("Cannot read properties of undefined (reading 'email')")).toBe(
      "Cannot read properties of undefined (reading 'email')",
    );
    expect(parameterize('at com.shop.OrderService.place(OrderService.java:88)')).toBe(
      'at com.shop.OrderService.place(OrderService.java:<num>)',
    );
  });
});

describe('fingerprintEvent', () => {
  const poolError = (userId: number, active: number) =>
    normalizeEvent({
      source: { file: 'main.ts', function: 'ProtectedHandler' },
      log: [
        `INFO: Request from 10.0.0.${userId % 200}`,
        `ERROR: Database connection timeout when fetching user_id=${userId}`,
        `ERROR: Connection pool exhausted (${active}/10 connections active)`,
      ],
    });

  it('should title an event by its own message, not an error logged before it, and key it as before', () => {
    const lines = ['ERROR: supplier feed acme returned 0 items, expected 120'];
    const withMessage = normalizeEvent({ log: lines, message: 'stock of sku-1 low: 4 left', level: 'warn' });
    // The same event as it was normalized before `message` was kept: its key must not change.
    const { message: _kept, ...asBefore } = withMessage;
    expect(fingerprintEvent(withMessage).title).toBe('stock of sku-<num> low: <num> left');
    expect(fingerprintEvent(asBefore).title).toBe('supplier feed acme returned <num> items, expected <num>');
    expect(fingerprintEvent(withMessage).fingerprint).toBe(fingerprintEvent(asBefore).fingerprint);
  });

  it('should give variants of one incident the same key', () => {
    expect(fingerprintEvent(poolError(999, 10)).fingerprint).toBe(
      fingerprintEvent(poolError(12345, 9)).fingerprint,
    );
  });

  it('should key an issue within its project, and leave an event of no project its fingerprint', () => {
    const { fingerprint } = fingerprintEvent(poolError(999, 10));
    expect(projectFingerprint(fingerprint, undefined)).toBe(fingerprint);
    const [one, two] = [projectFingerprint(fingerprint, '1'), projectFingerprint(fingerprint, '2')];
    expect(one).not.toBe(two);
    expect(one).not.toBe(fingerprint);
    expect(one).toMatch(/^[0-9a-f]{32}$/);
    expect(projectFingerprint(fingerprint, '1')).toBe(one);
  });

  it('should separate different root causes in the same function', () => {
    const missing = normalizeEvent({
      source: { file: 'main.ts', function: 'ProtectedHandler' },
      log: ['ERROR: Missing required parameter: user_id'],
    });
    expect(fingerprintEvent(missing).fingerprint).not.toBe(fingerprintEvent(poolError(999, 10)).fingerprint);
  });

  it('should group thrown errors by type, message shape and in-app frames, not line numbers', () => {
    const at = (line: number, id: string) =>
      normalizeEvent({
        error: {
          type: 'TypeError',
          message: `Cannot read properties of undefined (reading 'id') for order ${id}`,
          stack: `TypeError: x\n    at loadUser (/srv/app/src/users.js:${line}:15)\n    at handle (/srv/app/src/api.js:3:1)`,
        },
      });
    expect(fingerprintEvent(at(10, '7')).fingerprint).toBe(fingerprintEvent(at(99, '8')).fingerprint);
    expect(fingerprintEvent(at(10, '7')).title).toBe(
      "TypeError: Cannot read properties of undefined (reading 'id') for order <num>",
    );
  });

  it('should let an explicit fingerprint win, and extend the default with {{ default }}', () => {
    const base = poolError(1, 10);
    const explicit = fingerprintEvent({ ...base, fingerprint: ['pool'] });
    expect(explicit.components).toEqual(['pool']);
    const extended = fingerprintEvent({ ...base, fingerprint: ['{{ default }}', 'eu-west'] });
    expect(extended.components).toEqual([...fingerprintEvent(base).components, 'eu-west']);
    expect(extended.fingerprint).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('fingerprintEvent: what tells causes apart', () => {
  const key = (input: unknown) => fingerprintEvent(normalizeEvent(input)).fingerprint;

  it("should key an error of the runtime's frames only by the handler the event names", () => {
    // The stack of a refused connection, as Node prints it: no frame of the application.
    const refused = (port: number, handler: string, host = '10.0.0.7', netLine = 1611) => ({
      error: {
        type: 'Error',
        message: `connect ECONNREFUSED ${host}:${port}`,
        stack: `Error: connect ECONNREFUSED ${host}:${port}\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:${netLine}:16)`,
      },
      source: { function: handler },
    });
    expect(key(refused(5432, 'loadOrders'))).not.toBe(key(refused(5432, 'readSession')));
    // Another replica's address, another Node's line in node:net: the same cause.
    expect(key(refused(5432, 'loadOrders'))).toBe(key(refused(5432, 'loadOrders', '10.0.3.21', 1555)));
    expect(key(refused(5432, 'loadOrders'))).not.toBe(key(refused(6379, 'loadOrders')));
    // A source that is one of the frames (a Sentry event's culprit) adds nothing, and its full path
    // names the release's directory.
    const vendor = (release: string) => ({
      error: {
        type: 'TypeError',
        message: 'e is not a function',
        frames: [{ function: 'Ht', file: `/srv/releases/${release}/vendor.js`, inApp: false }],
      },
      source: { function: 'Ht', file: `/srv/releases/${release}/vendor.js` },
    });
    expect(key(vendor('2026.12.01'))).toBe(key(vendor('2026.12.02')));
  });

  it('should key a wrapped error by where its innermost cause was thrown too', () => {
    // An error middleware wraps whatever a handler threw: the wrapper's frames are the same for all.
    const wrapped = (handler: string, requestId: number) => ({
      error: {
        type: 'Error',
        message: `request ${requestId} failed`,
        stack: `Error: request ${requestId} failed\n    at wrap (/app/src/errors.js:3:10)\n    at handle (/app/src/server.js:20:5)`,
        cause: {
          type: 'TypeError',
          message: "Cannot read properties of undefined (reading 'id')",
          stack: `TypeError: Cannot read properties of undefined (reading 'id')\n    at ${handler} (/app/src/routes.js:12:20)\n    at handle (/app/src/server.js:18:7)`,
        },
      },
    });
    expect(key(wrapped('getUser', 1))).not.toBe(key(wrapped('getOrder', 1)));
    expect(key(wrapped('getUser', 1))).toBe(key(wrapped('getUser', 2)));
  });

  it("should key a raw log's matched line by what failed, not only by the rule's words", () => {
    const line = (text: string) => key([`2026-01-05T10:00:00Z ERROR ${text}`]);
    expect(line("TypeError: Cannot read properties of undefined (reading 'id')")).not.toBe(
      line("TypeError: Cannot read properties of undefined (reading 'total')"),
    );
    expect(line('duplicate key value violates unique constraint "users_email_key"')).not.toBe(
      line('duplicate key value violates unique constraint "orders_pkey"'),
    );
    expect(line("ENOENT: no such file or directory, open '/app/config/prod.json'")).not.toBe(
      line("ENOENT: no such file or directory, open '/app/uploads/8812/avatar.png'"),
    );
    expect(line('connect ECONNREFUSED 10.0.0.7:5432')).not.toBe(line('connect ECONNREFUSED 10.0.0.7:6432'));
    // What varies in the line still does not split.
    expect(line('connect ECONNREFUSED 10.0.0.7:5432 after 20ms')).toBe(
      key(['2026-01-06T11:30:00Z ERROR connect ECONNREFUSED 10.0.0.9:5432 after 1532ms']),
    );
  });

  it('should key a matched line by what names the cause, not by the context after it', () => {
    const line = (text: string) => key([`2026-01-05T10:00:00Z ERROR ${text}`]);
    expect(line('connect ECONNREFUSED 10.0.0.5:5432 - tenant acme')).toBe(
      line('connect ECONNREFUSED 10.0.0.5:5432 - tenant globex'),
    );
    expect(line('429 Too Many Requests from upstream user=alice')).toBe(
      line('429 Too Many Requests from upstream user=bob'),
    );
    const oom = (pid: number, vm: number, rss: number) =>
      key([
        `Out of memory: Killed process ${pid} (node) total-vm:${vm}kB, anon-rss:${rss}kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:2048kB oom_score_adj:0`,
      ]);
    expect(oom(12345, 1234567, 456789)).toBe(oom(23456, 2234567, 556789));
  });

  it('should key a klog, syslog or logback line the same on other days, hosts and threads', () => {
    // klog: the level letter holds the month and day, the thread id varies, the file keeps its place.
    expect(
      key([
        'E1118 10:32:15.123456       1 reflector.go:138] dial tcp 10.0.0.7:5432: connect: connection refused',
      ]),
    ).toBe(
      key([
        'E1119 08:02:11.000001   23456 k8s.io/client-go/tools/cache/reflector.go:140] dial tcp 10.0.0.9:5432: connect: connection refused',
      ]),
    );
    // RFC 3164 and RFC 5424 syslog: month, host and pid vary; the program is the caller.
    const refused = 'ERROR connect ECONNREFUSED 10.0.0.7:5432';
    expect(key([`Nov 30 10:32:15 web1 app[1234]: ${refused}`])).toBe(
      key([`Dec  1 09:01:02 web2 app[99]: ${refused}`]),
    );
    expect(key([`<11>1 2026-11-30T10:32:15.003Z web1 app 1234 - - ${refused}`])).toBe(
      key([`<11>1 2026-12-01T09:01:02Z web2.example.com app 99 ID47 [meta requestId="r-7"] ${refused}`]),
    );
    // Logback's time of day and thread, when no rule matches the line.
    const unsaved = (thread: string, order: number) =>
      key([`14:32:15.123 [${thread}] ERROR c.s.OrderService - Order ${order} could not be saved`]);
    expect(unsaved('main', 42)).toBe(unsaved('http-nio-8080-exec-3', 43));
  });

  it('should keep apart the programs and the errors behind a klog or syslog header', () => {
    const refused = 'ERROR connect ECONNREFUSED 10.0.0.7:5432';
    expect(key([`Nov 30 10:32:15 web1 app[1234]: ${refused}`])).not.toBe(
      key([`Nov 30 10:32:15 web1 worker[1234]: ${refused}`]),
    );
    expect(key([`Nov 30 10:32:15 web1 app[1234]: ${refused}`])).not.toBe(
      key(['Nov 30 10:32:15 web1 app[1234]: ERROR connect ECONNREFUSED 10.0.0.7:6379']),
    );
    const klog = (file: string, message: string) =>
      key([`E1118 10:32:15.123456       1 ${file}:138] ${message}`]);
    expect(klog('reflector.go', 'dial tcp 10.0.0.7:5432: connect: connection refused')).not.toBe(
      klog('leaderelection.go', 'dial tcp 10.0.0.7:5432: connect: connection refused'),
    );
    const logback = (message: string) => key([`14:32:15.123 [main] ERROR c.s.OrderService - ${message}`]);
    expect(logback('Order 42 could not be saved')).not.toBe(logback('Order 42 could not be shipped'));
  });

  it('should keep apart HTTP statuses, and group the ids and indexes that vary', () => {
    const axios = (status: number) =>
      `AxiosError: Request failed with status code ${status}\n    at settle (/app/node_modules/axios/dist/node/axios.cjs:2031:12)\n    at async fetchRates (/app/src/fx.js:14:20)`;
    expect(key(axios(401))).not.toBe(key(axios(429)));
    const all = (index: number, id: string) =>
      `Error: part ${id} timed out\n    at fetchPart (/app/src/parts.js:12:11)\n    at async Promise.all (index ${index})\n    at async loadAll (/app/src/parts.js:30:5)`;
    expect(key(all(0, 'cljx9m5y20000qzrm7h9h3kvp'))).toBe(key(all(3, 'clk2b7q1d0001mx08c2v5hy7e')));
  });

  it("should key a bundle's frames by file name without its content hash", () => {
    const bundled = (hash: string, vendor: string) => ({
      error: {
        type: 'TypeError',
        message: "Cannot read properties of undefined (reading 'price')",
        stack: `TypeError: x\n    at renderCart (https://shop.example.com/assets/index-${hash}.js:1:2345)\n    at Ht (https://shop.example.com/assets/vendor-${vendor}.js:1:6789)`,
      },
    });
    expect(key(bundled('B7x2kQ9a', 'Cc8dXkQp'))).toBe(key(bundled('D4mP0sLe', 'aB-9kLmQ')));
    const webpack = (hash: string) => ({
      error: {
        type: 'TypeError',
        message: 'x is not a function',
        stack: `TypeError: x\n    at renderCart (https://shop.example.com/_next/static/chunks/pages/cart-${hash}.js:1:2345)\n    at main (https://shop.example.com/static/js/main.${hash.slice(0, 8)}.chunk.js:1:1)`,
      },
    });
    expect(key(webpack('8a7b6c5d4e3f2a1b'))).toBe(key(webpack('0f1e2d3c4b5a6978')));
    expect(fingerprintEvent(normalizeEvent(webpack('8a7b6c5d4e3f2a1b'))).components).toContain(
      'renderCart@cart.js',
    );
    // A name that only looks like one keeps its suffix.
    expect(fingerprintEvent(normalizeEvent(webpack('summary'))).components).toContain(
      'renderCart@cart-summary.js',
    );
  });

  it("should keep a file name's own suffix, and strip a hash only where a bundler writes", () => {
    const at = (file: string) =>
      fingerprintEvent({
        ...normalizeEvent({ log: ['x'] }),
        error: { type: 'Error', message: 'x', frames: [{ function: 'run', file, line: 1, inApp: true }] },
      }).components[2];
    for (const name of [
      'migration-20240105.js',
      'crypto-sha256.js',
      'routes.v1_orders.js',
      'step-020_import.js',
      'checkout.CartView.js',
    ]) {
      expect(at(`https://shop.example.com/assets/${name}`)).toBe(`run@${name}`);
    }
    // The same hash outside a bundler's output is part of a name a person gave.
    expect(at('/app/src/report-B7x2kQ9a.js')).toBe('run@report-B7x2kQ9a.js');
    expect(at('/app/dist/index-B7x2kQ9a.js')).toBe('run@index.js');
    expect(at('/app/node_modules/.vite/deps/chunk-CcdXkQpa.js')).toBe('run@chunk.js');
  });

  // The JVM numbers the classes it generates in the order it makes them: the same reflective call was
  // GeneratedMethodAccessor57 in one process and GeneratedMethodAccessor112 in the next, an issue each.
  it('should key a class the JVM generated at run time without its number', () => {
    const trace = (accessor: string, proxy: string) =>
      [
        'java.lang.IllegalStateException: order already paid',
        `\tat jdk.proxy2.${proxy}.process(Unknown Source)`,
        `\tat sun.reflect.${accessor}.invoke(Unknown Source)`,
      ].join('\n');
    expect(key(trace('GeneratedMethodAccessor57', '$Proxy12'))).toBe(
      key(trace('GeneratedMethodAccessor112', '$Proxy31')),
    );
    // A printed lambda frame, numbered by each JVM as it runs.
    const printed = (lambda: string) =>
      [
        'java.lang.IllegalStateException: cart is locked',
        `\tat com.shop.Cart$$Lambda$${lambda}.accept(Unknown Source)`,
        '\tat com.shop.Cart.total(Cart.java:31)',
      ].join('\n');
    expect(key(printed('14/0x0000000800c0b440'))).toBe(key(printed('27/0x0000000800d1c008')));
    expect(key(printed('14/0x0000000800c0b440'))).not.toBe(
      key(printed('14/0x0000000800c0b440').replace('accept', 'apply')),
    );
    expect(frameKey({ function: 'jdk.internal.reflect.GeneratedConstructorAccessor9.newInstance' })).toBe(
      'jdk.internal.reflect.GeneratedConstructorAccessor.newInstance@',
    );
    // JDK 17 and JDK 21 lambdas, as sentry-java sends them (the class is the module, there is no file).
    expect(
      frameKey({
        function: 'com.shop.Cart$$Lambda$88/0x0000000800c0b440.accept',
        file: 'com.shop.Cart$$Lambda$88/0x0000000800c0b440',
      }),
    ).toBe('com.shop.Cart$$Lambda.accept@com.shop.Cart$$Lambda');
    expect(frameKey({ function: 'com.shop.Cart$$Lambda/0x000071d9c8003c38.accept' })).toBe(
      'com.shop.Cart$$Lambda.accept@',
    );
    // A number the compiler gave (a lambda's body, an inner class) is the same in every process.
    expect(frameKey({ function: 'com.shop.Cart.lambda$total$0', file: 'Cart.java' })).toBe(
      'com.shop.Cart.lambda$total$0@Cart.java',
    );
    expect(frameKey({ function: 'com.shop.Cart$1.run', file: 'Cart.java' })).toBe(
      'com.shop.Cart$1.run@Cart.java',
    );
  });

  // More frames of the driver and the pool than the key takes: keyed by them, every query timing out was one issue.
  it("should key a raw Java trace by the application's frames, not its driver's", () => {
    const trace = (method: string) =>
      [
        'org.postgresql.util.PSQLException: ERROR: canceling statement due to statement timeout',
        '\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2725)',
        '\tat org.postgresql.core.v3.QueryExecutorImpl.processResults(QueryExecutorImpl.java:2412)',
        '\tat org.postgresql.core.v3.QueryExecutorImpl.execute(QueryExecutorImpl.java:371)',
        '\tat org.postgresql.jdbc.PgStatement.executeInternal(PgStatement.java:502)',
        '\tat org.postgresql.jdbc.PgStatement.execute(PgStatement.java:419)',
        '\tat com.zaxxer.hikari.pool.ProxyPreparedStatement.executeQuery(ProxyPreparedStatement.java:52)',
        `\tat com.acme.billing.InvoiceRepository.${method}(InvoiceRepository.java:88)`,
      ].join('\n');
    expect(key(trace('findOverdue'))).not.toBe(key(trace('sumByCustomer')));
  });
});
