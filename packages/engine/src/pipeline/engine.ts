import { randomBytes, randomUUID } from 'node:crypto';
import {
  type AnalysisResult,
  createPseudonymizer,
  createRedactor,
  DEFAULT_ROUTING_POLICY,
  fingerprintEvent,
  InvalidEventError,
  normalizeEvent,
  projectFingerprint,
  type RoutingPolicy,
  type TriageEvent,
  withoutUsername,
} from '@triage/core';
import { isReusedAnalysis } from '../analyzers/fallback-analyzer.js';
import { SpendLedger } from '../analyzers/spend-ledger.js';
import { analyzerFromSettings } from '../config/analyzer-from-settings.js';
import { readEngineSettings } from '../config/engine-settings.js';
import { readLlmConfig } from '../config/llm-config.js';
import { notifiersFromEnv } from '../config/notifiers-from-env.js';
import { checkedRouting } from '../config/routing-schema.js';
import { ConfigError } from '../errors/config-error.js';
import type { Analyzer } from '../ports/analyzer.js';
import type { Issue, IssueStore, RecordOutcome, StatusChange } from '../ports/issue-store.js';
import type { Notifier } from '../ports/notifier.js';
import { spendStoreOf } from '../ports/spend-store.js';
import { BoundedQueue } from '../queue/bounded-queue.js';
import { applyEvent } from '../stores/apply-event.js';
import { MemoryStore } from '../stores/memory-store.js';
import { type AcknowledgePayload, AlertDispatcher, type ResolvePayload } from './alert-dispatcher.js';
import { AlertStage } from './alert-stage.js';
import { channelOf } from './channels.js';
import {
  type AlertKind,
  type Decision,
  decideAnalysis,
  errorLinesOf,
  isAlertKind,
  isOneOffKind,
} from './decide.js';
import { describeIssue } from './describe-issue.js';
import type {
  AnalysisCallback,
  AnalysisReport,
  EngineOptions,
  EngineStats,
  Submission,
} from './engine-types.js';
import { FailureReporter } from './failure-reporter.js';
import { scheduleDaily } from './schedule-daily.js';

/**
 * How long a claim to analyse an issue holds unless renewed. A running analysis renews it: with
 * retries, Retry-After waits and a second ask for valid output, an LLM call can outlast any fixed
 * lease, and another process would then take the issue and analyse it again.
 */
const ANALYSIS_LEASE_MS = 2 * 60_000;

/**
 * The pipeline: normalize → redact → fingerprint → record → decide → analyze
 * → alert → track, each stage a small module. `submit` never throws and never
 * runs pipeline work on the caller's tick.
 */
export class Engine {
  readonly #analyzer: Analyzer;
  readonly #ledger: SpendLedger;
  readonly #notifiers: Notifier[];
  readonly #store: IssueStore;
  readonly #redactor;
  readonly #userKeySecret: string | undefined;
  #pseudonymizer?: Promise<(event: TriageEvent) => TriageEvent>;
  #pseudonymizerMade?: (event: TriageEvent) => TriageEvent;
  readonly #queue: BoundedQueue;
  readonly #failures: FailureReporter;
  readonly #dispatcher: AlertDispatcher;
  readonly #routing: RoutingPolicy;
  readonly #windowMs: number;
  readonly #analysisLeaseMs: number;
  readonly #regressOnlyInNewerRelease: boolean;
  readonly #now: () => number;
  readonly #service?: string;
  readonly #onAnalysis?: AnalysisCallback;
  /** The analysis running per fingerprint, and the delivery (a server's job) that started it. */
  readonly #inFlight = new Map<
    string,
    { analysis: Promise<AnalysisReport | undefined>; delivery?: string }
  >();
  /** Re-analyses running in this process, by issue: see reanalyze. */
  readonly #reanalyses = new Map<string, Promise<Issue | undefined>>();
  readonly #counts = { accepted: 0, processed: 0, analyzed: 0, throttled: 0, duplicates: 0 };
  readonly #alerts: AlertStage;
  readonly #dashboardUrl?: string;
  #cancelDigest?: () => void;
  #closed = false;

  constructor(options: EngineOptions = {}) {
    const env = options.env ?? process.env;
    this.#failures = new FailureReporter(options.diagnostics);
    // Fail fast on a bad setting; the key itself is read again at each call.
    const settings = readEngineSettings(env);
    readLlmConfig(env, settings.llm);
    this.#now = options.now ?? Date.now;
    this.#store = options.store ?? new MemoryStore();
    this.#ledger = new SpendLedger(
      { dailyUsd: settings.dailyBudgetUsd, handlerDailyUsd: settings.handlerDailyBudgetUsd },
      this.#now,
      spendStoreOf(this.#store),
      (error) => this.#failures.report('spend', error),
    );
    this.#analyzer =
      options.analyzer ??
      analyzerFromSettings({
        env,
        settings,
        ledger: this.#ledger,
        onFailure: (error) => this.#failures.report('llm', error),
        dryRunOutput: options.dryRunOutput,
        fetch: options.fetch,
      });
    // A dry run alerts nobody.
    this.#notifiers = settings.dryRun ? [] : (options.notifiers ?? notifiersFromEnv(env));
    this.#routing = options.routing
      ? checkedRouting(options.routing)
      : (settings.routing ?? DEFAULT_ROUTING_POLICY);
    this.#redactor = createRedactor(options.redact);
    this.#userKeySecret = options.userKeySecret;
    this.#windowMs = options.throttleWindowMs ?? 60 * 60 * 1000;
    this.#analysisLeaseMs = options.analysisLeaseMs ?? ANALYSIS_LEASE_MS;
    // Renewed every half of it: a lease of a few milliseconds would be a query a millisecond.
    if (!(this.#analysisLeaseMs >= 100))
      throw new RangeError(`analysisLeaseMs must be at least 100 ms, got ${options.analysisLeaseMs}`);
    this.#regressOnlyInNewerRelease = options.regressOnlyInNewerRelease ?? false;
    this.#service = options.service;
    this.#onAnalysis = options.onAnalysis;
    this.#queue = new BoundedQueue({
      maxPending: options.maxPending,
      concurrency: options.concurrency,
      onDrop: () => this.#failures.drop('queue-full'),
      onError: (error) => this.#failures.report('pipeline', error),
    });
    const byChannel = new Map<string, Notifier>();
    for (const notifier of this.#notifiers) {
      const channel = channelOf(notifier.name);
      // One notifier per channel: the outbox keys an alert by its channel, and the last one given took
      // every alert of the channel without a word (two Slack webhooks, SMTP beside the printed email).
      if (byChannel.has(channel))
        throw new ConfigError(
          `two notifiers for the ${channel} channel (${byChannel.get(channel)!.name}, ${notifier.name}): give one per channel`,
        );
      byChannel.set(channel, notifier);
    }
    this.#dispatcher = new AlertDispatcher({
      store: this.#store,
      notifiers: byChannel,
      failures: this.#failures,
      now: this.#now,
      ...options.delivery,
    });
    this.#alerts = new AlertStage({
      dispatcher: this.#dispatcher,
      routing: this.#routing,
      notifiers: this.#notifiers,
      windowMs: this.#windowMs,
      store: this.#store,
      failures: this.#failures,
    });
    // Alerts a previous process left in the outbox go out now.
    this.#dispatcher.start();
    this.#dashboardUrl = options.dashboardUrl ?? env.TRIAGE_DASHBOARD_URL;
    if (options.digestHourUtc != null) {
      this.#cancelDigest = scheduleDaily(options.digestHourUtc, this.#now, () =>
        this.sendDigest().catch((error: unknown) => this.#failures.report('digest', error)),
      );
    }
  }

  /**
   * Sends the daily digest by email (through the outbox: once per day, however
   * many instances share the store). Returns false when it was already sent.
   */
  async sendDigest(now = this.#now()): Promise<boolean> {
    const { buildDigest } = await import('./build-digest.js');
    const digest = await buildDigest({
      store: this.#store,
      now,
      spend: await this.#ledger.spentToday(),
      dashboardUrl: this.#dashboardUrl,
    });
    const day = new Date(now).toISOString().slice(0, 10);
    const queued = await this.#dispatcher.enqueue({ kind: 'digest', digest }, ['email'], day);
    return queued.length > 0;
  }

  get store(): IssueStore {
    return this.#store;
  }

  /** Queues an event for the background pipeline; false when it was refused or pushed out an older one. */
  submit(submission: Submission): boolean {
    if (this.#closed) {
      this.#failures.drop('closed');
      return false;
    }
    this.#counts.accepted++;
    const { onSettled } = submission;
    if (!onSettled) return this.#queue.push(() => this.process(submission));
    const settled = () => {
      try {
        onSettled();
      } catch (error) {
        this.#failures.report('settled callback', error);
      }
    };
    // Pushed out by a full queue, it is done with too: it will never be analysed.
    return this.#queue.push(() => this.process(submission).finally(settled), settled);
  }

  /**
   * Runs the whole pipeline for one event now and resolves with its analysis. It rejects only when an
   * event with a `delivery` cannot be recorded, for its queue to try again; otherwise it never rejects.
   */
  async process({
    input,
    onAnalysis,
    redacted = false,
    delivery,
    awaitAnalysisInFlight = true,
  }: Submission): Promise<AnalysisReport | undefined> {
    let event: TriageEvent;
    const pseudonymize = redacted ? undefined : await this.#pseudonymize();
    try {
      const raw = typeof input === 'function' ? (input as () => unknown)() : input;
      const normalized = normalizeEvent(raw, { service: this.#service });
      // Redacted before (a server's stored event): no second pass, but a user's name is never kept.
      event = pseudonymize ? this.#redactor.event(pseudonymize(normalized)) : withoutUsername(normalized);
    } catch (error) {
      if (InvalidEventError.isInstance(error)) this.#failures.drop('invalid-event');
      this.#failures.report('normalize', error);
      return undefined;
    }
    this.#counts.processed++;
    const computed = fingerprintEvent(event);
    const fingerprint = projectFingerprint(computed.fingerprint, event.tags?.['triage.project']);
    const { title } = computed;
    const now = this.#now();

    let outcome: RecordOutcome;
    try {
      outcome = await this.#store.recordEvent(
        { event, fingerprint, title },
        { now, regressOnlyInNewerRelease: this.#regressOnlyInNewerRelease, delivery },
      );
    } catch (error) {
      // A durable delivery (the server's job) is tried again by its queue, which reports the failure:
      // the event is recorded late rather than alerted on and then kept nowhere.
      if (delivery !== undefined)
        throw new Error(`recording the event failed: ${(error as Error)?.message ?? error}`, {
          cause: error,
        });
      this.#failures.report('record', error);
      outcome = {
        issue: transientIssue(event, fingerprint, title, now),
        created: true,
        regressed: false,
        unsnoozed: false,
      };
    }

    if (outcome.duplicate) {
      // Sent again (its first copy has been, or is being, counted, analysed and alerted on).
      this.#counts.duplicates++;
      return undefined;
    }
    // A delivery run again after its instance died during its analysis: its claim says why it analysed
    // (a regression, a snooze that ran out), which the event, recorded before, no longer tells.
    const left =
      outcome.replayed && delivery !== undefined && outcome.issue.status !== 'ignored'
        ? await this.#analysisLeft(outcome.issue.id, delivery)
        : undefined;
    if (outcome.replayed && !left && outcome.issue.status === 'regressed' && delivery !== undefined) {
      // Run again after its instance died between recording the event and claiming its analysis: the
      // record no longer tells that this event brought the regression, and nothing alerted it. Its
      // alert goes out with the analysis the issue holds, keyed by the resolve it undoes, so one that
      // did go out, from here or another event, is not sent twice.
      const report = await this.#alertOneOff(outcome.issue, event, 'regressed', now);
      if (report) return this.#oneOffAlerted(report, onAnalysis);
    }
    let inFlight = this.#inFlight.get(fingerprint);
    // The same job run again (its first run timed out, and its analysis goes on) waits for that analysis:
    // finished at once, the job was deleted, and an instance dying before the analysis ended lost it.
    const own = delivery !== undefined && inFlight?.delivery === delivery;
    const eventLines = errorLinesOf(event);
    const decided = left ?? decideAnalysis(outcome, eventLines, { windowMs: this.#windowMs, now });
    if (decided.analyze && isOneOffKind(decided.kind) && !own) {
      // The store holds the regression (or the snooze's end) now, so no later event brings it up again:
      // taken as "an analysis of this issue is running", it was never alerted on. Its alert goes out at
      // once with the analysis the issue holds (waiting for the running one, it was lost if this
      // instance died meanwhile), else with the running analysis once made.
      const held = inFlight ? await this.#alertOneOff(outcome.issue, event, decided.kind, now) : undefined;
      if (held) return this.#oneOffAlerted(held, onAnalysis);
      while (inFlight) {
        const report = await this.#alertOneOff(
          outcome.issue,
          event,
          decided.kind,
          now,
          await inFlight.analysis,
        );
        if (report) return this.#oneOffAlerted(report, onAnalysis);
        // That analysis failed, and the issue holds none: this event's own is made, once nothing else runs.
        const next = this.#inFlight.get(fingerprint);
        inFlight = next?.analysis === inFlight.analysis ? undefined : next;
      }
    }
    const running = inFlight?.analysis;
    const decision: Decision = running
      ? { analyze: false, reason: 'an analysis of this issue is running' }
      : decided;
    if (!decision.analyze) {
      this.#counts.throttled++;
      if (running && !awaitAnalysisInFlight && !own) return undefined;
      const report = running ? await running : reportFromIssue(outcome.issue, event);
      // A resolved issue seen again without coming back (an older release still running) is not news.
      const quiet = outcome.issue.status === 'ignored' || outcome.issue.status === 'resolved';
      if (!running && report && !quiet) await this.#alerts.checkEscalation(report, now);
      if (!report) return undefined;
      const reused = {
        ...report,
        event,
        issue: { ...report.issue, count: outcome.issue.count },
        reused: true,
      };
      await this.#deliver(reused, onAnalysis, false);
      return reused;
    }
    const analysis = (async () => {
      // Across processes sharing the store, one of them analyses; the others only count the event.
      // Its own name, so that only this analysis renews its claim (a delivery's, with why it analyses: a
      // run of the same job after a crash takes the claim over, and analyses for the same reason).
      const claimant = delivery === undefined ? randomUUID() : `${delivery}#${decision.kind}`;
      if (!(await this.#claim(outcome.issue, now, claimant))) {
        if (!isOneOffKind(decision.kind)) {
          this.#counts.throttled++;
          return undefined;
        }
        // Another instance holds the issue's analysis (made for another reason, on the issue as it was
        // before this event), or has just made it: the regression this event brought is alerted on here,
        // with the analysis the issue holds, as the cache would have answered it.
        const alerted = await this.#alertOneOff(outcome.issue, event, decision.kind, now);
        if (alerted) {
          this.#counts.throttled++;
          return alerted;
        }
        // The issue holds none yet (its first is being made elsewhere): analysed twice rather than a
        // regression nobody hears of. The claim is the other instance's: not renewed, not given back.
        return this.#analyzeAlertTrack(event, outcome.issue, decision.kind, eventLines, now);
      }
      const renewing = new Set<Promise<unknown>>();
      const renewal = setInterval(() => {
        const renewed = this.#store
          .claimAnalysis(outcome.issue.id, this.#now(), this.#analysisLeaseMs, claimant)
          .catch((error: unknown) => this.#failures.report('claim', error))
          .finally(() => renewing.delete(renewed));
        renewing.add(renewed);
      }, this.#analysisLeaseMs / 2);
      renewal.unref();
      try {
        return await this.#analyzeAlertTrack(event, outcome.issue, decision.kind!, eventLines, now);
      } finally {
        clearInterval(renewal);
        // A renewal still on its way would take the claim back after its release, and hold the issue
        // from every other analysis for a lease.
        await Promise.all(renewing);
        await this.#store
          .releaseAnalysis(outcome.issue.id)
          .catch((error: unknown) => this.#failures.report('claim', error));
      }
    })();
    // Registered before the first await, so concurrent events of this issue in this process wait for it.
    this.#inFlight.set(fingerprint, { analysis, delivery });
    let report: AnalysisReport | undefined;
    try {
      report = await analysis;
    } finally {
      this.#inFlight.delete(fingerprint);
    }
    // The callbacks run after the issue's analysis is out of flight and its claim released: a callback
    // that never returns holds up this event only, not every later event of the issue.
    if (report) await this.#deliver(report, onAnalysis, !report.reused);
    return report;
  }

  /**
   * Alerts a regression or a snooze's end that this event brought while another analysis held the
   * issue, with that analysis (`made`), else the one the store holds; undefined when there is none.
   * The issue alerted on is as this event left it (its status, its resolve, its count).
   */
  async #alertOneOff(
    issue: Issue,
    event: TriageEvent,
    kind: AlertKind,
    now: number,
    made?: AnalysisReport,
  ): Promise<AnalysisReport | undefined> {
    let analysed = made?.issue;
    if (!analysed?.analysisResult) {
      try {
        analysed = await this.#store.getIssue(issue.id);
      } catch (error) {
        this.#failures.report('alert', error);
        return undefined;
      }
    }
    const result = made?.result ?? analysed?.analysisResult;
    if (!analysed || !result) return undefined;
    const alerted: Issue = {
      ...issue,
      title: analysed.title,
      description: analysed.description,
      analysis: analysed.analysis,
      analysisResult: result,
      source: analysed.source,
      analyzedAt: analysed.analyzedAt,
      analyzedLines: analysed.analyzedLines,
    };
    await this.#alerts.alert(alerted, event, result, kind, now);
    return { issue: alerted, event, result, reused: true };
  }

  async #analyzeAlertTrack(
    event: TriageEvent,
    issue: Issue,
    kind: AlertKind,
    eventLines: string[],
    now: number,
  ): Promise<AnalysisReport | undefined> {
    let result: AnalysisResult;
    const seen = new Set(issue.analyzedLines ?? []);
    const newLines = eventLines.filter((line) => !seen.has(line));
    try {
      // What the issue holds may come from another instance: its analyzer can reuse it as its own. Not
      // for new error lines: the analysis kept for the fingerprint (24 h by default) has not seen them,
      // and answered with it, they were taken as analysed and never reached the LLM.
      result = await this.#analyzer.analyze(
        event,
        kind === 'new-lines' ? { fresh: true } : { earlier: issue.analysisResult },
      );
    } catch (error) {
      this.#failures.report('analyze', error);
      return undefined;
    }
    this.#counts.analyzed++;
    const analysedIssue: Issue = {
      ...issue,
      title: result.analysis.title,
      analysis: result.markdown,
      analysisResult: result,
      description: describeIssue(event, result),
    };
    // The write-up's order: alert first (people learn in seconds), then track.
    await this.#alerts.alert(analysedIssue, event, result, kind, now, kind === 'new-lines' ? newLines : []);
    let tracked = analysedIssue;
    try {
      // An analysis reused from the cache saw none of this event's lines: taken as seen, a line first
      // met in a regression would never be analysed.
      const lines = isReusedAnalysis(result)
        ? undefined
        : [...new Set([...(issue.analyzedLines ?? []), ...eventLines])].slice(-100);
      tracked = await this.#store.saveAnalysis(issue.id, result, analysedIssue.description, lines);
    } catch (error) {
      this.#failures.report('track', error);
    }
    return { issue: tracked, event, result, reused: false };
  }

  /** The analysis a delivery's earlier run claimed and never finished (its instance died), if any. */
  async #analysisLeft(issueId: string, delivery: string): Promise<Decision | undefined> {
    let claimant: string | undefined;
    try {
      claimant = await this.#store.analysisClaimant(issueId);
    } catch (error) {
      this.#failures.report('claim', error);
      return undefined;
    }
    const prefix = `${delivery}#`;
    const kind = claimant?.startsWith(prefix) ? claimant.slice(prefix.length) : undefined;
    if (!isAlertKind(kind)) return undefined;
    return { analyze: true, kind, reason: 'its analysis was cut short: the instance making it stopped' };
  }

  async #claim(issue: Issue, now: number, claimant: string): Promise<boolean> {
    try {
      // As read when its event was recorded: analysed since by another process, it is not analysed again.
      return await this.#store.claimAnalysis(issue.id, now, this.#analysisLeaseMs, claimant, issue);
    } catch (error) {
      // Without the store's word, analysing twice is better than not at all.
      this.#failures.report('claim', error);
      return true;
    }
  }

  /** A one-off alert made with an analysis already held: counted as throttled (no new analysis), handed over. */
  async #oneOffAlerted(
    report: AnalysisReport,
    onAnalysis: AnalysisCallback | undefined,
  ): Promise<AnalysisReport> {
    this.#counts.throttled++;
    await this.#deliver(report, onAnalysis, false);
    return report;
  }

  async #deliver(report: AnalysisReport, onAnalysis: AnalysisCallback | undefined, includeGlobal: boolean) {
    const callbacks = includeGlobal ? [this.#onAnalysis, onAnalysis] : [onAnalysis];
    for (const callback of callbacks) {
      if (!callback) continue;
      try {
        await callback(report);
      } catch (error) {
        this.#failures.report('onAnalysis callback', error);
      }
    }
  }

  /**
   * Analyses an issue again from its latest stored event, making a new analysis rather than reusing
   * the cached one (budgets and the circuit breaker still apply); no alert. Undefined when it has none.
   *
   * `requestedAt`: when a person asked for it. An issue given a new LLM analysis since then (its
   * `meta.madeAt`; an analysis reused from the cache keeps the time it was made) is left as it is: a
   * button pressed twice, or by two people, made one paid LLM call each. A re-analysis of the issue
   * already running in this process is waited for first, so a request made while it ran finds it done.
   */
  async reanalyze(issueId: string, requestedAt?: number): Promise<Issue | undefined> {
    const before = this.#reanalyses.get(issueId);
    // Registered before the first await: the re-analyses of one issue in this process run one by one.
    const reanalysis = (async () => {
      if (before) await before.catch(() => undefined);
      if (requestedAt !== undefined) {
        const issue = await this.#store.getIssue(issueId);
        const madeAt = issue?.analysisResult?.meta.madeAt;
        if (!issue || (madeAt !== undefined && madeAt >= requestedAt)) return issue;
      }
      return this.#reanalyzeNow(issueId);
    })();
    this.#reanalyses.set(issueId, reanalysis);
    try {
      return await reanalysis;
    } finally {
      if (this.#reanalyses.get(issueId) === reanalysis) this.#reanalyses.delete(issueId);
    }
  }

  async #reanalyzeNow(issueId: string): Promise<Issue | undefined> {
    const [[event], issue] = await Promise.all([
      this.#store.recentEvents(issueId, 1),
      this.#store.getIssue(issueId),
    ]);
    if (!event || !issue) return undefined;
    // Asked for by a person, most often because the analysis was wrong: the cached one (kept 24 h by
    // default) came back unchanged, with no call made.
    const result = await this.#analyzer.analyze(event, { fresh: true });
    this.#counts.analyzed++;
    // The lines seen before stay seen: kept to the latest event's, an event with an earlier one was
    // analysed and alerted on again as new.
    const lines = [...new Set([...(issue.analyzedLines ?? []), ...errorLinesOf(event)])].slice(-100);
    return this.#store.saveAnalysis(issueId, result, describeIssue(event, result), lines);
  }

  /**
   * Puts dead alerts (those of `ids`, else every one) back in the outbox, due now, with their attempts
   * counted anew, and sends them; returns how many. For a channel mended after an outage past every retry.
   */
  async retryDeadAlerts(ids?: string[]): Promise<number> {
    const retried = await this.#store.retryDeadAlerts(this.#now(), ids);
    if (retried > 0) this.#dispatcher.kick();
    return retried;
  }

  /**
   * Changes an issue's status, note, snooze or release (what `change` gives); resolving it also
   * resolves its PagerDuty incident, once: an issue already resolved (given a release, say) keeps its
   * `resolvedAt`, and nothing is sent again.
   */
  async setStatus(issueId: string, change: StatusChange): Promise<Issue | undefined> {
    const now = this.#now();
    const issue = await this.#store.setStatus(issueId, change, now);
    // Through the outbox, as alerts are (a resolve PagerDuty could not take then was lost, and its
    // incident stayed open), the first attempt made before answering; retries follow in the background.
    if (issue && change.status === 'resolved' && issue.resolvedAt === now) {
      await this.#tellChannels({ kind: 'resolve', issue }, `resolved-${issue.resolvedAt ?? now}`);
    }
    if (issue && change.status === 'acknowledged' && issue.status === 'acknowledged') {
      // Acknowledged in Triage, the incident went on paging and escalating in PagerDuty. Each
      // acknowledgement is its own (PagerDuty takes one of an acknowledged incident as nothing).
      await this.#tellChannels({ kind: 'acknowledge', issue }, `acknowledged-${now}`);
    }
    return issue;
  }

  /** Queues a status change for the channels whose notifier can act on it (PagerDuty's incident). */
  async #tellChannels(payload: ResolvePayload | AcknowledgePayload, window: string): Promise<void> {
    const channels = this.#notifiers
      .filter((notifier) => notifier[payload.kind])
      .map((notifier) => channelOf(notifier.name));
    if (channels.length > 0) await this.#dispatcher.enqueue(payload, channels, window);
  }

  /**
   * The pseudonymizer of users: keyed with `userKeySecret`, else with the key a SQL store keeps (so a
   * restart, or another process on the database, gives a user the same pseudonym), else with a random
   * key for this engine.
   */
  #pseudonymize(): Promise<(event: TriageEvent) => TriageEvent> {
    this.#pseudonymizer ??= (async () => {
      let secret = this.#userKeySecret;
      if (secret === undefined && this.#store.userKeySecret) {
        try {
          secret = await this.#store.userKeySecret();
        } catch (error) {
          this.#failures.report('user-key', error);
        }
      }
      this.#pseudonymizerMade = createPseudonymizer(secret ?? randomBytes(32).toString('hex'));
      return this.#pseudonymizerMade;
    })();
    return this.#pseudonymizer;
  }

  /**
   * The users' pseudonymizer, once the first event made it (its key may have to be read from the
   * store); undefined before. For what must pseudonymize now, synchronously, as this engine does: the
   * Node SDK keeping a crash's events.
   */
  get pseudonymizerMade(): ((event: TriageEvent) => TriageEvent) | undefined {
    return this.#pseudonymizerMade;
  }

  /** Waits until everything queued has been processed and alerted; false when `timeoutMs` ran out first. */
  async flush(timeoutMs?: number): Promise<boolean> {
    const drained = await this.#queue.onIdle(timeoutMs);
    await this.#dispatcher.idle();
    return drained;
  }

  /** Flushes, then shuts notifiers and the store down. Idempotent. */
  async close(timeoutMs = 10_000): Promise<boolean> {
    const flushed = await this.flush(timeoutMs);
    if (this.#closed) return flushed;
    this.#closed = true;
    this.#cancelDigest?.();
    await this.#dispatcher.close();
    const closers = [
      ...this.#notifiers.map((notifier) => () => notifier.shutdown?.()),
      () => this.#store.close?.(),
    ];
    for (const closer of closers) {
      try {
        await closer();
      } catch (error) {
        this.#failures.report('close', error);
      }
    }
    return flushed;
  }

  stats(): EngineStats {
    return {
      ...this.#counts,
      escalations: this.#alerts.escalations,
      alerted: this.#dispatcher.sent,
      deadLetters: this.#dispatcher.dead,
      pending: this.#queue.size,
      spend: this.#ledger.summary(),
      failures: { ...this.#failures.counts },
    };
  }
}

function reportFromIssue(issue: Issue, event: TriageEvent): AnalysisReport | undefined {
  return issue.analysisResult ? { issue, event, result: issue.analysisResult, reused: true } : undefined;
}

// When the store is down the alert still goes out; the issue just is not kept.
function transientIssue(event: TriageEvent, fingerprint: string, title: string, now: number): Issue {
  return applyEvent(undefined, { event, fingerprint, title }, { now }, () => fingerprint).issue;
}

/** Creates the engine. Throws ConfigError on a bad configuration. */
export function createEngine(options?: EngineOptions): Engine {
  return new Engine(options);
}
