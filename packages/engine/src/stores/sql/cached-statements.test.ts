import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withCachedStatements } from './cached-statements.js';

function counting() {
  const database = new Sqlite(':memory:');
  database.exec('create table t (n integer)');
  database.exec('insert into t values (1), (2), (3)');
  let prepared = 0;
  const wrapped = withCachedStatements(
    {
      prepare: (sql: string) => {
        prepared++;
        return database.prepare(sql);
      },
      close: () => database.close(),
    },
    2,
  );
  return { wrapped, prepared: () => prepared, database };
}

describe('withCachedStatements', () => {
  it('should compile a query shape once and reuse it', () => {
    const { wrapped, prepared } = counting();
    for (let round = 0; round < 5; round++) {
      expect(wrapped.prepare('select count(*) as c from t where n > ?').all([round])).toEqual([
        { c: Math.max(0, 3 - round) },
      ]);
    }
    expect(prepared()).toBe(1);
  });

  it('should drop the oldest shape past its capacity', () => {
    const { wrapped, prepared } = counting();
    wrapped.prepare('select 1');
    wrapped.prepare('select 2');
    wrapped.prepare('select 3');
    wrapped.prepare('select 3');
    expect(prepared()).toBe(3);
    wrapped.prepare('select 1');
    expect(prepared()).toBe(4);
  });

  it('should give a fresh statement while the cached one is still being iterated', () => {
    const { wrapped } = counting();
    const sql = 'select n from t order by n';
    const iterator = (
      wrapped.prepare(sql) as unknown as { iterate(): IterableIterator<{ n: number }> }
    ).iterate();
    expect(iterator.next().value).toEqual({ n: 1 });
    expect(wrapped.prepare(sql).all([])).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(iterator.next().value).toEqual({ n: 2 });
    iterator.return?.();
  });

  it('should begin transactions immediate, so a read-then-write one is not undercut by another connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'triage-begin-'));
    const path = join(dir, 'db.sqlite');
    const main = new Sqlite(path);
    main.pragma('journal_mode = WAL');
    main.exec('create table t (n integer)');
    const other = new Sqlite(path);
    other.pragma('busy_timeout = 0');
    const db = new Kysely<{ t: { n: number } }>({
      dialect: new SqliteDialect({ database: withCachedStatements(main) }),
    });
    try {
      let otherWrite = 'committed';
      await db.transaction().execute(async (trx) => {
        const { count } = (await sql<{ count: number }>`select count(*) as count from t`.execute(trx))
          .rows[0]!;
        // Another connection writes between this transaction's read and its write.
        try {
          other.exec('insert into t values (100)');
        } catch (error) {
          otherWrite = (error as { code?: string }).code ?? String(error);
        }
        await trx.insertInto('t').values({ n: count }).execute();
      });
      // With a deferred begin, the other write commits and this transaction's insert fails with SQLITE_BUSY.
      expect(otherWrite).toBe('SQLITE_BUSY');
      expect(main.prepare('select n from t').all()).toEqual([{ n: 0 }]);
    } finally {
      await db.destroy();
      other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
