import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore, type SqlStore } from '@triage/engine';
import { testDatabase, until } from '@triage/engine/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter, type SharedRateBuckets } from './rate-limiter.js';
import { sharedRateBuckets } from './shared-rate-buckets.js';

const stores: SqlStore[] = [];
const postgres = testDatabase('triage_rate');
beforeAll(() => postgres.create());
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});
afterAll(() => postgres.drop());

async function open(dialect: 'sqlite' | 'postgres'): Promise<SqlStore> {
  const url =
    dialect === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'triage-rate-')), 'triage.db') : postgres.url;
  const store = await openSqlStore({ url });
  stores.push(store);
  if (dialect === 'postgres') await store.db.deleteFrom('rate_buckets').execute();
  return store;
}

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('RateLimiter on its own', () => {
  it('should let a burst through, refuse the next event with the seconds until one token is back, then refill', () => {
    const time = clock();
    const limiter = new RateLimiter(60, { now: time.now });
    for (let index = 0; index < 60; index++) expect(limiter.take('p')).toEqual({ allowed: true });
    expect(limiter.take('p')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('p', 10)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    // Another project has its own bucket.
    expect(limiter.take('q', 60)).toEqual({ allowed: true });
    time.advance(5_000);
    expect(limiter.take('p', 5)).toEqual({ allowed: true });
    expect(limiter.take('p')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    time.advance(3_600_000);
    expect(limiter.take('p', 60)).toEqual({ allowed: true });
    expect(limiter.take('p', 1)).toMatchObject({ allowed: false });
  });

  it("should fill the bucket of a key with a rate of its own at that rate, the others at the limiter's", () => {
    const time = clock();
    const limiter = new RateLimiter(60, { now: time.now });
    expect(limiter.burstOf(6)).toBe(6);
    expect(limiter.burstOf()).toBe(60);
    expect(limiter.take('small', 6, 6)).toEqual({ allowed: true });
    // One of 6 a minute comes back every 10 s.
    expect(limiter.take('small', 1, 6)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(limiter.take('other', 60)).toEqual({ allowed: true });
    time.advance(10_000);
    expect(limiter.take('small', 1, 6)).toEqual({ allowed: true });
    // Raised, it keeps what it had and fills at its new rate, up to its new burst.
    expect(limiter.take('small', 1, 600)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    time.advance(60_000);
    expect(limiter.take('small', 600, 600)).toEqual({ allowed: true });
    // Lowered, it holds no more than its new burst.
    time.advance(60_000);
    expect(limiter.take('small', 7, 6)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(limiter.take('small', 6, 6)).toEqual({ allowed: true });
  });

  it('should refuse a batch larger than the burst however long the key waited', () => {
    const limiter = new RateLimiter(60, { burst: 10 });
    expect(limiter.take('p', 11)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('p', 10)).toEqual({ allowed: true });
  });
});

describe.each(['sqlite', 'postgres'] as const)('RateLimiter shared through %s', (dialect) => {
  it('should keep the buckets of limiters with different prefixes apart', async () => {
    const store = await open(dialect);
    const shared = sharedRateBuckets(store.db);
    const events = new RateLimiter(100, { shared });
    const bytes = new RateLimiter(1_000, { shared, prefix: 'bytes:' });
    expect(events.take('p', 100)).toEqual({ allowed: true });
    expect(bytes.take('p', 10)).toEqual({ allowed: true });
    await events.sync();
    await bytes.sync();
    const rows = await store.db
      .selectFrom('rate_buckets')
      .select(['bucket', 'tokens'])
      .orderBy('bucket')
      .execute();
    expect(rows.map((row) => [row.bucket, Math.round(Number(row.tokens))])).toEqual([
      ['bytes:p', 990],
      ['p', 0],
    ]);
  });

  it('should settle a key with a rate of its own at that rate, the shared bucket capped at its burst', async () => {
    const store = await open(dialect);
    const time = clock();
    const shared = sharedRateBuckets(store.db);
    const first = new RateLimiter(600, { now: time.now, shared });
    const second = new RateLimiter(600, { now: time.now, shared });
    expect(first.take('own', 6, 6)).toEqual({ allowed: true });
    await first.sync();
    await second.sync();
    expect(second.take('own', 1, 6)).toMatchObject({ allowed: true });
    await second.sync();
    // It let one through before it knew: a debt of one, and one of 6 a minute comes back every 10 s.
    expect(second.take('own', 1, 6)).toEqual({ allowed: false, retryAfterSeconds: 20 });
    // Two minutes later the shared bucket is full at 6, its burst, not the limiter's 600: one taken leaves 5.
    time.advance(120_000);
    expect(first.take('own', 1, 6)).toEqual({ allowed: true });
    await first.sync();
    const [row] = await store.db.selectFrom('rate_buckets').selectAll().execute();
    expect(Number(row?.tokens)).toBe(5);
  });

  it('should settle the use of each instance, so together they let the rate through once', async () => {
    const store = await open(dialect);
    const time = clock();
    const shared = sharedRateBuckets(store.db);
    const first = new RateLimiter(600, { now: time.now, shared });
    const second = new RateLimiter(600, { now: time.now, shared });
    for (let index = 0; index < 400; index++) expect(first.take('p').allowed).toBe(true);
    await first.sync();
    await second.sync();
    // The second had not seen the project: it learns at its first settle after it is asked.
    expect(second.take('p', 150)).toEqual({ allowed: true });
    await second.sync();
    expect(second.take('p', 51)).toMatchObject({ allowed: false });
    expect(second.take('p', 50)).toEqual({ allowed: true });
    await second.sync();
    await first.sync();
    expect(first.take('p')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    const [row] = await store.db.selectFrom('rate_buckets').selectAll().execute();
    expect({ bucket: row?.bucket, tokens: Number(row?.tokens) }).toEqual({ bucket: 'p', tokens: 0 });
    // Ten tokens a second come back, to the shared bucket as to each instance.
    time.advance(2_000);
    await first.sync();
    expect(first.take('p', 20)).toEqual({ allowed: true });
    await first.sync();
    await second.sync();
    expect(second.take('p')).toMatchObject({ allowed: false });
  });

  it('should carry what two instances let through before they settled as a debt both pay back', async () => {
    const store = await open(dialect);
    const time = clock();
    const shared = sharedRateBuckets(store.db);
    const first = new RateLimiter(60, { now: time.now, shared });
    const second = new RateLimiter(60, { now: time.now, shared });
    // Neither knows the other yet: each lets the whole burst through.
    expect(first.take('p', 60)).toEqual({ allowed: true });
    expect(second.take('p', 60)).toEqual({ allowed: true });
    await Promise.all([first.sync(), second.sync()]);
    // Whichever settled first learns of the other's use at its next settle.
    await first.sync();
    await second.sync();
    time.advance(30_000);
    // Thirty tokens came back, but sixty are owed: a minute and a half until the next event.
    expect(first.take('p')).toEqual({ allowed: false, retryAfterSeconds: 31 });
    expect(second.take('p')).toEqual({ allowed: false, retryAfterSeconds: 31 });
  });

  it('should take a settle stamped before the last one (a clock behind) as refilling nothing', async () => {
    const store = await open(dialect);
    const shared = sharedRateBuckets(store.db);
    const refill = { perMs: 1, burst: 100 };
    expect(await shared.settle('p', 50, 10_000, refill)).toBe(50);
    expect(await shared.settle('p', 10, 9_000, refill)).toBe(40);
    expect(await shared.settle('p', 0, 10_020, refill)).toBe(60);
    expect(await shared.settle('p', 0, 20_000, refill)).toBe(100);
    // Fractions of a token survive: a rate of a few a minute refills by less than one a second.
    expect(await shared.settle('p', 1, 20_001, { perMs: 0.25, burst: 100 })).toBe(99);
    expect(await shared.settle('p', 0, 20_002, { perMs: 0.25, burst: 100 })).toBe(99.25);
  });
});

describe('RateLimiter when the shared buckets fail', () => {
  it('should limit on its own, report the failure, and settle what it let through once they are back', async () => {
    const time = clock();
    const settled: number[] = [];
    const failures: string[] = [];
    let down = true;
    const shared: SharedRateBuckets = {
      async settle(_bucket, used) {
        if (down) throw new Error('database unreachable');
        settled.push(used);
        return 0;
      },
    };
    const limiter = new RateLimiter(60, {
      now: time.now,
      shared,
      onFailure: (stage, error) => failures.push(`${stage}: ${(error as Error).message}`),
    });
    expect(limiter.take('p', 30)).toEqual({ allowed: true });
    await limiter.sync();
    expect(failures).toEqual(['rate limit: settling with the other instances: database unreachable']);
    expect(limiter.take('p', 20)).toEqual({ allowed: true });
    down = false;
    await limiter.stop();
    expect(settled).toEqual([50]);
    expect(limiter.take('p')).toMatchObject({ allowed: false });
  });

  it('should settle a project new to it at once, not at the next tick', async () => {
    const settled: Array<[string, number]> = [];
    const shared: SharedRateBuckets = {
      async settle(bucket, used) {
        settled.push([bucket, used]);
        // Another instance has drained it.
        return -used;
      },
    };
    const limiter = new RateLimiter(60, { shared, syncMs: 3_600_000 });
    limiter.start();
    expect(limiter.take('p', 40)).toEqual({ allowed: true });
    expect(await until(() => settled.length === 1)).toBe(true);
    expect(settled).toEqual([['p', 40]]);
    expect(limiter.take('p')).toMatchObject({ allowed: false });
    // A project it knows waits for the tick.
    limiter.take('p');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toHaveLength(1);
    await limiter.stop();
  });

  it('should settle at stop what was let through while a settle was under way', async () => {
    const settled: number[] = [];
    let answer: (() => void) | undefined;
    const shared: SharedRateBuckets = {
      async settle(_bucket, used, _now, { burst }) {
        settled.push(used);
        if (settled.length === 1) await new Promise<void>((resolve) => (answer = resolve));
        return burst - used;
      },
    };
    const limiter = new RateLimiter(60, { shared });
    limiter.take('p', 5);
    const underWay = limiter.sync();
    limiter.take('p', 7);
    const stopped = limiter.stop();
    answer?.();
    await Promise.all([underWay, stopped]);
    expect(settled).toEqual([5, 7]);
  });

  it('should forget a project idle for as long as its bucket takes to fill, and settle nothing for it', async () => {
    const time = clock();
    const settled: string[] = [];
    const shared: SharedRateBuckets = {
      async settle(bucket, _used, _now, { burst }) {
        settled.push(bucket);
        return burst;
      },
    };
    const limiter = new RateLimiter(60, { now: time.now, shared });
    limiter.take('p');
    await limiter.sync();
    time.advance(59_000);
    await limiter.sync();
    time.advance(1_000);
    await limiter.sync();
    expect(settled).toEqual(['p', 'p']);
  });
});
