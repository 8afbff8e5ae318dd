import { describe, expect, it } from 'vitest';
import { fingerprintEvent, projectFingerprint } from './fingerprint.js';
import { normalizeEvent } from './normalize.js';
import { parameterize } from './parameterize.js';

describe('parameterize', () => {
  it('should replace volatile values with placeholders', () => {
    expect(
      parameterize(
        'user 42 (bob@example.com) at 2025-11-18T14:32:15Z from 10.0.0.7:5432 req 3f2b8c9e-1a4d-4e6f-9b2c-7d8e9f0a1b2c took 1532ms see https://x.io/a?b=1 hash 9fceb02d0ae5',
      ),
    ).toBe('user <num> (<email>) at <date> from <ip> req <uuid> took <duration> see <url> hash <hex>');
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
