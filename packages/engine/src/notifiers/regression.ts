import type { Issue } from '../ports/issue-store.js';

/** What the alert of a regressed issue adds: when it was resolved, and the note of the fix. */
export interface Regression {
  resolvedAt?: number;
  /** User text from the REST API: each channel escapes it as it does LLM text. */
  note?: string;
}

/**
 * The issue came back after a resolve. An alert said nothing of it, so it read as a new issue, and the
 * note of what fixed it last time, the first thing to look at, never reached the person on call.
 */
export function regressionOf(issue: Issue): Regression | undefined {
  if (issue.status !== 'regressed') return undefined;
  const note = issue.resolutionNote?.trim() || undefined;
  return { resolvedAt: issue.resolvedAt, note };
}

/** `resolved <date>: <note>`, with the date and the note as the channel writes them (escaped). */
export function resolutionLine(
  { resolvedAt, note }: Regression,
  date: (time: number) => string,
  text: (note: string) => string,
): string {
  const when = resolvedAt != null ? ` ${date(resolvedAt)}` : note ? '' : ' before';
  return `resolved${when}${note ? `: ${text(note)}` : ''}`;
}
