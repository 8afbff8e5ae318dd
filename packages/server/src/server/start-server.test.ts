// What a start does with a database it has trouble with: one it cannot write, or one whose first start
// failed after making the admin token.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore } from '@triage/engine';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './start-server.js';

const running: RunningServer[] = [];
let blocker: Server | undefined;
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = undefined;
});

const databaseFile = () => join(mkdtempSync(join(tmpdir(), 'triage-start-')), 'triage.db');

/** Starts a server on `file` (port 0 unless given), keeping what it logs. */
async function start(file: string, port = 0) {
  const lines: string[] = [];
  const server = await startServer({
    port,
    host: '127.0.0.1',
    databaseUrl: file,
    env: { TRIAGE_DEFAULT_PROJECT_KEY: 'k'.repeat(32), TRIAGE_ALERT_TO: 'oncall@example.com' },
    log: (line) => lines.push(line),
  });
  running.push(server);
  return { server, lines };
}

const tokenLine = (lines: string[]) => lines.find((line) => line.startsWith('  admin token'));

describe('startServer', () => {
  it('should show the admin token at the first start that finishes, when the one that made it failed', async () => {
    const file = databaseFile();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    await expect(start(file, taken)).rejects.toThrow(/is in use/);

    const { server, lines } = await start(file);
    expect(tokenLine(lines)).toBe(
      `  admin token (generated, stored in the database; set TRIAGE_ADMIN_TOKEN to choose one): ${server.adminToken}`,
    );
    await server.close();
    // Shown once: the next start only says where it is.
    const again = await start(file);
    expect(tokenLine(again.lines)).toBe(
      '  admin token: the one generated at the first start, in the database (settings.admin_token)',
    );
  });

  it('should stop listening when its start fails once it listens', async () => {
    const file = databaseFile();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    await new Promise((resolve) => blocker!.close(resolve));
    blocker = undefined;
    // A failure after the listen (a log line that throws, here): the server went on listening, its
    // process kept alive after the error was printed.
    await expect(
      startServer({
        port,
        host: '127.0.0.1',
        databaseUrl: file,
        env: { TRIAGE_DEFAULT_PROJECT_KEY: 'k'.repeat(32) },
        log: (line) => {
          if (line.startsWith('Triage server listening')) throw new Error('no log');
        },
      }),
    ).rejects.toThrow('no log');
    const { server } = await start(file, port);
    expect(server.url).toBe(`http://127.0.0.1:${port}`);
  });

  it('should refuse to start on a database it cannot write, rather than answer 200 for events it cannot store', async () => {
    const file = databaseFile();
    const { server } = await start(file);
    await server.close();
    // As a read-only file refuses writes (root, which runs CI, writes to a mode 0444 file all the same).
    const store = await openSqlStore({ url: file });
    for (const event of ['insert', 'update'])
      await sql
        .raw(
          `create trigger read_only_${event} before ${event} on settings begin select raise(abort, 'attempt to write a readonly database'); end`,
        )
        .execute(store.db);
    await store.close();
    await expect(start(file)).rejects.toThrow(
      'cannot write to the database: attempt to write a readonly database',
    );

    // Nothing left holding the database: once writable, it starts (its ingest spool taken again).
    const writable = await openSqlStore({ url: file });
    for (const event of ['insert', 'update'])
      await sql.raw(`drop trigger read_only_${event}`).execute(writable.db);
    await writable.close();
    const { lines } = await start(file);
    expect(lines.some((line) => line.startsWith('  ingest spool:'))).toBe(true);
  });
});
