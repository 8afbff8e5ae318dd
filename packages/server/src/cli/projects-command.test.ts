import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore } from '@triage/engine';
import { testDatabase, until } from '@triage/engine/test';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { adminTokenOf } from '../server/admin-token.js';
import { ProjectRegistry } from '../server/projects.js';
import { startServer } from '../server/start-server.js';
import { runCli } from '../test/run-cli.js';

const run = (argv: string[], env: Record<string, string> = {}) => runCli(argv, { env });

/** A server on a database of its own that reads keys again after 0.2 s: it sees what the CLI changes. */
async function serverReadingKeysOften(prefix: string) {
  const database = join(mkdtempSync(join(tmpdir(), prefix)), 'triage.db');
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: database,
    env: { TRIAGE_ADMIN_TOKEN: 'admin', TRIAGE_KEY_CACHE_SECONDS: '0.2', TRIAGE_WORKERS: '0' },
    log: () => {},
  });
  return { database, server };
}

describe('triage projects', () => {
  it('should create a project and print its DSN, list it, and refuse a duplicate name', async () => {
    const { database, server } = await serverReadingKeysOften('triage-projects-');
    try {
      const created = await run([
        'projects',
        'create',
        'billing',
        '--database-url',
        database,
        '--url',
        'http://triage.local:7070',
      ]);
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/^http:\/\/[0-9a-f]{32}@triage\.local:7070\/2\n$/);
      // Without --url, the address the server listens on (its port is not this shell's TRIAGE_PORT).
      const listed = await run(['projects', 'list', '--database-url', database], { TRIAGE_PORT: '7070' });
      const key = new URL(created.stdout.trim()).username;
      expect(listed.stdout).toBe(
        `1\tdefault\t${server.dsn}\tdefault\tdefault\n2\tbilling\thttp://${key}@${new URL(server.url).host}/2\tdefault\tdefault\n`,
      );
      // Behind a proxy that serves Triage under a path, the DSN keeps it.
      const proxied = await run([
        'projects',
        'list',
        '--database-url',
        database,
        '--url',
        'https://ops.example/triage/',
      ]);
      expect(proxied.stdout.split('\n')[1]).toBe(
        `2\tbilling\thttps://${key}@ops.example/triage/2\tdefault\tdefault`,
      );
      const again = await run(['projects', 'create', 'billing', '--database-url', database]);
      expect(again).toMatchObject({ code: 2, stderr: 'triage: a project named "billing" exists\n' });
      const bad = await run(['projects', 'create', 'no spaces please', '--database-url', database]);
      expect(bad.code).toBe(2);
      // Unquoted, it made "my" and dropped the rest.
      const twoWords = await run(['projects', 'create', 'my', 'project', '--database-url', database]);
      expect(twoWords).toMatchObject({
        code: 2,
        stdout: '',
        stderr: 'triage: projects create takes one NAME, got 2 (a name has no spaces)\n',
      });
      expect((await run(['projects', 'list', '--database-url', database])).stdout).not.toMatch(/\tmy\t/);
    } finally {
      await server.close();
    }
  });

  it("should refuse to start with another project's key as the default one, naming the variable", async () => {
    const { database, server } = await serverReadingKeysOften('triage-default-key-');
    const created = await run(['projects', 'create', 'billing', '--database-url', database]);
    await server.close();
    const taken = new URL(created.stdout.trim()).username;
    await expect(
      startServer({
        port: 0,
        host: '127.0.0.1',
        databaseUrl: database,
        env: { TRIAGE_DEFAULT_PROJECT_KEY: taken, TRIAGE_WORKERS: '0' },
        log: () => {},
      }),
    ).rejects.toThrow('TRIAGE_DEFAULT_PROJECT_KEY is the key of another project: choose another');
  });

  it('should check its arguments, and make no database where there is none', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-projects-none-'));
    const database = join(directory, 'data', 'triage.db');
    const refusals = await Promise.all([
      run(['projects', 'create', 'billing', '--database-url', database]),
      run(['projects', 'list'], { TRIAGE_DATABASE_URL: `  ${database}  ` }),
      run(['projects', 'create', '--database-url', database]),
      run(['projects', 'frob', 'billing', '--database-url', database]),
      run(['projects', 'create', 'billing', '--url', 'not a url', '--database-url', database]),
      // It made "my", and dropped the rest.
      run(['projects', 'create', 'my', 'project', '--database-url', database]),
      run(['projects', 'rotate-key', 'my', 'extra', '--database-url', database]),
      run(['projects', 'limit', 'my', 'extra', '--rate-limit', '5', '--database-url', database]),
      run(['projects', 'list', 'extra', '--database-url', database]),
    ]);
    expect(refusals.map(({ code, stderr }) => [code, stderr])).toEqual([
      [
        2,
        `triage: no Triage database at ${database}: run this where \`triage serve\` keeps its database, or name it with --database-url (or TRIAGE_DATABASE_URL)\n`,
      ],
      [
        2,
        `triage: no Triage database at ${database}: run this where \`triage serve\` keeps its database, or name it with --database-url (or TRIAGE_DATABASE_URL)\n`,
      ],
      [2, 'triage: projects create needs a NAME\n'],
      [2, 'triage: unknown projects action "frob": create, limit, rotate-key, list\n'],
      [2, 'triage: --url must give a URL such as http://host:7070, got "not a url"\n'],
      [2, 'triage: projects create takes one NAME, got 2 (a name has no spaces)\n'],
      [2, 'triage: projects rotate-key takes one NAME, got 2 (a name has no spaces)\n'],
      [2, 'triage: projects limit takes one NAME, got 2 (a name has no spaces)\n'],
      [2, 'triage: projects list takes no NAME\n'],
    ]);
    expect(existsSync(join(directory, 'data'))).toBe(false);
  });
});

describe('triage projects on a database no server has used', () => {
  const unused = 'triage: no Triage server has used this database yet: start `triage serve` on it first\n';

  // It built the schema and gave the project id 1; the server started later made the default project id 2.
  it('should refuse an empty SQLite file, and one with the tables but no default project, changing neither', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'triage-projects-unused-'));
    const empty = join(directory, 'empty.db');
    writeFileSync(empty, '');
    expect(await run(['projects', 'create', 'billing', '--database-url', empty])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: unused,
    });
    expect(statSync(empty).size).toBe(0);
    // Migrated (by an older `projects create`, say) but never served.
    const migrated = join(directory, 'migrated.db');
    await (await openSqlStore({ url: migrated })).close();
    expect(await run(['projects', 'list', '--database-url', `sqlite:${migrated}`])).toMatchObject({
      code: 2,
      stderr: unused,
    });
    const notSqlite = join(directory, 'notes.txt');
    writeFileSync(notSqlite, 'not a database, but a file of text long enough to have a header\n'.repeat(4));
    expect(await run(['projects', 'list', '--database-url', notSqlite])).toMatchObject({
      code: 2,
      stderr: `triage: cannot use the SQLite database ${notSqlite}: file is not a database\n`,
    });
  });

  it('should refuse a new PostgreSQL database, making no tables in it, and work on one a server has used', async () => {
    const database = testDatabase('triage_cli_projects');
    await database.create();
    try {
      expect(await run(['projects', 'create', 'billing', '--database-url', database.url])).toMatchObject({
        code: 2,
        stdout: '',
        stderr: unused,
      });
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const tables = await client.query(
          `select count(*)::int as n from information_schema.tables where table_schema = current_schema()`,
        );
        expect(tables.rows[0].n).toBe(0);
      } finally {
        await client.end();
      }
      // As a server leaves it: the tables, and the default project (id 1).
      const store = await openSqlStore({ url: database.url });
      try {
        await new ProjectRegistry(store.db).ensureDefault();
      } finally {
        await store.close();
      }
      const created = await run([
        'projects',
        'create',
        'billing',
        '--url',
        'http://triage.local:7070',
        '--database-url',
        database.url,
      ]);
      expect(created).toMatchObject({ code: 0, stderr: '' });
      expect(created.stdout).toMatch(/^http:\/\/[0-9a-f]{32}@triage\.local:7070\/2\n$/);
    } finally {
      await database.drop();
    }
  });
});

describe('triage projects rotate-key', () => {
  it('should give a project a new DSN, and a running server should refuse the old key once its cache time is over', async () => {
    const { database, server } = await serverReadingKeysOften('triage-rotate-');
    try {
      const keyOf = (dsn: string) => new URL(dsn).username;
      const send = (key: string) =>
        fetch(`${server.url}/api/v1/events`, {
          method: 'POST',
          headers: { 'x-triage-key': key, 'content-type': 'application/json' },
          body: JSON.stringify({ log: ['ERROR: payment failed'] }),
        }).then((response) => response.status);
      const created = await run(['projects', 'create', 'billing', '--database-url', database]);
      const oldKey = keyOf(created.stdout.trim());
      expect(await send(oldKey)).toBe(200);

      const rotated = await run(['projects', 'rotate-key', 'billing', '--database-url', database]);
      expect(rotated.code).toBe(0);
      expect(rotated.stdout).toMatch(new RegExp(`^http://[0-9a-f]{32}@${new URL(server.url).host}/2\n$`));
      const newKey = keyOf(rotated.stdout.trim());
      expect(newKey).not.toBe(oldKey);
      expect(await send(newKey)).toBe(200);
      expect(await until(async () => (await send(oldKey)) === 403, 5_000)).toBe(true);
      expect(await send(newKey)).toBe(200);

      const unknown = await run(['projects', 'rotate-key', 'nobody', '--database-url', database]);
      expect(unknown).toMatchObject({ code: 2, stderr: 'triage: no project is named "nobody"\n' });
      const nameless = await run(['projects', 'rotate-key', '--database-url', database]);
      expect(nameless).toMatchObject({ code: 2, stderr: 'triage: projects rotate-key needs a NAME\n' });
    } finally {
      await server.close();
    }
  });
});

describe('triage projects rotate-key default, pinned by TRIAGE_DEFAULT_PROJECT_KEY', () => {
  // It printed a new DSN, and the next start wrote the pinned key back: that DSN stopped working, and
  // the leaked one worked again.
  it('should refuse, naming the variable, and leave the key as it is', async () => {
    const { database, server } = await serverReadingKeysOften('triage-rotate-pinned-');
    try {
      const pinned = { TRIAGE_DEFAULT_PROJECT_KEY: 'p'.repeat(32) };
      const refused = await run(['projects', 'rotate-key', 'default', '--database-url', database], pinned);
      expect(refused).toEqual({
        code: 2,
        stdout: '',
        stderr:
          "triage: the default project's key is pinned by TRIAGE_DEFAULT_PROJECT_KEY, which the server writes back at each start: to rotate it, change TRIAGE_DEFAULT_PROJECT_KEY where the server runs and restart it\n",
      });
      const listed = await run(['projects', 'list', '--database-url', database]);
      expect(listed.stdout.split('\t')[2]).toBe(server.dsn);
      // Another project's key is not pinned; nor is the default one's by a blank variable (unset).
      expect((await run(['projects', 'create', 'billing', '--database-url', database])).code).toBe(0);
      expect(
        (await run(['projects', 'rotate-key', 'billing', '--database-url', database], pinned)).code,
      ).toBe(0);
      const unpinned = await run(['projects', 'rotate-key', 'default', '--database-url', database], {
        TRIAGE_DEFAULT_PROJECT_KEY: ' ',
      });
      expect(unpinned.code).toBe(0);
      expect(unpinned.stdout.trim()).not.toBe(server.dsn);
    } finally {
      await server.close();
    }
  });
});

describe('triage projects create, several at once on PostgreSQL', () => {
  it('should make each one, and say a project exists only when one of that name does', async () => {
    const database = testDatabase('triage_cli_create_race');
    await database.create();
    try {
      const server = await startServer({
        port: 0,
        host: '127.0.0.1',
        databaseUrl: database.url,
        env: { TRIAGE_ADMIN_TOKEN: 'admin', TRIAGE_WORKERS: '0' },
        log: () => {},
      });
      await server.close();
      // An insert that takes a while, as on a busy database: the creates all read the same highest id
      // before any insert is done. All but one were told "a project named … exists".
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query(
          `create function slow_insert() returns trigger language plpgsql as $$ begin perform pg_sleep(0.2); return new; end $$;
           create trigger slow_insert before insert on projects for each row execute function slow_insert()`,
        );
      } finally {
        await client.end();
      }
      const names = ['billing', 'search', 'mail', 'auth', 'web'];
      const created = await Promise.all(
        names.map((name) => run(['projects', 'create', name, '--database-url', database.url])),
      );
      expect(created.map(({ code, stderr }) => [code, stderr])).toEqual(names.map(() => [0, '']));
      const ids = created.map(({ stdout }) => new URL(stdout.trim()).pathname);
      expect(ids.sort()).toEqual(['/2', '/3', '/4', '/5', '/6']);
      const again = await Promise.all([
        run(['projects', 'create', 'twice', '--database-url', database.url]),
        run(['projects', 'create', 'twice', '--database-url', database.url]),
      ]);
      expect(again.map(({ code, stderr }) => [code, stderr]).sort()).toEqual([
        [0, ''],
        [2, 'triage: a project named "twice" exists\n'],
      ]);
    } finally {
      await database.drop();
    }
  });
});

describe('triage projects limit', () => {
  it("should set a project's own limits, which a running server applies once its cache time is over, and reset them", async () => {
    const { database, server } = await serverReadingKeysOften('triage-limit-');
    try {
      const created = await run([
        'projects',
        'create',
        'billing',
        '--rate-limit',
        '10',
        '--rate-limit-mb',
        '2.5',
        '--database-url',
        database,
      ]);
      expect(created.code).toBe(0);
      const key = new URL(created.stdout.trim()).username;
      const send = (count: number) =>
        fetch(`${server.url}/api/v1/events`, {
          method: 'POST',
          headers: { 'x-triage-key': key, 'content-type': 'application/json' },
          body: JSON.stringify(Array.from({ length: count }, () => ({ log: ['ERROR: payment failed'] }))),
        }).then(
          async (response) =>
            `${response.status} ${((await response.json()) as { error?: string }).error ?? ''}`,
        );
      // More than its 10 at once is more than it ever holds.
      const tooMany = (count: number, limit: number) =>
        `413 a batch of ${count} events: this key may send at most ${limit} at once, send fewer per request`;
      expect(await send(11)).toBe(tooMany(11, 10));
      expect(await send(3)).toBe('200 ');

      const limited = await run([
        'projects',
        'limit',
        'billing',
        '--rate-limit',
        '2',
        '--database-url',
        database,
      ]);
      expect(limited).toMatchObject({ code: 0, stdout: 'billing\t2\t2.5\n' });
      expect(await until(async () => (await send(3)) === tooMany(3, 2), 5_000)).toBe(true);

      const reset = await run([
        'projects',
        'limit',
        'billing',
        '--rate-limit',
        'default',
        '--rate-limit-mb',
        'default',
        '--database-url',
        database,
      ]);
      expect(reset).toMatchObject({ code: 0, stdout: 'billing\tdefault\tdefault\n' });
      // The server's 6,000 a minute: a batch of 11 fits again.
      expect(await until(async () => (await send(11)) === '200 ', 5_000)).toBe(true);

      const listed = await run(['projects', 'list', '--database-url', database]);
      expect(listed.stdout).toMatch(/^1\tdefault\t.*\tdefault\tdefault\n2\tbilling\t.*\tdefault\tdefault\n$/);
      for (const [args, stderr] of [
        [
          ['--rate-limit', '0'],
          'triage: --rate-limit must be a whole number from 1 to 1000000000000, or "default"; got "0"\n',
        ],
        [
          ['--rate-limit-mb', '1'],
          'triage: --rate-limit-mb must be a number from 2 to 1000000000, or "default"; got "1"\n',
        ],
        [
          ['--rate-limit', 'lots'],
          'triage: --rate-limit must be a whole number from 1 to 1000000000000, or "default"; got "lots"\n',
        ],
        [
          ['--rate-limit-mb', '1e10'],
          'triage: --rate-limit-mb must be a number from 2 to 1000000000, or "default"; got "1e10"\n',
        ],
        [[], 'triage: projects limit needs --rate-limit or --rate-limit-mb (a number or "default")\n'],
      ] as const)
        expect(
          await run(['projects', 'limit', 'billing', ...args, '--database-url', database]),
        ).toMatchObject({
          code: 2,
          stderr,
        });
      expect(
        await run(['projects', 'limit', 'nobody', '--rate-limit', '5', '--database-url', database]),
      ).toMatchObject({ code: 2, stderr: 'triage: no project is named "nobody"\n' });
      expect(
        await run(['projects', 'rotate-key', 'billing', '--rate-limit', '5', '--database-url', database]),
      ).toMatchObject({
        code: 2,
        stderr: 'triage: projects rotate-key takes no --rate-limit or --rate-limit-mb\n',
      });
    } finally {
      await server.close();
    }
  });
});

describe('the admin token', () => {
  it('should be generated once, stored, and then read back; the environment wins', async () => {
    const store = await openSqlStore({
      url: join(mkdtempSync(join(tmpdir(), 'triage-admin-')), 'triage.db'),
    });
    try {
      const first = await adminTokenOf(store.db);
      expect(first.generated).toBe(true);
      expect(first.token.length).toBeGreaterThanOrEqual(32);
      expect(await adminTokenOf(store.db)).toEqual({ token: first.token, generated: false });
      expect(await adminTokenOf(store.db, 'from-env')).toEqual({ token: 'from-env', generated: false });
    } finally {
      await store.close();
    }
  });
});
