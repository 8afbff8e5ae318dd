import Sqlite from 'better-sqlite3';
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
});
