import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore, type SqlStore } from '@triage/engine';
import { type TestDatabase, testDatabase, until } from '@triage/engine/test';
import type { KyselyPlugin } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRetention } from './retention.js';
import type { RetentionSettings } from './server-settings.js';

const DAY = 86_400_000;
/** Small batches, so that every delete below runs in several. */
const BATCH_ROWS = 2;

describe.each(['SQLite', 'PostgreSQL'])('startRetention on %s', (kind) => {
  let store: SqlStore;
  let postgres: TestDatabase | undefined;
  /** Rows each statement deleted, in order. */
  let deleted: number[];
  beforeEach(async () => {
    if (kind === 'PostgreSQL') {
      postgres = testDatabase('triage_retention');
      await postgres.create();
    }
    store = await openSqlStore({
      url: postgres?.url ?? join(mkdtempSync(join(tmpdir(), 'triage-retention-')), 'triage.db'),
    });
    deleted = [];
  });
  const retentions: Array<{ stop(): Promise<void> }> = [];
  afterEach(async () => {
    for (const started of retentions.splice(0)) await started.stop();
    await store.close();
    await postgres?.drop();
  });

  /** Counts the rows each delete removed, from the results the database gives back. */
  const deletes = new WeakSet<object>();
  const countingDeletes: KyselyPlugin = {
    transformQuery: ({ node, queryId }) => {
      if (node.kind === 'DeleteQueryNode') deletes.add(queryId);
      return node;
    },
    transformResult: async ({ queryId, result }) => {
      if (deletes.has(queryId)) deleted.push(Number(result.numAffectedRows ?? 0));
      return result;
    },
  };
  /** Retention over `store` (stopped after the test): `run()` joins the pass it makes at start. */
  const retention = (settings: RetentionSettings, onFailure: (stage: string) => void = () => {}) => {
    const started = startRetention(store.db.withPlugin(countingDeletes), settings, onFailure, BATCH_ROWS);
    retentions.push(started);
    return started;
  };

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

  it('should delete events older than the retention, a batch at a time', async () => {
    await addEvents([40, 39, 38, 37, 31, 29, 1]);
    const failures: unknown[] = [];
    await retention({ days: 30, maxEvents: 100 }, (stage) => failures.push(stage)).run();
    expect(await eventIds()).toEqual(['event-5', 'event-6']);
    expect(failures).toEqual([]);
    // Five old events, two a statement; then the other deletes (over the cap, alerts, dead jobs,
    // counts per hour) find nothing.
    expect(deleted).toEqual([2, 2, 1, 0, 0, 0]);
  });

  it('should keep at most maxEvents, the newest', async () => {
    await addEvents([5, 4, 3, 2, 1]);
    await retention({ days: 30, maxEvents: 2 }).run();
    expect(await eventIds()).toEqual(['event-3', 'event-4']);
    expect(deleted).toEqual([0, 2, 1, 0, 0, 0]);
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
    await retention({ days: 30, maxEvents: 100 }).run();
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
    await retention({ days: 30, maxEvents: 100 }).run();
    const left = await store.db.selectFrom('jobs').select('payload').orderBy('id').execute();
    expect(left.map((row) => row.payload)).toEqual(['old-pending', 'new-dead']);
  });

  it('should delete the counts per hour past the retention, an hour at a time, and keep the recent ones', async () => {
    const hourNow = Math.floor(Date.now() / 3_600_000);
    const ages = [45 * 24, 40 * 24, 31 * 24, 29 * 24, 47, 1];
    await store.db
      .insertInto('issue_hours')
      .values(
        ages.flatMap((ageHours) =>
          ['issue-1', 'issue-2'].map((issue) => ({ issue_id: issue, hour: hourNow - ageHours, count: 3 })),
        ),
      )
      .execute();
    await retention({ days: 30, maxEvents: 100 }).run();
    const left = await store.db
      .selectFrom('issue_hours')
      .select(['issue_id', 'hour'])
      .orderBy('hour')
      .execute();
    expect(left.map((row) => hourNow - Number(row.hour))).toEqual([29 * 24, 29 * 24, 47, 47, 1, 1]);
    // Each statement takes the hour of the oldest two rows, for both issues; the last finds none left.
    expect(deleted.slice(-4)).toEqual([2, 2, 2, 0]);
  });

  it('should keep two days of counts per hour, which the issue view reads, with a retention of one day', async () => {
    const hourNow = Math.floor(Date.now() / 3_600_000);
    await store.db
      .insertInto('issue_hours')
      .values(
        [50, 47, 30, 1].map((ageHours) => ({ issue_id: 'issue-1', hour: hourNow - ageHours, count: 1 })),
      )
      .execute();
    await retention({ days: 1, maxEvents: 100 }).run();
    const left = await store.db.selectFrom('issue_hours').select('hour').orderBy('hour').execute();
    expect(left.map((row) => hourNow - Number(row.hour))).toEqual([47, 30, 1]);
  });

  it('should stop only once the pass under way is over, so the database is not closed under it', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Every statement of the pass waits for `held`.
    const holding: KyselyPlugin = {
      transformQuery: ({ node }) => node,
      transformResult: async ({ result }) => {
        await held;
        return result;
      },
    };
    const started = startRetention(store.db.withPlugin(holding), { days: 30, maxEvents: 100 }, () => {});
    let stopped = false;
    const stopping = started.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
  });

  it('should end a long pass at the next batch when stopped, not work through the backlog first', async () => {
    await addEvents(Array.from({ length: 20 }, () => 40));
    let stopping: Promise<void> | undefined;
    const stopAtFirstDelete: KyselyPlugin = {
      transformQuery: ({ node }) => node,
      transformResult: async ({ result }) => {
        if (result.numAffectedRows !== undefined) stopping ??= started.stop();
        return result;
      },
    };
    const started = startRetention(
      store.db.withPlugin(stopAtFirstDelete),
      { days: 30, maxEvents: 100 },
      () => {},
      BATCH_ROWS,
    );
    await until(() => stopping !== undefined);
    await stopping;
    // Ten batches of two were due; the stop came during the first.
    expect((await eventIds()).length).toBe(18);
  });

  it('should report a failure and go on', async () => {
    const failures: string[] = [];
    const started = retention({ days: 30, maxEvents: 100 }, (stage) => failures.push(stage));
    await started.run();
    expect(failures).toEqual([]);
    await store.db.schema.dropTable('events').execute();
    await expect(started.run()).resolves.toBeUndefined();
    expect(failures).toEqual(['retention']);
  });
});
