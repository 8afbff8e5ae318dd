import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectFingerprint } from '@triage/core';
import Sqlite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../test/postgres-database.js';
import { migrate, type SqlDialectName } from './migrations.js';

const postgres = testDatabase('triage_migrations');
beforeAll(postgres.create);
afterAll(postgres.drop);

const dialects: Array<[SqlDialectName, () => Kysely<unknown>]> = [
  [
    'sqlite',
    () =>
      new Kysely({
        dialect: new SqliteDialect({
          database: new Sqlite(join(mkdtempSync(join(tmpdir(), 'triage-migrations-')), 'triage.db')),
        }),
      }),
  ],
  [
    'postgres',
    () =>
      new Kysely({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: postgres.url }) }),
      }),
  ],
];

// Rows as the jobs table held them before 004: text UUIDv7 keys, which sort by time.
const oldJobs = [
  { id: '019ac5b0-0000-7000-8000-000000000002', payload: '{"n":2}', status: 'pending' },
  { id: '019ac5b0-0000-7000-8000-000000000001', payload: '{"n":1}', status: 'pending' },
  { id: '019ac5b0-0000-7000-8000-000000000003', payload: '{"n":3}', status: 'dead' },
];

describe.each(dialects)('migration 004-integer-job-ids on %s', (dialect, open) => {
  it('should key jobs by integers in their old order and move a recorded delivery to its job’s new id', async () => {
    const db = open();
    try {
      await migrate(db, dialect, '003-event-delivery');
      for (const job of oldJobs) {
        await sql`insert into jobs (id, kind, payload, status, attempts, run_after, created_at, last_error)
          values (${job.id}, 'event', ${job.payload}, ${job.status}, 1, 5, 5, null)`.execute(db);
      }
      // The first job recorded its event, then its worker died before deleting it.
      await sql`insert into events (id, issue_id, received_at, payload, delivery)
        values ('e1', 'i1', 5, '{}', ${oldJobs[1]!.id}), ('e0', 'i1', 4, '{}', 'a-job-long-gone')`.execute(
        db,
      );

      await migrate(db, dialect);

      const jobs = (
        await sql<{ id: number | string; payload: string; status: string; attempts: number }>`
          select id, payload, status, attempts from jobs order by id`.execute(db)
      ).rows.map((row) => ({ ...row, id: Number(row.id), attempts: Number(row.attempts) }));
      expect(jobs.map((job) => [job.payload, job.status, job.attempts])).toEqual([
        ['{"n":1}', 'pending', 1],
        ['{"n":2}', 'pending', 1],
        ['{"n":3}', 'dead', 1],
      ]);
      expect(jobs.every((job) => Number.isSafeInteger(job.id))).toBe(true);
      const deliveries = (
        await sql<{ id: string; delivery: string }>`select id, delivery from events order by id`.execute(db)
      ).rows;
      expect(deliveries).toEqual([
        { id: 'e0', delivery: 'a-job-long-gone' },
        { id: 'e1', delivery: String(jobs[0]!.id) },
      ]);
      const columns = (await db.introspection.getTables()).find((table) => table.name === 'jobs')?.columns;
      expect(columns?.map((column) => column.name).sort()).toEqual(
        ['attempts', 'created_at', 'id', 'kind', 'last_error', 'payload', 'run_after', 'status'].sort(),
      );
    } finally {
      await db.destroy();
    }
  });

  it('should never hand a deleted job’s id to a new job', async () => {
    const db = open();
    try {
      await migrate(db, dialect);
      await sql`delete from jobs`.execute(db);
      const insert = async () =>
        Number(
          (
            await sql<{
              id: number | string;
            }>`insert into jobs (kind, payload, status, attempts, run_after, created_at)
              values ('event', '{}', 'pending', 0, 1, 1) returning id`.execute(db)
          ).rows[0]!.id,
        );
      const first = await insert();
      const second = await insert();
      await sql`delete from jobs where id = ${second}`.execute(db);
      // Without AUTOINCREMENT (or an identity), SQLite would give the highest deleted id out again.
      expect(await insert()).toBeGreaterThan(second);
      expect(second).toBeGreaterThan(first);
    } finally {
      await db.destroy();
    }
  });
});

const fresh = testDatabase('triage_migrations_011');
afterAll(fresh.drop);

describe.each([
  ['sqlite', () => dialects[0]![1]()],
  [
    'postgres',
    () =>
      new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: fresh.url }) }) }),
  ],
] as Array<[SqlDialectName, () => Kysely<unknown>]>)('migrations 011 and 012 on %s', (dialect, open) => {
  it('should key a server’s issues within their project, and count past 32 bits', async () => {
    if (dialect === 'postgres') await fresh.create();
    const db = open();
    try {
      await migrate(db, dialect, '010-project-rate-limits');
      const issue = (id: string, fingerprint: string, project: string | null) =>
        sql`insert into issues (id, fingerprint, title, description, analysis, status, source, created_at,
          first_seen, last_seen, count, users_affected, last_event_id, project_id)
          values (${id}, ${fingerprint}, 't', '', '', 'new', 'server', 1, 1, 1, 2147483647, 0, 'e', ${project})`.execute(
          db,
        );
      await issue('i1', 'f1', '1');
      await issue('i2', 'f2', '2');
      await issue('i3', 'f3', null);

      await migrate(db, dialect);

      const rows = (
        await sql<{
          id: string;
          fingerprint: string;
        }>`select id, fingerprint from issues order by id`.execute(db)
      ).rows;
      expect(rows).toEqual([
        { id: 'i1', fingerprint: projectFingerprint('f1', '1') },
        { id: 'i2', fingerprint: projectFingerprint('f2', '2') },
        { id: 'i3', fingerprint: 'f3' },
      ]);
      // A start that stopped after 011's rewrite and before its record runs it again: nothing is hashed twice.
      await sql`delete from kysely_migration where name in ('011-project-fingerprints', '012-wide-counts')`.execute(
        db,
      );
      await migrate(db, dialect);
      expect(
        (
          await sql<{
            id: string;
            fingerprint: string;
          }>`select id, fingerprint from issues order by id`.execute(db)
        ).rows,
      ).toEqual(rows);
      await sql`update issues set count = count + 1, users_affected = 2147483648 where id = 'i1'`.execute(db);
      const [counted] = (
        await sql<{ count: number | string }>`select count from issues where id = 'i1'`.execute(db)
      ).rows;
      expect(Number(counted!.count)).toBe(2147483648);
    } finally {
      await db.destroy();
    }
  });
});
