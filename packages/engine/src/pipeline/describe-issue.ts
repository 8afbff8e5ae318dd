import type { AnalysisResult, TriageEvent } from '@triage/core';

/** The write-up's Feedback description: error message, source, then the analysis. */
export function describeIssue(event: TriageEvent, result: AnalysisResult): string {
  // An event's own message (a Sentry captureMessage) heads it, not an error line logged before it.
  const message = event.error
    ? `${event.error.type}: ${event.error.message}`
    : (event.message ??
      event.log.find((entry) => entry.level === 'error')?.message ??
      event.description ??
      result.analysis.summary);
  const source =
    [event.source?.function, event.source?.file].filter(Boolean).join(' in ') || event.service || 'unknown';
  const heading = result.meta.analyzer === 'llm' ? 'LLM Analysis' : 'Offline Analysis';
  return `**Error Message:** ${message}\n\n**Source:** ${source}\n\n**${heading}:**\n${result.markdown}`;
}
