import type { AnalysisResult, TriageEvent } from '@triage/core';
import type { Issue } from './issue-store.js';

/** Everything a notifier needs to tell a person what broke and why. */
export interface Alert {
  issue: Issue;
  event: TriageEvent;
  result: AnalysisResult;
}

/** The notifier port (email, Slack, PagerDuty, webhooks), shaped like OpenTelemetry's SpanExporter. */
export interface Notifier {
  readonly name: string;
  /** Delivers the alert; rejects when delivery failed. */
  send(alert: Alert): Promise<void>;
  shutdown?(): Promise<void>;
}
