import { createHash } from 'node:crypto';
import { type AnalysisResult, type RoutingPolicy, routeAlert, type TriageEvent } from '@triage/core';
import type { Issue, IssueStore } from '../ports/issue-store.js';
import type { Notifier } from '../ports/notifier.js';
import { hourOf } from '../stores/apply-event.js';
import type { AlertDispatcher } from './alert-dispatcher.js';
import { resolveChannels } from './channels.js';
import { type AlertKind, isEscalating } from './decide.js';
import type { AnalysisReport } from './engine-types.js';
import type { FailureReporter } from './failure-reporter.js';

export interface AlertStageOptions {
  dispatcher: AlertDispatcher;
  routing: RoutingPolicy;
  notifiers: Notifier[];
  windowMs: number;
  store: IssueStore;
  failures: FailureReporter;
}

/**
 * The alert stage: routes an analysed issue (priority × severity × quiet hours)
 * to its channels and queues one outbox entry per channel and window; watches
 * throttled issues for escalation.
 */
export class AlertStage {
  escalations = 0;
  readonly #checked = new Map<string, number>();

  constructor(readonly options: AlertStageOptions) {}

  /**
   * Queues the alert on the routed channels; returns the channels that were new for this window.
   * `newLines`: for a 'new-lines' alert, the error lines the analysis before had not seen.
   */
  async alert(
    issue: Issue,
    event: TriageEvent,
    result: AnalysisResult,
    kind: AlertKind,
    now: number,
    newLines: readonly string[] = [],
  ): Promise<string[]> {
    const { dispatcher, routing, notifiers, windowMs, failures } = this.options;
    try {
      const route = routeAlert(
        {
          priority: issue.priority ?? event.priority,
          severity: result.analysis.severity,
          handler: event.source?.function ?? event.source?.file ?? event.service,
          now,
        },
        routing,
      );
      const channels = resolveChannels(route.channels, notifiers);
      // The route says what the policy asks for; a channel it names that is not set up did not happen
      // ("paged and emailed" read as paged, with no pager configured).
      const unconfigured = route.channels.filter(
        (channel) => channel !== 'digest' && channel !== 'webhook' && !channels.includes(channel),
      );
      const notes = unconfigured.length > 0 ? [`not configured: ${unconfigured.join(', ')}`] : [];
      // Without mail set up, "emailed" is an email printed to stdout.
      if (channels.includes('email') && notifiers.some((notifier) => notifier.name === 'console-email'))
        notes.push('email printed: no mail set up');
      const routed = notes.length > 0 ? `${route.reason} (${notes.join('; ')})` : route.reason;
      if (channels.length === 0 && notifiers.length > 0 && !route.channels.includes('digest')) {
        // Nothing set up that the route may fall back to (a route to Slack with only a pager given in
        // code): said once per interval and counted, not dropped in silence. With no notifier at all (a
        // dry run) alerting nobody is what was asked.
        failures.report('alert', new Error(`no channel set up for this route: ${route.reason}`));
        return [];
      }
      // New lines already saved as analysed: a job run again after its instance died between the save
      // and the end of the job. Its alert went out with the first run (and under a key of its lines).
      if (kind === 'new-lines' && newLines.length === 0) return [];
      const window = alertWindow(issue, event, kind, Math.floor(now / Math.max(1, windowMs)), newLines);
      const reason = kind === 'escalating' ? `escalating (${issue.count} events); ${routed}` : routed;
      // The first attempt of each is made before the event is done with, as for every alert.
      return await dispatcher.enqueue({ issue, event, result, reason }, channels, window);
    } catch (error) {
      failures.report('alert', error);
      return [];
    }
  }

  /** An issue whose hourly rate jumps well above its own recent rate alerts again, once a window. */
  async checkEscalation(report: AnalysisReport, now: number): Promise<void> {
    const { issue } = report;
    const last = this.#checked.get(issue.id) ?? 0;
    if (now - last < 60_000) return;
    this.#checked.set(issue.id, now);
    if (this.#checked.size > 10_000) this.#checked.clear();
    try {
      const hour = hourOf(now);
      const counts = await this.options.store.hourlyCounts(issue.id, hour - 24);
      if (!isEscalating(counts, hour, hourOf(issue.firstSeen))) return;
      const queued = await this.alert(issue, report.event, report.result, 'escalating', now);
      if (queued.length > 0) this.escalations++;
    } catch (error) {
      this.options.failures.report('escalation', error);
    }
  }
}

/**
 * The part of an alert's idempotency key after its issue and channel. A regression, a snooze that ran
 * out, new error lines and an escalation are news even within the window of an earlier alert, each
 * keyed by what makes it news: keyed by the window, one after a second resolve in the same window, a
 * snooze ending in the hour of the alert before it, or the analysis of new lines were dropped.
 */
function alertWindow(
  issue: Issue,
  event: TriageEvent,
  kind: AlertKind,
  bucket: number,
  newLines: readonly string[],
): string {
  switch (kind) {
    case 'regressed':
      return `regressed:${issue.resolvedAt ?? bucket}`;
    case 'escalating':
      return `escalating:${bucket}`;
    // One event ends a snooze, and a job run again after a crash carries the same one.
    case 'unsnoozed':
      return `unsnoozed:${digest([event.id])}`;
    case 'new-lines':
      return `new-lines:${digest([...newLines].sort())}`;
    default:
      return String(bucket);
  }
}

/** Short, and the same for the same texts: an event id or error lines can be long. */
function digest(texts: string[]): string {
  return createHash('sha256').update(JSON.stringify(texts)).digest('hex').slice(0, 16);
}
