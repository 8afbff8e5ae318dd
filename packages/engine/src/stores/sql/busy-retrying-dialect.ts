import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
  type TransactionSettings,
} from 'kysely';

/** How long a statement keeps retrying a locked database before the error is thrown. */
const MAX_WAIT_MS = 5_000;

/**
 * A SQLite dialect for a connection that shares the database file with other
 * connections (a CLI command writing to the server's file, the checkpoint
 * thread, which holds the write lock while it rewinds the log). With a busy
 * timeout, SQLite waits for the other writer's lock by sleeping the calling
 * thread, 1 ms, then 2, 5, 10… 100 ms at a time: on the event loop that froze
 * every request for as long, and under steady ingest throughput collapsed.
 * Here the connection has no busy timeout; a statement refused with
 * SQLITE_BUSY (a `begin immediate` or a write outside a transaction; inside
 * an immediate transaction none is) is tried again after a timer, so the event
 * loop keeps serving while it waits.
 */
export class BusyRetryingSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    return new BusyRetryingDriver(super.createDriver());
  }
}

class BusyRetryingDriver implements Driver {
  readonly #connections = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    let retrying = this.#connections.get(connection);
    if (!retrying) {
      retrying = {
        executeQuery: <R>(query: CompiledQuery) => retryWhileBusy(() => connection.executeQuery<R>(query)),
        streamQuery: <R>(query: CompiledQuery, chunkSize?: number) =>
          connection.streamQuery<R>(query, chunkSize),
      };
      this.#connections.set(connection, retrying);
    }
    return retrying;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

async function retryWhileBusy<R>(execute: () => Promise<QueryResult<R>>): Promise<QueryResult<R>> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await execute();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() - started > MAX_WAIT_MS)
        throw error;
      // The other writer's transactions last well under a millisecond: ask again soon, without spinning.
      await new Promise((resolve) => setTimeout(resolve, Math.min(attempt, 10)));
    }
  }
}
