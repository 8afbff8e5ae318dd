import {
  createPseudonymizer,
  createRedactor,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  type RedactOptions,
  type Redactor,
  type TriageEvent,
} from '@triage/core';
import type { CrashKeeper } from '../crash-keeping.js';
import { parseDsn } from './parse-dsn.js';
import { postBlocking } from './post-blocking.js';
import { type Answer, errorOf, eventsRequestSync, postEvents, serializeEvent } from './post-events.js';
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
  /** First delay after a 5xx, a network error or a timeout; doubled per attempt, with jitter. */
  retryBaseMs?: number;
  /** Longest delay between two attempts (a 429's Retry-After excepted). */
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
interface FlushWaiter {
  /** Jobs numbered below this were buffered when flush() was called. */
  target: number;
  remaining: number;
  failed: boolean;
  resolve: (accepted: boolean) => void;
}

/**
 * Sends ended scopes to a `triage serve` server, in batches, from the background.
 * `send` only queues a job; events are built and serialised when their batch goes out.
 * 429 waits for Retry-After, 5xx and network errors back off exponentially with jitter,
 * 413 splits the batch, other 4xx drop it. A scope's `onAnalysis` cannot run here (the
 * server analyses the event): it runs only with the in-process engine, and is counted
 * as `on-analysis-remote`.
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
  readonly #closing = new AbortController();
  readonly #reported = new Set<string>();
  readonly #dropped: Record<string, number> = {};
  #buffer: Waiting[] = [];
  /** Built batches still to deliver; the first is in flight. */
  #batches: Built[][] = [];
  #waiters: FlushWaiter[] = [];
  #seq = 0;
  #timer?: NodeJS.Timeout;
  #immediate?: NodeJS.Immediate;
  #pumping = false;
  #sleeping?: { wake: () => void; early: boolean };
  #attempt = 0;
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
        this.#drop('on-analysis-remote', [], 1);
        this.#reportOnce(
          'on-analysis',
          'onAnalysis',
          'a scope onAnalysis runs only with the in-process engine, never when sending to TRIAGE_DSN',
        );
      }
      if (this.#buffer.length >= this.#settings.maxBuffered)
        this.#drop('buffer-full', this.#buffer.splice(0, 1));
      this.#buffer.push({ seq: this.#seq++, job });
      this.#schedule(this.#buffer.length >= this.#settings.batchSize);
    } catch (error) {
      this.#reportOnce('internal', 'send', error);
    }
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
      // Someone is waiting: try now rather than after a 5xx backoff (never before a 429's Retry-After).
      if (this.#sleeping?.early) this.#sleeping.wake();
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
    this.#closing.abort();
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
    this.#closing.abort(new Error('the process is ending'));
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
   * The process is exiting and waited in vain for the server: keeps what is still unsent for the next
   * start. True when there was nothing to keep or all of it was kept. A request still in flight may yet
   * deliver some of it: the server counts an event it holds once.
   */
  keepAtExit(): boolean {
    if (this.#closed) return true;
    try {
      this.#build(this.#buffer.splice(0));
      const events = this.#batches.flat();
      return (
        events.length === 0 ||
        this.#keepUnsent(
          events,
          `the process is exiting and ${events.length} event(s) could not be sent to ${this.#endpoint} yet`,
        )
      );
    } catch (error) {
      this.#reportOnce('internal', 'send', error);
      return false;
    }
  }

  /**
   * Sends the events earlier runs kept because they could not send them, then deletes their files:
   * from then on they are buffered as any other. `flush` waits for them to be read.
   */
  replayKept(): Promise<number> {
    this.#replaying ??= this.#replay().catch((error: unknown) => {
      this.#reportOnce('replay', 'kept events', error);
      return 0;
    });
    return this.#replaying;
  }

  /** Buffers the kept events that fit; returns how many. A crash that does not fit is given back. */
  async #replay(): Promise<number> {
    if (!this.#keeper) return 0;
    return this.#keeper.replay(
      (crash) => {
        // No room: left for a later start, whole.
        if (crash.events.length > this.#settings.maxBuffered - this.#buffer.length) return false;
        this.#onNote(
          `sending ${crash.events.length} event(s) that process ${crash.pid} could not send before it ended (at ${new Date(crash.crashedAt).toISOString()})`,
        );
        for (const event of crash.events) this.send({ event: () => event as TriageEvent });
        return true;
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
        const event = this.#redactor.event(this.#pseudonymize(job.event()));
        batch.push({ seq, json: serializeEvent(event) });
      } catch (error) {
        this.#drop('event-failed', [{ seq }]);
        this.#reportOnce('event', 'event', error);
      }
    }
    if (batch.length > 0) this.#batches.push(batch);
  }

  async #deliver(batch: Built[]) {
    const answer = await this.#post(batch);
    if (this.#closed) return;
    if (!('error' in answer) && answer.status >= 200 && answer.status < 300) {
      this.#batches.shift();
      this.#attempt = 0;
      this.#counts.sent += batch.length;
      this.#settle(batch, true);
      return;
    }
    this.#counts.failures++;
    if ('error' in answer || answer.status === 408 || answer.status >= 500) {
      const reason = 'error' in answer ? messageOf(answer.error) : `HTTP ${answer.status}`;
      this.#reportOnce(
        'unavailable',
        'send',
        `the Triage server at ${this.#endpoint} is unavailable (${reason}); retrying`,
      );
      return this.#wait(this.#backoff(), true);
    }
    const { status, retryAfter, location, text } = answer;
    if (status === 429) {
      const waitMs = parseRetryAfter(retryAfter);
      this.#reportOnce(
        'over-quota',
        'send',
        `the Triage server is over quota (HTTP 429); retrying after its Retry-After`,
      );
      return this.#wait(
        waitMs === undefined ? this.#backoff() : Math.max(waitMs, this.#settings.retryBaseMs),
        false,
      );
    }
    this.#batches.shift();
    if (status === 413 && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      this.#batches.unshift(batch.slice(0, half), batch.slice(half));
    } else if (status === 413) {
      this.#drop('too-large', batch);
      this.#reportOnce(
        'too-large',
        'send',
        'an event was larger than the Triage server accepts (HTTP 413); dropped',
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

  #post(batch: Built[]): Promise<Answer> {
    this.#counts.requests++;
    return postEvents({
      endpoint: this.#endpoint,
      publicKey: this.#publicKey,
      events: batch.map((item) => item.json),
      timeoutMs: this.#settings.timeoutMs,
      fetch: this.#settings.fetch,
      closing: this.#closing.signal,
    });
  }

  /** Waits before the next attempt of the same batch; `early` lets flush() cut the wait short. */
  #wait(ms: number, early: boolean): Promise<void> {
    this.#counts.retries++;
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleeping = undefined;
        resolve();
      };
      const timer = setTimeout(wake, Math.min(ms, MAX_RETRY_AFTER_MS));
      timer.unref();
      this.#sleeping = { wake, early };
    });
  }

  /** Exponential with "equal jitter": half fixed, half random, so many instances spread out. */
  #backoff(): number {
    const ceiling = Math.min(this.#settings.retryMaxMs, this.#settings.retryBaseMs * 2 ** this.#attempt++);
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  #settle(items: Array<{ seq: number }>, accepted: boolean) {
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

  /** Counts a drop of `count` events; `items` are the buffered ones among them, which flush() waits for. */
  #drop(reason: string, items: Array<{ seq: number }>, count = items.length) {
    if (count === 0) return;
    this.#settle(items, false);
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
