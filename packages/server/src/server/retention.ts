import type { Database } from '@triage/engine';
import type { Kysely } from 'kysely';
import type { RetentionSettings } from './server-settings.js';

/**
 * Rows one delete removes at most. A retention that caught up with months of events in one statement
 * held SQLite's only writer (ingest's inserts waited behind it) and, on PostgreSQL, could outlast the
 * query timeout, fail, and fail again every hour, deleting nothing.
 */
const DELETE_BATCH_ROWS = 2_000;

/**
 * Deletes stored events older than `days` and beyond `maxEvents` (oldest first), sent alerts older
 * than `days`, dead jobs (events the queue gave up analysing) older than `days` and the counts per hour
 * older than `days`, at start and then hourly, `batchRows` at a time; `run()` joins a pass under way.
 * Issues and their totals stay, and so do jobs still waiting to run.
 */
export function startRetention(
  db: Kysely<Database>,
  { days, maxEvents }: RetentionSettings,
  onFailure: (stage: string, error: unknown) => void,
  batchRows = DELETE_BATCH_ROWS,
): { stop(): Promise<void>; run(): Promise<void> } {
  let stopped = false;
  /**
   * Runs `deleteBatch` (which deletes at most batchRows rows) until a batch comes back short, or the
   * retention is stopped: a stop waited for the whole backlog (2,000,000 old events: 9.6 s, in a
   * reviewer's throwaway script), past a supervisor's grace period.
   */
  const inBatches = async (deleteBatch: () => Promise<{ numDeletedRows: bigint }>) => {
    while (!stopped && (await deleteBatch()).numDeletedRows >= BigInt(batchRows))
      // Other writers (ingest, on SQLite) get their turn between batches.
      await new Promise((resolve) => setImmediate(resolve));
  };
  const pass = async () => {
    try {
      const expired = Date.now() - days * 86_400_000;
      const events = db.selectFrom('events').select('seq').orderBy('seq').limit(batchRows);
      await inBatches(() =>
        db
          .deleteFrom('events')
          .where('seq', 'in', events.where('received_at', '<', expired))
          .executeTakeFirstOrThrow(),
      );
      const cutoff = await db
        .selectFrom('events')
        .select('seq')
        .orderBy('seq', 'desc')
        .offset(maxEvents)
        .limit(1)
        .executeTakeFirst();
      if (cutoff)
        await inBatches(() =>
          db
            .deleteFrom('events')
            .where('seq', 'in', events.where('seq', '<=', cutoff.seq))
            .executeTakeFirstOrThrow(),
        );
      // Alerts sent and jobs given up on, past the retention.
      for (const [table, status] of [
        ['outbox', 'sent'],
        ['jobs', 'dead'],
      ] as const)
        await inBatches(() =>
          db
            .deleteFrom(table)
            .where(
              'id',
              'in',
              db
                .selectFrom(table)
                .select('id')
                .where('status', '=', status)
                .where('created_at', '<', expired)
                .limit(batchRows),
            )
            .executeTakeFirstOrThrow(),
        );
      // Counts per hour past the retention, but never within two days: the issue view reads 48 hours
      // back (with a retention of one day it lost its first day), alerts and the digest one day. An
      // hour's rows go together (they are few: one per issue seen in that hour).
      const hoursExpired = Date.now() - Math.max(days, 2) * 86_400_000;
      await inBatches(() =>
        db
          .deleteFrom('issue_hours')
          .where(
            'hour',
            'in',
            db
              .selectFrom('issue_hours')
              .select('hour')
              .where('hour', '<', Math.floor(hoursExpired / 3_600_000))
              .orderBy('hour')
              .limit(batchRows),
          )
          .executeTakeFirstOrThrow(),
      );
    } catch (error) {
      onFailure('retention', error);
    }
  };
  // One pass at a time: an hourly pass that found a long backlog does not race the next one.
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(run, 60 * 60 * 1000);
  timer.unref();
  void run();
  return {
    // Resolves once a pass under way is over: a stop that closed the database under it logged a
    // failure ("driver has already been destroyed") at every stop soon after a start.
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    run,
  };
}
