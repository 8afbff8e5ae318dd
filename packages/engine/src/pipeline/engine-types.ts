import type { AnalysisResult, RedactOptions, RoutingPolicy, TriageEvent } from '@triage/core';
import type { SpendSummary } from '../analyzers/spend-ledger.js';
import type { Analyzer } from '../ports/analyzer.js';
import type { Issue, IssueStore } from '../ports/issue-store.js';
import type { Notifier } from '../ports/notifier.js';
import type { DiagnosticsSink } from './failure-reporter.js';

/** What an `onAnalysis` callback receives. */
export interface AnalysisReport {
  issue: Issue;
  event: TriageEvent;
  result: AnalysisResult;
  /** True when the analysis was made for an earlier event of the same issue. */
  reused: boolean;
}

export type AnalysisCallback = (report: AnalysisReport) => void | Promise<void>;

export interface EngineOptions {
  /** Default: the LLM configured by environment, falling back to the offline rules. */
  analyzer?: Analyzer;
  /**
   * Default: from the environment (SMTP or SendGrid email, or the email printed to stdout; Slack,
   * PagerDuty, webhook). `[]` sends nothing. A notifier named after a channel (`email`, `slack`,
   * `pagerduty`, `webhook`) gets what routing sends there; any other receives every alert.
   */
  notifiers?: Notifier[];
  /** Default: in memory. */
  store?: IssueStore;
  redact?: RedactOptions;
  /**
   * The key of the users' pseudonyms ("users affected" counts them; see `createPseudonymizer`). Default:
   * the one a SQL store keeps in its database (made on first use), else a random one per engine.
   */
  userKeySecret?: string;
  /** Priority × severity × quiet hours → channels. Default: the write-up's matrix. */
  routing?: RoutingPolicy;
  /** One analysis per fingerprint per window, and one alert per issue per window per channel. */
  throttleWindowMs?: number;
  /**
   * How long a claim on an issue's analysis holds, across the processes sharing the store, unless
   * renewed; a running analysis renews it every half of this (default 2 minutes).
   */
  analysisLeaseMs?: number;
  /** Regress a resolved issue only for events of a newer release than the fix. */
  regressOnlyInNewerRelease?: boolean;
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
  /** Send the daily digest email at this UTC hour (0–23); off when unset. */
  digestHourUtc?: number;
  dashboardUrl?: string;
  /** Outbox settings (tests shorten them); see DispatcherOptions. */
  delivery?: {
    maxAttempts?: number;
    baseDelayMs?: number;
    maxDelayMs?: number;
    pollMs?: number;
    leaseMs?: number;
    sendTimeoutMs?: number;
  };
  now?: () => number;
}

export interface EngineStats {
  accepted: number;
  processed: number;
  analyzed: number;
  throttled: number;
  /** Events not counted because their issue already held their id (sent again). */
  duplicates: number;
  /** Alerts delivered, and alerts given up on (dead letters). */
  alerted: number;
  deadLetters: number;
  escalations: number;
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
  /**
   * The input was already redacted with the default redactor (the server does it at ingest, before
   * storing): skip the second pass. Leave unset for anything that did not come through that path.
   */
  redacted?: boolean;
  /**
   * What delivered the event (the server's job id): a delivery processed twice counts once. A delivery
   * is retried by what made it, so when the store cannot record the event `process` rejects instead of
   * going on with an issue that is kept nowhere.
   */
  delivery?: string;
  /**
   * False: an event of an issue whose analysis is running (in this process) resolves once it is
   * recorded, undefined, without waiting for that analysis to share it (default true). For a queue
   * whose slots should not sit out an LLM call that another event's job makes and owns: the server's
   * workers, where every job of a new error's storm otherwise waited for its first one's analysis.
   */
  awaitAnalysisInFlight?: boolean;
  /**
   * Called once `submit`'s queue is done with the submission, whatever came of it (processed,
   * throttled, invalid, failed, or pushed out of a full queue unprocessed). What sent it can tell the events
   * the pipeline still owes from those it finished: the Node SDK keeps the former when the process crashes.
   */
  onSettled?: () => void;
}
