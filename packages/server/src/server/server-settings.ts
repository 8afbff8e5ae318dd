import { ConfigError, isPostgresUrl, numberFromEnv, QUERY_TIMEOUT_MS } from '@triage/engine';
import { KEY_CACHE_MS } from './projects.js';

type Env = Record<string, string | undefined>;

export interface RetentionSettings {
  /** Stored events older than this are deleted (TRIAGE_RETENTION_DAYS). */
  days: number;
  /** At most this many stored events, the oldest deleted first (TRIAGE_RETENTION_MAX_EVENTS). */
  maxEvents: number;
}

/** What `triage serve` reads from its environment, checked before anything is opened. */
export interface ServerSettings {
  /** `postgres://…` or a SQLite path. */
  database: string;
  port: number;
  /** TRIAGE_HOST (or --host): the address to listen on; every interface by default. */
  host: string;
  /** TRIAGE_DEFAULT_PROJECT_KEY, checked: the default project's key; undefined: generated once. */
  defaultProjectKey?: string;
  workers: number;
  /** TRIAGE_JOB_TIMEOUT_SECONDS; undefined: the server derives it from the LLM's timeout. */
  jobTimeoutMs?: number;
  sqliteSync: 'normal' | 'full';
  /**
   * TRIAGE_SQLITE_SPOOL (on by default): a SQLite server makes accepted events durable in its ingest
   * spool and moves them into the database moments later (IngestSpool); off, each group commit writes
   * them to the database.
   */
  sqliteSpool: boolean;
  /** TRIAGE_QUERY_TIMEOUT_SECONDS: how long a PostgreSQL query may go unanswered; 0 waits for ever. */
  queryTimeoutMs: number;
  rateLimitPerMinute: number;
  /** TRIAGE_RATE_LIMIT_MB_PER_MINUTE, in bytes: what a key's requests may hold a minute, decompressed. */
  rateLimitBytesPerMinute: number;
  /** TRIAGE_KEY_CACHE_SECONDS: how long an instance trusts what it read of an ingest key; 0 reads each time. */
  keyCacheMs: number;
  /** TRIAGE_INGEST_MEMORY_MB: what the bodies of the ingest requests in flight may take together. */
  ingestMemoryBytes: number;
  retention: RetentionSettings;
  digestHourUtc: number;
}

/**
 * Reads the server's settings; a bad value is a ConfigError naming its variable. `given.llm`: an LLM
 * is configured (analyses then wait on it, which sets how many jobs run at once by default).
 */
export function readServerSettings(
  env: Env,
  given: { databaseUrl?: string; port?: number; host?: string; llm?: boolean } = {},
): ServerSettings {
  const database = databaseOf(env, given.databaseUrl);
  const sqliteSync = env.TRIAGE_SQLITE_SYNC?.trim() || 'normal';
  if (sqliteSync !== 'normal' && sqliteSync !== 'full')
    throw new ConfigError(`TRIAGE_SQLITE_SYNC must be normal or full, got "${sqliteSync}"`);
  const sqliteSpool = env.TRIAGE_SQLITE_SPOOL?.trim().toLowerCase() || 'on';
  if (sqliteSpool !== 'on' && sqliteSpool !== 'off')
    throw new ConfigError(`TRIAGE_SQLITE_SPOOL must be on or off, got "${sqliteSpool}"`);
  return {
    database,
    port: given.port ?? numberFromEnv(env, 'TRIAGE_PORT', { min: 0, max: 65_535, integer: true }) ?? 7070,
    host: given.host ?? (env.TRIAGE_HOST?.trim() || '0.0.0.0'),
    defaultProjectKey: defaultProjectKeyOf(env),
    workers:
      numberFromEnv(env, 'TRIAGE_WORKERS', { min: 0, integer: true }) ??
      defaultWorkers(isPostgresUrl(database), given.llm ?? false),
    jobTimeoutMs: seconds(numberFromEnv(env, 'TRIAGE_JOB_TIMEOUT_SECONDS', { min: 1 })),
    sqliteSync,
    sqliteSpool: sqliteSpool === 'on',
    queryTimeoutMs:
      seconds(numberFromEnv(env, 'TRIAGE_QUERY_TIMEOUT_SECONDS', { min: 0 })) ?? QUERY_TIMEOUT_MS,
    rateLimitPerMinute:
      numberFromEnv(env, 'TRIAGE_RATE_LIMIT_PER_MINUTE', { min: 1, integer: true }) ?? 6_000,
    // As much as one largest request (100 MiB decompressed), so by default any request within the limits
    // can pass on a full bucket; below that, larger requests are refused with 413 (send smaller ones),
    // and at least 2 MiB, so that a request of one event of the largest size (1 MiB) always can.
    rateLimitBytesPerMinute:
      (numberFromEnv(env, 'TRIAGE_RATE_LIMIT_MB_PER_MINUTE', { min: 2 }) ?? 100) * 1024 * 1024,
    keyCacheMs: seconds(numberFromEnv(env, 'TRIAGE_KEY_CACHE_SECONDS', { min: 0 })) ?? KEY_CACHE_MS,
    // At least one largest request (20 MiB received, 100 MiB decompressed) must fit.
    ingestMemoryBytes:
      (numberFromEnv(env, 'TRIAGE_INGEST_MEMORY_MB', { min: 128, integer: true }) ?? 256) * 1024 * 1024,
    retention: {
      days: numberFromEnv(env, 'TRIAGE_RETENTION_DAYS', { min: 1 }) ?? 30,
      maxEvents: numberFromEnv(env, 'TRIAGE_RETENTION_MAX_EVENTS', { min: 1, integer: true }) ?? 1_000_000,
    },
    digestHourUtc: numberFromEnv(env, 'TRIAGE_DIGEST_HOUR_UTC', { min: 0, max: 23, integer: true }) ?? 8,
  };
}

/** The database `triage serve` and `triage projects` use: `given` (--database-url), else TRIAGE_DATABASE_URL (a blank one is unset). */
export function databaseOf(env: Env, given?: string): string {
  return given?.trim() || env.TRIAGE_DATABASE_URL?.trim() || './data/triage.db';
}

/**
 * What a project key may be: it stands in a DSN's user part and in Sentry's auth header, so printable
 * ASCII without the characters that end or split them. Keys of other shapes in use (shorter, or base64
 * with `+` and `=`) stay valid: a stricter rule would stop a server whose DSNs are deployed.
 */
export const PROJECT_KEY = /^(?:(?![@/:?#%[\]\\,"'])[!-~]){1,128}$/;

// A key with `@` or `/` in it made a DSN no SDK can read, and was printed as the default project's.
function defaultProjectKeyOf(env: Env): string | undefined {
  const key = env.TRIAGE_DEFAULT_PROJECT_KEY?.trim();
  if (!key) return undefined;
  if (!PROJECT_KEY.test(key))
    throw new ConfigError(
      `TRIAGE_DEFAULT_PROJECT_KEY must be 1 to 128 printable ASCII characters, none of them a space or one of @ / : ? # % [ ] \\ , " ' (it stands in the DSN), got "${key.slice(0, 40)}"`,
    );
  return key;
}

/**
 * On PostgreSQL a job mostly waits for round trips, so more of them run at once (and the more wait on
 * one hot issue, the more events one transaction records). On SQLite they share one connection and
 * the CPU with ingest: with offline analysis more of them drained a backlog only about a tenth faster
 * (bench/README.md) and lengthen the turns ingest waits for. With an LLM, a new error's job waits
 * for its answer, seconds at a time, and so does every job of that error meanwhile: two of them held
 * a backlog of 40 new errors for 22.7 s against 7.4 s with eight (`bench/drain-llm.mjs`).
 */
function defaultWorkers(postgres: boolean, llm: boolean): number {
  if (postgres) return 16;
  return llm ? 8 : 2;
}

const seconds = (value: number | undefined) => (value === undefined ? undefined : value * 1000);
