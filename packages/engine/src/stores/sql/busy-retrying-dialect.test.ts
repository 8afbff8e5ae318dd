import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { BusyRetryingSqliteDialect } from './busy-retrying-dialect.js';

interface Schema {
  t: { n: number };
}
const cleanUp: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanUp.splice(0).reverse()) await step();
});

function twoConnections() {
  const dir = mkdtempSync(join(tmpdir(), 'triage-busy-'));
  const path = join(dir, 'db.sqlite');
  const main = new Sqlite(path);
  main.pragma('journal_mode = WAL');
  main.pragma('busy_timeout = 0');
  main.exec('create table t (n integer)');
  const other = new Sqlite(path);
  cleanUp.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanUp.push(() => {
    other.close();
  });
  return { main, other };
}

/** Holds the write lock on `other` for `ms`, as another thread's transaction would. */
function holdWriteLock(other: Sqlite.Database, ms: number): Promise<void> {
  other.exec('begin immediate');
  other.exec('insert into t values (1)');
  return new Promise((resolve) =>
    setTimeout(() => {
      other.exec('commit');
      resolve();
    }, ms),
  );
}

describe('BusyRetryingSqliteDialect', () => {
  it('should wait for another connection’s write lock on a timer, keeping the event loop free', async () => {
    const { main, other } = twoConnections();
    const db = new Kysely<Schema>({ dialect: new BusyRetryingSqliteDialect({ database: main }) });
    cleanUp.push(() => db.destroy());
    const released = holdWriteLock(other, 80);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ n: 2 }).execute();
    });
    await db.insertInto('t').values({ n: 3 }).execute();
    clearInterval(ticker);
    await released;
    expect(main.prepare('select n from t order by rowid').all()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    // The event loop ran while the statement waited for the lock.
    expect(ticks).toBeGreaterThan(0);
  });

  it('should be needed: the plain dialect fails at once on the same lock', async () => {
    const { main, other } = twoConnections();
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: main }) });
    cleanUp.push(() => db.destroy());
    const released = holdWriteLock(other, 20);
    await expect(db.insertInto('t').values({ n: 2 }).execute()).rejects.toMatchObject({
      code: 'SQLITE_BUSY',
    });
    await released;
  });
});
