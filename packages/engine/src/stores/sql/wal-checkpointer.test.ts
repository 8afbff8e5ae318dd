import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../test/until.js';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.js';

const open: Array<{ close(): void }> = [];
const checkpointers: WalCheckpointer[] = [];
afterEach(async () => {
  for (const checkpointer of checkpointers.splice(0)) await checkpointer.stop();
  for (const database of open.splice(0)) database.close();
});

function walDatabase() {
  const path = join(mkdtempSync(join(tmpdir(), 'triage-wal-')), 'wal.db');
  const database = new Sqlite(path);
  open.push(database);
  database.pragma('journal_mode = WAL');
  database.exec('create table t (payload text)');
  return { database, path };
}

const fill = (database: Sqlite.Database) => {
  const insert = database.prepare('insert into t values (?)');
  database.transaction(() => {
    for (let row = 0; row < 500; row++) insert.run('x'.repeat(2_000));
  })();
};

describe('startWalCheckpointer', () => {
  it('should copy committed pages into the database from its own thread, with automatic checkpoints off', async () => {
    const { database, path } = walDatabase();
    const failures: unknown[] = [];
    const checkpointer = startWalCheckpointer(database, path, (error) => failures.push(error));
    checkpointers.push(checkpointer);
    expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const before = statSync(path).size;
    fill(database);
    // Only a checkpoint writes pages into the database file; this connection no longer makes any.
    expect(await until(() => statSync(path).size > before + 500_000)).toBe(true);
    await checkpointer.stop();
    expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(failures).toEqual([]);
  });

  it('should keep the log bounded under a steady stream of commits', async () => {
    const { database, path } = walDatabase();
    database.pragma('busy_timeout = 5000');
    checkpointers.push(
      startWalCheckpointer(database, path, () => {}, {
        intervalMs: 20,
        restartFrames: 256,
      }),
    );
    const insert = database.prepare('insert into t values (?)');
    const commit = database.transaction(() => {
      for (let row = 0; row < 20; row++) insert.run('x'.repeat(1_000));
    });
    let written = 0;
    let largestLog = 0;
    // Commits with short gaps between them, as a busy server makes: a passive checkpoint alone never
    // finds the log fully copied when the next one starts, so SQLite would never rewind it.
    while (written < 24_000_000) {
      commit();
      written += 20_000;
      largestLog = Math.max(largestLog, statSync(`${path}-wal`).size);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(largestLog).toBeLessThan(written / 3);
  });

  it('should try a rewind that found a reader in the way again soon, not an interval later', async () => {
    const { database, path } = walDatabase();
    checkpointers.push(
      startWalCheckpointer(database, path, () => {}, { intervalMs: 2_000, restartFrames: 100 }),
    );
    const before = statSync(path).size;
    fill(database);
    // A reader's open snapshot keeps the log from being rewound: the rewind that follows the first
    // interval's passive checkpoint (about 2 s in) waits its 50 ms for the reader and gives up.
    const reader = new Sqlite(path);
    open.push(reader);
    reader.exec('begin');
    reader.prepare('select count(*) from t').get();
    expect(await until(() => statSync(path).size > before + 500_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // A commit after that checkpoint, as a busy server makes them: now only a rewind (which copies it and
    // waits for readers) lets the log start over; a later commit alone would append to it.
    const insert = database.prepare('insert into t values (?)');
    insert.run('y'.repeat(2_000));
    reader.exec('commit');
    // Well before the next interval (about 4 s in), a retry has rewound the log: the next commit writes
    // from its start, so the log holds a page or two, not the whole fill.
    await new Promise((resolve) => setTimeout(resolve, 400));
    insert.run('x');
    const [result] = database.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
    expect(result?.log).toBeLessThan(10);
  });

  it('should turn automatic checkpoints back on and report once when its thread fails', async () => {
    const { database } = walDatabase();
    const failures: unknown[] = [];
    checkpointers.push(
      startWalCheckpointer(database, join(tmpdir(), 'no-such-dir-for-triage', 'x.db'), (error) =>
        failures.push(error),
      ),
    );
    expect(await until(() => failures.length > 0)).toBe(true);
    expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(failures).toHaveLength(1);
  });
});
