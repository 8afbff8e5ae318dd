import { type Severity, truncate } from '@triage/core';
import { ConfigError } from '../errors/config-error.js';
import type { Issue } from '../ports/issue-store.js';
import type { Alert, Notifier } from '../ports/notifier.js';
import { postJson } from './post-json.js';
import { regressionOf } from './regression.js';

export interface PagerDutyNotifierOptions {
  /** The 32-character integration key of an Events API v2 integration. */
  routingKey: string;
  url?: string;
  /** When set, the alert links to the issue there. */
  dashboardUrl?: string;
  /** Milliseconds to wait for PagerDuty. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** A PagerDuty notifier can also close the alert it opened. */
export interface PagerDutyNotifier extends Notifier {
  /** Resolves the PagerDuty alert of the issue (same `dedup_key`: the fingerprint). */
  resolve(issue: Issue): Promise<void>;
  /** Acknowledges it: acknowledged in Triage, the incident stopped paging nobody and escalated on. */
  acknowledge(issue: Issue): Promise<void>;
}

/** PagerDuty has four severities, named differently from the analysis's. */
const SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
};

/** The Events API's documented maximum for `payload.summary`. */
const MAX_SUMMARY = 1024;

/**
 * Triggers a PagerDuty alert through the Events API v2, with the issue
 * fingerprint as `dedup_key` so repeated alerts of one issue group into one
 * incident and {@link PagerDutyNotifier.resolve} can close it. The analysis
 * goes in `custom_details`, which PagerDuty shows on the incident. An issue
 * that came back after a resolve has a summary starting `Regressed: `, and
 * when it was resolved and the resolution note in `custom_details`.
 */
export function createPagerDutyNotifier({
  routingKey,
  url = 'https://events.pagerduty.com/v2/enqueue',
  dashboardUrl,
  timeoutMs,
  fetch,
}: PagerDutyNotifierOptions): PagerDutyNotifier {
  if (!routingKey) throw new ConfigError('createPagerDutyNotifier: routingKey is required');
  const enqueue = (body: Record<string, unknown>) =>
    postJson({ service: 'PagerDuty', url, body, timeoutMs, fetch, describeError: pagerDutyError });
  return {
    name: 'pagerduty',
    async send({ issue, event, result, reason }: Alert) {
      const { analysis } = result;
      const link =
        dashboardUrl && `${dashboardUrl.replace(/\/$/, '')}/issues/${encodeURIComponent(issue.id)}`;
      const regression = regressionOf(issue);
      const summary =
        `${regression ? 'Regressed: ' : ''}[${analysis.severity.toUpperCase()}] ${analysis.title} — ${analysis.summary}`.replace(
          /\s*[\r\n]+\s*/g,
          ' ',
        );
      await enqueue({
        routing_key: routingKey,
        event_action: 'trigger',
        dedup_key: issue.fingerprint,
        payload: {
          summary: truncate(summary, MAX_SUMMARY),
          // `source` is required: the affected system, which for an application error is its service.
          source: event.service ?? issue.service ?? 'unknown service',
          severity: SEVERITY[analysis.severity] ?? 'error',
          timestamp: new Date(event.timestamp).toISOString(),
          component: [event.source?.function, event.source?.file].filter(Boolean).join(' in ') || undefined,
          group: event.environment,
          class: analysis.category,
          custom_details: {
            issue_id: issue.id,
            root_cause: analysis.rootCause,
            remediation: analysis.remediation.map((step, index) => `${index + 1}. ${step}`),
            prevention: analysis.prevention,
            occurrences: issue.count,
            priority: issue.priority ?? 'not set',
            category: analysis.category,
            confidence: analysis.confidence,
            ...(reason ? { routing: reason } : {}),
            ...(regression
              ? {
                  regressed: true,
                  ...(regression.resolvedAt != null
                    ? { resolved_at: new Date(regression.resolvedAt).toISOString() }
                    : {}),
                  ...(regression.note ? { resolution_note: regression.note } : {}),
                }
              : {}),
          },
        },
        ...(link ? { links: [{ href: link, text: 'Open in Triage' }] } : {}),
        client: 'Triage',
        ...(dashboardUrl ? { client_url: dashboardUrl } : {}),
      });
    },
    async resolve(issue: Issue) {
      await enqueue({ routing_key: routingKey, event_action: 'resolve', dedup_key: issue.fingerprint });
    },
    async acknowledge(issue: Issue) {
      await enqueue({ routing_key: routingKey, event_action: 'acknowledge', dedup_key: issue.fingerprint });
    },
  };
}

// A 400 answers `{ status: 'invalid event', message: 'Event object is invalid', errors: [...] }`.
function pagerDutyError(text: string): string | undefined {
  const body = JSON.parse(text) as { message?: unknown; errors?: unknown };
  const errors = Array.isArray(body.errors) ? body.errors.map(String) : [];
  const message = typeof body.message === 'string' ? body.message : undefined;
  return [message, errors.join('; ')].filter(Boolean).join(': ') || undefined;
}
