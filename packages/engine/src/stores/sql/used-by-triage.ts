import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { ConfigError } from '../../errors/config-error.js';
import {
  connectTimeoutOf,
  isPostgresUrl,
  postgresUnusable,
  QUERY_TIMEOUT_MS,
  sqlitePathOf,
} from './open-sql-store.js';

/** The tables a Triage server has made: Kysely's record of the migrations, and the projects. */
const TABLES = ['kysely_migration', 'projects'];

/**
 * Whether a Triage server has used `database`: its tables are there and its default project is in
 * them. Read without changing anything. Opening the store migrates: on a database no server had used
 * (an empty SQLite file, a new PostgreSQL database) `triage projects create` built the schema and gave
 * its project id 1, and the server started on it later made the default project id 2.
 */
export async function usedByTriage(database: string): Promise<boolean> {
  return isPostgresUrl(database) ? usedPostgres(database) : usedSqlite(sqlitePathOf(database));
}

function usedSqlite(path: string): boolean {
  let db: Sqlite.Database | undefined;
  try {
    db = new Sqlite(path, { fileMustExist: true });
    const tables = db
      .prepare(`select count(*) as n from sqlite_master where type = 'table' and name in (?, ?)`)
      .get(...TABLES) as { n: number };
    if (tables.n < TABLES.length) return false;
    return db.prepare(`select 1 from projects where name = 'default'`).get() !== undefined;
  } catch (error) {
    // A file that is not a database, one that cannot be read…: in the words the store would use.
    throw new ConfigError(`cannot use the SQLite database ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    db?.close();
  }
}

async function usedPostgres(url: string): Promise<boolean> {
  const connectionTimeoutMillis = connectTimeoutOf(url);
  let client: pg.Client | undefined;
  try {
    client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis,
      query_timeout: QUERY_TIMEOUT_MS,
    });
    // A connection the server ends while it is open: the query fails and says so.
    client.on('error', () => {});
    await client.connect();
    // to_regclass: the tables as the store's queries find them, by the connection's search_path.
    const { rows } = await client.query<{ tables: boolean }>(
      `select ${TABLES.map((_, index) => `to_regclass($${index + 1}) is not null`).join(' and ')} as tables`,
      TABLES,
    );
    if (!rows[0]?.tables) return false;
    return (await client.query(`select 1 from projects where name = 'default'`)).rows.length > 0;
  } catch (error) {
    throw postgresUnusable(error, connectionTimeoutMillis);
  } finally {
    await client?.end().catch(() => {});
  }
}
