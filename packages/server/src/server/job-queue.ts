import type { Database, SqlStore } from '@triage/engine';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { IngestSpool, SpoolMark } from './ingest-spool.js';
import { insertJobsQueries, type NewJob } from './job-row.js';

/** How long workers run before giving way to busy ingest. */
const WORK_SLICE_MS = 25;
/**
 * Turns of the event loop that a busy group commit waits for more writes, at most: under load each
 * turn holds the requests that arrived during the last one, so this bounds the wait by a few turns'
 * work, while a lone write waits one turn.
 */
const JOIN_TURNS = 8;
/** Jobs claimed at once per worker: one claim (a transaction) for a batch instead of one per job. */
const CLAIM_PER_WORKER = 8;
/** How long spooled jobs wait to be moved into the jobs table, gathering others meanwhile. */
const MOVE_DELAY_MS = 20;
/** Jobs moved per transaction, and about as many payload characters: a few milliseconds of the event loop. */
const MOVE_MAX_JOBS = 2_000;
const MOVE_MAX_CHARS = 4 * 1024 * 1024;
/** After a move failed (the database locked, full…), the next attempt. */
const MOVE_RETRY_MS = 1_000;
/** The settings row holding the mark up to which the ingest spool is stored (IngestSpool). */
export const SPOOL_MARK_KEY = 'ingest_spool_mark';

/** A write waiting for its group commit; its jobs are made when the commit is. */
interface PendingWrite {
  expected: number;
  make: () => { jobs: NewJob[]; value: unknown };
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface Job {
  id: number;
  kind: string;
  payload: string;
  attempts: number;
}

export interface JobQueueOptions {
  db: Kysely<Database>;
  dialect: SqlStore['dialect'];
  /** Runs one job; a rejection is retried later, up to `maxAttempts`. */
  run: (job: Job) => Promise<void>;
  onFailure: (stage: string, error: unknown) => void;
  concurrency?: number;
  pollIntervalMs?: number;
  /**
   * How long a claim holds a job. An instance renews the claims of the jobs in its hand every third
   * of this, so a job that runs long stays its own; a job whose instance died is taken again by any
   * instance once this has passed since the last renewal.
   */
  leaseMs?: number;
  maxAttempts?: number;
  /**
   * How long a job may run. One that runs longer (a call that never answers, a lock never released)
   * counts as failed: its claim is no longer renewed, its slot takes the next job, and it is tried again
   * after the backoff, like any failure. The run itself cannot be stopped from here; its job id keeps a
   * late finish from recording the event twice.
   */
  jobTimeoutMs?: number;
  /**
   * True while ingest is busy: workers then wait (up to `maxDeferMs` in a row), so a burst of events
   * is accepted at ingest speed and analysed in the quieter moments after.
   */
  ingestBusy?: () => boolean;
  maxDeferMs?: number;
  /**
   * Where new jobs are made durable first, on SQLite (IngestSpool): they are moved into the jobs table
   * a little later, many per transaction. Call `recoverSpool` before the first write.
   */
  spool?: IngestSpool;
}

/**
 * The durable analysis queue: a jobs table in the same database, on SQLite and
 * PostgreSQL alike. An accepted event is durable before the HTTP 200: a row,
 * or, with an ingest spool (SQLite), a line of the spool that is moved into the
 * table moments later. Any instance's worker claims it (`FOR UPDATE SKIP LOCKED`
 * on PostgreSQL), runs the pipeline and deletes it; a job whose worker died is
 * taken again after its lease.
 */
export class JobQueue {
  readonly #options: Required<Omit<JobQueueOptions, 'spool'>>;
  readonly #spool?: IngestSpool;
  #moveTimer?: NodeJS.Timeout;
  #moving?: Promise<void>;
  #timer?: NodeJS.Timeout;
  #renewal?: NodeJS.Timeout;
  /** The ids of the jobs this instance has claimed and not yet finished or handed back. */
  readonly #inHand = new Set<number>();
  #renewing = false;
  #writes: PendingWrite[] = [];
  #writing?: Promise<void>;
  /** Finished jobs waiting for the delete they share, with what to tell each when it is done. */
  /**
   * Finished jobs are deleted together with every other job that finishes before the next turn of the
   * event loop. The workers' lanes finish their jobs in the same turns, and a delete of its own was a
   * commit per job, and on PostgreSQL a round trip: draining a backlog there went from about 1,500 to
   * 2,000 events/s with the deletes shared (bench/README.md, "Deleting finished jobs together"). A job
   * whose delete fails counts as failed and runs again after its backoff (a crash: after its lease),
   * and records nothing twice: its id is its delivery.
   */
  readonly #deletes: TurnBatch;
  /**
   * A job's attempt is counted as it starts, written before it runs (a job that kills its process must
   * have its attempt counted), together with the other jobs starting in the same turn.
   */
  readonly #starts: TurnBatch;
  #running = 0;
  #polling?: Promise<void>;
  #again = false;
  /** While a poll runs: starts its idle lanes again (new jobs were queued). */
  #wake?: () => void;
  #stopped = false;
  #started = false;
  /** Jobs this instance finished, failed (a timed-out one included) and timed out, since it started. */
  done = 0;
  failed = 0;
  timedOut = 0;
  /**
   * Jobs this instance has written since it started, and the inserts (each its own commit) that wrote
   * them: their ratio is how many events a group commit carries.
   */
  readonly written = { jobs: 0, commits: 0 };

  constructor(options: JobQueueOptions) {
    this.#options = {
      concurrency: 4,
      pollIntervalMs: 500,
      leaseMs: 30_000,
      maxAttempts: 5,
      jobTimeoutMs: 300_000,
      ingestBusy: () => false,
      maxDeferMs: 400,
      ...options,
    };
    this.#spool = options.spool;
    const { db } = this.#options;
    this.#deletes = new TurnBatch((ids) => db.deleteFrom('jobs').where('id', 'in', ids).execute());
    this.#starts = new TurnBatch((ids) =>
      db.updateTable('jobs').set({ attempts: sql<number>`attempts + 1` }).where('id', 'in', ids).execute(),
    );
  }

  /**
   * Adds jobs; durable once this resolves. Jobs of concurrent requests are
   * written together in one statement (group commit): one commit for many
   * events, and with TRIAGE_SQLITE_SYNC=full one disk flush, not one per request.
   */
  enqueue(jobs: NewJob[]): Promise<void> {
    if (jobs.length === 0) return Promise.resolve();
    return this.enqueueMade(jobs.length, () => ({ jobs, value: undefined }));
  }

  /**
   * Adds the jobs `make` returns, made when the group commit this write joins is about to be
   * inserted, and resolves with its `value` once they are durable. Ingest prepares events this way:
   * all the requests of one commit one after another, rather than a few at the end of every turn the
   * commit waited, which cost the event loop about 1.4 times as much per event with ten clients
   * (bench/README.md, "Preparing a commit's events together"). `expected` is about how many jobs it
   * will make (what tells the group commit that ingest is busy). A `make` that throws fails its own
   * write only.
   */
  enqueueMade<T>(expected: number, make: () => { jobs: NewJob[]; value: T }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#writes.push({ expected, make, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#writing) this.#writing = this.#flushWrites();
    });
  }

  async #flushWrites(): Promise<void> {
    // Wait one turn of the event loop so that writes arriving together share the commit. When that turn
    // brought more than one job (ingest's writes count the events they will make), ingest is busy: the
    // next turn's jobs join too, and the next, as long as each turn brings more, for at most
    // JOIN_TURNS turns. A commit costs about as much as several events' rows: with ten clients
    // (bench/ingest.mjs) a commit that waited two turns carried about 6 of their 10 requests, and one
    // that goes on while requests keep coming carries nearly all of them. A lone job waits one turn only.
    await nextTurn();
    let queued = this.#queuedJobs();
    for (let turn = 1; turn < JOIN_TURNS && queued > 1; turn++) {
      await nextTurn();
      const now = this.#queuedJobs();
      if (now === queued) break;
      queued = now;
    }
    while (this.#writes.length > 0) {
      const jobs: NewJob[] = [];
      const made: Array<{ write: PendingWrite; value: unknown }> = [];
      for (const write of this.#writes.splice(0, 200)) {
        try {
          const { jobs: its, value } = write.make();
          for (const job of its) jobs.push(job);
          made.push({ write, value });
        } catch (error) {
          write.reject(error);
        }
      }
      try {
        if (jobs.length > 0 && this.#spool) {
          this.#spool.append(jobs);
          this.written.commits++;
          this.written.jobs += jobs.length;
          this.#scheduleMove(MOVE_DELAY_MS);
        } else if (jobs.length > 0) {
          const queries = insertJobsQueries(this.#options.dialect, jobs, Date.now());
          // All or nothing: past one statement's rows, a failed later insert left the earlier ones stored
          // while every request of the commit was refused, and clients that sent them again counted twice.
          if (queries.length === 1) await this.#options.db.executeQuery(queries[0]!);
          else
            await this.#options.db.transaction().execute(async (trx) => {
              for (const query of queries) await trx.executeQuery(query);
            });
          this.written.commits++;
          this.written.jobs += jobs.length;
        }
        for (const { write, value } of made) write.resolve(value);
      } catch (error) {
        for (const { write } of made) write.reject(error);
      }
    }
    this.#writing = undefined;
    if (this.#started && !this.#spool) this.kick();
  }

  /**
   * Stores what the spool holds after the database's mark: the jobs a process that ended before moving
   * them had accepted. Run once, before the first write. Returns how many jobs it stored, and how many
   * lines it dropped (torn by a crash in the middle of a write, never answered).
   */
  async recoverSpool(): Promise<{ stored: number; dropped: number }> {
    const spool = this.#spool;
    if (!spool) return { stored: 0, dropped: 0 };
    const row = await this.#options.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', SPOOL_MARK_KEY)
      .executeTakeFirst();
    const mark = row ? (JSON.parse(row.value) as SpoolMark) : undefined;
    const { jobs, end, dropped } = spool.recover(mark);
    if (end) await this.#store(jobs, end);
    spool.start(end ?? mark);
    return { stored: jobs.length, dropped };
  }

  #scheduleMove(delayMs: number): void {
    if (this.#moveTimer || this.#moving) return;
    this.#moveTimer = setTimeout(() => {
      this.#moveTimer = undefined;
      this.#moving = this.#move().finally(() => {
        this.#moving = undefined;
      });
    }, delayMs);
  }

  /** Moves the spool's jobs into the jobs table, a transaction per MOVE_MAX_JOBS, until none is left. */
  async #move(): Promise<void> {
    const spool = this.#spool!;
    for (;;) {
      const batch = spool.take(MOVE_MAX_JOBS, MOVE_MAX_CHARS);
      if (!batch) return;
      try {
        await this.#store(batch.jobs, batch.end);
      } catch (error) {
        // Still in the spool, and on disk: tried again, and moved by the next start if this process ends.
        this.#options.onFailure('job queue: moving spooled jobs', error);
        if (!this.#stopped) setTimeout(() => this.#scheduleMove(0), MOVE_RETRY_MS).unref();
        return;
      }
      spool.moved(batch.end);
      if (this.#started) this.kick();
      if (spool.unmoved > 0) await nextTurn();
    }
  }

  /** Inserts `jobs` and the spool's mark after them, in one transaction: stored once, crash or not. */
  async #store(jobs: NewJob[], end: SpoolMark): Promise<void> {
    const value = JSON.stringify(end);
    await this.#options.db.transaction().execute(async (trx) => {
      if (jobs.length > 0)
        for (const query of insertJobsQueries(this.#options.dialect, jobs, Date.now(), { powersOfTwo: true }))
          await trx.executeQuery(query);
      await trx
        .insertInto('settings')
        .values({ key: SPOOL_MARK_KEY, value })
        .onConflict((conflict) => conflict.column('key').doUpdateSet({ value }))
        .execute();
    });
  }

  #queuedJobs(): number {
    let count = 0;
    for (const write of this.#writes) count += write.expected;
    return count;
  }

  start(): void {
    this.#started = true;
    this.#stopped = false;
    if (!this.#renewal) {
      this.#renewal = setInterval(() => void this.#renewClaims(), this.#options.leaseMs / 3);
      this.#renewal.unref();
    }
    this.kick();
  }

  kick(): void {
    if (this.#stopped || !this.#started) return;
    if (this.#polling) {
      this.#again = true;
      this.#wake?.();
      return;
    }
    this.#polling = this.#poll().finally(() => {
      this.#polling = undefined;
      if (this.#again) {
        this.#again = false;
        this.kick();
      } else this.#schedule();
    });
  }

  /** Waits until no job is due (for tests and shutdown). */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#polling) await this.#polling;
      const pending = await this.pending();
      if (pending === 0 && this.#running === 0) return true;
      this.kick();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  async pending(): Promise<number> {
    return (await this.counts()).pending;
  }

  /** Jobs waiting to run (or running) and jobs given up on, in the whole database. */
  async counts(): Promise<Record<JobStatus, number>> {
    const rows = await this.#options.db
      .selectFrom('jobs')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('status')
      .execute();
    // Spooled jobs are pending too: durable, and in the table within moments.
    const counts: Record<JobStatus, number> = { pending: this.#spool?.unmoved ?? 0, dead: 0 };
    for (const row of rows) {
      const status = row.status as JobStatus;
      counts[status] = (counts[status] ?? 0) + Number(row.count);
    }
    return counts;
  }

  /** The jobs of one status after the job `after` (an id), the longest-waiting first, without their payloads. */
  async list(status: JobStatus, limit: number, after = 0): Promise<JobSummary[]> {
    const rows = await this.#options.db
      .selectFrom('jobs')
      .select(SUMMARY_COLUMNS)
      .where('status', '=', status)
      .where('id', '>', after)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(summaryOf);
  }

  /** One job with its payload (the redacted event, for an event job); undefined when there is none. */
  async get(id: number): Promise<(JobSummary & { payload: string }) | undefined> {
    const row = await this.#options.db
      .selectFrom('jobs')
      .select([...SUMMARY_COLUMNS, 'payload'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row && { ...summaryOf(row), payload: row.payload };
  }

  /**
   * Puts dead jobs (all of them, or those of `ids`) back in the queue, due now with their attempts
   * reset; their last error stays until they run. Returns how many it put back.
   */
  async retryDead(ids?: number[]): Promise<number> {
    if (ids?.length === 0) return 0;
    let update = this.#options.db
      .updateTable('jobs')
      .set({ status: 'pending', attempts: 0, run_after: Date.now() })
      .where('status', '=', 'dead');
    if (ids) update = update.where('id', 'in', ids);
    const result = await update.executeTakeFirst();
    const retried = Number(result.numUpdatedRows);
    if (retried > 0) this.kick();
    return retried;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    while (this.#polling || this.#running > 0) {
      if (this.#polling) await this.#polling;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Renewals go on while the jobs in hand finish: a slow analysis during a shutdown keeps its claim.
    clearInterval(this.#renewal);
    this.#renewal = undefined;
    if (this.#spool) await this.#closeSpool(this.#spool);
  }

  /** Moves what the spool holds into the jobs table, then closes it; what could not be moved stays for the next start. */
  async #closeSpool(spool: IngestSpool): Promise<void> {
    if (this.#writing) await this.#writing;
    if (this.#moveTimer) clearTimeout(this.#moveTimer);
    this.#moveTimer = undefined;
    if (this.#moving) await this.#moving;
    if (spool.unmoved > 0) await this.#move();
    spool.close();
  }

  #schedule() {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.kick(), this.#options.pollIntervalMs);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    const { concurrency, leaseMs } = this.#options;
    // Claimed jobs not started yet, the oldest claim first. Each lane takes the next; a lane that finds
    // none claims more for all (one claim at a time), so a lane is never held by the others: when each
    // claim's lanes all had to finish before the next claim, one job waiting seconds for an LLM held
    // every other slot idle behind it (bench/README.md, "Draining a backlog that waits on an LLM").
    const hand: Array<{ job: Job; claimedAt: number }> = [];
    let claiming: Promise<boolean> | undefined;
    // The first claim waits while ingest is busy, like one after a slice: every stored batch kicks the
    // workers, and without this wait a queue that had caught up ran each new event at once, on the event
    // loop, until ingest slowed down to the workers' pace (bench/README.md).
    let sliceStart = Number.NEGATIVE_INFINITY;
    let emptied = false;
    let halted = false;
    // Kicks during this poll: a claim that found nothing while one came may have missed its jobs.
    let wakes = 0;
    const claimMore = () => {
      claiming ??= (async () => {
        try {
          // Ingest comes first, but analysis is never starved: after a slice of at least WORK_SLICE_MS,
          // wait while requests keep coming, at most maxDeferMs, then work again. Under saturation the
          // workers keep about a sixteenth of the event loop (with 100 ms, a fifth: the default server
          // then accepted far less than an ingest-only one in bench/ingest.mjs) and the backlog is
          // analysed after the burst.
          if (Date.now() - sliceStart >= WORK_SLICE_MS) {
            await this.#deferToIngest();
            sliceStart = Date.now();
          }
          if (this.#stopped) return false;
          const claimedAt = Date.now();
          const wakesBefore = wakes;
          const jobs = await this.#claim(concurrency * CLAIM_PER_WORKER);
          for (const job of jobs) {
            this.#inHand.add(job.id);
            hand.push({ job, claimedAt });
          }
          return jobs.length > 0 || wakes !== wakesBefore;
        } finally {
          claiming = undefined;
        }
      })();
      return claiming;
    };
    // Between jobs the event loop turns: a job that needs no network (offline analysis, recording on
    // SQLite) resolves in microtasks only, and a claim's jobs ran back to back for milliseconds while
    // ingest requests waited to be read. Stopping ends each lane after its job: a backlog must not hold
    // up a shutdown.
    const lane = async () => {
      while (!this.#stopped && !halted) {
        const next = hand[0];
        if (!next) {
          if (emptied || !(await claimMore())) {
            emptied = true;
            return;
          }
          continue;
        }
        // A job not started by half its lease goes back to the queue, with the others claimed as long
        // ago (the hand is in the order of the claims): another instance may be idle while they wait here
        // behind slow analyses (LLM calls).
        const now = Date.now();
        if (now - next.claimedAt >= leaseMs / 2) {
          let stale = 1;
          while (stale < hand.length && now - hand[stale]!.claimedAt >= leaseMs / 2) stale++;
          await this.#release(hand.splice(0, stale).map((entry) => entry.job.id));
          continue;
        }
        hand.shift();
        await this.#starts.add(next.job.id);
        await this.#runOne({ ...next.job, attempts: next.job.attempts + 1 });
        await nextTurn();
      }
    };
    const lanes = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    const startLane = () => {
      const running: Promise<void> = lane()
        .catch((error: unknown) => {
          halted = true;
          failure ??= { error };
        })
        .finally(() => lanes.delete(running));
      lanes.add(running);
    };
    // Jobs queued once the lanes had run out (a kick): the idle slots start again, rather than wait
    // for the job of the last lane still running, an LLM call perhaps, to end this poll.
    this.#wake = () => {
      wakes++;
      if (!emptied || halted || this.#stopped) return;
      emptied = false;
      for (let count = lanes.size; count < concurrency; count++) startLane();
    };
    try {
      for (let count = 0; count < concurrency; count++) startLane();
      // Every lane ends before the jobs not started are handed back: a job is either run or released.
      while (lanes.size > 0) await Promise.all(lanes);
      // No lane may start once the last has ended: a kick from here on makes a new poll (#again).
      this.#wake = undefined;
      if (hand.length > 0) await this.#release(hand.splice(0).map((entry) => entry.job.id));
      if (failure) throw failure.error;
    } catch (error) {
      this.#options.onFailure('job queue', error);
    } finally {
      this.#wake = undefined;
    }
  }

  /** Waits while ingest is busy, at most maxDeferMs. */
  async #deferToIngest(): Promise<void> {
    const deferStart = Date.now();
    while (
      this.#options.ingestBusy() &&
      Date.now() - deferStart < this.#options.maxDeferMs &&
      !this.#stopped
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async #claim(limit: number): Promise<Job[]> {
    const { db, dialect, leaseMs, maxAttempts, onFailure } = this.#options;
    const now = Date.now();
    const { jobs, spent } = await db.transaction().execute(async (trx) => {
      let due = dueJobs(trx, now, limit);
      if (dialect === 'postgres') due = due.forUpdate().skipLocked();
      const ids = (await due.execute()).map((row) => row.id);
      if (ids.length === 0) return { jobs: [], spent: [] };
      const rows = (
        await trx
          .updateTable('jobs')
          .set({ run_after: now + leaseMs })
          .where('id', 'in', ids)
          .returning(['id', 'kind', 'payload', 'attempts'])
          .execute()
      ).map((row) => ({ ...row, attempts: Number(row.attempts) }));
      // A job due again after its last attempt started never came back from it: the instance running it
      // died (killed, out of memory), each time. One that kills its process was taken again at every
      // start, by every instance, for ever. (Attempts count starts, not claims: the jobs an instance had
      // claimed and not started when it was killed lose nothing.)
      const spent = rows.filter((row) => row.attempts >= maxAttempts);
      if (spent.length > 0)
        await trx
          .updateTable('jobs')
          .set({
            status: 'dead',
            last_error: `the instance running it stopped during each of its ${maxAttempts} attempts (killed, or out of memory)`,
          })
          .where(
            'id',
            'in',
            spent.map((row) => row.id),
          )
          .execute();
      return { jobs: rows.filter((row) => row.attempts < maxAttempts), spent };
    });
    for (const job of spent)
      onFailure(
        `job ${job.kind}`,
        new Error(
          `job ${job.id} is dead: the instance running it stopped during each of its ${maxAttempts} attempts`,
        ),
      );
    return jobs;
  }

  /**
   * Pushes back the lease of every job in hand. Without it a claim had to outlast the slowest job
   * (five minutes), and that was also how long the jobs of a killed instance waited to run again.
   */
  async #renewClaims(): Promise<void> {
    if (this.#renewing || this.#inHand.size === 0) return;
    this.#renewing = true;
    try {
      await this.#options.db
        .updateTable('jobs')
        .set({ run_after: Date.now() + this.#options.leaseMs })
        .where('id', 'in', [...this.#inHand])
        .where('status', '=', 'pending')
        .execute();
    } catch (error) {
      this.#options.onFailure('job queue: renewing claims', error);
    } finally {
      this.#renewing = false;
    }
  }

  /** Hands claimed jobs that never started back to the queue, due now (a claim counts no attempt). */
  async #release(ids: number[]): Promise<void> {
    for (const id of ids) this.#inHand.delete(id);
    await this.#options.db
      .updateTable('jobs')
      .set({ run_after: Date.now() })
      .where('id', 'in', ids)
      .execute();
  }

  /**
   * Runs a job and deletes it, with the other jobs that finish in the same turn of the event loop (one
   * statement, one commit for all of them), before its lane takes the next: a finished job left in the
   * table until the rest of its batch is done would be taken again by another instance when its lease
   * ran out.
   */
  async #runOne(job: Job): Promise<void> {
    const { db, run, maxAttempts, onFailure, jobTimeoutMs } = this.#options;
    this.#running++;
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          this.timedOut++;
          reject(new Error(`ran for more than ${jobTimeoutMs / 1000} s`));
        }, jobTimeoutMs);
      });
      // A run that throws before its first await is a failure like any other.
      await Promise.race([Promise.resolve().then(() => run(job)), deadline]);
      clearTimeout(timer);
      this.#inHand.delete(job.id);
      await this.#deletes.add(job.id);
      this.done++;
    } catch (error) {
      clearTimeout(timer);
      // Out of the hand before its retry time is written, so that later renewals leave that time alone (one
      // already under way on another PostgreSQL connection can still push it back by a lease, once).
      this.#inHand.delete(job.id);
      this.failed++;
      onFailure(`job ${job.kind}`, error);
      const message = error instanceof Error ? error.message : String(error);
      const dead = job.attempts >= maxAttempts;
      await db
        .updateTable('jobs')
        .set({
          status: dead ? 'dead' : 'pending',
          run_after: Date.now() + Math.min(60_000, 1_000 * 2 ** job.attempts),
          last_error: message.slice(0, 2_000),
        })
        .where('id', '=', job.id)
        .execute();
    } finally {
      this.#running--;
    }
  }
}

export type JobStatus = 'pending' | 'dead';

/** A job as the API lists it, without its payload. */
export interface JobSummary {
  id: number;
  kind: string;
  status: JobStatus;
  attempts: number;
  /** Epoch ms: when a pending job is due (or, while it runs, when its claim ends). */
  runAfter: number;
  createdAt: number;
  lastError: string | null;
}

const SUMMARY_COLUMNS = [
  'id',
  'kind',
  'status',
  'attempts',
  'run_after',
  'created_at',
  'last_error',
] as const;

function summaryOf(row: Pick<Selectable<Database['jobs']>, (typeof SUMMARY_COLUMNS)[number]>): JobSummary {
  return {
    id: Number(row.id),
    kind: row.kind,
    status: row.status as JobStatus,
    attempts: Number(row.attempts),
    runAfter: Number(row.run_after),
    createdAt: Number(row.created_at),
    lastError: row.last_error,
  };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The jobs due at `now`, the longest-due first. Ordered by `run_after`, the
 * column the `jobs_due` index sorts by, so a claim reads `limit` rows off the
 * index however long the backlog: ordered by anything else, every claim sorted
 * the whole backlog, and a burst of events slowed the workers down as it grew.
 */
export function dueJobs(db: Kysely<Database>, now: number, limit: number) {
  return db
    .selectFrom('jobs')
    .select('id')
    .where('status', '=', 'pending')
    .where('run_after', '<=', now)
    .orderBy('run_after')
    .limit(limit);
}

/**
 * Runs `write` once for the ids added before the next turn of the event loop (one statement, one
 * commit for all of them); each `add` settles as that write does.
 */
class TurnBatch {
  #pending: Array<{ id: number; resolve: () => void; reject: (error: unknown) => void }> = [];

  constructor(private readonly write: (ids: number[]) => Promise<unknown>) {}

  add(id: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#pending.push({ id, resolve, reject }) === 1) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    await nextTurn();
    const batch = this.#pending.splice(0);
    try {
      await this.write(batch.map((entry) => entry.id));
      for (const entry of batch) entry.resolve();
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}
