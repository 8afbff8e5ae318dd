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

  /** Queues the alert on the routed channels; returns the channels that were new for this window. */
  async alert(
    issue: Issue,
    event: TriageEvent,
    result: AnalysisResult,
    kind: AlertKind,
    now: number,
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
      const bucket = Math.floor(now / Math.max(1, windowMs));
      // A regression or an escalation is news even within the window of an earlier alert. Each
      // regression is news of its own: one after a second resolve in the same window was dropped.
      const window =
        kind === 'regressed'
          ? `regressed:${issue.resolvedAt ?? bucket}`
          : kind === 'escalating'
            ? `escalating:${bucket}`
            : String(bucket);
      const reason = kind === 'escalating' ? `escalating (${issue.count} events); ${routed}` : routed;
      const queued = await dispatcher.enqueue({ issue, event, result, reason }, channels, window);
      await dispatcher.idle();
      return queued;
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
