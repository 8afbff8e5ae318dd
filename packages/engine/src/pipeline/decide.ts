import { parameterize, type TriageEvent } from '@triage/core';
import type { RecordOutcome } from '../ports/issue-store.js';

export const ALERT_KINDS = ['new', 'regressed', 'unsnoozed', 'new-lines', 'window', 'escalating'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const isAlertKind = (value: unknown): value is AlertKind =>
  (ALERT_KINDS as readonly unknown[]).includes(value);

/**
 * What the store changes once and no later event tells again (a regression, a snooze that ran out): its
 * alert must go out even when another analysis of the issue holds it, or it is lost.
 */
export const isOneOffKind = (kind: AlertKind | undefined): kind is 'regressed' | 'unsnoozed' =>
  kind === 'regressed' || kind === 'unsnoozed';

export interface Decision {
  analyze: boolean;
  /** Why it analyses (and alerts), or why not. */
  kind?: AlertKind;
  reason: string;
}

/**
 * The parameterized error lines of an event: what "the same error lines" means. Not its breadcrumbs':
 * an SDK's trail holds whatever errors came before (each `console.error`, a 5xx of another call, the
 * browser's earlier events), different in each event, and each event of the issue was analysed and
 * alerted on again.
 */
export function errorLinesOf(event: TriageEvent): string[] {
  const lines = new Set<string>();
  if (event.error) lines.add(parameterize(`${event.error.type}: ${event.error.message}`));
  for (const entry of event.log) {
    if (entry.level === 'error' && !entry.breadcrumb && lines.size < 20)
      lines.add(parameterize(entry.message));
  }
  return [...lines];
}

/**
 * Analysis at most once per fingerprint per window; again on regression, when
 * an ignored issue wakes up, or when the event carries error lines the last
 * analysis did not see. Ignored issues, and resolved ones the event did not
 * bring back, are counted and nothing more.
 */
export function decideAnalysis(
  { issue, created, regressed, unsnoozed }: RecordOutcome,
  eventLines: string[],
  { windowMs, now }: { windowMs: number; now: number },
): Decision {
  if (issue.status === 'ignored') return { analyze: false, reason: 'issue is ignored' };
  if (created) return { analyze: true, kind: 'new', reason: 'first event of a new issue' };
  if (regressed) return { analyze: true, kind: 'regressed', reason: 'a resolved issue came back' };
  if (unsnoozed) return { analyze: true, kind: 'unsnoozed', reason: 'the snooze ran out' };
  // An event of a release older than the fix, or dated before the resolve: what the fix is expected to
  // leave behind, not news. Analysed and alerted on each window, it paged about a fixed issue every hour
  // until the old release was gone.
  if (issue.status === 'resolved') return { analyze: false, reason: 'issue is resolved: not regressed' };
  if (issue.analyzedAt == null) return { analyze: true, kind: 'new', reason: 'never analysed yet' };
  const seen = new Set(issue.analyzedLines ?? []);
  if (eventLines.some((line) => !seen.has(line))) {
    return { analyze: true, kind: 'new-lines', reason: 'error lines the last analysis did not see' };
  }
  if (now - issue.analyzedAt >= windowMs)
    return { analyze: true, kind: 'window', reason: 'the analysis window passed' };
  return { analyze: false, reason: 'analysed within the window' };
}

/**
 * An issue escalates when this hour's events reach both `minEvents` and
 * `factor` times its average hour since it was first seen (over the previous
 * day at most). An issue first seen this hour has no rate to jump above: its
 * "new" alert already covers the storm it arrived with.
 */
export function isEscalating(
  counts: Array<{ hour: number; count: number }>,
  currentHour: number,
  firstSeenHour: number,
  { factor = 5, minEvents = 20 }: { factor?: number; minEvents?: number } = {},
): boolean {
  if (firstSeenHour >= currentHour) return false;
  const from = Math.max(firstSeenHour, currentHour - 24);
  const current = counts.find((entry) => entry.hour === currentHour)?.count ?? 0;
  const previous = counts.filter((entry) => entry.hour < currentHour && entry.hour >= from);
  const average = previous.reduce((sum, entry) => sum + entry.count, 0) / (currentHour - from);
  return current >= minEvents && current >= factor * Math.max(average, 1);
}
