import { ConfigError } from '@triage/engine';
import { describe, expect, it } from 'vitest';
import { readServerSettings } from './server-settings.js';

describe('readServerSettings', () => {
  it('should default to SQLite in ./data, port 7070 and the documented limits', () => {
    expect(readServerSettings({})).toEqual({
      database: './data/triage.db',
      port: 7070,
      host: '0.0.0.0',
      defaultProjectKey: undefined,
      workers: 2,
      jobTimeoutMs: undefined,
      sqliteSync: 'normal',
      sqliteSpool: true,
      queryTimeoutMs: 30_000,
      rateLimitPerMinute: 6_000,
      rateLimitBytesPerMinute: 100 * 1024 * 1024,
      keyCacheMs: 30_000,
      ingestMemoryBytes: 256 * 1024 * 1024,
      retention: { days: 30, maxEvents: 1_000_000 },
      digestHourUtc: 8,
    });
  });

  it('should take TRIAGE_HOST, a blank TRIAGE_DATABASE_URL as unset, and only a key a DSN can carry', () => {
    expect(readServerSettings({ TRIAGE_HOST: ' 127.0.0.1 ', TRIAGE_DATABASE_URL: '  ' })).toMatchObject({
      host: '127.0.0.1',
      database: './data/triage.db',
    });
    expect(readServerSettings({ TRIAGE_HOST: '127.0.0.1' }, { host: '::' }).host).toBe('::');
    expect(readServerSettings({ TRIAGE_DEFAULT_PROJECT_KEY: ` ${'a'.repeat(32)} ` }).defaultProjectKey).toBe(
      'a'.repeat(32),
    );
    for (const key of ['bad key@x/y', 'a/b', 'k'.repeat(129), 'user:pass', 'k\u0001ey', 'clé', 'a"b'])
      expect(() => readServerSettings({ TRIAGE_DEFAULT_PROJECT_KEY: key })).toThrow(
        /^TRIAGE_DEFAULT_PROJECT_KEY must be 1 to 128 printable ASCII characters, none of them a space or one of/,
      );
    // Keys already in deployed DSNs stay valid.
    for (const key of ['short', 'aGVsbG8+d29ybGQ='])
      expect(readServerSettings({ TRIAGE_DEFAULT_PROJECT_KEY: key }).defaultProjectKey).toBe(key);
  });

  it('should run more workers on PostgreSQL, and take what it is given over the environment', () => {
    const env = { TRIAGE_DATABASE_URL: 'postgres://db/triage', TRIAGE_PORT: '8080' };
    expect(readServerSettings(env)).toMatchObject({
      database: 'postgres://db/triage',
      port: 8080,
      workers: 16,
    });
    expect(readServerSettings(env, { databaseUrl: '/var/triage.db', port: 0 })).toMatchObject({
      database: '/var/triage.db',
      port: 0,
      workers: 2,
    });
  });

  it('should run more workers on SQLite when an LLM is configured, unless TRIAGE_WORKERS says', () => {
    expect(readServerSettings({}, { llm: true }).workers).toBe(8);
    expect(readServerSettings({}, { llm: false }).workers).toBe(2);
    expect(readServerSettings({ TRIAGE_DATABASE_URL: 'postgres://db/triage' }, { llm: true }).workers).toBe(
      16,
    );
    expect(readServerSettings({ TRIAGE_WORKERS: '3' }, { llm: true }).workers).toBe(3);
  });

  it('should read every variable it documents', () => {
    expect(
      readServerSettings({
        TRIAGE_WORKERS: '0',
        TRIAGE_JOB_TIMEOUT_SECONDS: '90',
        TRIAGE_SQLITE_SYNC: 'full',
        TRIAGE_QUERY_TIMEOUT_SECONDS: '0.5',
        TRIAGE_RATE_LIMIT_PER_MINUTE: '120',
        TRIAGE_RATE_LIMIT_MB_PER_MINUTE: '2.5',
        TRIAGE_KEY_CACHE_SECONDS: '5',
        TRIAGE_INGEST_MEMORY_MB: '1024',
        TRIAGE_RETENTION_DAYS: '7',
        TRIAGE_RETENTION_MAX_EVENTS: '5000',
        TRIAGE_DIGEST_HOUR_UTC: '0',
        TRIAGE_SQLITE_SPOOL: 'OFF',
      }),
    ).toMatchObject({
      workers: 0,
      jobTimeoutMs: 90_000,
      sqliteSync: 'full',
      sqliteSpool: false,
      queryTimeoutMs: 500,
      rateLimitPerMinute: 120,
      rateLimitBytesPerMinute: 2.5 * 1024 * 1024,
      keyCacheMs: 5_000,
      ingestMemoryBytes: 1024 * 1024 * 1024,
      retention: { days: 7, maxEvents: 5000 },
      digestHourUtc: 0,
    });
  });

  // Read with Number() before, "abc" became NaN: a NaN rate limit refused every event, a NaN retention
  // deleted none, and a blank rate limit (0) refused everything after the first request.
  it.each([
    [
      'TRIAGE_RATE_LIMIT_PER_MINUTE',
      'abc',
      'TRIAGE_RATE_LIMIT_PER_MINUTE must be a whole number ≥ 1, got "abc"',
    ],
    ['TRIAGE_RATE_LIMIT_PER_MINUTE', '0', 'TRIAGE_RATE_LIMIT_PER_MINUTE must be a whole number ≥ 1, got "0"'],
    [
      'TRIAGE_RATE_LIMIT_PER_MINUTE',
      '1.5',
      'TRIAGE_RATE_LIMIT_PER_MINUTE must be a whole number ≥ 1, got "1.5"',
    ],
    ['TRIAGE_RATE_LIMIT_MB_PER_MINUTE', '1', 'TRIAGE_RATE_LIMIT_MB_PER_MINUTE must be a number ≥ 2, got "1"'],
    ['TRIAGE_RETENTION_DAYS', 'forever', 'TRIAGE_RETENTION_DAYS must be a number ≥ 1, got "forever"'],
    [
      'TRIAGE_RETENTION_MAX_EVENTS',
      '1e3.5',
      'TRIAGE_RETENTION_MAX_EVENTS must be a whole number ≥ 1, got "1e3.5"',
    ],
    ['TRIAGE_WORKERS', 'x', 'TRIAGE_WORKERS must be a whole number ≥ 0, got "x"'],
    ['TRIAGE_JOB_TIMEOUT_SECONDS', '0', 'TRIAGE_JOB_TIMEOUT_SECONDS must be a number ≥ 1, got "0"'],
    ['TRIAGE_QUERY_TIMEOUT_SECONDS', '-1', 'TRIAGE_QUERY_TIMEOUT_SECONDS must be a number ≥ 0, got "-1"'],
    ['TRIAGE_KEY_CACHE_SECONDS', 'soon', 'TRIAGE_KEY_CACHE_SECONDS must be a number ≥ 0, got "soon"'],
    ['TRIAGE_INGEST_MEMORY_MB', '64', 'TRIAGE_INGEST_MEMORY_MB must be a whole number ≥ 128, got "64"'],
    ['TRIAGE_WORKERS', '2.5', 'TRIAGE_WORKERS must be a whole number ≥ 0, got "2.5"'],
    ['TRIAGE_DIGEST_HOUR_UTC', '24', 'TRIAGE_DIGEST_HOUR_UTC must be a whole number from 0 to 23, got "24"'],
    ['TRIAGE_PORT', '70000', 'TRIAGE_PORT must be a whole number from 0 to 65535, got "70000"'],
    ['TRIAGE_SQLITE_SYNC', 'sometimes', 'TRIAGE_SQLITE_SYNC must be normal or full, got "sometimes"'],
    ['TRIAGE_SQLITE_SPOOL', 'yes', 'TRIAGE_SQLITE_SPOOL must be on or off, got "yes"'],
  ])('should refuse %s=%s, naming it', (name, value, message) => {
    const read = () => readServerSettings({ [name]: value });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(message);
  });

  it('should take a query timeout of 0 as none, and a key cache time of 0 as no cache', () => {
    expect(readServerSettings({ TRIAGE_QUERY_TIMEOUT_SECONDS: '0' }).queryTimeoutMs).toBe(0);
    expect(readServerSettings({ TRIAGE_KEY_CACHE_SECONDS: '0' }).keyCacheMs).toBe(0);
  });

  it('should take a blank variable as unset', () => {
    expect(readServerSettings({ TRIAGE_RATE_LIMIT_PER_MINUTE: ' ', TRIAGE_DATABASE_URL: '' })).toMatchObject({
      rateLimitPerMinute: 6_000,
      rateLimitBytesPerMinute: 100 * 1024 * 1024,
      database: './data/triage.db',
    });
  });
});
