import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../test/postgres-database.js';
import { startTcpLink, type TcpLink } from '../../test/tcp-link.js';
import { openSqlStore } from './open-sql-store.js';
import type { SqlStore } from './sql-store.js';
import { isStoreUnavailable } from './store-unavailable.js';

const postgres = testDatabase('triage_bounded_client');
const target = new URL(postgres.url);
let link: TcpLink;

beforeAll(async () => {
  await postgres.create();
  link = await startTcpLink({ host: target.hostname, port: Number(target.port) });
});
afterAll(async () => {
  await link.close();
  await postgres.drop();
});

async function errorOf(run: () => Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await run();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('it did not throw');
}

/** Backends of the test database other than the one asking. */
async function otherBackends(): Promise<number> {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ count: string }>(
      'select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    return Number(rows[0]!.count);
  } finally {
    await admin.end();
  }
}

/** A store whose connections go through the link the tests cut or stall; `failures` gets its reports. */
async function storeThroughLink(queryTimeoutMs: number, failures: string[]): Promise<SqlStore> {
  const store = await openSqlStore({
    url: `postgres://${target.username}@127.0.0.1:${link.port}${target.pathname}?connect_timeout=1`,
    queryTimeoutMs,
    onFailure: (stage) => failures.push(stage),
  });
  await sql`select 1`.execute(store.db);
  return store;
}

describe('a PostgreSQL store: a bound on each query', () => {
  let store: SqlStore;
  afterAll(() => store?.close());

  it('should fail a query that outlasts the bound with ETIMEDOUT, close its connection, and go on with a new one', async () => {
    store = await openSqlStore({ url: postgres.url, queryTimeoutMs: 300, maxConnections: 1 });
    const slow = await errorOf(() => sql`select pg_sleep(3)`.execute(store.db));
    expect(slow.code).toBe('ETIMEDOUT');
    expect(slow.message).toBe('PostgreSQL gave no answer within 0.3 s; the connection was closed');
    expect(isStoreUnavailable(slow)).toBe(true);
    // With one connection in the pool, a stuck one handed out again would fail this query too.
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(store.db);
    expect(rows).toEqual([{ one: 1 }]);
    // Once its sleep is over the old backend finds its client gone: only the pool's new connection is left.
    await expect.poll(otherBackends, { timeout: 10_000 }).toBe(1);
  });

  it('should not bound the migrations at start', async () => {
    const fresh = testDatabase('triage_bounded_migrate');
    await fresh.create();
    try {
      // A millisecond is less than a migration's statements take: bounded, the start would fail.
      const opened = await openSqlStore({ url: fresh.url, queryTimeoutMs: 1 });
      await opened.close();
    } finally {
      await fresh.drop();
    }
  });
});

describe('a PostgreSQL store: a database that stops answering', () => {
  let store: SqlStore;
  afterAll(() => store?.close());

  it('should fail queries and transactions in time while the link is stalled, and work again once it heals', async () => {
    const failures: string[] = [];
    store = await storeThroughLink(500, failures);

    link.stall();
    const query = await errorOf(() => sql`select 1`.execute(store.db));
    expect(query.code).toBe('ETIMEDOUT');
    link.unstall();
    expect((await sql<{ one: number }>`select 1 as one`.execute(store.db)).rows).toEqual([{ one: 1 }]);

    // Stalled within a transaction: Kysely rolls back on the closed connection, and what the caller
    // gets is the rollback's error, which must still say the database is unavailable.
    const transaction = await errorOf(() =>
      store.db.transaction().execute(async (trx) => {
        link.stall();
        await sql`select 1`.execute(trx);
      }),
    );
    expect(transaction.code).toBe('ETIMEDOUT');
    expect(isStoreUnavailable(transaction)).toBe(true);

    link.unstall();
    expect((await sql<{ one: number }>`select 1 as one`.execute(store.db)).rows).toEqual([{ one: 1 }]);
    // Closed on purpose: not an idle connection the server ended.
    expect(failures).toEqual([]);
  });
});

describe('a PostgreSQL store: connections lost while in use', () => {
  let store: SqlStore;
  afterAll(() => store?.close());

  it('should fail what used them, keep the process up, and work again once the database is back', async () => {
    const failures: string[] = [];
    store = await storeThroughLink(2_000, failures);

    // pg's client emits 'error' when its connection ends; the pool listens only while the client is idle
    // in it. A database restart while a transaction held a connection, or while a query was on its way,
    // was an uncaught exception, and the process died.
    const between = await errorOf(() =>
      store.db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx);
        await link.cut();
        // The link's end reaches the client a few turns after the cut.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await sql`select 1`.execute(trx);
      }),
    );
    expect(isStoreUnavailable(between)).toBe(true);
    await link.mend();
    await sql`select 1`.execute(store.db);

    const during = await errorOf(async () => {
      const answer = sql`select pg_sleep(1)`.execute(store.db);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await link.cut();
      await answer;
    });
    expect(isStoreUnavailable(during)).toBe(true);
    await link.mend();

    expect((await sql<{ one: number }>`select 1 as one`.execute(store.db)).rows).toEqual([{ one: 1 }]);
    // Each loss reached its caller, which reports it: the pool's listener for idle connections saw none.
    expect(failures).toEqual([]);
  });
});
