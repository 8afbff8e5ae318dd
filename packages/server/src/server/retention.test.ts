import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore, type SqlStore } from '@triage/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRetention } from './retention.js';

const DAY = 86_400_000;

describe('startRetention', () => {
  let store: SqlStore;
  beforeEach(async () => {
    store = await openSqlStore({ url: join(mkdtempSync(join(tmpdir(), 'triage-retention-')), 'triage.db') });
  });
  afterEach(() => store.close());

  const addEvents = (ages: number[]) =>
    store.db
      .insertInto('events')
      .values(
        ages.map((ageDays, index) => ({
          id: `event-${index}`,
          issue_id: 'issue-1',
          received_at: Date.now() - ageDays * DAY,
          payload: '{}',
          delivery: null,
        })),
      )
      .execute();
  const eventIds = async () =>
    (await store.db.selectFrom('events').select('id').orderBy('seq').execute()).map((row) => row.id);

  it('should delete events older than the retention', async () => {
    await addEvents([40, 31, 29, 1]);
    const failures: unknown[] = [];
    const retention = startRetention(store.db, { days: 30, maxEvents: 100 }, (_stage, error) =>
      failures.push(error),
    );
    retention.stop();
    await retention.run();
    expect(await eventIds()).toEqual(['event-2', 'event-3']);
    expect(failures).toEqual([]);
  });

  it('should keep at most maxEvents, the newest', async () => {
    await addEvents([5, 4, 3, 2, 1]);
    const retention = startRetention(store.db, { days: 30, maxEvents: 2 }, () => {});
    retention.stop();
    await retention.run();
    expect(await eventIds()).toEqual(['event-3', 'event-4']);
  });

  it('should delete sent alerts past the retention, and keep unsent ones', async () => {
    const alert = (id: string, status: string, ageDays: number) => ({
      id,
      idempotency_key: id,
      issue_id: 'issue-1',
      channel: 'slack',
      payload: '{}',
      status,
      attempts: 1,
      next_attempt_at: 0,
      last_error: null,
      created_at: Date.now() - ageDays * DAY,
      sent_at: null,
    });
    await store.db
      .insertInto('outbox')
      .values([alert('old-sent', 'sent', 40), alert('old-dead', 'dead', 40), alert('new-sent', 'sent', 1)])
      .execute();
    const retention = startRetention(store.db, { days: 30, maxEvents: 100 }, () => {});
    retention.stop();
    await retention.run();
    const left = await store.db.selectFrom('outbox').select('id').orderBy('id').execute();
    expect(left.map((row) => row.id)).toEqual(['new-sent', 'old-dead']);
  });

  it('should delete dead jobs past the retention, and keep jobs still waiting to run', async () => {
    const job = (payload: string, status: string, ageDays: number) => ({
      kind: 'event',
      payload,
      status,
      attempts: 5,
      run_after: 0,
      created_at: Date.now() - ageDays * DAY,
      last_error: status === 'dead' ? 'provider down' : null,
    });
    await store.db
      .insertInto('jobs')
      .values([job('old-dead', 'dead', 40), job('old-pending', 'pending', 40), job('new-dead', 'dead', 1)])
      .execute();
    const retention = startRetention(store.db, { days: 30, maxEvents: 100 }, () => {});
    retention.stop();
    await retention.run();
    const left = await store.db.selectFrom('jobs').select('payload').orderBy('id').execute();
    expect(left.map((row) => row.payload)).toEqual(['old-pending', 'new-dead']);
  });

  it('should report a failure and go on', async () => {
    const failures: string[] = [];
    const retention = startRetention(store.db, { days: 30, maxEvents: 100 }, (stage) => failures.push(stage));
    retention.stop();
    // The run at start goes ahead of this one on SQLite's one connection: both are done after it.
    await retention.run();
    expect(failures).toEqual([]);
    await store.db.schema.dropTable('events').execute();
    await expect(retention.run()).resolves.toBeUndefined();
    expect(failures).toEqual(['retention']);
  });
});
