import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type {
  WriteRequest,
  WriteResult,
  WriterMessage,
  WriterReply,
  WriterThreadData,
} from './event-writer-thread.js';
import type { JobQueue } from './job-queue.js';
import { prepareEvents } from './prepare-events.js';
import type { Project } from './projects.js';

export interface Accepted {
  ids: string[];
  /** Inputs that could not become events, by position, with the reason; the rest were accepted. */
  errors: Array<{ index: number; error: string }>;
}

/**
 * Where ingest hands a project's events: when `accept` resolves, every
 * accepted event is normalized, redacted (nothing unredacted is ever stored)
 * and durably queued as a job, and any instance's worker will run the pipeline on it.
 */
export interface EventWriter {
  accept(project: Project, inputs: unknown[]): Promise<Accepted>;
  close(): Promise<void>;
}

/** Prepares and queues events on the calling thread: PostgreSQL, in-memory SQLite, and the fallback. */
export class InlineEventWriter implements EventWriter {
  constructor(readonly jobs: JobQueue) {}

  async accept(project: Project, inputs: unknown[]): Promise<Accepted> {
    const { ids, errors, payloads } = prepareEvents(project.id, inputs, Date.now());
    await this.jobs.enqueue(payloads.map((payload) => ({ kind: 'event', payload })));
    return { ids, errors };
  }

  async close(): Promise<void> {}
}

export interface ThreadEventWriterOptions {
  /** The SQLite database file (already migrated). */
  path: string;
  sqliteSync: 'normal' | 'full';
  /** Takes over if the thread cannot start or dies; requests in flight are handed to it. */
  fallback: EventWriter;
  /** Called after events were stored (the job workers are woken). */
  onStored: () => void;
  /** Called once if the thread fails after it started: whatever it did for the process must be taken back. */
  onStopped?: () => void;
  onFailure: (stage: string, error: unknown) => void;
}

interface InFlight {
  requests: WriteRequest[];
  waiters: Array<{
    project: Project;
    resolve: (accepted: Accepted) => void;
    reject: (error: unknown) => void;
  }>;
}

/**
 * An event writer on its own thread, for SQLite. Preparing (normalizing,
 * redacting, serializing) and inserting an event cost the ingest event loop
 * more than the HTTP request that carries it; on a second thread with its own
 * connection they overlap with reading the next requests, and a commit no
 * longer stalls the server. Requests of one event-loop turn go to the thread
 * in one message, and the thread commits what arrived by its next turn in one
 * transaction (group commit).
 *
 * If the thread cannot start or dies, the failure is reported and the
 * fallback (the same work on this thread) takes over, requests in flight
 * included, so nothing accepted is lost.
 */
export class ThreadEventWriter implements EventWriter {
  readonly #options: ThreadEventWriterOptions;
  readonly #thread: Worker;
  readonly #inFlight = new Map<number, InFlight>();
  #next: InFlight = { requests: [], waiters: [] };
  #scheduled = false;
  #seq = 0;
  #failed = false;
  #closing?: Promise<void>;
  readonly #truncations = new Map<number, { resolve: () => void; reject: (error: unknown) => void }>();

  private constructor(options: ThreadEventWriterOptions, thread: Worker) {
    this.#options = options;
    this.#thread = thread;
    thread.on('message', (reply: WriterReply) => this.#onReply(reply));
    thread.on('error', (error) => this.#fail(error));
    thread.on('exit', (code) => {
      if (!this.#closing) this.#fail(new Error(`the event writer thread exited with code ${code}`));
    });
  }

  /** Starts the thread; resolves once its connection is open, or with the fallback if it cannot open. */
  static async start(options: ThreadEventWriterOptions): Promise<EventWriter> {
    // The thread runs the built module (a worker cannot load TypeScript): `npm run build` makes it.
    const entry = createRequire(import.meta.url).resolve('@triage/server/event-writer-thread');
    const thread = new Worker(entry, {
      workerData: { path: options.path, sqliteSync: options.sqliteSync } satisfies WriterThreadData,
      // None of the process's flags: a `--conditions` for sources (as under vitest) would send the
      // thread's imports to TypeScript it cannot load.
      execArgv: [],
    });
    const opened = await new Promise<true | Error>((resolve) => {
      thread.once('message', (reply: WriterReply) =>
        resolve('ready' in reply ? true : new Error('failure' in reply ? reply.failure : 'unexpected reply')),
      );
      thread.once('error', resolve);
    });
    if (opened !== true) {
      options.onFailure('event writer', opened);
      await thread.terminate();
      return options.fallback;
    }
    return new ThreadEventWriter(options, thread);
  }

  /** The thread, for tests that need it to fail. */
  get thread(): Worker {
    return this.#thread;
  }

  accept(project: Project, inputs: unknown[]): Promise<Accepted> {
    if (this.#failed || this.#closing) return this.#options.fallback.accept(project, inputs);
    return new Promise((resolve, reject) => {
      this.#next.requests.push({ projectId: project.id, inputs, receivedAt: Date.now() });
      this.#next.waiters.push({ project, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#send());
      }
    });
  }

  #send(): void {
    this.#scheduled = false;
    const batch = this.#next;
    this.#next = { requests: [], waiters: [] };
    if (batch.requests.length === 0) return;
    if (this.#failed) {
      void this.#handOver(batch);
      return;
    }
    const seq = ++this.#seq;
    try {
      this.#thread.postMessage({ seq, requests: batch.requests } satisfies WriterMessage);
      this.#inFlight.set(seq, batch);
    } catch (error) {
      // An input that cannot be copied to the thread (never one parsed from JSON) is prepared here.
      this.#options.onFailure('event writer', error);
      void this.#handOver(batch);
    }
  }

  /**
   * Empties the SQLite log from the thread's connection, between its transactions: the store hands this
   * job over (SqlStore.walTruncation), since its own connection does not wait for the thread's locks.
   */
  truncateWal(): Promise<void> {
    if (this.#failed || this.#closing)
      return Promise.reject(new Error('the event writer thread is not running'));
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#truncations.set(id, { resolve, reject });
      this.#thread.postMessage({ truncate: id } satisfies WriterMessage);
    });
  }

  #onReply(reply: WriterReply): void {
    if ('truncated' in reply) {
      const waiter = this.#truncations.get(reply.truncated);
      this.#truncations.delete(reply.truncated);
      if (reply.failure) waiter?.reject(new Error(`WAL truncation failed: ${reply.failure}`));
      else waiter?.resolve();
      return;
    }
    if (!('seq' in reply)) return;
    const batch = this.#inFlight.get(reply.seq);
    if (!batch) return;
    this.#inFlight.delete(reply.seq);
    let stored = false;
    reply.results.forEach((result: WriteResult, index) => {
      const waiter = batch.waiters[index]!;
      if ('failure' in result) {
        waiter.reject(new Error(result.failure));
      } else {
        stored ||= result.ids.length > 0;
        waiter.resolve(result);
      }
    });
    if (stored) this.#options.onStored();
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#options.onFailure('event writer', error);
    this.#options.onStopped?.();
    for (const waiter of this.#truncations.values())
      waiter.reject(new Error('the event writer thread stopped'));
    this.#truncations.clear();
    for (const batch of this.#inFlight.values()) void this.#handOver(batch);
    this.#inFlight.clear();
  }

  /**
   * The fallback takes a batch the thread will not answer: nothing accepted is lost. A thread that
   * died between its commit and its answer (never seen; an answer posted before the thread ends is
   * delivered) would have that batch stored twice: analysed twice, counted twice, alerted once.
   */
  async #handOver(batch: InFlight): Promise<void> {
    await Promise.all(
      batch.waiters.map((waiter, index) =>
        this.#options.fallback
          .accept(waiter.project, batch.requests[index]!.inputs)
          .then(waiter.resolve, waiter.reject),
      ),
    );
  }

  /** Stores what is in flight, then stops the thread. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#scheduled) this.#send();
      if (!this.#failed) {
        const exited = new Promise<void>((resolve) => this.#thread.once('exit', () => resolve()));
        this.#thread.postMessage({ stop: true } satisfies WriterMessage);
        await exited;
      }
      // Anything the thread did not answer before it stopped goes to the fallback.
      const left = [...this.#inFlight.values()];
      this.#inFlight.clear();
      await Promise.all(left.map((batch) => this.#handOver(batch)));
      await this.#options.fallback.close();
    })();
    return this.#closing;
  }
}
