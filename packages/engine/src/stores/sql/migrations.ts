import { projectFingerprint } from '@triage/core';
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

/**
 * Schema changes, in order; never edit a released one. Written with Kysely's
 * schema builder so the same code creates the tables on SQLite and PostgreSQL.
 */
export type SqlDialectName = 'sqlite' | 'postgres';

/** The settings row migration 011 writes with its rewrite, so that it never rewrites twice. */
const MARK_011 = 'migration_011_fingerprints_rewritten';

const migrations = (dialect: SqlDialectName): Record<string, Migration> => ({
  '001-issues-outbox-events': {
    async up(db: Kysely<unknown>) {
      const bigint = 'bigint' as const;
      await db.schema
        .createTable('issues')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('fingerprint', 'text', (column) => column.notNull().unique())
        .addColumn('title', 'text', (column) => column.notNull())
        .addColumn('description', 'text', (column) => column.notNull())
        .addColumn('analysis', 'text', (column) => column.notNull())
        .addColumn('analysis_json', 'text')
        .addColumn('priority', 'text')
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('source', 'text', (column) => column.notNull())
        .addColumn('service', 'text')
        .addColumn('environment', 'text')
        .addColumn('file', 'text')
        .addColumn('function', 'text')
        .addColumn('release', 'text')
        .addColumn('created_at', bigint, (column) => column.notNull())
        .addColumn('first_seen', bigint, (column) => column.notNull())
        .addColumn('last_seen', bigint, (column) => column.notNull())
        .addColumn('count', 'integer', (column) => column.notNull())
        .addColumn('users_affected', 'integer', (column) => column.notNull())
        .addColumn('last_event_id', 'text', (column) => column.notNull())
        .addColumn('analyzed_at', bigint)
        .addColumn('analyzed_lines', 'text')
        .addColumn('resolved_at', bigint)
        .addColumn('resolved_in_release', 'text')
        .addColumn('snooze_until', bigint)
        .addColumn('snooze_until_count', 'integer')
        .addColumn('resolution_note', 'text')
        .execute();
      await db.schema.createIndex('issues_last_seen').on('issues').column('last_seen').execute();
      await db.schema
        .createTable('issue_hours')
        .addColumn('issue_id', 'text', (column) => column.notNull())
        .addColumn('hour', 'integer', (column) => column.notNull())
        .addColumn('count', 'integer', (column) => column.notNull())
        .addPrimaryKeyConstraint('issue_hours_pk', ['issue_id', 'hour'])
        .execute();
      await db.schema
        .createTable('issue_users')
        .addColumn('issue_id', 'text', (column) => column.notNull())
        .addColumn('user_key', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('issue_users_pk', ['issue_id', 'user_key'])
        .execute();
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('idempotency_key', 'text', (column) => column.notNull().unique())
        .addColumn('issue_id', 'text', (column) => column.notNull())
        .addColumn('channel', 'text', (column) => column.notNull())
        .addColumn('payload', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('attempts', 'integer', (column) => column.notNull())
        .addColumn('next_attempt_at', bigint, (column) => column.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', bigint, (column) => column.notNull())
        .addColumn('sent_at', bigint)
        .execute();
      await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_attempt_at']).execute();
      await db.schema
        .createTable('events')
        .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (column) =>
          dialect === 'postgres' ? column.primaryKey() : column.primaryKey().autoIncrement(),
        )
        .addColumn('id', 'text', (column) => column.notNull())
        .addColumn('issue_id', 'text', (column) => column.notNull())
        .addColumn('received_at', bigint, (column) => column.notNull())
        .addColumn('payload', 'text', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('events_issue').on('events').columns(['issue_id', 'received_at']).execute();
      await db.schema.createIndex('events_received').on('events').column('received_at').execute();
    },
  },
  '002-server': {
    async up(db: Kysely<unknown>) {
      const bigint = 'bigint' as const;
      await db.schema.alterTable('issues').addColumn('severity', 'text').execute();
      await db.schema.alterTable('issues').addColumn('category', 'text').execute();
      await db.schema.alterTable('issues').addColumn('analysis_claimed_at', bigint).execute();
      await db.schema.alterTable('issues').addColumn('project_id', 'text').execute();
      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('name', 'text', (column) => column.notNull().unique())
        .addColumn('public_key', 'text', (column) => column.notNull().unique())
        .addColumn('created_at', bigint, (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (column) => column.primaryKey())
        .addColumn('value', 'text', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('payload', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('attempts', 'integer', (column) => column.notNull())
        .addColumn('run_after', bigint, (column) => column.notNull())
        .addColumn('created_at', bigint, (column) => column.notNull())
        .addColumn('last_error', 'text')
        .execute();
      await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_after']).execute();
    },
  },
  '003-event-delivery': {
    // The job that recorded an event: a job run again (its worker died after recording) finds its
    // event and changes nothing, so an event counts once however often its job runs.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('events').addColumn('delivery', 'text').execute();
      await db.schema.createIndex('events_delivery').on('events').column('delivery').unique().execute();
    },
  },
  '004-integer-job-ids': {
    // Jobs were keyed by a text UUID: on SQLite every accepted event then wrote a row and two index
    // entries, one of them 36 bytes of key, and ingest spent more on that insert than on anything else
    // it does (bench/README.md, "Ingest"). An integer key is the row's own id there. AUTOINCREMENT (an
    // identity on PostgreSQL) never hands out a deleted job's id again: a job's id is the delivery its
    // event is recorded under, and a reused one would make a new event look like one already recorded.
    async up(db: Kysely<unknown>) {
      const bigint = 'bigint' as const;
      await db.schema.dropIndex('jobs_due').execute();
      await db.schema.alterTable('jobs').renameTo('jobs_uuid').execute();
      await db.schema
        .createTable('jobs')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (column) =>
          dialect === 'postgres' ? column.primaryKey() : column.primaryKey().autoIncrement(),
        )
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('payload', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('attempts', 'integer', (column) => column.notNull())
        .addColumn('run_after', bigint, (column) => column.notNull())
        .addColumn('created_at', bigint, (column) => column.notNull())
        .addColumn('last_error', 'text')
        .addColumn('uuid', 'text')
        .execute();
      // Queued jobs keep their order (UUIDv7s sort by time) and their place in line. One that already
      // recorded its event (its worker died before deleting it) is recorded under its old id: that
      // delivery moves to the new id, so running the job again still changes nothing.
      await sql`insert into jobs (kind, payload, status, attempts, run_after, created_at, last_error, uuid)
        select kind, payload, status, attempts, run_after, created_at, last_error, id from jobs_uuid
        order by id`.execute(db);
      await sql`update events set delivery = (select cast(jobs.id as text) from jobs where jobs.uuid = events.delivery)
        where delivery in (select uuid from jobs)`.execute(db);
      await db.schema.alterTable('jobs').dropColumn('uuid').execute();
      await db.schema.dropTable('jobs_uuid').execute();
      await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_after']).execute();
    },
  },
  '005-analysis-claimant': {
    // Who holds an analysis claim: the job that was analysing when its instance died runs again (any
    // instance, after its lease) and takes its own claim back. Without it the rerun found the issue
    // claimed, for the two minutes of the analysis lease, counted the event and finished, and the
    // issue was never analysed nor alerted on.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('issues').addColumn('analysis_claimed_by', 'text').execute();
    },
  },
  '006-issue-hours-by-hour': {
    // Retention deletes the counts per hour past its age; nothing reads more than two days back, and
    // they grew by a row per issue per hour for as long as the server ran.
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('issue_hours_hour').on('issue_hours').column('hour').execute();
    },
  },
  '007-llm-spend': {
    // Each process counted its own LLM spend from zero: every server instance, and every restart,
    // had the whole daily budget again.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('llm_spend')
        .addColumn('day', 'text', (column) => column.notNull())
        .addColumn('handler', 'text', (column) => column.notNull())
        .addColumn('usd', 'double precision', (column) => column.notNull())
        .addColumn('calls', 'integer', (column) => column.notNull())
        .addPrimaryKeyConstraint('llm_spend_pk', ['day', 'handler'])
        .execute();
    },
  },
  '008-event-ids': {
    // An event sent again (a client that lost the answer and retried) is found by its id among its
    // issue's events. Not unique: databases that counted such events twice before hold both.
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('events_issue_id').on('events').columns(['issue_id', 'id']).execute();
    },
  },
  '009-rate-buckets': {
    // Each instance kept its own ingest rate limit: n instances let a key send n times the rate.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rate_buckets')
        .addColumn('bucket', 'text', (column) => column.primaryKey())
        .addColumn('tokens', 'double precision', (column) => column.notNull())
        .addColumn('refilled_at', 'bigint', (column) => column.notNull())
        .execute();
    },
  },
  '010-project-rate-limits': {
    // A project's own ingest limits (events and decompressed bytes a minute); null: the server's.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('projects').addColumn('rate_limit_per_minute', 'bigint').execute();
      await db.schema.alterTable('projects').addColumn('rate_limit_bytes_per_minute', 'bigint').execute();
    },
  },
  '011-project-fingerprints': {
    // An issue was found by its fingerprint alone, so one error in two projects was one issue, counted
    // and alerted in the project of its first event. Issues are now keyed within their project
    // (projectFingerprint): the ones a server made get that key, so their next events find them.
    async up(db: Kysely<unknown>) {
      type Tables = {
        issues: { id: string; fingerprint: string; project_id: string | null };
        settings: { key: string; value: string };
      };
      const rewrite = async (trx: Kysely<Tables>) => {
        // Kysely runs SQLite's migrations outside a transaction: a start that stopped after this one's
        // rewrite and before its record would hash every fingerprint a second time, and lose its issues.
        const done = await trx
          .selectFrom('settings')
          .select('key')
          .where('key', '=', MARK_011)
          .executeTakeFirst();
        if (done) return;
        const rows = await trx
          .selectFrom('issues')
          .select(['id', 'fingerprint', 'project_id'])
          .where('project_id', 'is not', null)
          .execute();
        for (const row of rows) {
          await trx
            .updateTable('issues')
            .set({ fingerprint: projectFingerprint(row.fingerprint, row.project_id ?? undefined) })
            .where('id', '=', row.id)
            .execute();
        }
        await trx
          .insertInto('settings')
          .values({ key: MARK_011, value: String(rows.length) })
          .execute();
      };
      const tables = db as unknown as Kysely<Tables>;
      // On PostgreSQL the migration is a transaction already, and one cannot be opened inside it.
      if (tables.isTransaction) await rewrite(tables);
      else await tables.transaction().execute(rewrite);
    },
  },
  '012-wide-counts': {
    // `integer` is 64 bits on SQLite and 32 on PostgreSQL, where an issue's 2,147,483,648th event could
    // not be recorded.
    async up(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      for (const [table, column] of [
        ['issues', 'count'],
        ['issues', 'users_affected'],
        ['issues', 'snooze_until_count'],
        ['issue_hours', 'count'],
      ] as const) {
        await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} type bigint`.execute(db);
      }
    },
  },
});

/**
 * Brings the schema up to date; safe to run on every start and from several instances.
 * `to` stops at a named migration instead (tests of a later migration start from there).
 */
export async function migrate(db: Kysely<unknown>, dialect: SqlDialectName, to?: string): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await (to === undefined ? migrator.migrateToLatest() : migrator.migrateTo(to));
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    // No migration failed when none could run (the database could not be reached): its own error says why.
    if (!failed) throw error;
    throw new Error(`database migration ${failed} failed: ${(error as Error).message ?? error}`, {
      cause: error,
    });
  }
  await sql`select 1`.execute(db);
}
