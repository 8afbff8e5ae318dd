import { type AnalysisResult, MAX_RETRY_AFTER_MS, type TriageEvent } from '@triage/core';
import { DeliveryError } from '../errors/delivery-error.js';
import type { Issue, IssueStore, OutboxEntry } from '../ports/issue-store.js';
import type { Alert, Notifier } from '../ports/notifier.js';
import type { FailureReporter } from './failure-reporter.js';

export interface DispatcherOptions {
  store: IssueStore;
  /** By channel name. */
  notifiers: Map<string, Notifier>;
  failures: FailureReporter;
  /**
   * Attempts before an alert becomes a dead letter (default 20: with the default delays, its retries
   * span 29–58 minutes, so a channel down for half an hour loses nothing; at 6 they spanned 16–31 s).
   */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt, with full jitter, capped at `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * How long a claimed alert is reserved for this dispatcher before another may take it. A send in
   * progress renews it every half of it, so another instance never sends an alert this one is still
   * sending; the lease runs out only when this instance is gone (or cannot reach the store).
   */
  leaseMs?: number;
  /**
   * The longest a notifier may take to deliver (default 2 minutes): a send that has not settled by
   * then is a failed attempt, retried with the others, and its alert is no longer held by renewals.
   */
  sendTimeoutMs?: number;
  /**
   * The longest the outbox goes unlooked at while the dispatcher runs: it finds the alerts another
   * instance wrote and did not send (it died), and tries again after a look that failed.
   */
  pollMs?: number;
  now?: () => number;
  random?: () => number;
}

/** Alerts sent at once, at most. */
const MAX_IN_FLIGHT = 20;

/** The longest delay setTimeout keeps (2^31 - 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the outbox keeps of an alert: everything needed to send it again after a restart. */
export interface AlertPayload {
  kind?: 'alert';
  issue: Issue;
  event: TriageEvent;
  result: AnalysisResult;
  reason: string;
}

/** The daily digest, rendered once, sent through the same outbox. */
export interface DigestPayload {
  kind: 'digest';
  digest: { subject: string; text: string; html: string };
}

/** An issue was resolved: close what its alerts opened on a channel that can (PagerDuty). */
export interface ResolvePayload {
  kind: 'resolve';
  issue: Issue;
}

/** An issue was acknowledged: tell the channel that paged for it (PagerDuty stops escalating). */
export interface AcknowledgePayload {
  kind: 'acknowledge';
  issue: Issue;
}

export type OutboxPayload = AlertPayload | DigestPayload | ResolvePayload | AcknowledgePayload;

/**
 * Delivers alerts through the outbox kept in the store: an alert is written
 * first (idempotency key = issue + channel + window, so no duplicate reaches a
 * person), then sent; failures are retried with exponential backoff and
 * jitter, honouring Retry-After; what finally fails is kept as a dead letter.
 * Pending alerts survive a restart: `start()` sends what the last process left.
 */
export class AlertDispatcher {
  readonly #options: Required<Omit<DispatcherOptions, 'store' | 'notifiers' | 'failures'>> &
    DispatcherOptions;
  #claiming?: Promise<void>;
  #again = false;
  /**
   * Sends under way, by idempotency key: each is claimed, sent and settled on its own, so a slow channel
   * holds up no other.
   */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** The same, by issue and channel: a resolve waits for the alert of its issue still being sent. */
  readonly #inFlightFor = new Map<string, Set<Promise<void>>>();
  /**
   * Callers waiting for the first attempt of an entry they wrote, by idempotency key (see
   * enqueue), each with the number of claim passes started before it waited.
   */
  readonly #waiters = new Map<string, Array<{ resolve: () => void; after: number }>>();
  /** Claim passes started: one that started before an entry was written may not have seen it. */
  #passes = 0;
  #timer?: NodeJS.Timeout;
  #closed = false;
  sent = 0;
  dead = 0;

  constructor(options: DispatcherOptions) {
    this.#options = {
      maxAttempts: 20,
      baseDelayMs: 1_000,
      maxDelayMs: 5 * 60_000,
      leaseMs: 60_000,
      sendTimeoutMs: 120_000,
      pollMs: 30_000,
      now: Date.now,
      random: Math.random,
      ...options,
    };
    // Renewed every half of it: a lease of a few milliseconds would be a query a millisecond.
    if (!(this.#options.leaseMs >= 100))
      throw new RangeError(`the alerts' leaseMs must be at least 100 ms, got ${this.#options.leaseMs}`);
    if (!(this.#options.sendTimeoutMs > 0))
      throw new RangeError(`sendTimeoutMs must be more than 0, got ${this.#options.sendTimeoutMs}`);
  }

  /**
   * Writes one outbox entry per channel and returns the channels that were new (not duplicates), once
   * each new entry has had its first attempt here (or another instance took it, or this one cannot
   * now): what a caller that tells a person "alerted" waits for. Waiting for the dispatcher to be idle
   * instead, every job's alert waited for every send in flight, another issue's slow mail server
   * included, and under steady alerts for ever.
   */
  async enqueue(payload: OutboxPayload, channels: string[], window: string): Promise<string[]> {
    const { queued, keys } = await this.#write(payload, channels, window);
    if (queued.length === 0) return queued;
    const attempted = Promise.all(
      keys.map(
        (key) =>
          new Promise<void>((resolve) => {
            const waiting = this.#waiters.get(key) ?? [];
            waiting.push({ resolve, after: this.#passes });
            this.#waiters.set(key, waiting);
          }),
      ),
    );
    if (this.#closed) this.#release();
    this.kick();
    await attempted;
    return queued;
  }

  async #write(payload: OutboxPayload, channels: string[], window: string) {
    const { store, now } = this.#options;
    const queued: string[] = [];
    const keys: string[] = [];
    const subject = payload.kind === 'digest' ? 'digest' : payload.issue.id;
    for (const channel of channels) {
      const idempotencyKey = `${subject}:${channel}:${window}`;
      const fresh = await store.enqueueAlert({
        idempotencyKey,
        issueId: subject,
        channel,
        payload: JSON.stringify(payload),
        nextAttemptAt: now(),
      });
      if (fresh) {
        queued.push(channel);
        keys.push(idempotencyKey);
      }
    }
    return { queued, keys };
  }

  /**
   * Lets go of the callers waiting for entries this dispatcher is not sending, that claim pass `pass`
   * looked for (it started after they were written); every one without arguments.
   */
  #release(sending: ReadonlyMap<string, unknown> = new Map(), pass = Number.POSITIVE_INFINITY): void {
    for (const [key, waiting] of this.#waiters) {
      if (sending.has(key)) continue;
      const left = waiting.filter((waiter) => waiter.after >= pass);
      for (const waiter of waiting) if (waiter.after < pass) waiter.resolve();
      if (left.length > 0) this.#waiters.set(key, left);
      else this.#waiters.delete(key);
    }
  }

  #attempted(key: string): void {
    const waiting = this.#waiters.get(key);
    this.#waiters.delete(key);
    for (const waiter of waiting ?? []) waiter.resolve();
  }

  /** Sends whatever is due, now and again later for retries. */
  start(): void {
    this.kick();
  }

  kick(): void {
    if (this.#closed) return;
    if (this.#claiming) {
      this.#again = true;
      return;
    }
    this.#claiming = this.#claim().finally(() => {
      this.#claiming = undefined;
      if (this.#again) {
        this.#again = false;
        this.kick();
      }
    });
  }

  /** Resolves when no alert is being claimed or sent (retries due later are not waited for). */
  async idle(): Promise<void> {
    while (this.#claiming || this.#inFlight.size > 0)
      await Promise.all([this.#claiming, ...this.#inFlight.values()]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.idle();
    this.#release();
  }

  /**
   * Claims what is due, up to MAX_IN_FLIGHT sends at once, and starts each send without waiting for the
   * others: claimed and awaited in batches, one slow channel (an SMTP server taking its 15 s a step) held
   * back the page of the next issue until the whole batch was over. A send that ends claims again.
   */
  async #claim(): Promise<void> {
    const { store, now, leaseMs, failures } = this.#options;
    const pass = ++this.#passes;
    try {
      for (;;) {
        const room = MAX_IN_FLIGHT - this.#inFlight.size;
        if (room <= 0) return;
        const due = await store.claimDueAlerts(now(), room, leaseMs);
        // Closed meanwhile: what was just claimed is left for its lease to run out, sent by the next start.
        if (this.#closed) return;
        for (const entry of due) this.#track(entry, this.#deliver(entry));
        if (due.length < room) break;
      }
      // Everything due is being sent: an entry a caller waits for and this instance is not sending was
      // taken by another one.
      this.#release(this.#inFlight, pass);
      await this.#scheduleNext();
    } catch (error) {
      failures.report('outbox', error);
      this.#release(this.#inFlight, pass);
      // The store failed (a database outage): with no timer armed, the alerts waiting for their retry
      // waited for the next new alert, or a restart.
      this.#arm(this.#options.pollMs);
    }
  }

  #track(entry: OutboxEntry, delivery: Promise<void>): void {
    const { idempotencyKey } = entry;
    const subject = `${entry.issueId}:${entry.channel}`;
    const tracked: Promise<void> = delivery
      .catch((error: unknown) => {
        this.#options.failures.report('outbox', error);
        this.#arm(this.#options.pollMs);
      })
      .finally(() => {
        // A claim that lapsed while its send went on can be taken again here: that send is the other's.
        if (this.#inFlight.get(idempotencyKey) === tracked) this.#inFlight.delete(idempotencyKey);
        const sends = this.#inFlightFor.get(subject);
        sends?.delete(tracked);
        if (sends?.size === 0) this.#inFlightFor.delete(subject);
        this.#attempted(idempotencyKey);
        this.kick();
      });
    this.#inFlight.set(idempotencyKey, tracked);
    const sends = this.#inFlightFor.get(subject) ?? new Set();
    sends.add(tracked);
    this.#inFlightFor.set(subject, sends);
  }

  /**
   * The sends of `entry`'s issue on its channel under way (called before its own is tracked): a resolve (or an
   * acknowledge) sent beside the alert it follows could reach PagerDuty first, which takes a resolve
   * of no open incident as nothing, and the alert then opened an incident for a resolved issue.
   */
  #othersFor(entry: OutboxEntry): Promise<void>[] {
    return [...(this.#inFlightFor.get(`${entry.issueId}:${entry.channel}`) ?? [])];
  }

  /**
   * Sends one claimed alert, holding its claim while the send lasts: a send slower than the lease (SMTP
   * gives each of its steps 15 s) was taken by another instance and sent twice.
   */
  async #deliver(entry: OutboxEntry): Promise<void> {
    const { store, failures, leaseMs, now } = this.#options;
    const renewing = new Set<Promise<unknown>>();
    const renewal = setInterval(() => {
      const renewed = store
        .renewAlertClaim(entry.id, entry.attempts, now() + leaseMs)
        .catch((error: unknown) => failures.report('outbox', error))
        .finally(() => renewing.delete(renewed));
      renewing.add(renewed);
    }, leaseMs / 2);
    renewal.unref();
    try {
      await this.#attempt(entry, async () => {
        clearInterval(renewal);
        // A renewal still on its way would move a retry's due time back to the end of a lease.
        await Promise.all(renewing);
      });
    } finally {
      clearInterval(renewal);
    }
  }

  /** One attempt; `settle` runs once the send is over, before its outcome is written. */
  async #attempt(entry: OutboxEntry, settle: () => Promise<void>): Promise<void> {
    const { store, notifiers, failures, maxAttempts, now } = this.#options;
    const notifier = notifiers.get(entry.channel);
    let skipped: string | undefined;
    let failure: { error: unknown } | undefined;
    try {
      if (!notifier)
        throw new DeliveryError(`no notifier is configured for channel "${entry.channel}"`, {
          isRetryable: false,
        });
      skipped = await this.#send(notifier, entry);
    } catch (error) {
      failure = { error };
    }
    await settle();
    if (!failure) {
      if (skipped) await store.markAlertDead(entry.id, skipped);
      else {
        await store.markAlertSent(entry.id, now());
        this.sent++;
      }
      return;
    }
    const { error } = failure;
    const message = error instanceof Error ? error.message : String(error);
    const retryable = DeliveryError.isInstance(error) ? error.isRetryable : true;
    if (notifier) failures.report(`alert:${entry.channel}`, error);
    if (!retryable || entry.attempts >= maxAttempts) {
      this.dead++;
      failures.drop('dead-letter');
      await store.markAlertDead(
        entry.id,
        notifier ? `${message} (after ${entry.attempts} attempt${entry.attempts === 1 ? '' : 's'})` : message,
      );
      return;
    }
    const retryAfter = DeliveryError.isInstance(error) ? error.retryAfterMs : undefined;
    await store.markAlertRetry(entry.id, now() + this.#delay(entry.attempts, retryAfter), message);
  }

  /** Hands the entry to its notifier; returns why it was not sent when it should not be, else undefined. */
  async #send(notifier: Notifier, entry: OutboxEntry): Promise<string | undefined> {
    const { store } = this.#options;
    // Before any wait: the sends of this issue on this channel started before this one.
    const before = this.#othersFor(entry);
    const payload = JSON.parse(entry.payload) as OutboxPayload;
    if (payload.kind === 'resolve' || payload.kind === 'acknowledge') await Promise.all(before);
    if (payload.kind === 'digest') {
      if (!notifier.sendDigest)
        throw new DeliveryError(`${notifier.name} cannot send a digest`, { isRetryable: false });
      await this.#bounded(notifier.sendDigest(payload.digest), notifier.name);
      return undefined;
    }
    if (payload.kind === 'resolve') {
      if (!notifier.resolve)
        throw new DeliveryError(`${notifier.name} cannot resolve`, { isRetryable: false });
      // A resolve held back (a Retry-After, an outage) until the issue came back would close the
      // incident its regression opened: the issue is live again, and so stays its incident.
      if ((await store.getIssue(payload.issue.id))?.status !== 'resolved')
        return 'not sent: the issue was no longer resolved when it could be';
      await this.#bounded(notifier.resolve(payload.issue), notifier.name);
      return undefined;
    }
    if (payload.kind === 'acknowledge') {
      if (!notifier.acknowledge)
        throw new DeliveryError(`${notifier.name} cannot acknowledge`, { isRetryable: false });
      // Held back until the issue moved on (resolved, regressed), it would acknowledge what is live again.
      if ((await store.getIssue(payload.issue.id))?.status !== 'acknowledged')
        return 'not sent: the issue was no longer acknowledged when it could be';
      await this.#bounded(notifier.acknowledge(payload.issue), notifier.name);
      return undefined;
    }
    // A page still waiting for its channel when the issue was resolved would open an incident after
    // its resolve went out (the resolve, due at once, overtakes a page in backoff): it is not sent.
    if (notifier.resolve && (await store.getIssue(payload.issue.id))?.status === 'resolved')
      return 'not sent: the issue was resolved before it could be';
    const alert: Alert = {
      issue: payload.issue,
      event: payload.event,
      result: payload.result,
      reason: payload.reason,
      deliveryId: entry.idempotencyKey,
    };
    await this.#bounded(notifier.send(alert), notifier.name);
    return undefined;
  }

  /** A send that outlasts sendTimeoutMs fails (retryably): its claim is not held for ever. */
  async #bounded(sending: Promise<void>, name: string): Promise<void> {
    const { sendTimeoutMs } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new DeliveryError(`${name} gave no answer within ${sendTimeoutMs} ms`, { isRetryable: true }),
          ),
        sendTimeoutMs,
      );
      timer.unref();
    });
    // A send given up on may still fail later, with no one left to hear it.
    sending.catch(() => {});
    try {
      await Promise.race([sending, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Exponential backoff with full jitter; never sooner than the server's Retry-After (up to an hour). */
  #delay(attempt: number, retryAfterMs: number | undefined): number {
    const { baseDelayMs, maxDelayMs, random } = this.#options;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    const jittered = ceiling / 2 + random() * (ceiling / 2);
    // Whole milliseconds: a due time is a bigint on PostgreSQL, which refuses a fraction.
    return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)));
  }

  async #scheduleNext(): Promise<void> {
    if (this.#closed) return;
    // The soonest due, not every pending entry: with a channel down the outbox holds thousands, and
    // each was loaded, payload and all, after every round.
    const next = (await this.#options.store.nextAlertDueAt()) ?? Number.POSITIVE_INFINITY;
    // Never longer than pollMs: another instance may write alerts meanwhile, and die before sending them.
    this.#arm(Math.min(Math.max(0, next - this.#options.now()), this.#options.pollMs));
  }

  #arm(delayMs: number): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    // setTimeout fires at once, with a warning, for a delay past 2^31 - 1 ms (about 24.8 days): an alert
    // due that late (a Retry-After of 35 days, honoured whole before) had the dispatcher look for due
    // alerts every few milliseconds. pollMs bounds the delay; this bounds a pollMs set that high.
    this.#timer = setTimeout(() => this.kick(), Math.min(delayMs, MAX_TIMER_MS));
    this.#timer.unref();
  }
}
