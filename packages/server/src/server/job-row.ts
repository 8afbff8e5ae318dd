import type { Database } from '@triage/engine';
import { v7 as timeOrderedId } from 'uuid';

export interface NewJob {
  kind: string;
  payload: string;
}

type JobRow = Database['jobs'];

/** The columns of a new job's row, in the order inserts list them. */
export const JOB_COLUMNS = [
  'id',
  'kind',
  'payload',
  'status',
  'attempts',
  'run_after',
  'created_at',
  'last_error',
] as const satisfies ReadonlyArray<keyof JobRow>;

/**
 * The row a new job is stored as, due now. Ids are time-ordered (UUIDv7): new
 * rows land at the end of the primary-key index instead of on a random page of it.
 */
export function jobRow(job: NewJob, now: number): JobRow {
  return {
    id: timeOrderedId(),
    kind: job.kind,
    payload: job.payload,
    status: 'pending',
    attempts: 0,
    run_after: now,
    created_at: now,
    last_error: null,
  };
}
