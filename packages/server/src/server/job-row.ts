import type { Database } from '@triage/engine';
import { v7 as timeOrderedId } from 'uuid';

export interface NewJob {
  kind: string;
  payload: string;
}

/**
 * The row a new job is stored as, due now. Ids are time-ordered (UUIDv7): new
 * rows land at the end of the primary-key index instead of on a random page of it.
 */
export function jobRow(job: NewJob, now: number): Database['jobs'] {
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

/** An insert of one `jobRow`, with named parameters, for a connection without Kysely. */
export const INSERT_JOB_SQL =
  'insert into jobs (id, kind, payload, status, attempts, run_after, created_at, last_error) ' +
  'values (@id, @kind, @payload, @status, @attempts, @run_after, @created_at, @last_error)';
