import pg from 'pg';

export interface PgBounds {
  /** How long opening a connection may take; 0 waits for ever. */
  connectTimeoutMs: number;
  /** How long a query may go unanswered, read at each query; 0 waits for ever. */
  queryTimeoutMs: () => number;
}

/** The error of a query that had no answer in time: a connection error (ETIMEDOUT), so callers retry. */
function queryTimedOut(timeoutMs: number): Error {
  return Object.assign(
    new Error(`PostgreSQL gave no answer within ${timeoutMs / 1000} s; the connection was closed`),
    { code: 'ETIMEDOUT' },
  );
}

/**
 * node-postgres's Client, with a bound on opening a connection and on each query.
 *
 * Without them a database that stops answering (a network partition, a host that froze; packets lost,
 * no reset) held every query until the kernel gave up on the connection (about 15 minutes with Linux's
 * defaults), and ingest with it. pg's own `query_timeout` does not do: it fails the query but leaves
 * the connection waiting for its answer, and the pool hands the stuck connection out again. Here a
 * query without an answer in time fails with ETIMEDOUT and its connection is closed, so the pool opens
 * a new one. pg-pool's own `connectionTimeoutMillis` is not used either: it would also bound the wait
 * for a free connection under load.
 */
export function boundedPgClient({ connectTimeoutMs, queryTimeoutMs }: PgBounds): typeof pg.Client {
  return class BoundedPgClient extends pg.Client {
    #abandoned: Error | undefined;

    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
      // pg emits 'error' when a connection ends under a client, and pg-pool listens only while the
      // client is idle in the pool (and reports it through the pool's 'error'). Lost while in use (a
      // transaction between statements, a query on its way), the emit had no listener: an uncaught
      // exception, so a database restart under load killed the process. Nothing is lost by ignoring it
      // here: the client's queries fail with the error, or, issued later, as "not queryable", and their
      // callers report them; the pool drops the client when it comes back.
      this.on('error', () => {});
    }

    // pg's query has a dozen overloads; Kysely calls two: (text, values) for a query, which answers a
    // promise and is timed, and (cursor) to stream, which does not and is not (Triage does not stream).
    // biome-ignore lint/suspicious/noExplicitAny: forwards pg's overloads unchanged.
    override query(...args: any[]): any {
      const timeoutMs = queryTimeoutMs();
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      const answer = (super.query as (...args: any[]) => any)(...args);
      if (timeoutMs <= 0 || typeof answer?.then !== 'function') return answer;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#abandoned = queryTimedOut(timeoutMs);
          reject(this.#abandoned);
          this.#abandon();
        }, timeoutMs);
        (answer as Promise<unknown>).then(
          (result) => {
            clearTimeout(timer);
            resolve(result);
          },
          (error: unknown) => {
            clearTimeout(timer);
            // Once the connection is closed, its queries (this one again, Kysely's rollback) fail with
            // the timeout's error, which says the database is unavailable.
            reject(this.#abandoned ?? error);
          },
        );
      });
    }

    /**
     * Closes the connection now. `end()` marks the client as ending, so the pool drops it when it comes
     * back and no 'error' is emitted for it; the socket is destroyed too, as a goodbye sent on a dead
     * link would wait as long as the query did.
     */
    #abandon(): void {
      this.end().catch(() => {});
      (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    }
  };
}
