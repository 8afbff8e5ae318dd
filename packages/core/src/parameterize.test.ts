import { describe, expect, it } from 'vitest';
import { parameterize } from './parameterize.js';

describe('parameterize: generated ids', () => {
  it.each([
    ['cuid', 'cljx9m5y20000qzrm7h9h3kvp'],
    ['cuid2', 'tz4a98xxat96iws9zmbrgj3a'],
    ['ULID', '01HQ3ZK7M9X2B5C8D4E6F0G1H2'],
    ['nanoid', 'V1StGXR8_Z5jdHi6B-myT'],
    ['KSUID', '0ujtsYcgvSTl8PAuAdqWYSMnLOv'],
    ['Firestore id', 'Xk3dPq9LmZ2rT7vBn4Ws'],
  ])('should replace a %s', (_kind, id) => {
    expect(parameterize(`Order ${id} not found`)).toBe('Order <id> not found');
  });

  it('should replace the body of a prefixed id and keep its prefix, which says what kind it is', () => {
    expect(parameterize('PaymentIntent pi_3MtwBwLkdIwHu7ix28a3tqPa requires a payment method')).toBe(
      'PaymentIntent pi_<id> requires a payment method',
    );
    // No word boundary after "_": the hex rule never saw it.
    expect(parameterize('Request req_8f7a6b5c4d failed')).toBe('Request req_<id> failed');
    expect(parameterize('key sk_live_51HqLyjWDarjtT1zdp7dcXoShJ8cNdvG expired')).toBe(
      'key sk_live_<id> expired',
    );
    expect(parameterize('customer cus_NffrFeUfNV2Hib and charge ch_3MmlLrLkdIwHu7ix0snN0B15')).toBe(
      'customer cus_<id> and charge ch_<id>',
    );
  });

  it('should replace a JWT', () => {
    expect(
      parameterize(
        'token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U expired',
      ),
    ).toBe('token <jwt> expired');
  });

  it('should keep names of code that hold digits, also long ones', () => {
    for (const text of [
      'Float64Array is not defined',
      'Received an instance of Uint8ClampedArray',
      'ERR_HTTP2_STREAM_CANCEL: The pending stream has been canceled',
      'sha256WithRSAEncryption is not supported',
      'createV2OrderFromLegacyV1Payload is not a function',
      'getHTTP2SessionForV1API is not a function',
      'S3ServiceException: Access Denied',
      'table audit_log_2024_q1 is full',
      'collation utf8mb4_unicode_ci is not valid',
      'users_email_key1 violated',
      'address2 is required',
      's3Client is not configured',
      'Request req_aaaaaaaaaa failed',
    ]) {
      expect(parameterize(text)).toBe(text);
    }
  });
});

describe('parameterize: what names the cause stays', () => {
  it('should keep an HTTP status after status, status code, code or HTTP', () => {
    expect(parameterize('Request failed with status code 401')).toBe('Request failed with status code 401');
    expect(parameterize('Request failed with status code 503')).toBe('Request failed with status code 503');
    expect(parameterize('upstream answered HTTP 429 after 3 retries')).toBe(
      'upstream answered HTTP 429 after <num> retries',
    );
    expect(parameterize('HTTP/1.1 502 Bad Gateway')).toBe('HTTP/1.1 502 Bad Gateway');
    expect(parameterize('statusCode: 404, body length 512')).toBe('statusCode: 404, body length <num>');
    expect(parameterize('process exited with code 137')).toBe('process exited with code 137');
    // Not a status: another number after the same words.
    expect(parameterize('status 12 of 40')).toBe('status <num> of <num>');
  });

  it('should keep the port of an address, which names the service, and drop an ephemeral one', () => {
    expect(parameterize('connect ECONNREFUSED 10.0.0.7:5432')).toBe('connect ECONNREFUSED <ip>:5432');
    expect(parameterize('connect ECONNREFUSED 10.0.0.9:6379')).toBe('connect ECONNREFUSED <ip>:6379');
    expect(parameterize('connect ECONNREFUSED ::1:5432')).toBe('connect ECONNREFUSED <ip>:5432');
    expect(parameterize('listen EADDRINUSE: address already in use :::3000')).toBe(
      'listen EADDRINUSE: address already in use <ip>:3000',
    );
    expect(parameterize('socket hang up at api-7.internal.acme.net:443')).toBe(
      'socket hang up at <host>:443',
    );
    // A port the OS picked (a client's, a test server's) changes from run to run.
    expect(parameterize('dial tcp 127.0.0.1:33249: connect: connection refused')).toBe(
      'dial tcp <ip>: connect: connection refused',
    );
  });

  it('should replace an id joined to its kind after a word that names code', () => {
    expect(parameterize("Cache miss for key 'user_4821'")).toBe("Cache miss for key '<str>'");
    expect(parameterize('lock held on key "order_8812"')).toBe('lock held on key "<str>"');
    expect(parameterize('table "tmp_import_98123" is locked')).toBe('table "<str>" is locked');
    expect(parameterize("could not acquire lock for key 'cart:u9f8e7d6'")).toBe(
      "could not acquire lock for key '<str>'",
    );
  });

  it("should keep a service's port only: after localhost, not on the local side of Go's ->", () => {
    expect(parameterize('read tcp 10.0.0.5:12345->10.0.0.7:5432: read: connection reset by peer')).toBe(
      'read tcp <ip>-><ip>:5432: read: connection reset by peer',
    );
    expect(parameterize('connect ECONNREFUSED localhost:5432')).toBe('connect ECONNREFUSED localhost:5432');
    expect(parameterize('listening on localhost:54321')).toBe('listening on localhost');
  });

  it('should keep an HTTP error status, and replace one that names no failure', () => {
    expect(parameterize('GET /orders status 503 in 5234ms')).toBe('GET /orders status 503 in <duration>');
    expect(parameterize('GET /orders status 200 in 5234ms')).toBe(
      parameterize('GET /orders status 304 in 12ms'),
    );
  });

  it('should keep quoted names of code that hold digits or name modules', () => {
    for (const text of [
      "Cannot read properties of undefined (reading 'address2')",
      "Cannot read properties of undefined (reading 's3Client')",
      'relation "v2_orders" does not exist',
      'relation "audit_log_2024" does not exist',
      'duplicate key value violates unique constraint "users_email_key1"',
      'column "address_line1" does not exist',
      "Cannot find module '@aws-sdk/client-s3'",
      "Cannot find module './config.json'",
      'Cast to ObjectId failed for value "<str>" (type string) at path "_id" for model "User"',
      "E11000 duplicate key error collection 'users2'",
    ]) {
      expect(parameterize(text)).toBe(text);
    }
    expect(parameterize("Cannot find module '/srv/app/releases/20261124/dist/main.js'")).toBe(
      "Cannot find module '<path>.js'",
    );
  });

  it("should keep a quoted file path's extension only: its directories hold users and tenants", () => {
    expect(parameterize("ENOENT: no such file or directory, open '/app/config/prod.json'")).toBe(
      "ENOENT: no such file or directory, open '<path>.json'",
    );
    expect(parameterize("ENOENT: no such file or directory, open '/data/tenants/acme/uploads/cat.png'")).toBe(
      "ENOENT: no such file or directory, open '<path>.png'",
    );
    expect(parameterize("EISDIR: illegal operation on a directory, open 'C:\\data\\exports'")).toBe(
      "EISDIR: illegal operation on a directory, open '<path>'",
    );
  });
});

describe('parameterize: values that vary per user, day or size', () => {
  it('should replace the user of a home directory', () => {
    expect(parameterize('ENOENT: no such file or directory, open /home/alice/app/config.yml')).toBe(
      'ENOENT: no such file or directory, open /home/<user>/app/config.yml',
    );
    expect(parameterize('EACCES: permission denied, mkdir /Users/bob/Library/Caches/app')).toBe(
      'EACCES: permission denied, mkdir /Users/<user>/Library/Caches/app',
    );
    expect(parameterize('Access denied: C:\\Users\\carol\\Documents\\report.xlsx')).toBe(
      'Access denied: C:\\Users\\<user>\\Documents\\report.xlsx',
    );
  });

  it("should replace JavaScript's and HTTP's printed dates", () => {
    expect(
      parameterize('token expired at Thu Jan 05 2026 10:00:00 GMT+0100 (Central European Standard Time)'),
    ).toBe('token expired at <date>');
    expect(parameterize('Last-Modified: Mon, 05 Jan 2026 10:00:00 GMT is too old')).toBe(
      'Last-Modified: <date> is too old',
    );
  });

  it('should replace sizes with their unit', () => {
    expect(parameterize('heap limit reached at 1.5GB')).toBe('heap limit reached at <size>');
    expect(parameterize('payload of 2048 bytes exceeds 512KiB')).toBe('payload of <size> exceeds <size>');
    // The kernel writes kilobytes with a small k: total-vm:1234567kB.
    expect(parameterize('total-vm:1234567kB, anon-rss:456789kB')).toBe('total-vm:<size>, anon-rss:<size>');
  });
});
