import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore, type SqlStore } from '@triage/engine';
import { until } from '@triage/engine/test';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestSpool } from './ingest-spool.js';
import { type Job, JobQueue, SPOOL_MARK_KEY } from './job-queue.js';
import type { NewJob } from './job-row.js';

const stores: SqlStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function storeAt(file: string) {
  const store = await openSqlStore({ url: file });
  stores.push(store);
  return store;
}

function spooledQueue(
  store: SqlStore,
  spool: IngestSpool,
  run: (job: Job) => Promise<void> = async () => {},
) {
  const failures: unknown[] = [];
  const queue = new JobQueue({
    db: store.db,
    dialect: store.dialect,
    run,
    onFailure: (_stage, error) => failures.push(error),
    concurrency: 1,
    pollIntervalMs: 20,
    spool,
  });
  return { queue, failures };
}

const events = (from: number, count: number): NewJob[] =>
  Array.from({ length: count }, (_, index) => ({
    kind: 'event',
    payload: JSON.stringify({ n: from + index }),
  }));

/** The mark up to which the database holds the spool. */
const markOf = async (store: SqlStore) => {
  const row = await store.db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', SPOOL_MARK_KEY)
    .executeTakeFirst();
  return row && JSON.parse(row.value);
};

const storedNumbers = async (store: SqlStore) =>
  (await store.db.selectFrom('jobs').select('payload').orderBy('id').execute()).map(
    (row) => (JSON.parse(row.payload) as { n: number }).n,
  );

describe('JobQueue with an ingest spool', () => {
  it('should count spooled jobs as pending at once, and store them in the jobs table moments later', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'triage-spooled-')), 'triage.db');
    const store = await storeAt(file);
    const { queue, failures } = spooledQueue(store, IngestSpool.open(file));
    await queue.recoverSpool();
    await queue.enqueue(events(0, 3));
    expect(await queue.pending()).toBe(3);
    await until(async () => (await storedNumbers(store)).length === 3);
    expect(await storedNumbers(store)).toEqual([0, 1, 2]);
    expect(await queue.pending()).toBe(3);
    expect(await markOf(store)).toMatchObject({ segment: 1 });
    await queue.stop();
    expect(failures).toEqual([]);
  });

  it('should run spooled jobs once moved, as any job', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'triage-spooled-')), 'triage.db');
    const store = await storeAt(file);
    const ran: number[] = [];
    const { queue } = spooledQueue(store, IngestSpool.open(file), async (job) => {
      ran.push((JSON.parse(job.payload) as { n: number }).n);
    });
    await queue.recoverSpool();
    queue.start();
    await queue.enqueue(events(0, 5));
    await until(() => ran.length === 5);
    expect(ran.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await queue.drain()).toBe(true);
    await queue.stop();
  });

  it('should store, on the next start, exactly the jobs a process accepted and did not move', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'triage-spooled-')), 'triage.db');
    const store = await storeAt(file);
    const { queue } = spooledQueue(store, IngestSpool.open(file));
    await queue.recoverSpool();
    await queue.enqueue(events(0, 4));
    await until(async () => (await storedNumbers(store)).length === 4);
    await queue.stop();

    // A process that died after its appends, before any move: its spool as it left it.
    const dead = IngestSpool.open(file);
    const mark = await markOf(store);
    expect(mark).toBeDefined();
    expect(dead.recover(mark).jobs).toEqual([]);
    dead.start(mark);
    dead.append(events(4, 2));
    dead.append(events(6, 1));
    // Its lock goes with it (a dead pid's lock is taken over); its segment stays, never moved.
    dead.close();

    const { queue: next, failures } = spooledQueue(store, IngestSpool.open(file));
    expect(await next.recoverSpool()).toEqual({ stored: 3, dropped: 0 });
    expect(await storedNumbers(store)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    await next.enqueue(events(7, 1));
    await until(async () => (await storedNumbers(store)).length === 8);
    await next.stop();

    // And a start after a clean stop finds nothing to store again.
    const { queue: third } = spooledQueue(store, IngestSpool.open(file));
    expect(await third.recoverSpool()).toEqual({ stored: 0, dropped: 0 });
    await third.stop();
    expect(await storedNumbers(store)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(failures).toEqual([]);
  });

  it('should move what the spool holds before a stop ends', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'triage-spooled-')), 'triage.db');
    const store = await storeAt(file);
    const { queue } = spooledQueue(store, IngestSpool.open(file));
    await queue.recoverSpool();
    const written = queue.enqueue(events(0, 50));
    await written;
    await queue.stop();
    expect(await storedNumbers(store)).toHaveLength(50);
  });
});
