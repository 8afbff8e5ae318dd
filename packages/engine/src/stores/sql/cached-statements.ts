import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Enough for every query shape the store and server issue, with room for multi-row inserts. */
const DEFAULT_CAPACITY = 500;

interface Preparer {
  prepare(sql: string): SqliteStatement & { busy?: boolean };
  close(): void;
}

/**
 * Kysely's SQLite driver prepares every query anew; with better-sqlite3 that
 * compiles the SQL each time, a cost comparable to running a small insert. This
 * keeps the prepared statements by their SQL text (the oldest dropped past
 * `capacity`), so a query shape is compiled once per connection.
 *
 * Kysely also opens transactions with a plain `begin`, which takes the write
 * lock only at the first write: when another connection (another process on
 * the same file, a CLI command) committed since the transaction's first read, that write
 * fails at once with SQLITE_BUSY, and no waiting helps. Transactions here
 * begin `immediate`: they take the write lock first, and a `begin immediate`
 * refused with SQLITE_BUSY is simply tried again (BusyRetryingSqliteDialect).
 */
export function withCachedStatements(database: Preparer, capacity = DEFAULT_CAPACITY): SqliteDatabase {
  const statements = new Map<string, SqliteStatement & { busy?: boolean }>();
  return {
    prepare(query: string) {
      const sql = query === 'begin' ? 'begin immediate' : query;
      const cached = statements.get(sql);
      // A statement still being iterated (a streamed select) cannot run again until it ends.
      if (cached && !cached.busy) return cached;
      const statement = database.prepare(sql);
      if (!cached) {
        if (statements.size >= capacity) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
