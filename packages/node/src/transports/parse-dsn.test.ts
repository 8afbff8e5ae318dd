import { describe, expect, it } from 'vitest';
import { parseDsn } from './parse-dsn.js';

describe('parseDsn', () => {
  it('should take a DSN apart into the events endpoint, the public key and the project id', () => {
    expect(parseDsn('http://abc123@triage.internal:7070/42')).toEqual({
      endpoint: 'http://triage.internal:7070/api/v1/events',
      publicKey: 'abc123',
      projectId: '42',
    });
  });

  it('should accept https, the default port, a trailing slash and surrounding whitespace', () => {
    expect(parseDsn('  https://key@triage.example.com/checkout/ \n')).toEqual({
      endpoint: 'https://triage.example.com/api/v1/events',
      publicKey: 'key',
      projectId: 'checkout',
    });
  });

  it('should keep a path prefix in front of /api/v1/events, for a server behind a reverse proxy', () => {
    expect(parseDsn('https://key@example.com/tools/triage/7').endpoint).toBe(
      'https://example.com/tools/triage/api/v1/events',
    );
  });

  it('should decode a percent-encoded key and ignore a secret after it', () => {
    expect(parseDsn('http://k%2By:secret@localhost:7070/1').publicKey).toBe('k+y');
  });

  it.each([
    ['not a URL', 'key@triage.internal/1', /not a URL/],
    ['no scheme', 'triage.internal:7070', /http:\/\/ or https:\/\//],
    ['another protocol', 'ftp://key@host/1', /http:\/\/ or https:\/\//],
    ['no public key', 'http://host:7070/1', /no public key/],
    ['no project id', 'http://key@host:7070/', /no project id/],
    ['no path at all', 'http://key@host:7070', /no project id/],
    // Sent as X-Triage-Key, each failed every request as "the server is unavailable".
    ['a key that is not ASCII once decoded', 'http://k%E2%82%ACy@host:7070/1', /printable ASCII/],
    ['a key with a line break', 'http://k%0Ay@host:7070/1', /printable ASCII/],
    ['a key with a space', 'http://k%20y@host:7070/1', /printable ASCII/],
    ['a key with a control character', 'http://k%7Fy@host:7070/1', /printable ASCII/],
  ])('should throw a RangeError naming TRIAGE_DSN for %s', (_case, dsn, reason) => {
    expect(() => parseDsn(dsn)).toThrow(RangeError);
    expect(() => parseDsn(dsn)).toThrow(/TRIAGE_DSN/);
    expect(() => parseDsn(dsn)).toThrow(reason);
  });

  it('should not repeat the DSN (and its key) in the error', () => {
    expect(() => parseDsn('gopher://s3cr3t-key@host/1')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cr3t-key') }),
    );
    expect(() => parseDsn('http://s3cr3t%0Akey@host/1')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cr3t') }),
    );
  });
});
