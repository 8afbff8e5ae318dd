import type { Database } from '@triage/engine';
import type { Kysely } from 'kysely';
import type { RetentionSettings } from './server-settings.js';

/**
 * Deletes stored events older than `days` and beyond `maxEvents` (oldest first), sent alerts older
 * than `days`, and dead jobs (events the queue gave up analysing) older than `days`, at start and
 * then hourly. Issues and their counts stay, and so do jobs still waiting to run.
 */
export function startRetention(
  db: Kysely<Database>,
  { days, maxEvents }: RetentionSettings,
  onFailure: (stage: string, error: unknown) => void,
): { stop(): void; run(): Promise<void> } {
  const run = async () => {
    try {
      const expired = Date.now() - days * 86_400_000;
      await db.deleteFrom('events').where('received_at', '<', expired).execute();
      const cutoff = await db
        .selectFrom('events')
        .select('seq')
        .orderBy('seq', 'desc')
        .offset(maxEvents)
        .limit(1)
        .executeTakeFirst();
      if (cutoff) await db.deleteFrom('events').where('seq', '<=', cutoff.seq).execute();
      await db.deleteFrom('outbox').where('status', '=', 'sent').where('created_at', '<', expired).execute();
      await db.deleteFrom('jobs').where('status', '=', 'dead').where('created_at', '<', expired).execute();
    } catch (error) {
      onFailure('retention', error);
    }
  };
  const timer = setInterval(run, 60 * 60 * 1000);
  timer.unref();
  void run();
  return { stop: () => clearInterval(timer), run };
}
