import type { AnalysisResult, TriageEvent } from '@triage/core';
import type { Issue } from './issue-store.js';

/** Everything a notifier needs to tell a person what broke and why. */
export interface Alert {
  issue: Issue;
  event: TriageEvent;
  result: AnalysisResult;
  /** Why it was routed where it was, e.g. "paged and emailed: P0 checkout, severity critical". */
  reason?: string;
  /**
   * The same for every attempt to deliver this alert to this channel, from any instance (the outbox's
   * idempotency key): a receiver that got an attempt whose answer was lost can tell the retry apart.
   */
  deliveryId?: string;
}

/** The notifier port (email, Slack, PagerDuty, webhooks), shaped like OpenTelemetry's SpanExporter. */
export interface Notifier {
  readonly name: string;
  /** Delivers the alert; rejects when delivery failed. */
  send(alert: Alert): Promise<void>;
  /** Email notifiers also deliver the daily digest. */
  sendDigest?(digest: { subject: string; text: string; html: string }): Promise<void>;
  /** Closes what an alert of this issue opened (PagerDuty's incident); rejects when that failed. */
  resolve?(issue: Issue): Promise<void>;
  /** Says someone is on it (PagerDuty's incident stops escalating); rejects when that failed. */
  acknowledge?(issue: Issue): Promise<void>;
  shutdown?(): Promise<void>;
}
