import { type Analysis, type AnalysisResult, fitAnalysisLengths } from '../analysis/analysis-schema.js';
import { renderMarkdown } from '../analysis/render-markdown.js';
import type { Priority, TriageEvent } from '../types.js';
import { matchRules } from './match-rules.js';
import type { OfflineRule } from './offline-rule.js';
import { OFFLINE_RULES } from './rules.js';

const IMPACT: Record<Priority | 'unset', { scope: string; revenue: string }> = {
  P0: {
    scope: 'a revenue-critical path (P0)',
    revenue: 'Direct: each failed request may be a lost transaction',
  },
  P1: { scope: 'a user-facing path (P1)', revenue: 'Indirect: users see errors and may leave' },
  P2: {
    scope: 'a background job (P2)',
    revenue: 'None expected directly; data may be delayed or inconsistent',
  },
  P3: { scope: 'an internal or admin path (P3)', revenue: 'None expected; operations are slowed down' },
  unset: {
    scope: 'a handler with no priority set',
    revenue: 'Unknown: set a handler priority to estimate it',
  },
};

export interface OfflineOptions {
  rules?: readonly OfflineRule[];
}

/**
 * The analyzer that needs no LLM: matches the captured lines against the
 * knowledge base of known error signatures and quotes what it matched. It says
 * plainly that it is the offline analyzer, and says "insufficient context" when
 * nothing matched rather than guessing.
 */
export function analyzeOffline(
  event: TriageEvent,
  { rules = OFFLINE_RULES }: OfflineOptions = {},
): AnalysisResult {
  const started = performance.now();
  // An SDK's breadcrumbs are a trail that holds whatever failed before (a browser's earlier errors, a
  // console.error of another task): the event's own lines name the cause when one of them matches.
  let lines = candidateLines(event, false);
  let [best] = matchRules(lines, rules);
  if (!best && event.log.some((entry) => entry.breadcrumb)) {
    lines = candidateLines(event, true);
    [best] = matchRules(lines, rules);
  }
  const where = event.source?.function ?? event.source?.file ?? event.request?.route;
  const impact = IMPACT[event.priority ?? 'unset'];
  const scope = [impact.scope, event.request?.route ?? event.request?.url, event.service]
    .filter(Boolean)
    .join(', ');

  let analysis: Analysis;
  if (best) {
    analysis = {
      title: where ? `${best.rule.title} in ${where}` : best.rule.title,
      summary: `${best.rule.title}: ${best.lines[0]}`,
      rootCause: best.rule.rootCause,
      category: best.rule.category,
      severity: best.rule.severity,
      businessImpact: { userImpact: best.rule.userImpact, scope, revenueImpact: impact.revenue },
      remediation: [...best.rule.remediation],
      prevention: [...best.rule.prevention],
      confidence: best.rule.confidence,
      insufficientContext: false,
      evidence: best.lines,
      remediationType: best.rule.remediationType,
    };
  } else {
    const headline = event.error
      ? `${event.error.type}: ${event.error.message}`
      : (lines[0] ?? 'Unrecognized error');
    analysis = {
      title: where ? `Unrecognized error in ${where}` : 'Unrecognized error',
      summary: headline,
      rootCause: 'Insufficient context: no known error signature matched the captured lines.',
      category: 'unknown',
      severity: event.priority === 'P0' ? 'high' : 'medium',
      businessImpact: { userImpact: 'Unknown from the captured lines', scope, revenueImpact: impact.revenue },
      remediation: ['Read the quoted lines and the stack trace, then reproduce the failing request.'],
      prevention: [
        'Log the failing operation with its inputs and the dependency it called, so the cause is visible.',
      ],
      confidence: 0.1,
      insufficientContext: true,
      evidence: lines.slice(0, 3),
      remediationType: 'none',
    };
  }
  const meta = {
    analyzer: 'offline' as const,
    rules: best ? [best.rule.id] : [],
    latencyMs: performance.now() - started,
    notes: best ? [] : ['no offline rule matched'],
  };
  // What comes from the event (lines, URLs, names) is cut to the schema's lengths: the offline analysis
  // is stored, rendered and alerted like an LLM's, and a log line can be long.
  const fitted = fitAnalysisLengths(analysis).value as Analysis;
  return { analysis: fitted, meta, markdown: renderMarkdown(fitted, meta) };
}

/**
 * The error, else the event's own message, first; then error lines (they carry the cause), warnings,
 * the rest; with `breadcrumbs`, an SDK's breadcrumbs after the event's own lines.
 */
function candidateLines(event: TriageEvent, breadcrumbs: boolean): string[] {
  const lines: string[] = [];
  if (!event.error && event.message) lines.push(event.message);
  for (let error = event.error; error; error = error.cause) {
    lines.push(error.message ? `${error.type}: ${error.message}` : error.type);
    if (error.code) lines.push(error.code);
  }
  for (const trail of breadcrumbs ? [false, true] : [false]) {
    for (const level of ['error', 'warn', 'info'] as const) {
      for (const entry of event.log)
        if (entry.level === level && !entry.breadcrumb === !trail) lines.push(entry.message);
    }
  }
  if (event.description) lines.push(event.description);
  return [...new Set(lines)].slice(0, 500);
}
