import {
  type AnalysisResult,
  createRedactor,
  fingerprintEvent,
  InvalidEventError,
  normalizeEvent,
  type RedactOptions,
  type TriageEvent,
} from '@triage/core';
import { SpendLedger, type SpendSummary } from '../analyzers/spend-ledger.js';
import { analyzerFromSettings } from '../config/analyzer-from-settings.js';
import { readEngineSettings } from '../config/engine-settings.js';
import { readLlmConfig } from '../config/llm-config.js';
import { notifiersFromEnv } from '../config/notifiers-from-env.js';
import type { Analyzer } from '../ports/analyzer.js';
import type { Issue, IssueStore } from '../ports/issue-store.js';
import type { Notifier } from '../ports/notifier.js';
import { BoundedQueue } from '../queue/bounded-queue.js';
import { MemoryStore } from '../stores/memory-store.js';
import { describeIssue } from './describe-issue.js';
import { type DiagnosticsSink, FailureReporter } from './failure-reporter.js';
import { Throttle } from './throttle.js';

/** What an `onAnalysis` callback receives. */
export interface AnalysisReport {
  issue: Issue;
  event: TriageEvent;
  result: AnalysisResult;
  /** True when the analysis was made for an earlier event of the same issue (throttled). */
  reused: boolean;
}

export type AnalysisCallback = (report: AnalysisReport) => void | Promise<void>;

export interface EngineOptions {
  /** Default: the LLM configured by environment, falling back to the offline rules. */
  analyzer?: Analyzer;
  /** Default: from the environment (SMTP, or the email printed to stdout). `[]` sends nothing. */
  notifiers?: Notifier[];
  /** Default: in memory. */
  store?: IssueStore;
  redact?: RedactOptions;
  /** One analysis per fingerprint per window. */
  throttleWindowMs?: number;
  maxPending?: number;
  concurrency?: number;
  /** Service name for events that carry none. */
  service?: string;
  onAnalysis?: AnalysisCallback;
  /** Where the engine reports its own failures; default stderr. */
  diagnostics?: DiagnosticsSink;
  /** Where `TRIAGE_DRY_RUN=1` prints prompts; default stdout. */
  dryRunOutput?: (text: string) => void;
  env?: Record<string, string | undefined>;
  fetch?: typeof globalThis.fetch;
}

export interface EngineStats {
  accepted: number;
  processed: number;
  analyzed: number;
  throttled: number;
  alerted: number;
  pending: number;
  /** LLM spend today, in total and per handler. */
  spend: SpendSummary;
  /** Failures and deliberate drops by stage or reason. */
  failures: Record<string, number>;
}

/** What one `submit` carries: the raw input (or a producer of it) and per-event callbacks. */
export interface Submission {
  input: unknown;
  onAnalysis?: AnalysisCallback;
}

/**
 * The in-process pipeline: normalize → redact → fingerprint → record → decide
 * → analyze → alert → track, each stage a small module. `submit` never throws
 * and never runs pipeline work on the caller's tick.
 */
export class Engine {
  readonly #analyzer: Analyzer;
  readonly #ledger: SpendLedger;
  readonly #notifiers: Notifier[];
  readonly #store: IssueStore;
  readonly #redactor;
  readonly #throttle: Throttle;
  readonly #queue: BoundedQueue;
  readonly #failures: FailureReporter;
  readonly #service?: string;
  readonly #onAnalysis?: AnalysisCallback;
  readonly #inFlight = new Map<string, Promise<AnalysisReport | undefined>>();
  readonly #counts = { accepted: 0, processed: 0, analyzed: 0, throttled: 0, alerted: 0 };
  #closed = false;

  constructor(options: EngineOptions = {}) {
    const env = options.env ?? process.env;
    this.#failures = new FailureReporter(options.diagnostics);
    // Fail fast on a bad setting; the key itself is read again at each call.
    const settings = readEngineSettings(env);
    readLlmConfig(env, settings.llm);
    this.#ledger = new SpendLedger({
      dailyUsd: settings.dailyBudgetUsd,
      handlerDailyUsd: settings.handlerDailyBudgetUsd,
    });
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
    this.#store = options.store ?? new MemoryStore();
    this.#redactor = createRedactor(options.redact);
    this.#throttle = new Throttle(options.throttleWindowMs);
    this.#service = options.service;
    this.#onAnalysis = options.onAnalysis;
    this.#queue = new BoundedQueue({
      maxPending: options.maxPending,
      concurrency: options.concurrency,
      onDrop: () => this.#failures.drop('queue-full'),
      onError: (error) => this.#failures.report('pipeline', error),
    });
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
    return this.#queue.push(() => this.process(submission));
  }

  /** Runs the whole pipeline for one event now; resolves with its analysis, never rejects. */
  async process({ input, onAnalysis }: Submission): Promise<AnalysisReport | undefined> {
    let event: TriageEvent;
    try {
      const raw = typeof input === 'function' ? (input as () => unknown)() : input;
      event = this.#redactor.event(normalizeEvent(raw, { service: this.#service }));
    } catch (error) {
      if (InvalidEventError.isInstance(error)) this.#failures.drop('invalid-event');
      this.#failures.report('normalize', error);
      return undefined;
    }
    this.#counts.processed++;
    const { fingerprint, title } = fingerprintEvent(event);

    let issue: Issue;
    try {
      ({ issue } = await this.#store.recordEvent({ event, fingerprint, title }));
    } catch (error) {
      this.#failures.report('record', error);
      issue = transientIssue(event, fingerprint, title);
    }

    if (!this.#throttle.take(fingerprint)) {
      this.#counts.throttled++;
      const previous = this.#inFlight.get(fingerprint) ?? Promise.resolve(reportFromIssue(issue, event));
      const report = await previous;
      if (report)
        await this.#deliver(
          { ...report, event, issue: { ...report.issue, count: issue.count }, reused: true },
          onAnalysis,
          false,
        );
      return report;
    }
    const running = this.#analyzeAlertTrack(event, issue, onAnalysis);
    this.#inFlight.set(fingerprint, running);
    try {
      return await running;
    } finally {
      this.#inFlight.delete(fingerprint);
    }
  }

  async #analyzeAlertTrack(event: TriageEvent, issue: Issue, onAnalysis?: AnalysisCallback) {
    let result: AnalysisResult;
    try {
      result = await this.#analyzer.analyze(event);
    } catch (error) {
      this.#failures.report('analyze', error);
      this.#throttle.release(issue.fingerprint);
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
    await Promise.all(
      this.#notifiers.map(async (notifier) => {
        try {
          await notifier.send({ issue: analysedIssue, event, result });
          this.#counts.alerted++;
        } catch (error) {
          this.#failures.report(`alert:${notifier.name}`, error);
        }
      }),
    );
    let tracked = analysedIssue;
    try {
      tracked = await this.#store.saveAnalysis(issue.id, result, analysedIssue.description);
    } catch (error) {
      this.#failures.report('track', error);
    }
    const report: AnalysisReport = { issue: tracked, event, result, reused: false };
    await this.#deliver(report, onAnalysis, true);
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

  /** Waits until everything queued has been processed; false when `timeoutMs` ran out first. */
  flush(timeoutMs?: number): Promise<boolean> {
    return this.#queue.onIdle(timeoutMs);
  }

  /** Flushes, then shuts notifiers and the store down. Idempotent. */
  async close(timeoutMs = 10_000): Promise<boolean> {
    const flushed = await this.flush(timeoutMs);
    if (this.#closed) return flushed;
    this.#closed = true;
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
function transientIssue(event: TriageEvent, fingerprint: string, title: string): Issue {
  return {
    id: fingerprint,
    fingerprint,
    title,
    description: '',
    analysis: '',
    priority: event.priority,
    status: 'new',
    source: 'triage',
    service: event.service,
    createdAt: Date.now(),
    firstSeen: event.timestamp,
    lastSeen: event.timestamp,
    count: 1,
    lastEventId: event.id,
  };
}

/** Creates the in-process engine. Throws ConfigError on a bad configuration. */
export function createEngine(options?: EngineOptions): Engine {
  return new Engine(options);
}
