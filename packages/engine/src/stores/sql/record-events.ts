import type { TriageEvent } from '@triage/core';
import { type Insertable, type Kysely, sql } from 'kysely';
import { v7 as timeOrderedId } from 'uuid';
import type { RecordOptions, RecordOutcome } from '../../ports/issue-store.js';
import { applyEvent, hourOf, userKeyOf } from '../apply-event.js';
import type { SqlDialectName } from './migrations.js';
import { changedIssueColumns, toIssue, toIssueRow } from './row-mapping.js';
import type { Database } from './schema.js';

export interface RecordItem {
  input: { event: TriageEvent; fingerprint: string; title: string };
  options: RecordOptions;
}

/**
 * Records the events of one fingerprint in one transaction: the issue row is
 * read (locked, on PostgreSQL) and written once, whatever the number of
 * events. Each event is applied in order, so each gets the outcome it would
 * have had alone (the first may create the issue, a later one find it
 * resolved…); a delivery already recorded, before or earlier in the batch,
 * changes nothing and comes back `replayed`, and an event whose id the issue
 * holds already changes nothing and comes back `duplicate`.
 */
export async function recordEvents(
  db: Kysely<Database>,
  dialect: SqlDialectName,
  fingerprint: string,
  items: RecordItem[],
): Promise<RecordOutcome[]> {
  return db.transaction().execute(async (trx) => {
    const deliveries = items.flatMap((item) => item.options.delivery ?? []);
    const recorded = new Set<string>();
    if (deliveries.length > 0) {
      const rows = await trx
        .selectFrom('events')
        .select('delivery')
        .where('delivery', 'in', deliveries)
        .execute();
      for (const row of rows) if (row.delivery !== null) recorded.add(row.delivery);
    }
    let query = trx.selectFrom('issues').selectAll().where('fingerprint', '=', fingerprint);
    if (dialect === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    const stored = row ? toIssue(row) : undefined;
    // Event ids the issue holds already, among those of the batch: after the issue's lock on
    // PostgreSQL, so an instance recording the same event at the same time is seen.
    const held = new Set<string>();
    if (row) {
      const ids = [...new Set(items.map((item) => item.input.event.id))];
      const rows = await trx
        .selectFrom('events')
        .select('id')
        .where('issue_id', '=', row.id)
        .where('id', 'in', ids)
        .execute();
      for (const { id } of rows) held.add(id);
    }
    let current = stored;
    const outcomes: RecordOutcome[] = [];
    const applied: Array<{ outcome: RecordOutcome; user?: string }> = [];
    const events: Array<Insertable<Database['events']>> = [];
    const hours = new Map<number, number>();
    for (const { input, options } of items) {
      const seen = options.delivery !== undefined && recorded.has(options.delivery);
      // Recorded before (this delivery), or sent again (this event): nothing changes, and the issue
      // is as it stands (in this batch, as it stands so far).
      const again = seen ? 'replayed' : held.has(input.event.id) ? 'duplicate' : undefined;
      if (current && again) {
        outcomes.push({
          issue: { ...current },
          created: false,
          regressed: false,
          unsnoozed: false,
          [again]: true,
        });
        continue;
      }
      const outcome: RecordOutcome = applyEvent(current, input, options, timeOrderedId);
      current = outcome.issue;
      outcomes.push(outcome);
      applied.push({ outcome, user: userKeyOf(input.event) });
      if (options.delivery !== undefined) recorded.add(options.delivery);
      held.add(input.event.id);
      events.push({
        id: input.event.id,
        issue_id: current.id,
        received_at: options.now ?? Date.now(),
        payload: JSON.stringify(input.event),
        // Seen, but its issue is gone (retention): counted again in a new issue, the delivery kept once.
        delivery: seen ? null : (options.delivery ?? null),
      });
      const hour = hourOf(input.event.timestamp);
      hours.set(hour, (hours.get(hour) ?? 0) + 1);
    }
    if (!current || events.length === 0) return outcomes;
    const issueId = current.id;

    // Users affected: the keys this issue had not seen, counted at the first event that brought each.
    const keys = [...new Set(applied.flatMap((entry) => entry.user ?? []))];
    const fresh = new Set<string>();
    if (keys.length > 0) {
      const inserted = await trx
        .insertInto('issue_users')
        .values(keys.map((key) => ({ issue_id: issueId, user_key: key })))
        .onConflict((conflict) => conflict.columns(['issue_id', 'user_key']).doNothing())
        .returning('user_key')
        .execute();
      for (const { user_key } of inserted) fresh.add(user_key);
    }
    let users = stored?.usersAffected ?? 0;
    for (const { outcome, user } of applied) {
      if (user !== undefined && fresh.delete(user)) users++;
      outcome.issue.usersAffected = users;
    }

    if (row) {
      // Only what the events changed: on SQLite the description and analysis were rewritten with every event.
      const changes = changedIssueColumns(row, toIssueRow(current));
      if (Object.keys(changes).length > 0)
        await trx.updateTable('issues').set(changes).where('id', '=', issueId).execute();
    } else await trx.insertInto('issues').values(toIssueRow(current)).execute();
    await trx.insertInto('events').values(events).execute();
    await trx
      .insertInto('issue_hours')
      .values([...hours].map(([hour, count]) => ({ issue_id: issueId, hour, count })))
      .onConflict((conflict) =>
        conflict
          .columns(['issue_id', 'hour'])
          .doUpdateSet({ count: sql<number>`issue_hours.count + excluded.count` }),
      )
      .execute();
    return outcomes;
  });
}
