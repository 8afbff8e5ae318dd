import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors/config-error.js';
import { testDatabase } from '../../test/postgres-database.js';
import { openSqlStore } from './open-sql-store.js';

describe('openSqlStore on PostgreSQL: connecting', () => {
  // A host that takes the connection and never answers, as a firewall that swallows packets does.
  let silent: Server;
  const held: Socket[] = [];
  let port = 0;
  const postgres = testDatabase('triage_open_store');
  beforeAll(async () => {
    silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
    await postgres.create();
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await postgres.drop();
  });

  it('should give up on a server that never answers after connect_timeout, saying so', async () => {
    const started = Date.now();
    const opening = openSqlStore({ url: `postgres://triage@127.0.0.1:${port}/triage?connect_timeout=1` });
    await expect(opening).rejects.toThrow(ConfigError);
    await expect(opening).rejects.toThrow(
      'cannot use the PostgreSQL database: no answer within 1 s (connect_timeout in the URL sets the wait)',
    );
    // It waited for the timeout, not for the kernel: without one it would still be waiting.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(held.length).toBeGreaterThan(0);
  });

  it('should refuse a connect_timeout that is not a number of seconds', async () => {
    await expect(openSqlStore({ url: `${postgres.url}?connect_timeout=soon` })).rejects.toThrow(
      'connect_timeout in the database URL must be a number of seconds, got "soon"',
    );
  });

  it('should say a PostgreSQL URL that is not one is not, naming where it comes from', async () => {
    await expect(openSqlStore({ url: 'postgres://host:notaport/x' })).rejects.toThrow(
      'cannot use the PostgreSQL database: its URL is not one (TRIAGE_DATABASE_URL or --database-url: postgres://user@host:5432/name)',
    );
  });

  it('should open a real server with connect_timeout in its URL', async () => {
    const store = await openSqlStore({ url: `${postgres.url}?connect_timeout=5` });
    try {
      expect(store.dialect).toBe('postgres');
      const row = await store.db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(row.n)).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('openSqlStore on SQLite: a path it cannot use', () => {
  const dir = mkdtempSync(join(tmpdir(), 'triage-open-'));

  it('should name the file when it is not a database', async () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'not a database, but long enough to have a header SQLite reads and rejects');
    const opening = openSqlStore({ url: path });
    await expect(opening).rejects.toThrow(ConfigError);
    await expect(opening).rejects.toThrow(`cannot use the SQLite database ${path}: file is not a database`);
  });

  it('should name the file when its folder cannot be made', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const path = join(file, 'data', 'triage.db');
    await expect(openSqlStore({ url: path })).rejects.toThrow(
      new RegExp(`^cannot use the SQLite database ${path}: ENOTDIR`),
    );
  });

  // Node 20's recursive mkdir never returned there, and the start spun at full CPU.
  it('should name the file when the system will not make its folder, under /proc', async () => {
    const path = '/proc/triage-nope/triage.db';
    await expect(openSqlStore({ url: path })).rejects.toThrow(
      new RegExp(`^cannot use the SQLite database ${path}: ENOENT`),
    );
  });
});

// The database holds the admin token, the project keys and the key of the users' pseudonyms: SQLite
// made it, its log and its folder readable by every user of the machine (0644, 0755).
describe('openSqlStore on SQLite: the files it makes', () => {
  const modeOf = (path: string) => statSync(path).mode & 0o777;

  it("should make the folder, the database and its log files its owner's only", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'triage-mode-')), 'data');
    const path = join(dir, 'triage.db');
    const store = await openSqlStore({ url: path });
    await store.userKeySecret();
    expect(modeOf(dir)).toBe(0o700);
    for (const file of [path, `${path}-wal`, `${path}-shm`])
      expect([file, modeOf(file)]).toEqual([file, 0o600]);
    await store.close();
  });

  it('should leave the mode of a database that exists as its owner set it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'triage-mode-')), 'triage.db');
    writeFileSync(path, '');
    chmodSync(path, 0o640);
    const store = await openSqlStore({ url: path });
    await store.close();
    expect(modeOf(path)).toBe(0o640);
  });
});
