import { StatusConflictError } from '../errors/status-conflict-error.js';
import type { Issue, IssueFilter, StatusChange } from '../ports/issue-store.js';

/**
 * The fields a status change sets, the same for every store. Only what the change gives: without a
 * status, the status and its snooze or release stay. An issue resolved again (to name the release,
 * say) keeps when it was resolved, and its release unless a new one is given; leaving `resolved`
 * keeps both, as a regression does, for whoever looks back.
 */
export function applyStatus(issue: Issue, change: StatusChange, now: number): Partial<Issue> {
  // Read before the change was made, the status may have moved since (a regression, a snooze's end):
  // applied, a release meant for the resolved issue resolved the regressed one again, in silence.
  if (change.ifStatus !== undefined && issue.status !== change.ifStatus)
    throw new StatusConflictError(
      `the issue is ${issue.status} now, not ${change.ifStatus}: read it again and say which status it should have`,
    );
  const fields: Partial<Issue> = {};
  if (change.note !== undefined) fields.resolutionNote = change.note;
  if (change.status === undefined) return fields;
  fields.status = change.status;
  if (change.status === 'resolved') {
    const again = issue.status === 'resolved';
    fields.resolvedAt = again ? (issue.resolvedAt ?? now) : now;
    fields.resolvedInRelease = change.resolvedInRelease ?? (again ? issue.resolvedInRelease : undefined);
  }
  if (change.status === 'ignored') {
    fields.snoozeUntil = change.snoozeForMs != null ? now + change.snoozeForMs : undefined;
    fields.snoozeUntilCount =
      change.snoozeForEvents != null ? issue.count + change.snoozeForEvents : undefined;
  } else {
    fields.snoozeUntil = undefined;
    fields.snoozeUntilCount = undefined;
  }
  return fields;
}

/** The in-memory form of an issue filter (SQL stores translate it to WHERE clauses). */
export function matchesFilter(
  issue: Issue,
  { status, service, environment, severity, category, handler, projectId, text }: IssueFilter,
): boolean {
  if (status && issue.status !== status) return false;
  if (service && issue.service !== service) return false;
  if (environment && issue.environment !== environment) return false;
  if (severity && issue.analysisResult?.analysis.severity !== severity) return false;
  if (category && issue.analysisResult?.analysis.category !== category) return false;
  if (handler && issue.function !== handler) return false;
  if (projectId && issue.projectId !== projectId) return false;
  if (text) {
    const needle = text.toLowerCase();
    if (!`${issue.title}\n${issue.description}`.toLowerCase().includes(needle)) return false;
  }
  return true;
}
