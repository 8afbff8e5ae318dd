import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isStoreUnavailable } from './store-unavailable.js';

/** The error a real call throws. */
async function errorOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('it did not throw');
}

describe('isStoreUnavailable', () => {
  it('should tell a PostgreSQL server nobody listens for, or one that ended the connection', async () => {
    const refused = await errorOf(async () => {
      const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
      await client.connect();
    });
    expect(isStoreUnavailable(refused)).toBe(true);

    const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await client.connect();
    client.on('error', () => {});
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await admin.connect();
    await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
    await admin.end();
    const ended = await errorOf(() => client.query('select 1'));
    expect(isStoreUnavailable(ended)).toBe(true);
  });

  it('should tell a locked SQLite database, wrapped or not', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'triage-unavailable-')), 'triage.db');
    const holder = new Sqlite(path);
    holder.exec('create table t (x); begin exclusive');
    const other = new Sqlite(path, { timeout: 0 });
    try {
      const locked = await errorOf(() => other.prepare('select * from t').all());
      expect(isStoreUnavailable(locked)).toBe(true);
      expect(isStoreUnavailable(new Error('recording the event failed', { cause: locked }))).toBe(true);
    } finally {
      holder.exec('rollback');
      holder.close();
      other.close();
    }
  });

  it('should not take a wrong statement or wrong data for an unavailable database', async () => {
    const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await client.connect();
    try {
      expect(isStoreUnavailable(await errorOf(() => client.query('select * from no_such_table')))).toBe(
        false,
      );
      expect(isStoreUnavailable(await errorOf(() => client.query("select 'x'::int")))).toBe(false);
    } finally {
      await client.end();
    }
    const sqlite = new Sqlite(':memory:');
    expect(
      isStoreUnavailable(
        await errorOf(() => sqlite.exec('create table t (x primary key); insert into t values (1), (1)')),
      ),
    ).toBe(false);
    expect(isStoreUnavailable(new TypeError('bug'))).toBe(false);
    expect(isStoreUnavailable(undefined)).toBe(false);
  });
});
