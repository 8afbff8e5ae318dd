import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { ConfigError } from '../../errors/config-error.js';
import { boundedPgClient } from './bounded-pg-client.js';
import { BusyRetryingSqliteDialect } from './busy-retrying-dialect.js';
import { withCachedStatements } from './cached-statements.js';
import { createPrivateFile } from './create-private-file.js';
import { makeDirectory } from './make-directory.js';
import { migrate } from './migrations.js';
import type { Database } from './schema.js';
import { SqlStore, UNICODE_LOWER } from './sql-store.js';
import { startWalCheckpointer } from './wal-checkpointer.js';

export interface OpenSqlStoreOptions {
  /** `postgres://…` / `postgresql://…`, or a SQLite file path (`./data/triage.db`, `:memory:`). */
  url: string;
  /** PostgreSQL pool size. */
  maxConnections?: number;
  /**
   * SQLite durability. `normal` (default; WAL): a committed event survives a crash or kill of the
   * process, and the disk is flushed at checkpoints. `full`: flushed at every commit, so it also
   * survives power loss, at a fraction of the throughput.
   */
  sqliteSync?: 'normal' | 'full';
  /**
   * Where failures the store survives are reported: of the SQLite checkpoint thread (the store keeps
   * working without it), and of idle PostgreSQL connections (a restart or failover of the server;
   * the pool drops them and opens new ones).
   */
  onFailure?: (stage: string, error: unknown) => void;
  /**
   * PostgreSQL: how long a query may go unanswered before it fails (ETIMEDOUT, which the server answers
   * with 503) and its connection is closed; 0 waits for ever. Migrations at start are not bounded.
   */
  queryTimeoutMs?: number;
}

/** Default bound on an unanswered PostgreSQL query. */
export const QUERY_TIMEOUT_MS = 30_000;

/** Largest write-ahead log file left after the log is rewound (SQLite's `journal_size_limit`). */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** How long opening a PostgreSQL connection may take: the URL's `connect_timeout` (seconds, as libpq reads it), or 10 s. */
export function connectTimeoutOf(url: string): number {
  // Read off the text, not with URL: libpq's URLs are not all WHATWG URLs (a password with a '#', say).
  const given = /[?&]connect_timeout=([^&#]*)/.exec(url)?.[1];
  if (given === undefined) return 10_000;
  const seconds = Number(given);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new ConfigError(`connect_timeout in the database URL must be a number of seconds, got "${given}"`);
  // libpq: 0 waits forever; pg: 0 is no timeout, as well.
  return seconds * 1000;
}

/** Why a PostgreSQL database cannot be used, in words that name the knob: pg's name neither the time nor it. */
export function postgresUnusable(error: unknown, connectTimeoutMs: number): ConfigError {
  const { message } = error as Error;
  const reason =
    message === 'timeout expired'
      ? `no answer within ${connectTimeoutMs / 1000} s (connect_timeout in the URL sets the wait)`
      : /invalid url/i.test(message)
        ? 'its URL is not one (TRIAGE_DATABASE_URL or --database-url: postgres://user@host:5432/name)'
        : message;
  return new ConfigError(`cannot use the PostgreSQL database: ${reason}`, { cause: error });
}

/** The SQLite file of a database setting (`sqlite:` in front is allowed). */
export function sqlitePathOf(database: string): string {
  return database.replace(/^sqlite:(\/\/)?/, '');
}

/** `postgres://…` or `postgresql://…`: anything else is a SQLite path. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/**
 * Opens (and migrates) the SQL store: SQLite in WAL mode, or PostgreSQL,
 * which several instances share.
 */
export async function openSqlStore({
  url,
  maxConnections = 10,
  sqliteSync = 'normal',
  onFailure = () => {},
  queryTimeoutMs = QUERY_TIMEOUT_MS,
}: OpenSqlStoreOptions): Promise<SqlStore> {
  if (isPostgresUrl(url)) {
    const connectTimeoutMs = connectTimeoutOf(url);
    // Unbounded while migrating: a migration of a large table may rightly take minutes.
    let migrated = false;
    const pool = new pg.Pool({
      connectionString: url,
      max: maxConnections,
      // A host that never answers ended the start after the kernel gave up, minutes later, with no word
      // meanwhile; a database that stopped answering later held ingest as long.
      Client: boundedPgClient({ connectTimeoutMs, queryTimeoutMs: () => (migrated ? queryTimeoutMs : 0) }),
      // bigint (epoch ms) as numbers: they stay far below 2^53.
      types: {
        getTypeParser: (oid: number, format?: string) =>
          oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text'),
      },
    } as pg.PoolConfig);
    // An idle connection that the server ends (a restart, a failover, an administrator) makes the pool
    // emit 'error'; with no listener that is an uncaught exception, and a database restart killed every
    // instance. The pool has already discarded the connection: the next query opens a new one.
    pool.on('error', (error) => onFailure('PostgreSQL idle connection', error));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    let icuCollation: boolean;
    try {
      await migrate(db as Kysely<unknown>, 'postgres');
      migrated = true;
      // A PostgreSQL built without ICU has none, and a database whose encoding ICU does not take
      // (SQL_ASCII) lists it and refuses it: text search then folds case as the database's locale does.
      icuCollation = await sql`select lower('A' collate "und-x-icu") as folded`.execute(db).then(
        () => true,
        () => false,
      );
    } catch (error) {
      await db.destroy();
      throw postgresUnusable(error, connectTimeoutMs);
    }
    return new SqlStore(db, 'postgres', { icuCollation });
  }
  if (/^[a-z]+:\/\//i.test(url))
    throw new ConfigError(`unsupported database URL "${url}": use postgres://… or a SQLite file path`);
  const path = sqlitePathOf(url);
  let database: Sqlite.Database | undefined;
  let db: Kysely<Database>;
  try {
    if (path !== ':memory:') {
      makeDirectory(dirname(path));
      createPrivateFile(path);
    }
    database = new Sqlite(path);
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${sqliteSync === 'full' ? 'FULL' : 'NORMAL'}`);
    // No sleeping in SQLite's busy handler on the event loop: the dialect retries a locked statement on a timer.
    database.pragma('busy_timeout = 0');
    // SQLite's lower() folds ASCII only: a search for "Über" never found the title "… in Über".
    database.function(UNICODE_LOWER, { deterministic: true }, (value: unknown) =>
      typeof value === 'string' ? value.toLowerCase() : value,
    );
    db = new Kysely<Database>({
      dialect: new BusyRetryingSqliteDialect({ database: withCachedStatements(database) }),
    });
    await migrate(db as Kysely<unknown>, 'sqlite');
  } catch (error) {
    database?.close();
    // A path that is not a directory, a file that is not a database, a disk that is full…: say which file.
    throw new ConfigError(`cannot use the SQLite database ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (path === ':memory:') return new SqlStore(db, 'sqlite');
  // The checkpoint thread rewinds the log past about 16 MiB; the file a rewound log leaves is cut to this.
  database.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  const checkpointer = startWalCheckpointer(database, path, (error) => onFailure('sqlite checkpoint', error));
  return new SqlStore(db, 'sqlite', { beforeClose: () => checkpointer.stop(), sqliteFile: path });
}
