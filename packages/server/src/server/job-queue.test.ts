import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore, type SqlStore } from '@triage/engine';
import { until } from '@triage/engine/test';
import { BinaryOperationNode, DeleteQueryNode, type KyselyPlugin, PrimitiveValueListNode, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { dueJobs, type Job, JobQueue, type JobQueueOptions } from './job-queue.js';

const stores: SqlStore[] = [];
const queues: JobQueue[] = [];
afterEach(async () => {
  for (const queue of queues.splice(0)) await queue.stop();
  for (const store of stores.splice(0)) await store.close();
});

async function sqliteStore() {
  const store = await openSqlStore({ url: join(mkdtempSync(join(tmpdir(), 'triage-jobs-')), 'triage.db') });
  stores.push(store);
  return store;
}

/** A queue on `store` that runs one job at a time and polls every 20 ms, unless `options` say otherwise. */
function queueOn(
  store: SqlStore,
  run: (job: Job) => Promise<void>,
  options: Partial<Omit<JobQueueOptions, 'dialect' | 'run'>> = {},
) {
  const queue = new JobQueue({
    db: store.db,
    dialect: store.dialect,
    run,
    onFailure: () => {},
    concurrency: 1,
    pollIntervalMs: 20,
    maxAttempts: 2,
    ...options,
  });
  queues.push(queue);
  return queue;
}

/** A plugin that shows `see` each delete on its way to the database; what `see` throws, the delete rejects with. */
function onDeletes(see: (node: DeleteQueryNode) => void): KyselyPlugin {
  return {
    transformQuery({ node }) {
      if (DeleteQueryNode.is(node)) see(node);
      return node;
    },
    transformResult: async ({ result }) => result,
  };
}

describe('JobQueue', () => {
  it('should claim due jobs straight off the index, without sorting the backlog', async () => {
    const store = await sqliteStore();
    const compiled = dueJobs(store.db, Date.now(), 4).compile();
    const { rows } = await store.db.executeQuery<{ detail: string }>({
      ...compiled,
      sql: `explain query plan ${compiled.sql}`,
    });
    const details = rows.map((row) => row.detail).join('\n');
    expect(details).toMatch(/USING (COVERING )?INDEX jobs_due/);
    expect(details).not.toMatch(/TEMP B-TREE/);
  });

  it('should let the event loop turn between jobs, so requests are read while a claim runs', async () => {
    const store = await sqliteStore();
    const ran: string[] = [];
    // Jobs that never wait for I/O, like offline analyses recorded on SQLite.
    const queue = queueOn(store, async (job) => {
      ran.push(job.payload);
    });
    await queue.enqueue(
      Array.from({ length: 6 }, (_, order) => ({ kind: 'event', payload: `job ${order}` })),
    );
    // What an I/O callback would see: how many jobs had run at each turn of the event loop.
    const seen: number[] = [];
    const watch = () => {
      seen.push(ran.length);
      if (ran.length < 6) setImmediate(watch);
    };
    setImmediate(watch);
    queue.start();
    expect(await queue.drain(5_000)).toBe(true);
    expect(seen.some((count) => count > 0 && count < 6)).toBe(true);
  });

  it('should write the jobs of one turn of the event loop in one commit, and count both', async () => {
    const store = await sqliteStore();
    const queue = queueOn(store, async () => {});
    // Five callers in the same turn, as concurrent ingest requests are: one insert for all of them.
    await Promise.all(
      Array.from({ length: 5 }, (_, order) => queue.enqueue([{ kind: 'event', payload: `job ${order}` }])),
    );
    expect(queue.written).toEqual({ jobs: 5, commits: 1 });
    await queue.enqueue([{ kind: 'event', payload: 'later' }]);
    expect(queue.written).toEqual({ jobs: 6, commits: 2 });
    expect(await queue.pending()).toBe(6);
  });

  it('should store a commit larger than one insert whole or not at all', async () => {
    const store = await sqliteStore();
    const queue = queueOn(store, async () => {});
    await sql`create trigger poison before insert on jobs when new.payload = 'poison'
      begin select raise(abort, 'a poisoned job'); end`.execute(store.db);
    const jobs = (poisonAt: number) =>
      Array.from({ length: 1_200 }, (_, index) => ({
        kind: 'event',
        payload: index === poisonAt ? 'poison' : `job ${index}`,
      }));
    // The bad job in the third statement of the commit: the first two are not kept either.
    await expect(queue.enqueue(jobs(1_100))).rejects.toThrow(/poisoned/);
    expect(await queue.pending()).toBe(0);
    await queue.enqueue(jobs(-1));
    expect(await queue.pending()).toBe(1_200);
    expect(queue.written).toEqual({ jobs: 1_200, commits: 1 });
  });

  it('should make the jobs of deferred writes when their commit is written, all of them together', async () => {
    const store = await sqliteStore();
    const queue = queueOn(store, async () => {});
    const made: string[] = [];
    const write = (name: string, jobs: number) =>
      queue.enqueueMade(jobs, () => {
        made.push(name);
        return { jobs: Array.from({ length: jobs }, () => ({ kind: 'event', payload: name })), value: name };
      });
    const first = write('first', 2);
    expect(made).toEqual([]);
    // A turn later, while the commit still waits for the turn that brought more: nothing made yet.
    await new Promise((resolve) => setImmediate(resolve));
    const second = write('second', 1);
    const broken = queue.enqueueMade(1, () => {
      throw new TypeError('a bug while making a job');
    });
    const empty = write('empty', 0);
    expect(made).toEqual([]);
    await expect(Promise.all([first, second, empty])).resolves.toEqual(['first', 'second', 'empty']);
    await expect(broken).rejects.toThrow(TypeError);
    expect(made).toEqual(['first', 'second', 'empty']);
    expect(queue.written).toEqual({ jobs: 3, commits: 1 });
    // Nothing but jobs made: a write that makes none resolves without an insert.
    await expect(write('none', 0)).resolves.toBe('none');
    expect(queue.written).toEqual({ jobs: 3, commits: 1 });
  });

  it('should run jobs once each, the longest-due first, and delete them', async () => {
    const store = await sqliteStore();
    const ran: string[] = [];
    const queue = queueOn(store, async (job) => {
      ran.push(job.payload);
    });
    await queue.enqueue([
      { kind: 'event', payload: 'first' },
      { kind: 'event', payload: 'second' },
    ]);
    await queue.enqueue([{ kind: 'event', payload: 'third' }]);
    queue.start();
    expect(await queue.drain(5_000)).toBe(true);
    expect(ran).toEqual(['first', 'second', 'third']);
    expect(await queue.pending()).toBe(0);
    expect(queue.done).toBe(3);
  });

  it('should delete the jobs its lanes finish in the same turn with one statement', async () => {
    const store = await sqliteStore();
    const deletes: number[] = [];
    // Counts the deletes the queue sends, and the jobs each names, as they reach the database.
    const counting = onDeletes((node) => {
      const where = node.where?.where;
      const ids = where && BinaryOperationNode.is(where) ? where.rightOperand : undefined;
      deletes.push(ids && PrimitiveValueListNode.is(ids) ? ids.values.length : 1);
    });
    const ran: string[] = [];
    // Jobs that never wait for I/O: the three lanes finish theirs in the same turns.
    const queue = queueOn(
      store,
      async (job) => {
        ran.push(job.payload);
      },
      { db: store.db.withPlugin(counting), concurrency: 3 },
    );
    await queue.enqueue(
      Array.from({ length: 6 }, (_, order) => ({ kind: 'event', payload: `job ${order}` })),
    );
    queue.start();
    expect(await queue.drain(5_000)).toBe(true);
    expect(ran).toHaveLength(6);
    expect(queue.done).toBe(6);
    expect(await queue.pending()).toBe(0);
    expect(deletes).toEqual([3, 3]);
  });

  it('should count every job of a shared delete that failed as failed, and run each again', async () => {
    const store = await sqliteStore();
    let deletesToFail = 1;
    const failing = onDeletes(() => {
      if (deletesToFail-- > 0) throw new Error('disk I/O error');
    });
    const runs: string[] = [];
    const failures: string[] = [];
    const queue = queueOn(
      store,
      async (job) => {
        runs.push(job.payload);
      },
      {
        db: store.db.withPlugin(failing),
        onFailure: (stage, error) => failures.push(`${stage}: ${(error as Error).message}`),
        concurrency: 2,
      },
    );
    await queue.enqueue([
      { kind: 'event', payload: 'a' },
      { kind: 'event', payload: 'b' },
    ]);
    queue.start();
    // Both were in the delete that failed: both are tried again after their backoff (2 s after a first run).
    expect(await until(() => queue.done === 2, 8_000)).toBe(true);
    expect(failures).toEqual(['job event: disk I/O error', 'job event: disk I/O error']);
    expect(queue.failed).toBe(2);
    expect(runs.sort()).toEqual(['a', 'a', 'b', 'b']);
    expect(await queue.pending()).toBe(0);
  });

  it('should hand back claimed jobs it could not start within half their lease, so no job runs twice', async () => {
    const store = await sqliteStore();
    const runs = new Map<string, number>();
    const slow = async (job: Job) => {
      runs.set(job.payload, (runs.get(job.payload) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 120));
    };
    // Two instances on one database, each running one job at a time; each job takes most of a lease.
    const instances = [0, 1].map(() => queueOn(store, slow, { leaseMs: 300 }));
    await instances[0]!.enqueue(
      Array.from({ length: 8 }, (_, index) => ({ kind: 'event', payload: `job ${index}` })),
    );
    for (const queue of instances) queue.start();
    expect(await instances[0]!.drain(10_000)).toBe(true);
    expect(await instances[1]!.drain(10_000)).toBe(true);
    expect([...runs.values()]).toEqual(Array(8).fill(1));
    expect(instances[0]!.done + instances[1]!.done).toBe(8);
  });

  it('should keep its other slots working while one job waits, past its own claim and on new jobs', async () => {
    const store = await sqliteStore();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const done: string[] = [];
    const queue = queueOn(
      store,
      async (job) => {
        if (job.payload === 'slow') await held;
        done.push(job.payload);
      },
      { concurrency: 2 },
    );
    // One claim takes 16 (2 slots × 8): the 20 quick jobs go beyond it.
    await queue.enqueue([
      { kind: 'event', payload: 'slow' },
      ...Array.from({ length: 20 }, (_, index) => ({ kind: 'event', payload: `quick ${index}` })),
    ]);
    queue.start();
    expect(await until(() => done.length === 20, 5_000)).toBe(true);
    // Queued while the slow job still waits: run by the free slot, not after the slow one.
    await queue.enqueue([{ kind: 'event', payload: 'later' }]);
    expect(await until(() => done.includes('later'), 5_000)).toBe(true);
    expect(done).not.toContain('slow');
    release();
    expect(await queue.drain(5_000)).toBe(true);
    expect(done.filter((payload) => payload === 'slow')).toHaveLength(1);
    expect(queue.done).toBe(22);
  });

  it('should renew the claim of a job that runs past its lease, so no other instance takes it', async () => {
    const store = await sqliteStore();
    const runs: string[] = [];
    const instances = ['first', 'second'].map((name) =>
      queueOn(
        store,
        async () => {
          runs.push(name);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        },
        { leaseMs: 300 },
      ),
    );
    await instances[0]!.enqueue([{ kind: 'event', payload: 'slow' }]);
    instances[0]!.start();
    while (runs.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // The second instance polls every 20 ms through three leases of the first one's job.
    instances[1]!.start();
    expect(await instances[0]!.drain(5_000)).toBe(true);
    expect(runs).toEqual(['first']);
  });

  it('should run again, once its lease has passed, a job claimed by an instance that died', async () => {
    const store = await sqliteStore();
    const ran: number[] = [];
    const queue = queueOn(
      store,
      async () => {
        ran.push(Date.now());
      },
      { leaseMs: 400 },
    );
    await queue.enqueue([{ kind: 'event', payload: 'orphan' }]);
    // The row as a claim leaves it; the instance that claimed it was killed, so nothing renews it.
    const claimedAt = Date.now();
    await store.db
      .updateTable('jobs')
      .set({ run_after: claimedAt + 400, attempts: 1 })
      .execute();
    queue.start();
    expect(await queue.drain(5_000)).toBe(true);
    expect(ran).toHaveLength(1);
    expect(ran[0]! - claimedAt).toBeGreaterThanOrEqual(400);
  });

  it('should keep as dead, not run again, a job whose instance died during each of its attempts', async () => {
    const store = await sqliteStore();
    const ran: string[] = [];
    const failures: string[] = [];
    const queue = queueOn(
      store,
      async (job) => {
        ran.push(job.payload);
      },
      { onFailure: (_stage, error) => failures.push((error as Error).message) },
    );
    await queue.enqueue([
      { kind: 'event', payload: 'kills its process' },
      { kind: 'event', payload: 'died once' },
    ]);
    // As claims left them, by instances killed while running them: one at its last attempt (2), one at its first.
    await store.db
      .updateTable('jobs')
      .set({ run_after: Date.now(), attempts: 2 })
      .where('payload', '=', 'kills its process')
      .execute();
    await store.db
      .updateTable('jobs')
      .set({ run_after: Date.now(), attempts: 1 })
      .where('payload', '=', 'died once')
      .execute();
    queue.start();
    expect(await queue.drain(5_000)).toBe(true);
    expect(ran).toEqual(['died once']);
    expect(
      await store.db.selectFrom('jobs').select(['payload', 'status', 'attempts', 'last_error']).execute(),
    ).toEqual([
      {
        payload: 'kills its process',
        status: 'dead',
        attempts: 2,
        last_error:
          'the instance running it stopped during each of its 2 attempts (killed, or out of memory)',
      },
    ]);
    expect(failures).toEqual([
      expect.stringMatching(/is dead: the instance running it stopped during each of its 2 attempts/),
    ]);
  });

  it('should count the attempts a job started, not the claims of jobs an instance killed never started', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'triage-jobs-')), 'triage.db');
    const dist = (path: string) => new URL(`../../../${path}`, import.meta.url).href;
    // An instance whose first job kills it (a poison job: out of memory, say), the two others claimed
    // with it and not started; started again and again, as a supervisor does.
    const instance = `
      const { openSqlStore } = await import(${JSON.stringify(dist('engine/dist/index.js'))});
      const { JobQueue } = await import(${JSON.stringify(dist('server/dist/server/job-queue.js'))});
      const store = await openSqlStore({ url: process.argv[1] });
      const queue = new JobQueue({ db: store.db, dialect: store.dialect, concurrency: 1, pollIntervalMs: 20,
        leaseMs: 300, maxAttempts: 3, onFailure: () => {},
        run: async (job) => { if (job.payload === 'poison') process.kill(process.pid, 'SIGKILL'); } });
      if (process.argv[2] === 'enqueue') await queue.enqueue(['poison', 'innocent-1', 'innocent-2'].map((payload) => ({ kind: 'event', payload })));
      else { queue.start(); await queue.drain(5_000); await queue.stop(); }
      await store.close();`;
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', instance, file, ...args], {
        timeout: 20_000,
      });
    expect(run('enqueue').status).toBe(0);
    const killed = [];
    for (let start = 0; start < 4; start++) killed.push(run().signal);
    // Three starts killed by it; the fourth finds it spent, keeps it as dead, and runs the two others.
    expect(killed).toEqual(['SIGKILL', 'SIGKILL', 'SIGKILL', null]);
    const store = await openSqlStore({ url: file });
    stores.push(store);
    expect(await store.db.selectFrom('jobs').select(['payload', 'status', 'attempts']).execute()).toEqual([
      { payload: 'poison', status: 'dead', attempts: 3 },
    ]);
  });

  it('should stop after the jobs in hand, leaving the backlog for the next start', async () => {
    const store = await sqliteStore();
    let ran = 0;
    const queue = queueOn(store, async () => {
      ran++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    });
    await queue.enqueue(Array.from({ length: 200 }, () => ({ kind: 'event', payload: '{}' })));
    queue.start();
    while (ran === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await queue.stop();
    expect(ran).toBeLessThan(200);
    expect(await queue.pending()).toBe(200 - ran);
  });

  it('should keep working, in slices, while ingest never stops being busy', async () => {
    const store = await sqliteStore();
    let ran = 0;
    let checks = 0;
    const queue = queueOn(
      store,
      async () => {
        ran++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      },
      {
        maxDeferMs: 50,
        ingestBusy: () => {
          checks++;
          return true;
        },
      },
    );
    await queue.enqueue(Array.from({ length: 60 }, () => ({ kind: 'event', payload: '{}' })));
    queue.start();
    expect(await queue.drain(15_000)).toBe(true);
    expect(ran).toBe(60);
    // It did wait for ingest between slices, and still got through the backlog.
    expect(checks).toBeGreaterThan(0);
  });

  it('should retry a failing job after a backoff, then keep it as dead with its error', async () => {
    const store = await sqliteStore();
    const failures: unknown[] = [];
    let attempts = 0;
    const queue = queueOn(
      store,
      async () => {
        attempts++;
        throw new Error('provider down');
      },
      { onFailure: (_stage, error) => failures.push(error) },
    );
    await queue.enqueue([{ kind: 'event', payload: '{}' }]);
    queue.start();
    const deadline = Date.now() + 8_000;
    let dead: { last_error: string | null } | undefined;
    while (!dead && Date.now() < deadline) {
      dead = await store.db
        .selectFrom('jobs')
        .select('last_error')
        .where('status', '=', 'dead')
        .executeTakeFirst();
      if (!dead) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(dead?.last_error).toBe('provider down');
    expect(attempts).toBe(2);
    expect(failures).toHaveLength(2);
  });

  it('should give up on a job that runs past its time, free its slot, and try it again later', async () => {
    const store = await sqliteStore();
    const failures: string[] = [];
    const ran: string[] = [];
    // One slot: the job after the hung one runs only if the hung one lets go of it.
    const queue = queueOn(
      store,
      async (job) => {
        ran.push(job.payload);
        if (job.payload === 'hangs') await new Promise(() => {});
      },
      { jobTimeoutMs: 100, onFailure: (_stage, error) => failures.push((error as Error).message) },
    );
    await queue.enqueue([{ kind: 'event', payload: 'hangs' }]);
    await queue.enqueue([{ kind: 'event', payload: 'next' }]);
    queue.start();
    expect(await until(async () => (await queue.counts()).dead > 0, 8_000)).toBe(true);
    // Tried twice (maxAttempts), each time given up after 100 ms; the other job ran in between.
    expect(ran).toEqual(['hangs', 'next', 'hangs']);
    expect(failures).toEqual(['ran for more than 0.1 s', 'ran for more than 0.1 s']);
    expect({ done: queue.done, failed: queue.failed, timedOut: queue.timedOut }).toEqual({
      done: 1,
      failed: 2,
      timedOut: 2,
    });
    const [dead] = await queue.list('dead', 10);
    expect(dead).toMatchObject({
      kind: 'event',
      status: 'dead',
      attempts: 2,
      lastError: 'ran for more than 0.1 s',
    });
  });

  it('should list dead jobs, show one with its payload, and put them back in the queue on request', async () => {
    const store = await sqliteStore();
    let healthy = false;
    const ran: string[] = [];
    const queue = queueOn(
      store,
      async (job) => {
        if (!healthy) throw new Error(`provider down for ${job.payload}`);
        ran.push(job.payload);
      },
      { maxAttempts: 1 },
    );
    await queue.enqueue([
      { kind: 'event', payload: 'a' },
      { kind: 'event', payload: 'b' },
      { kind: 'event', payload: 'c' },
    ]);
    queue.start();
    expect(await until(async () => (await queue.counts()).dead === 3)).toBe(true);
    expect(await queue.counts()).toEqual({ pending: 0, dead: 3 });
    const dead = await queue.list('dead', 2);
    expect(dead.map((job) => job.lastError)).toEqual(['provider down for a', 'provider down for b']);
    // The page after the second.
    expect((await queue.list('dead', 2, dead[1]!.id)).map((job) => job.lastError)).toEqual([
      'provider down for c',
    ]);
    expect(await queue.list('pending', 10)).toEqual([]);
    expect(await queue.get(dead[1]!.id)).toMatchObject({ id: dead[1]!.id, payload: 'b', status: 'dead' });
    expect(await queue.get(999_999)).toBeUndefined();

    healthy = true;
    expect(await queue.retryDead([dead[0]!.id])).toBe(1);
    expect(await queue.retryDead([dead[0]!.id])).toBe(0);
    expect(await queue.drain(5_000)).toBe(true);
    expect(ran).toEqual(['a']);
    expect(await queue.retryDead()).toBe(2);
    expect(await queue.drain(5_000)).toBe(true);
    expect(ran.sort()).toEqual(['a', 'b', 'c']);
    expect(await queue.counts()).toEqual({ pending: 0, dead: 0 });
  });
});
