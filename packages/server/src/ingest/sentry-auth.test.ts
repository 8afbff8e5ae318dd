import { describe, expect, it } from 'vitest';
import { refusal } from './__fixtures__/refusal.js';
import { parseDsn, parseSentryAuth, sentryKeyOf } from './sentry-auth.js';

describe('sentryKeyOf', () => {
  it('should read sentry_key from the query, as JavaScript SDKs send it', () => {
    const query = new URLSearchParams(
      'sentry_version=7&sentry_key=publickey&sentry_client=sentry.javascript.node%2F11.12.0',
    );
    expect(sentryKeyOf({ query })).toBe('publickey');
    expect(sentryKeyOf({ query: { sentry_key: 'fromrecord' } })).toBe('fromrecord');
  });

  it('should read the X-Sentry-Auth header, in any letter case', () => {
    const auth =
      'Sentry sentry_version=7, sentry_client=sentry.python/2.19.0, sentry_key=abc123, sentry_timestamp=1700000000';
    expect(sentryKeyOf({ headers: { 'x-sentry-auth': auth } })).toBe('abc123');
    expect(sentryKeyOf({ headers: { 'X-Sentry-Auth': auth } })).toBe('abc123');
    expect(sentryKeyOf({ headers: new Headers({ 'X-Sentry-Auth': auth }) })).toBe('abc123');
    expect(sentryKeyOf({ headers: { 'x-sentry-auth': [auth] } })).toBe('abc123');
  });

  it('should read an Authorization: Sentry header, but not a bearer token', () => {
    expect(sentryKeyOf({ headers: { authorization: 'Sentry sentry_key=k1,sentry_version=7' } })).toBe('k1');
    expect(sentryKeyOf({ headers: { authorization: 'Bearer sentry_key=k1' } })).toBeUndefined();
  });

  it('should fall back to the envelope header DSN', () => {
    expect(sentryKeyOf({ envelopeDsn: 'https://fromdsn@o1.ingest.example.com/42' })).toBe('fromdsn');
    expect(sentryKeyOf({ envelopeDsn: 'not a dsn' })).toBeUndefined();
    expect(sentryKeyOf({ envelopeDsn: 42 })).toBeUndefined();
  });

  it('should prefer the query, then X-Sentry-Auth, then Authorization, then the DSN', () => {
    const headers = {
      'x-sentry-auth': 'Sentry sentry_key=header',
      authorization: 'Sentry sentry_key=authorization',
    };
    const envelopeDsn = 'http://dsn@localhost/1';
    expect(sentryKeyOf({ query: { sentry_key: 'query' }, headers, envelopeDsn })).toBe('query');
    expect(sentryKeyOf({ headers, envelopeDsn })).toBe('header');
    expect(sentryKeyOf({ headers: { authorization: headers.authorization }, envelopeDsn })).toBe(
      'authorization',
    );
    expect(sentryKeyOf({ query: { sentry_key: '' }, headers: {}, envelopeDsn })).toBe('dsn');
  });

  it('should return undefined when there is no key anywhere', () => {
    expect(sentryKeyOf({})).toBeUndefined();
    expect(
      sentryKeyOf({ query: {}, headers: { 'x-sentry-auth': 'Sentry sentry_version=7' } }),
    ).toBeUndefined();
  });
});

describe('parseSentryAuth', () => {
  it('should read every key=value pair, trimming spaces and quotes', () => {
    expect(parseSentryAuth('Sentry  sentry_key = "abc" ,sentry_version=7,, broken, sentry_secret=s')).toEqual(
      {
        sentry_key: 'abc',
        sentry_version: '7',
        sentry_secret: 's',
      },
    );
  });

  it('should accept a header without the Sentry scheme when it carries sentry_key', () => {
    expect(parseSentryAuth('sentry_key=abc, sentry_version=7').sentry_key).toBe('abc');
    expect(parseSentryAuth('Basic dXNlcjpwYXNz')).toEqual({});
    expect(parseSentryAuth(undefined)).toEqual({});
  });

  it('should keep __proto__ a plain key', () => {
    const fields = parseSentryAuth('Sentry __proto__=x, sentry_key=k');
    expect(Object.getPrototypeOf(fields)).toBeNull();
    expect(fields.sentry_key).toBe('k');
  });
});

describe('parseDsn', () => {
  it('should take a DSN apart', () => {
    expect(parseDsn('https://abc123@o447951.ingest.sentry.io/5439785')).toEqual({
      protocol: 'https',
      publicKey: 'abc123',
      host: 'o447951.ingest.sentry.io',
      path: '',
      projectId: '5439785',
    });
  });

  it('should keep the port and a path prefix, and ignore a legacy secret key', () => {
    expect(parseDsn('http://public:secret@127.0.0.1:9000/triage/sentry/42')).toEqual({
      protocol: 'http',
      publicKey: 'public',
      host: '127.0.0.1:9000',
      path: '/triage/sentry',
      projectId: '42',
    });
  });

  it.each([
    ['not a url', 'invalid DSN: not a URL'],
    ['ftp://key@host/1', 'invalid DSN: protocol must be http or https, not ftp'],
    ['https://host/1', 'invalid DSN: missing public key (http://KEY@host/PROJECT_ID)'],
    ['https://key@host/', 'invalid DSN: the path must end with a numeric project id'],
    ['https://key@host/project', 'invalid DSN: the path must end with a numeric project id'],
  ])('should refuse %s with a clear reason', (dsn, message) => {
    const error = refusal(() => parseDsn(dsn));
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
  });

  it('should never echo the DSN, which may hold a secret key, in the reason', () => {
    expect(refusal(() => parseDsn('https://public:topsecret@host/x')).message).not.toContain('topsecret');
  });
});
