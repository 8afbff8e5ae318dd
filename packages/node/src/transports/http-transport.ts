import {
  createPseudonymizer,
  createRedactor,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  type RedactOptions,
  type Redactor,
  type TriageEvent,
  toRequest,
  toUser,
} from '@triage/core';
import type { CrashKeeper, KeptCrash } from '../crash-keeping.js';
import { parseDsn } from './parse-dsn.js';
import { postBlocking } from './post-blocking.js';
import {
  type Answer,
  errorOf,
  eventsRequestSync,
  postEvents,
  refusedOf,
  serializeEvent,
} from './post-events.js';
import type { Transport, TransportJob } from './transport.js';
import { settledWithin } from './with-timeout.js';

export interface HttpTransportOptions {
  /** `http(s)://PUBLIC_KEY@host:7070/PROJECT_ID`; parsed here, so a malformed DSN throws at setup. */
  dsn: string;
  /** Ended scopes waiting to be sent (besides the batch in flight); when full, the oldest is dropped. */
  maxBuffered?: number;
  /** Events per request. */
  batchSize?: number;
  /** How long the first waiting scope waits for others to share its request. */
  flushIntervalMs?: number;
  /** Per request, reading the answer included. */
  timeoutMs?: number;
  /**
   * First delay after a 5xx, a network error or a timeout; doubled per attempt, with jitter. flush()
   * cuts such a delay short, but never sooner than this after the previous attempt began.
   */
  retryBaseMs?: number;
  /** Longest delay between two attempts (a Retry-After excepted). */
  retryMaxMs?: number;
  /** Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Called once per kind of failure, with a message for a person; every occurrence is counted in `stats()`. */
  onFailure?: (stage: string, error: unknown) => void;
  /** Called on every drop, with how many events it lost. */
  onDrop?: (reason: string, count: number) => void;
  /** What is redacted before an event leaves the process (the in-process engine's `redact` option). */
  redact?: RedactOptions;
  /**
   * The key of the users' pseudonyms ("users affected"), made here before redaction. Default: the DSN's
   * public key, which every instance of the application shares, so each user gets one pseudonym.
   */
  userKeySecret?: string;
  /**
   * Where events that could not be sent before the process ended (a crash, or an exit that waited
   * `flushAtExitMs` in vain) are kept, for the next start to send (`replayKept`). Without it they are lost.
   */
  keeper?: CrashKeeper;
  /** What the transport tells of kept and replayed events (not failures). */
  onNote?: (line: string) => void;
}

interface Waiting {
  seq: number;
  job: TransportJob;
}
interface Built {
  seq: number;
  json: string;
}
/** A kept crash this process replays: its file goes once none of its events is left unsettled. */
interface Replayed {
  crash: KeptCrash;
  remaining: number;
  /** One of its events was lost with this process (closing or crashing, and not kept again). */
  lost: boolean;
}
interface FlushWaiter {
  /** Jobs numbered below this were buffered when flush() was called. */
  target: number;
  remaining: number;
  failed: boolean;
  resolve: (accepted: boolean) => void;
}

/** Answers that say the server is unavailable, not that it failed on the batch: retried for as long as it takes. */
const UNAVAILABLE = new Set([408, 502, 503, 504]);
/** Answers of 500 (and other 5xx) to one batch before it is split, or its one event dropped. */
const SERVER_ERROR_ATTEMPTS = 3;
/**
 * Drops for what the events hold, which no later start would change: a replayed file whose events
 * all went or were dropped so is deleted. Any other drop (closing, a crash, a full buffer, a refused
 * key, a redirect) leaves it for a later start.
 */
const REFUSED_FOR_WHAT_THEY_HOLD = new Set(['rejected', 'too-large', 'server-error', 'event-failed']);
/** Why keepAtExit aborts the request in flight: not the server's doing. */
const EXITING = new Error('the process is exiting');

/**
 * Sends ended scopes to a `triage serve` server, in batches, from the background.
 * `send` only queues a job; events are built and serialised when their batch goes out.
 *
 * - The server unavailable (a network error, a timeout, 408, 502, 503, 504): the batch is retried
 *   until it goes, after its Retry-After when it gives one, else backing off exponentially with
 *   jitter; flush() cuts a backoff short (at most once per `retryBaseMs`), never a Retry-After.
 * - 429: waits for its Retry-After, which flush() does not cut short either.
 * - 500 or another 5xx, the server failing on this batch (an event it cannot handle): retried as
 *   above, and after 3 such answers split in halves (in order); an event alone is dropped
 *   (`server-error`), so that one event does not hold back every other behind it.
 * - 413 or 400, the server refusing what the batch holds: split in halves, in order, at once; an
 *   event alone is dropped (`too-large`, `rejected`). A 2xx that lists refused events (`errors`)
 *   drops those (`rejected`) and counts the rest as sent.
 * - A redirect, 401, 403 and other 4xx drop the batch.
 *
 * A scope's `onAnalysis` cannot run here (the server analyses the event): it runs only with the
 * in-process engine, and is counted in `ignored` as `on-analysis-remote` (the event is sent).
 */
export class HttpTransport implements Transport {
  readonly #endpoint: string;
  readonly #publicKey: string;
  readonly #settings: Required<
    Omit<HttpTransportOptions, 'dsn' | 'redact' | 'userKeySecret' | 'keeper' | 'onNote'>
  >;
  readonly #keeper?: CrashKeeper;
  readonly #onNote: (line: string) => void;
  #replaying?: Promise<number>;
  readonly #redactor: Redactor;
  readonly #pseudonymize: (event: TriageEvent) => TriageEvent;
  /** The request in flight, for close() and keepAtExit() to abort. */
  #inFlight?: AbortController;
  readonly #reported = new Set<string>();
  readonly #dropped: Record<string, number> = {};
  readonly #ignored: Record<string, number> = {};
  #buffer: Waiting[] = [];
  /** Built batches still to deliver; the first is in flight. */
  #batches: Built[][] = [];
  #waiters: FlushWaiter[] = [];
  #seq = 0;
  #timer?: NodeJS.Timeout;
  #immediate?: NodeJS.Immediate;
  #pumping = false;
  #sleeping?: { wake: () => void; hurry: () => void };
  #attempt = 0;
  /** When the last attempt began: flush() hurries a backoff no sooner than retryBaseMs after it. */
  #attemptStartedAt = 0;
  /** How many times the server answered 500 (or another 5xx of its own failing) to each batch. */
  readonly #serverErrors = new WeakMap<Built[], number>();
  /** The kept crashes being replayed, by the seq of each of their events not yet settled. */
  readonly #replayed = new Map<number, Replayed>();
  #closed = false;
  readonly #counts = { sent: 0, requests: 0, retries: 0, failures: 0, kept: 0 };

  constructor({
    dsn,
    maxBuffered = 1_000,
    batchSize = 50,
    flushIntervalMs = 1_000,
    timeoutMs = 10_000,
    retryBaseMs = 1_000,
    retryMaxMs = 60_000,
    fetch = globalThis.fetch,
    onFailure = (stage, error) =>
      process.stderr.write(`[triage] ${stage} failed: ${error instanceof Error ? error.message : error}\n`),
    onDrop = () => {},
    redact,
    userKeySecret,
    keeper,
    onNote = () => {},
  }: HttpTransportOptions) {
    ({ endpoint: this.#endpoint, publicKey: this.#publicKey } = parseDsn(dsn));
    this.#redactor = createRedactor(redact);
    this.#pseudonymize = createPseudonymizer(userKeySecret ?? this.#publicKey);
    this.#keeper = keeper;
    this.#onNote = onNote;
    this.#settings = {
      maxBuffered: atLeast(1, maxBuffered, 'maxBuffered'),
      batchSize: atLeast(1, batchSize, 'batchSize'),
      flushIntervalMs: atLeast(0, flushIntervalMs, 'flushIntervalMs'),
      timeoutMs: atLeast(1, timeoutMs, 'timeoutMs'),
      retryBaseMs: atLeast(1, retryBaseMs, 'retryBaseMs'),
      retryMaxMs: atLeast(retryBaseMs, retryMaxMs, 'retryMaxMs'),
      fetch,
      onFailure,
      onDrop,
    };
  }

  send(job: TransportJob): void {
    try {
      if (this.#closed) {
        this.#drop('closed', [], 1);
        return;
      }
      if (job.onAnalysis) {
        // Not a drop: the event is sent, only its callback does not run.
        this.#ignored['on-analysis-remote'] = (this.#ignored['on-analysis-remote'] ?? 0) + 1;
        this.#reportOnce(
          'on-analysis',
          'onAnalysis',
          'a scope onAnalysis runs only with the in-process engine, never when sending to TRIAGE_DSN',
        );
      }
      this.#enqueue(job);
    } catch (error) {
      this.#reportOnce('internal', 'send', error);
    }
  }

  /** Buffers `job` (the oldest dropped when full); returns its seq. */
  #enqueue(job: TransportJob): number {
    if (this.#buffer.length >= this.#settings.maxBuffered)
      this.#drop('buffer-full', this.#buffer.splice(0, 1));
    const seq = this.#seq++;
    this.#buffer.push({ seq, job });
    this.#schedule(this.#buffer.length >= this.#settings.batchSize);
    return seq;
  }

  /**
   * Sends everything buffered now (the events kept by an earlier run included, once read back); true
   * once all of it was accepted, false on a drop or timeout.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.#replaying) {
      const deadline = Date.now() + timeoutMs;
      if (!(await settledWithin(this.#replaying, timeoutMs))) return false;
      timeoutMs = Math.max(0, deadline - Date.now());
    }
    return this.#flushBuffered(timeoutMs);
  }

  #flushBuffered(timeoutMs: number): Promise<boolean> {
    const remaining = this.#buffer.length + this.#batches.reduce((sum, batch) => sum + batch.length, 0);
    if (remaining === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((other) => other !== waiter);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      const waiter: FlushWaiter = {
        target: this.#seq,
        remaining,
        failed: false,
        resolve: (accepted) => {
          clearTimeout(timer);
          resolve(accepted);
        },
      };
      this.#waiters.push(waiter);
      // Someone is waiting: try sooner than the backoff says (never sooner than a Retry-After).
      this.#sleeping?.hurry();
      this.#schedule(true);
    });
  }

  /** Flushes, then stops: timers cleared, the request in flight aborted, what is left dropped. */
  async close(timeoutMs: number): Promise<boolean> {
    const flushed = await this.flush(timeoutMs);
    // What the server did not get in time goes to the keeper, for the next start (the request in flight
    // is aborted; if the server had it, it counts the event once).
    if (!flushed && this.#keeper && !this.#closed) {
      const unsent = this.#takeUnsent();
      if (unsent.length > 0)
        this.#keepOrDrop(
          unsent,
          `closing with ${unsent.length} event(s) not sent to ${this.#endpoint}`,
          'closed',
        );
    }
    this.#closed = true;
    clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#inFlight?.abort(new Error('the transport is closed'));
    this.#sleeping?.wake();
    this.#drop('closed', [...this.#buffer.splice(0), ...this.#batches.splice(0).flat()]);
    return flushed;
  }

  /**
   * The process is ending for an uncaught exception and its event loop will not turn again: sends
   * every event still held, blocking for at most `timeoutMs`, and closes. The batch in flight goes
   * again with them (the server counts an event it holds once). The requests run on a thread of their
   * own (`postBlocking`), with the global fetch, not the `fetch` option.
   */
  sendAtCrash(timeoutMs: number): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inFlight?.abort(new Error('the process is ending'));
    try {
      const events = this.#takeUnsent();
      if (events.length === 0) return;
      // flushAtExitMs 0: no waiting at all, so nothing is posted; what can be kept is.
      if (timeoutMs === 0) {
        const why = `the process is ending on an uncaught exception with ${events.length} event(s) not sent (flushAtExitMs is 0)`;
        this.#keepOrDrop(events, why, 'crash');
        return;
      }
      const batches: Built[][] = [];
      for (let at = 0; at < events.length; at += this.#settings.batchSize)
        batches.push(events.slice(at, at + this.#settings.batchSize));
      const { sent, problem } = postBlocking({
        endpoint: this.#endpoint,
        requests: batches.map((batch) =>
          eventsRequestSync(
            this.#publicKey,
            batch.map((item) => item.json),
          ),
        ),
        timeoutMs,
      });
      this.#counts.requests += Math.min(batches.length, sent + 1);
      for (const batch of batches.slice(0, sent)) {
        this.#counts.sent += batch.length;
        this.#settle(batch, true);
      }
      const lost = batches.slice(sent).flat();
      if (lost.length === 0) return;
      this.#counts.failures++;
      const why = `the process is ending on an uncaught exception and ${lost.length} event(s) could not be sent to ${this.#endpoint} (${problem})`;
      if (!this.#keepOrDrop(lost, why, 'crash')) this.#reportOnce('crash', 'send', why);
    } catch (error) {
      this.#reportOnce('internal', 'send', error);
    }
  }

  /**
   * The process is exiting and will not wait for the server (any longer): keeps what is still unsent for
   * the next start, and no longer sends it. Returns how many events are left unsent and not kept (no
   * keeper, or it failed): 0 when there was nothing to keep or all of it was kept. The transport stays
   * open: beforeExit may have scheduled more work, and the process live on.
   */
  keepAtExit(): number {
    if (this.#closed) return 0;
    try {
      this.#build(this.#buffer.splice(0));
      const events = this.#batches.flat();
      if (events.length === 0) return 0;
      const why = `the process is exiting and ${events.length} event(s) could not be sent to ${this.#endpoint} yet`;
      const kept = this.#keepUnsent(events, why);
      // Kept, they are no longer sent: delivered too, their flush waiters would be settled twice.
      if (kept) this.#batches.splice(0);
      // A request the server does not answer would hold the exiting process for up to timeoutMs, not
      // flushAtExitMs. If the server got it after all, it counts its events once.
      this.#inFlight?.abort(EXITING);
      return kept ? 0 : events.length;
    } catch (error) {
      this.#reportOnce('internal', 'send', error);
      return this.#buffer.length + this.#batches.reduce((sum, batch) => sum + batch.length, 0);
    }
  }

  /**
   * Sends the events earlier runs kept because they could not send them: they are buffered as any
   * other, and a file is deleted once its events were delivered, dropped or kept again (a process
   * killed before leaves it for a later start; the server counts an event it holds once). `flush`
   * waits for them to be read.
   */
  replayKept(): Promise<number> {
    this.#replaying ??= this.#replay().catch((error: unknown) => {
      this.#reportOnce('replay', 'kept events', error);
      return 0;
    });
    return this.#replaying;
  }

  /**
   * Buffers the kept events that fit; returns how many. A crash that does not fit now is given back;
   * one that never can is cut to its newest `maxBuffered`.
   */
  async #replay(): Promise<number> {
    if (!this.#keeper) return 0;
    const { maxBuffered } = this.#settings;
    return this.#keeper.replay(
      (crash) => {
        // An exit keeps the buffer and the batch in flight, up to maxBuffered + batchSize: the excess
        // goes as a full buffer drops, oldest first, or the crash would be given back at every start.
        const excess = Math.max(0, crash.events.length - maxBuffered);
        // No room now: left for a later start, whole.
        if (crash.events.length - excess > maxBuffered - this.#buffer.length) return false;
        const dropped =
          excess > 0 ? `; its oldest ${excess} are dropped (maxBuffered is ${maxBuffered})` : '';
        this.#onNote(
          `sending ${crash.events.length} event(s) that process ${crash.pid} could not send before it ended (at ${new Date(crash.crashedAt).toISOString()})${dropped}`,
        );
        this.#drop('buffer-full', [], excess);
        const replayed: Replayed = { crash, remaining: crash.events.length - excess, lost: false };
        for (const event of crash.events.slice(excess))
          this.#replayed.set(this.#enqueue({ event: () => event as TriageEvent }), replayed);
        if (replayed.remaining === 0) return true;
        return 'later';
      },
      // Closed meanwhile (a client replaced at start-up): what is left stays for its successor.
      { wanted: () => !this.#closed, onError: (error) => this.#reportOnce('replay', 'kept events', error) },
    );
  }

  /** Every event not yet sent, built (the buffered ones too), taken out of the queue. */
  #takeUnsent(): Built[] {
    this.#build(this.#buffer.splice(0));
    return this.#batches.splice(0).flat();
  }

  /** Keeps `events` (see `#keepUnsent`), or drops them, counted under `reason`; true when kept. */
  #keepOrDrop(events: Built[], why: string, reason: string): boolean {
    if (this.#keepUnsent(events, why)) return true;
    this.#drop(reason, events);
    return false;
  }

  /** Writes `events` (built: redacted and serialised) to the keeper; true when they were kept. */
  #keepUnsent(events: Built[], why: string): boolean {
    if (!this.#keeper) return false;
    try {
      // Built: already redacted and pseudonymized, as the server would have received them.
      const file = this.#keeper.keepWritten(events.map((item) => item.json));
      this.#counts.kept += events.length;
      this.#settle(events, false);
      this.#onNote(`${why}: kept in ${file}, for the next start of this application to send`);
      return true;
    } catch (error) {
      this.#reportOnce('keep', 'kept events', error);
      return false;
    }
  }

  stats(): Record<string, unknown> {
    return {
      ...this.#counts,
      buffered: this.#buffer.length,
      inFlight: this.#batches.reduce((sum, batch) => sum + batch.length, 0),
      dropped: { ...this.#dropped },
      ignored: { ...this.#ignored },
    };
  }

  #schedule(now: boolean) {
    // A running pump takes whatever arrives before it stops.
    if (this.#pumping || this.#closed) return;
    if (now) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        void this.#pump();
      });
    } else if (!this.#timer && !this.#immediate) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.#pump();
      }, this.#settings.flushIntervalMs);
      this.#timer.unref();
    }
  }

  /** One batch in flight at a time, so events arrive in the order their scopes ended. */
  async #pump() {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    try {
      while (!this.#closed) {
        const batch = this.#batches[0];
        if (batch) await this.#deliver(batch);
        else if (this.#buffer.length > 0) this.#build(this.#buffer.splice(0, this.#settings.batchSize));
        else break;
      }
    } catch (error) {
      this.#reportOnce('internal', 'send', error);
    } finally {
      this.#pumping = false;
    }
  }

  #build(jobs: Waiting[]) {
    const batch: Built[] = [];
    for (const { seq, job } of jobs) {
      try {
        // Nothing leaves the process unredacted: the server redacts again, but the network and its
        // proxies see only this. Built here, in the background, never on the request path.
        const event = this.#redactor.event(this.#pseudonymize(withKnownFields(job.event())));
        batch.push({ seq, json: serializeEvent(event) });
      } catch (error) {
        this.#drop('event-failed', [{ seq }]);
        this.#reportOnce('event', 'event', error);
      }
    }
    if (batch.length > 0) this.#batches.push(batch);
  }

  async #deliver(batch: Built[]) {
    this.#attemptStartedAt = Date.now();
    const answer = await this.#post(batch);
    // Closed, or kept at exit, meanwhile: the batch is no longer this transport's to deliver.
    if (this.#closed || this.#batches[0] !== batch) return;
    // Aborted at exit with nowhere to keep it: sent again only if the process lives on after all.
    if ('error' in answer && answer.error === EXITING) return this.#retry(null, true);
    if (!('error' in answer) && answer.status >= 200 && answer.status < 300) {
      this.#batches.shift();
      this.#attempt = 0;
      this.#accepted(batch, answer.text);
      return;
    }
    this.#counts.failures++;
    if ('error' in answer || UNAVAILABLE.has(answer.status)) {
      const reason = 'error' in answer ? messageOf(answer.error) : `HTTP ${answer.status}`;
      this.#reportOnce(
        'unavailable',
        'send',
        `the Triage server at ${this.#endpoint} is unavailable (${reason}); retrying`,
      );
      return this.#retry('error' in answer ? null : answer.retryAfter, true);
    }
    const { status, retryAfter, location, text } = answer;
    if (status === 429) {
      this.#reportOnce(
        'over-quota',
        'send',
        `the Triage server is over quota (HTTP 429); retrying after its Retry-After`,
      );
      return this.#retry(retryAfter, false);
    }
    if (status >= 500) {
      const answered = (this.#serverErrors.get(batch) ?? 0) + 1;
      this.#serverErrors.set(batch, answered);
      const problem = `HTTP ${status}: ${errorOf(text)}`;
      if (answered < SERVER_ERROR_ATTEMPTS) {
        this.#reportOnce(
          'server-failed',
          'send',
          `the Triage server at ${this.#endpoint} failed on a batch (${problem}); retrying it`,
        );
      } else {
        this.#batches.shift();
        this.#splitOrDrop(
          batch,
          'server-error',
          `the Triage server at ${this.#endpoint} failed ${answered} times on an event (${problem}); dropped`,
        );
      }
      return this.#retry(retryAfter, true);
    }
    this.#batches.shift();
    if (status === 413) {
      this.#splitOrDrop(
        batch,
        'too-large',
        'an event was larger than the Triage server accepts (HTTP 413); dropped',
      );
    } else if (status === 400) {
      this.#splitOrDrop(
        batch,
        'rejected',
        `the Triage server rejected an event (HTTP 400): ${errorOf(text)}; dropped`,
      );
    } else if (status >= 300 && status < 400) {
      this.#drop('redirected', batch);
      this.#reportOnce(
        'redirected',
        'send',
        `the Triage server at ${this.#endpoint} answered ${status}, a redirect${location ? ` to ${location.slice(0, 200)}` : ''}; redirects are not followed (they would lose the events or send the key elsewhere): point TRIAGE_DSN (or the dsn option) at the address it redirects to. Events are dropped until then`,
      );
    } else if (status === 401 || status === 403) {
      this.#drop('unauthorized', batch);
      this.#reportOnce(
        'unauthorized',
        'send',
        `the Triage server refused the public key of TRIAGE_DSN (HTTP ${status}); events are dropped until TRIAGE_DSN (or the dsn option) holds a valid key`,
      );
    } else {
      this.#drop('rejected', batch);
      this.#reportOnce(
        'rejected',
        'send',
        `the Triage server rejected a batch (HTTP ${status}): ${errorOf(text)}`,
      );
    }
  }

  /** A 2xx: the batch is stored, but for the events its answer lists as refused. */
  #accepted(batch: Built[], text: string) {
    const refused = refusedOf(text, batch.length);
    const sent = refused.size === 0 ? batch : batch.filter((_item, index) => !refused.has(index));
    this.#counts.sent += sent.length;
    this.#settle(sent, true);
    if (refused.size === 0) return;
    this.#drop(
      'rejected',
      batch.filter((_item, index) => refused.has(index)),
    );
    const [index, reason] = [...refused][0]!;
    this.#reportOnce(
      'rejected-in-batch',
      'send',
      `the Triage server refused ${refused.size} of the ${batch.length} event(s) of a batch, dropped (event ${index}: ${reason})`,
    );
  }

  /**
   * A batch (just taken off the queue) the server refused for what it holds: its halves go next, in
   * order, so that only the event it refuses is lost; an event alone is dropped under `reason`.
   */
  #splitOrDrop(batch: Built[], reason: string, problem: string) {
    if (batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      this.#batches.unshift(batch.slice(0, half), batch.slice(half));
      return;
    }
    this.#drop(reason, batch);
    this.#reportOnce(reason, 'send', problem);
  }

  #post(batch: Built[]): Promise<Answer> {
    this.#counts.requests++;
    const request = new AbortController();
    this.#inFlight = request;
    return postEvents({
      endpoint: this.#endpoint,
      publicKey: this.#publicKey,
      events: batch.map((item) => item.json),
      timeoutMs: this.#settings.timeoutMs,
      fetch: this.#settings.fetch,
      signal: request.signal,
    }).finally(() => {
      if (this.#inFlight === request) this.#inFlight = undefined;
    });
  }

  /**
   * Waits before the next attempt of the same batch: the server's Retry-After when it gave one, else
   * the backoff, which flush() may cut short when `hurried`.
   */
  #retry(retryAfter: string | null, hurried: boolean): Promise<void> {
    const asked = parseRetryAfter(retryAfter);
    if (asked !== undefined) return this.#wait(Math.max(asked, this.#settings.retryBaseMs), false);
    return this.#wait(this.#backoff(), hurried);
  }

  /**
   * Waits `ms` (at most MAX_RETRY_AFTER_MS). When `hurried`, flush() brings the end forward to
   * retryBaseMs after the previous attempt began: an application that flushes every few milliseconds
   * must not make the transport hammer a server that is failing.
   */
  #wait(ms: number, hurried: boolean): Promise<void> {
    this.#counts.retries++;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = () => {
        clearTimeout(timer);
        this.#sleeping = undefined;
        resolve();
      };
      const sleepUntil = (at: number) => {
        clearTimeout(timer);
        timer = setTimeout(wake, Math.max(0, at - Date.now()));
        timer.unref();
      };
      const end = Date.now() + Math.min(ms, MAX_RETRY_AFTER_MS);
      sleepUntil(end);
      const soonest = this.#attemptStartedAt + this.#settings.retryBaseMs;
      let hurrying = false;
      const hurry = () => {
        if (!hurried || hurrying || soonest >= end) return;
        hurrying = true;
        sleepUntil(soonest);
      };
      this.#sleeping = { wake, hurry };
    });
  }

  /** Exponential with "equal jitter": half fixed, half random, so many instances spread out. */
  #backoff(): number {
    const ceiling = Math.min(this.#settings.retryMaxMs, this.#settings.retryBaseMs * 2 ** this.#attempt++);
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  /** `items` are settled: delivered (`accepted`), dropped, or kept; `lost` with the process ending. */
  #settle(items: Array<{ seq: number }>, accepted: boolean, lost = false) {
    if (this.#replayed.size > 0) this.#settleReplayed(items, lost);
    for (const waiter of [...this.#waiters]) {
      for (const { seq } of items) {
        if (seq >= waiter.target) continue;
        waiter.remaining--;
        if (!accepted) waiter.failed = true;
      }
      if (waiter.remaining > 0) continue;
      this.#waiters = this.#waiters.filter((other) => other !== waiter);
      waiter.resolve(!waiter.failed);
    }
  }

  /** Deletes the file of a replayed crash once each of its events is settled, none lost with the process. */
  #settleReplayed(items: Array<{ seq: number }>, lost: boolean) {
    for (const { seq } of items) {
      const replayed = this.#replayed.get(seq);
      if (!replayed) continue;
      this.#replayed.delete(seq);
      replayed.lost ||= lost;
      if (--replayed.remaining > 0 || replayed.lost) continue;
      try {
        // At once: kept again at a crash, the event loop will not turn for an unlink to finish.
        this.#keeper?.releaseSync(replayed.crash);
      } catch (error) {
        this.#reportOnce('replay', 'kept events', error);
      }
    }
  }

  /** Counts a drop of `count` events; `items` are the buffered ones among them, which flush() waits for. */
  #drop(reason: string, items: Array<{ seq: number }>, count = items.length) {
    if (count === 0) return;
    // Dropped for a reason of this process or of the way to the server, not for what they hold: their
    // kept file, if any, stays for a later start (a key rotated back, a buffer no longer full).
    this.#settle(items, false, !REFUSED_FOR_WHAT_THEY_HOLD.has(reason));
    this.#dropped[reason] = (this.#dropped[reason] ?? 0) + count;
    try {
      this.#settings.onDrop(reason, count);
    } catch {
      // the caller's counter failed; ours is kept
    }
  }

  /** Logged once per kind: a server that is down for an hour must not flood the application's stderr. */
  #reportOnce(kind: string, stage: string, problem: unknown) {
    if (this.#reported.has(kind)) return;
    this.#reported.add(kind);
    try {
      this.#settings.onFailure(stage, problem instanceof Error ? problem : new Error(String(problem)));
    } catch {
      // nowhere left to report
    }
  }
}

/**
 * The event with its user and request reduced to the fields the server keeps (as core's
 * `normalizeEvent` reads them): what an application gave besides (`user: {name, phone, address}`,
 * `request.cookies`) was sent, redacted only by the rules it happened to meet, and dropped on
 * arrival. With normalize's own readers of them, not `normalizeEvent` itself: it drops
 * `droppedEntries` and throws on an event with nothing in its log, which an event the SDK built
 * may be.
 */
function withKnownFields(event: TriageEvent): TriageEvent {
  if (event.user === undefined && event.request === undefined) return event;
  return { ...event, user: toUser(event.user), request: toRequest(event.request) };
}

function messageOf(problem: unknown): string {
  if (!(problem instanceof Error)) return String(problem);
  const cause = problem.cause instanceof Error ? ` (${problem.cause.message})` : '';
  return `${problem.message}${cause}`;
}

function atLeast(minimum: number, value: number, name: string): number {
  if (!Number.isFinite(value) || value < minimum)
    throw new RangeError(`${name} must be a number of at least ${minimum}, got ${value}`);
  return value;
}
