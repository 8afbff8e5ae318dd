import { describe, expect, it, vi } from 'vitest';
import { createRedactor, luhn } from './redact.js';
import type { TriageEvent } from './types.js';

const redact = createRedactor();

describe('createRedactor().text', () => {
  it.each([
    ['user jane.doe+shop@example.co.uk failed login', 'user [email] failed login'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9x.abcdefghijk', 'Authorization: Bearer [secret]'],
    [
      'token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'token [jwt]',
    ],
    [
      'connecting to postgres://app:s3cr3t@db.internal:5432/shop',
      'connecting to postgres://app:[secret]@db.internal:5432/shop',
    ],
    ['key AKIAIOSFODNN7EXAMPLE in use', 'key [aws_key] in use'],
    ['gh token ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'gh token [github_token]'],
    ['stripe sk_live_51Habcdefghijklmnop', 'stripe [stripe_key]'],
    ['slack xoxb-123456789012-abcdefghij', 'slack [slack_token]'],
    ['google AIzaSyA-abcdefghijklmnopqrstuvwxyz12345', 'google [google_key]'],
    ['openai sk-proj-abcdefghijklmnopqrstuvwxyz', 'openai [openai_key]'],
    ['anthropic sk-ant-api03-abcdefghijklmnopqrstuv', 'anthropic [anthropic_key]'],
    ['groq gsk_abcdefghijklmnopqrstuvwxyz', 'groq [groq_key]'],
    ['sendgrid SG.abcdefghijklmnopqr.abcdefghijklmnopqrstuvwx', 'sendgrid [sendgrid_key]'],
    ['the write-up dmt_abcdefghijklmnopqrstuvwx key', 'the write-up [api_key] key'],
    ['password=hunter2 user=bob', 'password=[secret] user=bob'],
    ['{"api_key": "abc123", "id": 7}', '{"api_key": "[secret]", "id": 7}'],
    ['card 4111 1111 1111 1111 charged', 'card [card] charged'],
    ['card 4111111111111111, took 31.4111111111111111 ms', 'card [card], took 31.4111111111111111 ms'],
    ['iban DE89 3704 0044 0532 0130 00 paid', 'iban [iban] paid'],
    ['call +1 415 555 2671 or (415) 555-2671', 'call [phone] or [phone]'],
    ['client 203.0.113.9 blocked', 'client [ip] blocked'],
    ['from 2001:db8:85a3:0:0:8a2e:370:7334 at 10:00:00', 'from [ip] at 10:00:00'],
    ['from 2001:db8::8a2e:370:7334 denied', 'from [ip] denied'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', '[private_key]'],
    // Keys and addresses longer than the old bounds (40 characters before the word, 64 in a local part)
    // are redacted whole, not in part or not at all.
    [`${'x'.repeat(50)}_token=abc123 next`, `${'x'.repeat(50)}_token=[secret] next`],
    [`reply to ${'a.'.repeat(40)}b@example.com`, 'reply to [email]'],
    ['to first_last@example.com, mailto:bob@example.com', 'to [email], mailto:[email]'],
  ])('should redact %j', (input, expected) => {
    expect(redact.text(input)).toBe(expected);
  });

  it('should redact lines that pair a hint with long runs of name characters, and keep the runs', () => {
    // Each run used to be read again from every position in it (up to 2 ms per KiB); see bench/README.md.
    const runs = ['x'.repeat(900), '1234.'.repeat(180), 'a-'.repeat(450), 'token'.repeat(180)];
    for (const run of runs) {
      expect(redact.text(`mail bob@example.com password=hunter2 ${run}`)).toBe(
        `mail [email] password=[secret] ${run}`,
      );
      expect(redact.text(`${run} mail bob@example.com`)).toBe(`${run} mail [email]`);
    }
  });

  it.each([
    'request 3f2b8c9e-1a4d-4e6f-9b2c-7d8e9f0a1b2c failed',
    'commit 9fceb02d0ae598e95dc970b74767f19372d61af8',
    '2025-11-18T14:32:15.123Z took 1532ms',
    'connect ECONNREFUSED 127.0.0.1:5432',
    'connect ECONNREFUSED fe80::1:5432 at 10:00:00.123',
    'thread main panicked at std::io::Error 12:30:45',
    'listen EADDRINUSE: address already in use 10.0.0.4:8080',
    '    at loadUser (/srv/app/src/users.js:10:15)',
    'epoch 1700000000000 order 4111111111111112',
    'password authentication failed for user "postgres"',
    'Connection pool exhausted (10/10 connections active)',
    // Near misses of every redacted kind:
    'user @handle mentioned in a post',
    'order 4111 1111 1111 1112 failed the checksum',
    'ref DE00 3704 0044 0532 0130 00 fails mod-97',
    'version 415.555.2671.1 released',
    'Bearer short',
    'ghp_tooshort and sk-short and gsk_short',
    'AKIA1234 is not a key',
    'eyJhbGciOi is half a token',
    'https://example.com/path?page=2',
    'password authentication failed',
    'token expired at 2025-11-18T14:32:15Z',
    '-----BEGIN CERTIFICATE-----',
    'version 1.2.3-beta built',
  ])('should leave diagnosis facts alone: %j', (input) => {
    expect(redact.text(input)).toBe(input);
  });

  it('should honour the IP setting', () => {
    expect(createRedactor({ ipAddresses: 'all' }).text('connect ECONNREFUSED 127.0.0.1:5432')).toBe(
      'connect ECONNREFUSED [ip]:5432',
    );
    expect(createRedactor({ ipAddresses: 'none' }).text('client 203.0.113.9')).toBe('client 203.0.113.9');
  });

  it('should apply custom patterns and keys', () => {
    const custom = createRedactor({
      patterns: [{ pattern: /ACCT-\d+/, replacement: '[account]' }],
      keys: ['pin'],
    });
    expect(custom.text('ACCT-1234 and ACCT-99 pin=1234')).toBe('[account] and [account] pin=[secret]');
  });

  it('should apply a custom pattern to text that wakes none of the built-in hints', () => {
    const custom = createRedactor({ patterns: [{ pattern: /acme-internal-[a-z]+/, replacement: '[host]' }] });
    expect(custom.text('calling acme-internal-billing now')).toBe('calling [host] now');
  });

  it('should leave a UUID whole, however many digit runs it holds', () => {
    const id = '4919279b-e3e5-417a-b3d2-204e9f963615';
    expect(redact.text(id)).toBe(id);
    expect(redact.text(`${id} token=abc123`)).toBe(`${id} token=[secret]`);
    // Without dashes, as a Sentry SDK sends its event ids; digits only, as no card or phone is.
    for (const hex of ['9ec79c33ec9942ab8353589fcb2e04dc', '41111111111111114111111111111111'])
      expect(redact.text(hex)).toBe(hex);
  });

  it("should run an application's own patterns on ids too", () => {
    const custom = createRedactor({ patterns: [{ pattern: /\b[0-9a-f]{32}\b/, replacement: '[hex_key]' }] });
    expect(custom.text('9ec79c33ec9942ab8353589fcb2e04dc')).toBe('[hex_key]');
    expect(custom.text('4919279b-e3e5-417a-b3d2-204e9f963615')).toBe('4919279b-e3e5-417a-b3d2-204e9f963615');
  });

  it('should redact a string seen before as it did the first time, short or long', () => {
    const redactor = createRedactor();
    const short = 'login failed for ana@example.com';
    const long = `${'x'.repeat(300)} token=abc123`;
    for (let seen = 0; seen < 3; seen++) {
      expect(redactor.text(short)).toBe('login failed for [email]');
      expect(redactor.text(long)).toBe(`${'x'.repeat(300)} token=[secret]`);
    }
  });

  it('should run its rules once per remembered string, and every time when told to remember none', () => {
    // A custom pattern that counts how often the rules run over a string.
    let runs = 0;
    class CountingPattern extends RegExp {
      override exec(input: string) {
        runs++;
        return super.exec(input);
      }
    }
    const counted = (remember?: number) => {
      runs = 0;
      const redactor = createRedactor({
        patterns: [{ pattern: new CountingPattern('acme-[a-z]+', 'g') }],
        remember,
      });
      for (let seen = 0; seen < 3; seen++)
        expect(redactor.text('calling acme-billing')).toBe('calling [redacted]');
      return runs;
    };
    const once = counted();
    expect(once).toBeGreaterThan(0);
    expect(counted(0)).toBe(once * 3);
    // Two distinct strings alternating, with room for one: each is forgotten before it comes back.
    runs = 0;
    const tiny = createRedactor({
      patterns: [{ pattern: new CountingPattern('acme-[a-z]+', 'g') }],
      remember: 1,
    });
    for (let seen = 0; seen < 2; seen++) {
      tiny.text('calling acme-billing');
      tiny.text('calling acme-ledger');
    }
    expect(runs).toBe(once * 4);
  });

  it('should keep redacting correctly past the number of strings it remembers', () => {
    const redactor = createRedactor();
    // More distinct strings than the memo holds, each seen twice, far apart and then at once.
    const inputs = Array.from({ length: 10_000 }, (_, index) => `user${index}@example.com said hi`);
    for (const input of inputs) expect(redactor.text(input)).toBe('[email] said hi');
    for (const input of inputs) {
      expect(redactor.text(input)).toBe('[email] said hi');
      expect(redactor.text(input)).toBe('[email] said hi');
    }
    expect(redactor.text('nothing secret here')).toBe('nothing secret here');
  });
});

describe('createRedactor().text, forms the review found passing', () => {
  it.each([
    // Percent-encoded and non-ASCII emails.
    ['GET /users/alice%40example.com/reset', 'GET /users/[email]/reset'],
    ['GET /reset?email=alice%40example.com&step=2', 'GET /reset?email=[email]&step=2'],
    ['invite sent to josé@example.com', 'invite sent to [email]'],
    ['bounce from anna@bücher.de and 用户@例子.广告', 'bounce from [email] and [email]'],
    // JSON inside a JSON string, and an escaped quote inside a JSON string.
    [
      '{"body":"{\\"password\\":\\"hunter2\\",\\"user\\":\\"bob\\"}"}',
      '{"body":"{\\"password\\":\\"[secret]\\",\\"user\\":\\"bob\\"}"}',
    ],
    ['{"password":"pa\\"ss word","id":7}', '{"password":"[secret]","id":7}'],
    // A value holding a placeholder among other text is secret whole; one that is a placeholder stays.
    ['{"password":"Summer2024! (sent by alice@example.com)"}', '{"password":"[secret]"}'],
    ['{"cookie":"lang=en; session_id=abc123xyz987; email=bob@example.com"}', '{"cookie":"[secret]"}'],
    ['password=Summer2024!(bob@example.com) next', 'password=[secret] next'],
    ['password=bob@example.com next', 'password=[email] next'],
    ['token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl next', 'token=[jwt] next'],
    // Headers: a Cookie's and an Authorization's whole value, whatever the scheme.
    ['Cookie: theme=dark; sid=s3cr3tSessionValue123', 'Cookie: [secret]'],
    ['Set-Cookie: sid=s3cr3tSessionValue123; Path=/; HttpOnly', 'Set-Cookie: [secret]'],
    ['Authorization: Token 9f8e7d6c5b4a39281706', 'Authorization: Token [secret]'],
    ['Authorization: ApiKey 9f8e7d6c5b4a39281706', 'Authorization: ApiKey [secret]'],
    ['Authorization: Digest username="bob", response="6629fae49393a053"', 'Authorization: Digest [secret]'],
    ['authorization=Token 9f8e7d6c5b4a user=bob', 'authorization=Token [secret] user=bob'],
    // Written inside a JSON string, the header ends with it: the line's other fields stay.
    [
      '{"msg":"upstream sent Cookie: a=1; sid=xyz","level":"error"}',
      '{"msg":"upstream sent Cookie: [secret]","level":"error"}',
    ],
    // Parameter forms.
    ['user[password]=hunter2&user[name]=bob', 'user[password]=[secret]&user[name]=bob'],
    ['{"password"=>"hunter2", "name"=>"bob"}', '{"password"=>"[secret]", "name"=>"bob"}'],
    ['token: ["abc123secret"] retry=2', 'token: [secret] retry=2'],
    ["{ credentials: { user: 'bob', pass: 'hunter2' }, retry: 2 }", '{ credentials: [secret], retry: 2 }'],
    ['{"auth":["bob","hunter2"],"id":7}', '{"auth":[secret],"id":7}'],
    // URL credentials with an empty user, or a raw `@` in the password.
    ['connect redis://:s3cretpass@redis:6379 failed', 'connect redis://:[secret]@redis:6379 failed'],
    ['amqp://:pw@rabbitmq:5672', 'amqp://:[secret]@rabbitmq:5672'],
    ['postgres://app:p@ss@db:5432/shop', 'postgres://app:[secret]@db:5432/shop'],
    // Not a password: a query string's email after a port.
    ['see https://host:8080?next=a@b.com', 'see https://host:8080?next=[email]'],
    // A word after "auth:" in lower case is no scheme: only the first is taken, as before.
    ['auth: token rejected request_id=req_0c9d31', 'auth: [secret] rejected request_id=req_0c9d31'],
    // Cards of every network (each Luhn-valid), IBANs followed by a word or in lower case, phones with +.
    ['jcb 3530111333300000 diners 36227206271667 paid', 'jcb [card] diners [card] paid'],
    ['unionpay 6200000000000005, maestro 6759649826438453', 'unionpay [card], maestro [card]'],
    ['discover 6440000000000005 mir 2200000000000004', 'discover [card] mir [card]'],
    ['wire to BE68539007547034 EUR', 'wire to [iban] EUR'],
    ['BE68 5390 0754 7034 FROM acme', '[iban] FROM acme'],
    ['iban be68 5390 0754 7034', 'iban [iban]'],
    ['GB29 NWBK 6016 1331 9268 19 on file', '[iban] on file'],
    ['call +44 20 7946 0958 or +33 1 23 45 67 89', 'call [phone] or [phone]'],
    ['phone=+48 601 234 567, fax +49 (0)30 1234567', 'phone=[phone], fax [phone]'],
  ])('should redact %j', (input, expected) => {
    expect(redact.text(input)).toBe(expected);
  });

  it.each([
    '[auth]: login failed for user 42',
    '2025-11-18T14:32:15+00:00 started with offset +0530',
    'retries +3, latency +120 ms, queue +12 45',
    'diff +120 -30 in 4 files',
    'target es2022, utf16 decode, de12 node ready',
    'ref BE68 5390 0754 7035 fails mod-97',
    'took 36.227206271667 s, order 3530111333300001',
    'user@localhost refused',
    'GET https://example.com:8443/path?page=2#top',
  ])('should leave alone: %j', (input) => {
    expect(redact.text(input)).toBe(input);
  });

  it('should redact lines of the new forms repeated in time linear in the line', () => {
    // Each unit repeated to 300 KB. A pattern that read the rest of the line again from each unit
    // (the URL hint did, from every `://`: 0.7 s for 100 KB) takes seconds here; linear, milliseconds.
    const units = [
      'redis://:',
      'token: [ [x] ',
      'token=\\"',
      'Cookie: "',
      '%40a',
      'é.',
      '+4 12345 ',
      'be68 5390 ',
      'user[password][',
      '\\"token\\":\\"',
      'Cookie: a=b;',
      'Authorization: a=b, ',
      'a://b:c#d?',
      '+1-2 ',
    ];
    const started = performance.now();
    for (const unit of units) redact.text(unit.repeat(Math.ceil(300_000 / unit.length)));
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('createRedactor().event', () => {
  it('should redact every string and every value under a sensitive key, without mutating the input', () => {
    const event: TriageEvent = {
      id: 'e1',
      timestamp: 1,
      level: 'error',
      log: [
        { level: 'error', message: 'mail to bob@example.com failed', fields: { apiKey: 'abc', userId: 7 } },
      ],
      request: {
        url: '/login?email=bob@example.com',
        headers: { authorization: 'Basic Ym9iOnB3', accept: 'json' },
      },
      user: { id: '7', email: 'bob@example.com' },
    };
    const copy = redact.event(event);
    expect(copy.log[0]?.message).toBe('mail to [email] failed');
    expect(copy.log[0]?.fields).toEqual({ apiKey: '[secret]', userId: 7 });
    expect(copy.request?.headers).toEqual({ authorization: '[secret]', accept: 'json' });
    expect(copy.request?.url).toBe('/login?email=[email]');
    expect(copy.user).toEqual({ id: '7', email: '[email]' });
    expect(event.user?.email).toBe('bob@example.com');
  });

  it('should judge a field name the same way every time it is seen', () => {
    const event = { id: 'e2', timestamp: 1, level: 'error', log: [], context: { Session_Id: 'abc' } };
    for (let round = 0; round < 3; round++) {
      expect((redact.event(event as TriageEvent) as unknown as typeof event).context).toEqual({
        Session_Id: '[secret]',
      });
    }
  });
});

describe('createRedactor().event, values and names the review found passing', () => {
  const withFields = (fields: Record<string, unknown>, tags?: Record<string, string>): TriageEvent => ({
    id: 'e4',
    timestamp: 1,
    level: 'error',
    log: [{ level: 'error', message: 'payment failed', fields }],
    tags,
  });

  it('should make any value under a secret key [secret], keeping empty strings, null and booleans', () => {
    const copy = redact.event(
      withFields({
        password: 12345678,
        credentials: { user: 'bob', pass: 'hunter2' },
        cookies: { sid: 'x' },
        auth: ['bob', 'hunter2'],
        sessionToken: 123456789012345678n,
        apiKey: '',
        session: null,
        authenticated: false,
        orderId: 1234,
      }),
    );
    expect(copy.log[0]?.fields).toEqual({
      password: '[secret]',
      credentials: '[secret]',
      cookies: '[secret]',
      auth: '[secret]',
      sessionToken: '[secret]',
      apiKey: '',
      session: null,
      authenticated: false,
      orderId: 1234,
    });
  });

  it('should redact a card written as a number under a key that names one, and keep other numbers', () => {
    const fields = {
      card: 4111111111111111,
      payment: { pan: 3530111333300000, amount: 12.5 },
      at: 1_700_000_000_000,
      orderId: 4111111111111112,
      took: 31.4111111111111,
      big: 6200000000000005n,
    };
    expect(redact.event(withFields(fields)).log[0]?.fields).toEqual({
      card: '[card]',
      payment: { pan: '[card]', amount: 12.5 },
      at: 1_700_000_000_000,
      orderId: 4111111111111112,
      took: 31.4111111111111,
      big: '6200000000000005n',
    });
  });

  it('should redact names as text, numbering the ones that come to read the same', () => {
    const copy = redact.event(
      withFields(
        { 'alice@example.com': 12, 'bob@example.com': 3, '[email]': 'literal', plain: 1 },
        { 'customer:carol@example.com': 'gold', region: 'eu' },
      ),
    );
    expect(copy.log[0]?.fields).toEqual({ '[email]': 12, '[email]#2': 3, '[email]#3': 'literal', plain: 1 });
    expect(copy.tags).toEqual({ 'customer:[email]': 'gold', region: 'eu' });
    expect(JSON.stringify(copy)).not.toMatch(/alice|bob@|carol/);
  });
});

describe('createRedactor().event with what an application may log', () => {
  const withFields = (fields: unknown): TriageEvent => ({
    id: 'e3',
    timestamp: 1,
    level: 'error',
    log: [{ level: 'error', message: 'payment failed', fields: fields as Record<string, unknown> }],
  });
  const nested = (levels: number, leaf: unknown) => {
    let value = leaf;
    for (let level = 0; level < levels; level++) value = { n: value };
    return value;
  };
  const secrets = { email: 'alice@example.com', password: 'hunter2' };

  it('should redact at any depth JSON ingest lets through, and keep nothing past the limit', () => {
    // 25 levels down used to be returned as it was: stored and served unredacted.
    const deep = JSON.stringify(redact.event(withFields(nested(25, secrets))));
    expect(deep).not.toMatch(/alice@example\.com|hunter2/);
    expect(deep).toContain('"email":"[email]","password":"[secret]"');
    const tooDeep = JSON.stringify(redact.event(withFields(nested(100, secrets))));
    expect(tooDeep).not.toMatch(/alice|hunter2/);
    expect(tooDeep).toContain('"n":"[nested too deep]"');
  });

  it('should give a copy JSON can write for cycles, BigInts, dates and unreadable values', () => {
    const request: Record<string, unknown> = { url: '/pay?email=alice@example.com', amount: 10n };
    request.self = request;
    request.children = [request, { parent: request }];
    const unreadable = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('ownKeys');
        },
        get() {
          throw new Error('get');
        },
      },
    );
    const fields = { request, at: new Date(Date.UTC(2026, 11, 6)), unreadable, ok: true };
    const copy = redact.event(withFields(fields));
    expect(JSON.parse(JSON.stringify(copy)).log[0].fields).toEqual({
      request: {
        url: '/pay?email=[email]',
        amount: '10n',
        self: '[Circular]',
        children: ['[Circular]', { parent: '[Circular]' }],
      },
      at: '2026-12-06T00:00:00.000Z',
      unreadable: '[Unreadable]',
      ok: true,
    });
    // The same object twice side by side is no cycle.
    const shared = { email: 'bob@example.com' };
    expect(redact.event(withFields({ a: shared, b: shared })).log[0]?.fields).toEqual({
      a: { email: '[email]' },
      b: { email: '[email]' },
    });
  });
});

describe('luhn', () => {
  it('should tell valid card numbers from other digit runs', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(luhn('1234')).toBe(false);
  });
});

describe('createRedactor, the second review (d73d7e7)', () => {
  const withFields = (fields: Record<string, unknown>): TriageEvent => ({
    id: 'e5',
    timestamp: 1,
    level: 'error',
    log: [{ level: 'error', message: 'm', fields }],
  });

  it('should number names that read the same in work linear in their count, keeping every value', () => {
    // Each new `[email]` key rescanned `#2`, `#3`… from 2: 10,000 keys took 6.9 s of the event loop.
    const emailKeys = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, index) => [`user${index}@example.com`, index]));
    const spy = vi.spyOn(Object, 'hasOwn');
    try {
      redact.event(withFields(emailKeys(2_000)));
      // Two per key (the own-key test and the free name's); the rescan made 2 million.
      expect(spy.mock.calls.length).toBeLessThan(20_000);
    } finally {
      spy.mockRestore();
    }
    const started = performance.now();
    const fields = redact.event(withFields(emailKeys(20_000))).log[0]?.fields ?? {};
    expect(performance.now() - started).toBeLessThan(3_000);
    const values = Object.values(fields);
    expect(values).toHaveLength(20_000);
    expect(new Set(values).size).toBe(20_000);
    expect(fields['[email]']).toBe(0);
    expect(fields['[email]#20000']).toBe(19_999);
  });

  it('should keep numbering past a name that was already taken', () => {
    const fields = redact.event(withFields({ 'a@x.com': 1, '[email]#2': 2, 'b@x.com': 3, 'c@x.com': 4 }))
      .log[0]?.fields;
    expect(fields).toEqual({ '[email]': 1, '[email]#2': 2, '[email]#3': 3, '[email]#4': 4 });
  });

  it.each([
    // A password holding `#` or `?` (the redactor before d73d7e7 took it).
    ['mysql://app:p#ss@db/orders', 'mysql://app:[secret]@db/orders'],
    ['postgres://app:abc#1?x@db:5432/orders', 'postgres://app:[secret]@db:5432/orders'],
    ['redis://:pa?ss#w@cache:6379', 'redis://:[secret]@cache:6379'],
    ['https://user:pw@host?next=a@b.com', 'https://user:[secret]@host?next=[email]'],
    // Headers: a Cookie's pairs, an Authorization's one credential; the prose and fields around stay.
    [
      'WARN Authorization: token expired for user 42, request_id=abc status=401 path=/v1/orders',
      'WARN Authorization: token expired for user 42, request_id=abc status=401 path=/v1/orders',
    ],
    ['authorization: denied for user 42 (role=viewer)', 'authorization: denied for user 42 (role=viewer)'],
    [
      'curl -H "Authorization: Bearer abc.def" https://api.example.com/v1/orders',
      'curl -H "Authorization: Bearer [secret]" https://api.example.com/v1/orders',
    ],
    ['msg="Cookie: sid=abc" level=error route=/x', 'msg="Cookie: [secret]" level=error route=/x'],
    ['Cookie:    sid=abc', 'Cookie:    [secret]'],
    ['Authorization:     Token abc123', 'Authorization:     Token [secret]'],
    ['Cookie: a=1; b=2; then the request failed', 'Cookie: [secret]; then the request failed'],
    ['Cookie: sid=abc, status=401', 'Cookie: [secret], status=401'],
    ['cookie: sid="quoted"; b=2 then', 'cookie: [secret] then'],
    [
      'Set-Cookie: sid=abc123; Path=/; Expires=Wed, 21 Oct 2015 07:28:00 GMT; HttpOnly then it failed',
      'Set-Cookie: [secret] then it failed',
    ],
    [
      'Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, Signature=5d67 ok',
      'Authorization: AWS4-HMAC-SHA256 [secret] ok',
    ],
    ['{\\"msg\\":\\"Cookie: sid=abc\\",\\"x\\":1}', '{\\"msg\\":\\"Cookie: [secret]\\",\\"x\\":1}'],
    ['Authorization: Custom Zm9vOmJhcg== for bob', 'Authorization: Custom [secret] for bob'],
    ['authorization: 9f8e7d6c5b4a39281706 (from cache)', 'authorization: [secret] (from cache)'],
    // Phones with `+`, after `:`, `/` or `=`, and before a full stop.
    ['phone:+44 20 7946 0958', 'phone:[phone]'],
    ['tel:+1-555-123-4567', 'tel:[phone]'],
    ['tel:+442079460958', 'tel:[phone]'],
    ['/v1/users/+4915112345679/verify', '/v1/users/[phone]/verify'],
    ['call +44 20 7946 0958.', 'call [phone].'],
    ['fax=+1 (415) 555-2671', 'fax=[phone]'],
  ])('should redact %j', (input, expected) => {
    expect(redact.text(input)).toBe(expected);
  });

  it.each([
    'lat=+37.7749295',
    'clock skew +0.12345678 s',
    'route added +10.20.30.40',
    'counts: +5 12 8 33 1024 2048',
    'see https://host:8080?next=x and https://host:8080#frag@',
  ])('should leave alone: %j', (input) => {
    expect(redact.text(input)).toBe(input);
  });

  it('should walk numbers, arrays and objects under keys that only contain a sensitive word', () => {
    const fields = {
      tokens: 1532,
      max_tokens: 4096,
      usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 },
      sessionCount: 3,
      sessionId: 77,
      authorId: 9,
      author: { name: 'Ann', email: 'ann@example.com' },
      session: { started: 1, secret: 'x' },
      tokenizer: { name: 'o200k' },
      secretsLoaded: 4,
      cookieCount: 2,
      credentialsExpireInDays: 30,
      token_ttl: 3600,
      sessionToken: 'abc',
      'api-key': 123,
      Access_Token: ['x'],
      private_key: { pem: '…' },
      pin: 1234,
    };
    expect(redact.event(withFields(fields)).log[0]?.fields).toEqual({
      ...fields,
      author: { name: 'Ann', email: '[email]' },
      session: { started: 1, secret: '[secret]' },
      sessionToken: '[secret]',
      'api-key': '[secret]',
      Access_Token: '[secret]',
      private_key: '[secret]',
      pin: '[secret]',
    });
  });

  it('should take a number for a card only under a key that says so', () => {
    const fields = {
      durationNs: 4111111111111111,
      ids: [3530111333300000],
      big: 6200000000000005n,
      spanId: 4111111111111111,
      companyId: 4111111111111111,
      card_pan: 4111111111111111,
      cardNumber: 4111111111111111,
      cards: [3530111333300000],
      payment: { pan: 6200000000000005n, cc_number: 4111111111111111, ccnum: 4111111111111111 },
      note: '4111111111111111',
    };
    expect(redact.event(withFields(fields)).log[0]?.fields).toEqual({
      durationNs: 4111111111111111,
      ids: [3530111333300000],
      big: '6200000000000005n',
      spanId: 4111111111111111,
      companyId: 4111111111111111,
      card_pan: '[card]',
      cardNumber: '[card]',
      cards: ['[card]'],
      payment: { pan: '[card]', cc_number: '[card]', ccnum: '[card]' },
      note: '[card]',
    });
  });
});

describe('createRedactor, file names and URL passwords (a review of `triage redact`)', () => {
  it.each([
    // A file's name followed by an error about it, or by a line in it (a stack frame), is no key.
    'cannot open /etc/app/secrets.yaml: ENOENT',
    'load token.json: EACCES',
    'open /run/secrets/token: permission denied',
    'cat: /etc/app/secrets.yaml: No such file or directory',
    'failed to parse secrets.yaml: yaml: line 3: did not find expected key',
    'read private_key.pem: unexpected EOF',
    'C:\\app\\token.json: EACCES',
    'C:\\app\\secrets\\token: EACCES',
    '{"path":"C:\\\\app\\\\secrets\\\\token: EACCES"}',
    '    at SessionStore.get (/app/src/session-store.ts:41:13)',
    '\tat com.acme.TokenService.refresh(TokenService.java:88)',
    '/app/internal/auth/token.go:42 +0x1d',
    // As prose, the error ends the value: more words, a separator, a quote, or the end follow.
    'open /run/secrets/token: permission denied, retrying',
    'load secrets.json: Unexpected token } in JSON at position 5',
    'cannot open secret.key: EACCES: permission denied',
    '{\\"msg\\":\\"load token.json: EACCES\\"}',
    "/app/models/token.rb:42:in 'refresh'",
    'src/secret.c:12:5: error: expected expression',
  ])('should leave alone: %j', (input) => {
    expect(redact.text(input)).toBe(input);
  });

  it.each([
    // A secret's value, even under a name like a file's or after one: grep prints a file's content
    // after its name, a setting may be named like a file, a JSON key is quoted.
    ['/run/secrets/db_password:hunter2', '/run/secrets/db_password:[secret]'],
    ['/run/secrets/token: EXCALIBUR', '/run/secrets/token: [secret]'],
    ['secrets.yaml: s3cr3t', 'secrets.yaml: [secret]'],
    ['play.http.secret.key=changeme', 'play.http.secret.key=[secret]'],
    ['secret.key: abc123', 'secret.key: [secret]'],
    ['token.json=abc', 'token.json=[secret]'],
    ['{"token.json": "ENOENT"}', '{"token.json": "[secret]"}'],
    ['token.txt:123456', 'token.txt:[secret]'],
    ['password: ENOENT', 'password: [secret]'],
    ['db.password: invalid', 'db.password: [secret]'],
    // `\n` in a JSON string is an escaped newline, not a Windows directory.
    ['{"msg":"cfg\\npassword: permission denied"}', '{"msg":"cfg\\npassword: [secret] denied"}'],
    ['token: abc', 'token: [secret]'],
    // A value that starts like an error or a line, without a word's or a frame's end after it.
    ['secret.key: Invalid-Pa55word!', 'secret.key: [secret]'],
    ['config/password: cannot-guess-me-42', 'config/password: [secret]'],
    ['vault secret/data/app/password: Missing.Link.99', 'vault secret/data/app/password: [secret]'],
    ['token.env: EOF-9f8a7b6c', 'token.env: [secret]'],
    ['secret.key: EACCES:hunter2', 'secret.key: [secret]'],
    ['secrets.yaml: yaml:s3cr3t', 'secrets.yaml: [secret]'],
    ['auth.go:1234567', 'auth.go:[secret]'],
    ['secret.c:123456', 'secret.c:[secret]'],
    ['secret.c:12:34567890', 'secret.c:[secret]'],
    // A password holding `@` with `#` or `?`: the userinfo ends at the last `@` before the host.
    ['redis://:p@ss#word@cache:6379', 'redis://:[secret]@cache:6379'],
    ['postgres://user:p@ss?w#rd@db:5432/app', 'postgres://user:[secret]@db:5432/app'],
    ['redis://:p@ss?w#rd@cache:6379/0', 'redis://:[secret]@cache:6379/0'],
    ['amqp://:p#a@s?s@mq/vhost', 'amqp://:[secret]@mq/vhost'],
    [
      'mongodb://admin:p@ss#1@mongo1:27017,mongo2:27017/db?replicaSet=rs0',
      'mongodb://admin:[secret]@mongo1:27017,mongo2:27017/db?replicaSet=rs0',
    ],
    // A query string's `?`, with `=`, ends the authority: its email is no host.
    ['https://user:pw@host?next=a@b.com', 'https://user:[secret]@host?next=[email]'],
  ])('should redact %j', (input, expected) => {
    expect(redact.text(input)).toBe(expected);
  });

  it('should redact URLs and file names repeated in time linear in the line', () => {
    const units = [
      'x://u:@#@#@#',
      `x://u:p@${'a'.repeat(250)}`,
      'a/token: no ',
      'C:\\a\\token: ',
      'a/token: EOF-',
      'a.go:1:1)',
    ];
    const started = performance.now();
    for (const unit of units) redact.text(unit.repeat(Math.ceil(300_000 / unit.length)));
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
