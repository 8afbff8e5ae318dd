import type { TriageEvent } from '@triage/core';
import type { Engine, EngineOptions, Submission } from '@triage/engine';
import type { CrashKeeper } from '../crash-keeping.js';
import type { Transport, TransportJob } from './transport.js';
import { settledWithin, withTimeout } from './with-timeout.js';

export interface InProcessTransportOptions {
  engine: EngineOptions;
  /** Counted and logged by the client. */
  onFailure: (stage: string, error: unknown) => void;
  onDrop: (reason: string, count: number) => void;
  /** Jobs held while the engine module loads. */
  maxWaiting?: number;
  /**
   * Where the events the engine still owes are kept when the process crashes, and read back from at
   * the next start (`replayKept`). Without it they are lost with the process.
   */
  keeper?: CrashKeeper;
  /** What the transport tells of kept and replayed crashes (not failures). */
  onNote?: (line: string) => void;
}

/** A job handed to the engine and not yet settled, with its event once the engine built it. */
interface Owed {
  job: TransportJob;
  event?: TriageEvent;
}

/**
 * Runs the pipeline inside the application's process. The engine module is
 * imported on first need, so an application that never fails never loads it.
 */
export class InProcessTransport implements Transport {
  readonly #options: InProcessTransportOptions;
  #engine?: Engine;
  #loading?: Promise<Engine>;
  #waiting: TransportJob[] = [];
  /** Set once the engine failed to start: what was sent is lost, and flush says so. */
  #lost = false;
  /** With a keeper: jobs the engine has not settled yet, oldest first (its queue drops the oldest). */
  readonly #owed = new Set<Owed>();
  #replaying?: Promise<number>;
  /** Set by close(): a replay not yet begun leaves its crashes for the client that replaces this one. */
  #closing = false;

  constructor(options: InProcessTransportOptions) {
    this.#options = options;
  }

  send(job: TransportJob): void {
    if (this.#engine) {
      this.#engine.submit(this.#submission(job));
      return;
    }
    if (this.#waiting.length >= (this.#options.maxWaiting ?? 1_000)) {
      this.#waiting.shift();
      this.#options.onDrop('engine-loading', 1);
    }
    this.#waiting.push(job);
    this.ready().catch(() => {});
  }

  /** The engine, loaded on first call; rejects on a configuration error. */
  ready(): Promise<Engine> {
    if (this.#engine) return Promise.resolve(this.#engine);
    this.#loading ??= this.#load();
    return this.#loading;
  }

  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    if (this.#replaying && !(await settledWithin(this.#replaying, timeoutMs))) return false;
    if (!this.#engine && !this.#loading) return !this.#lost;
    const engine = await withTimeout(this.ready(), Math.max(0, deadline - Date.now())).catch(() => undefined);
    if (!engine) return false;
    return engine.flush(Math.max(0, deadline - Date.now()));
  }

  /**
   * The process is ending for an uncaught exception: the engine cannot finish what it holds, so the
   * keeper writes it to a file for the next start (synchronously; the event loop will not turn again).
   */
  sendAtCrash(): void {
    const keeper = this.#options.keeper;
    if (!keeper) return;
    try {
      const events: TriageEvent[] = [];
      const built = (make: () => TriageEvent) => {
        try {
          events.push(make());
        } catch (error) {
          // One scope that cannot become an event does not cost the others.
          this.#options.onFailure('crash', error);
        }
      };
      for (const owed of this.#owed) built(() => owed.event ?? owed.job.event());
      for (const job of this.#waiting) built(job.event);
      // The engine's pseudonyms when it has made its pseudonymizer: the same users, before and after.
      const file = keeper.keep(events, this.#engine?.pseudonymizerMade);
      if (file)
        this.#options.onNote?.(
          `the process is ending on an uncaught exception: ${events.length} event(s) not yet analysed are kept in ${file}, for the next start of this application to analyse`,
        );
    } catch (error) {
      this.#options.onFailure('crash', error);
    }
  }

  /**
   * Analyses the events earlier runs kept when they crashed (see `sendAtCrash`), then deletes their
   * files. Loads the engine only when there are some. `flush` waits for it.
   */
  replayKept(): Promise<number> {
    this.#replaying ??= this.#replay().catch((error: unknown) => {
      this.#options.onFailure('crash replay', error);
      return 0;
    });
    return this.#replaying;
  }

  /** Analyses the kept events, a crash at a time; returns how many. */
  async #replay(): Promise<number> {
    const keeper = this.#options.keeper;
    if (!keeper) return 0;
    return keeper.replay(
      async (crash) => {
        const engine = await this.ready();
        this.#options.onNote?.(
          `analysing ${crash.events.length} event(s) kept from a crash of process ${crash.pid} at ${new Date(crash.crashedAt).toISOString()}`,
        );
        // One at a time, past the queue: its bound would drop some, and the files are small.
        for (const event of crash.events) await engine.process({ input: event, redacted: true });
        return true;
      },
      // Closed meanwhile (a client replaced at start-up): left, whole, for the client that replaced it.
      { wanted: () => !this.#closing, onError: (error) => this.#options.onFailure('crash replay', error) },
    );
  }

  /** The engine's submission for `job`; with a keeper, the job is owed until the engine settles it. */
  #submission(job: TransportJob): Submission {
    const { keeper } = this.#options;
    if (!keeper) return { input: job.event, onAnalysis: job.onAnalysis };
    const owed: Owed = { job };
    this.#owed.add(owed);
    return {
      // Built once: the event kept at a crash is the one the engine had, with the same id.
      input: () => {
        owed.event = job.event();
        return owed.event;
      },
      onAnalysis: job.onAnalysis,
      // Settled also when the engine's full queue pushed it out: that one is lost, counted, not kept.
      onSettled: () => this.#owed.delete(owed),
    };
  }

  async close(timeoutMs: number): Promise<boolean> {
    this.#closing = true;
    const flushed = await this.flush(timeoutMs);
    await this.#engine?.close(timeoutMs);
    return flushed;
  }

  stats(): Record<string, unknown> {
    return { ...this.#engine?.stats() };
  }

  async #load(): Promise<Engine> {
    try {
      // The engine alone, not the package's index: its SQL stores (Kysely, pg) would double the pause of
      // the event loop while the modules are evaluated (bench/first-error.mjs).
      const { createEngine } = await import('@triage/engine/engine');
      const engine = createEngine(this.#options.engine);
      this.#engine = engine;
      for (const job of this.#waiting.splice(0)) engine.submit(this.#submission(job));
      return engine;
    } catch (error) {
      this.#lost = true;
      this.#options.onDrop('engine-unavailable', this.#waiting.splice(0).length);
      this.#loading = undefined;
      this.#options.onFailure('engine start', error);
      throw error;
    }
  }
}
