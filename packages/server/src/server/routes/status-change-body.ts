import { ISSUE_STATUSES, type IssueStatus, type StatusChange } from '@triage/engine';
import { HttpError } from '../http-error.js';

/** Ten years: longer is "for ever", which is what `ignored` without a snooze already means. */
export const MAX_SNOOZE_MS = 10 * 365 * 24 * 3_600_000;
/** Fits PostgreSQL's integer column with the issue's count added. */
export const MAX_SNOOZE_EVENTS = 1_000_000_000;
const MAX_NOTE_CHARS = 10_000;
const MAX_RELEASE_CHARS = 200;

/** The statuses a person may set: `regressed` is what an event does to a resolved issue. */
export const SETTABLE_STATUSES: readonly IssueStatus[] = ISSUE_STATUSES.filter(
  (status) => status !== 'regressed',
);
const FIELDS = ['status', 'note', 'snoozeForMs', 'snoozeForEvents', 'resolvedInRelease'];

/**
 * The body of `PATCH /api/v1/issues/:id`, checked: 400 naming the field for anything the store could
 * not take as it is. A fractional or huge snooze was stored on SQLite and made PostgreSQL fail (500);
 * a release that was not text, or a body that was an array, was silently ignored.
 *
 * Only what is sent changes. A body without `status` keeps the issue's: a note alone is a note (it
 * used to set the current status again, which dropped a resolved issue's release and an ignored
 * one's snooze); a snooze alone changes the snooze of an ignored issue, a release alone the release
 * of a resolved one. A field the API does not know is a 400: misspelt (`stauts`), it changed nothing
 * and was answered 200.
 */
export function readStatusChange(body: unknown, current: IssueStatus): StatusChange {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(
      400,
      `send a JSON object with ${FIELDS.join(', ')} or some of them, e.g. {"status": "resolved"}`,
    );
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((name) => !FIELDS.includes(name));
  if (unknown !== undefined)
    throw new HttpError(400, `unknown field "${unknown.slice(0, 100)}": use ${FIELDS.join(', ')}`);
  if (!FIELDS.some((name) => fields[name] !== undefined))
    throw new HttpError(400, `nothing to change: send ${FIELDS.join(', ')} or some of them`);
  const { status } = fields;
  if (status !== undefined && !SETTABLE_STATUSES.includes(status as IssueStatus))
    throw new HttpError(
      400,
      `status must be one of ${SETTABLE_STATUSES.join(', ')} (an issue is regressed by an event after it was resolved)`,
    );
  const becomes = (status as IssueStatus | undefined) ?? current;
  const change: StatusChange = {
    note: text(fields, 'note', MAX_NOTE_CHARS),
    snoozeForMs: wholeNumber(fields, 'snoozeForMs', MAX_SNOOZE_MS),
    snoozeForEvents: wholeNumber(fields, 'snoozeForEvents', MAX_SNOOZE_EVENTS),
    resolvedInRelease: text(fields, 'resolvedInRelease', MAX_RELEASE_CHARS),
  };
  const snoozed = change.snoozeForMs !== undefined || change.snoozeForEvents !== undefined;
  if (snoozed && becomes !== 'ignored')
    throw new HttpError(400, 'snoozeForMs and snoozeForEvents go with "status": "ignored"');
  if (change.resolvedInRelease !== undefined && becomes !== 'resolved')
    throw new HttpError(400, 'resolvedInRelease goes with "status": "resolved"');
  if (status !== undefined || snoozed || change.resolvedInRelease !== undefined) change.status = becomes;
  // Made for the status read: the store refuses it if an event changed that status meanwhile.
  if (status === undefined && change.status !== undefined) change.ifStatus = current;
  return change;
}

function text(fields: Record<string, unknown>, name: string, max: number): string | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  // PostgreSQL's text cannot hold NUL.
  if (typeof value !== 'string' || value.length > max || value.includes('\0'))
    throw new HttpError(400, `${name} must be text of at most ${max} characters, without NUL`);
  return value;
}

function wholeNumber(fields: Record<string, unknown>, name: string, max: number): number | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max)
    throw new HttpError(400, `${name} must be a whole number from 0 to ${max}`);
  return value;
}
