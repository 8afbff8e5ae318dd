import type { Database } from '@triage/engine';
import type { Kysely } from 'kysely';

/**
 * Deletes stored events older than TRIAGE_RETENTION_DAYS (default 30) and
 * beyond TRIAGE_RETENTION_MAX_EVENTS (default 1,000,000, oldest first), hourly.
 * Issues and their counts stay.
 */
export function startRetention(
  db: Kysely<Database>,
  env: Record<string, string | undefined>,
  onFailure: (stage: string, error: unknown) => void,
): { stop(): void; run(): Promise<void> } {
  const days = Number(env.TRIAGE_RETENTION_DAYS ?? 30);
  const maxEvents = Number(env.TRIAGE_RETENTION_MAX_EVENTS ?? 1_000_000);
  const run = async () => {
    try {
      await db
        .deleteFrom('events')
        .where('received_at', '<', Date.now() - days * 86_400_000)
        .execute();
      const cutoff = await db
        .selectFrom('events')
        .select('seq')
        .orderBy('seq', 'desc')
        .offset(maxEvents)
        .limit(1)
        .executeTakeFirst();
      if (cutoff) await db.deleteFrom('events').where('seq', '<=', cutoff.seq).execute();
      await db
        .deleteFrom('outbox')
        .where('status', '=', 'sent')
        .where('created_at', '<', Date.now() - days * 86_400_000)
        .execute();
    } catch (error) {
      onFailure('retention', error);
    }
  };
  const timer = setInterval(run, 60 * 60 * 1000);
  timer.unref();
  void run();
  return { stop: () => clearInterval(timer), run };
}
