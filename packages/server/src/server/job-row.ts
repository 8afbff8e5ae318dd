import type { Database, SqlStore } from '@triage/engine';
import { CompiledQuery } from 'kysely';

export interface NewJob {
  kind: string;
  payload: string;
}

/** A new job's row: its id is the database's (jobs.id). */
type JobRow = Omit<Database['jobs'], 'id'>;

/** The columns of a new job's row, in the order inserts list them. */
const JOB_COLUMNS = [
  'kind',
  'payload',
  'status',
  'attempts',
  'run_after',
  'created_at',
  'last_error',
] as const satisfies ReadonlyArray<keyof JobRow>;

/** The row a new job is stored as, due now. */
export function jobRow(job: NewJob, now: number): JobRow {
  return {
    kind: job.kind,
    payload: job.payload,
    status: 'pending',
    attempts: 0,
    run_after: now,
    created_at: now,
    last_error: null,
  };
}

/** Rows per insert: 7 columns each, well under SQLite's 32,766 parameters. */
const INSERT_ROWS = 500;
const insertSql = { sqlite: new Map<number, string>(), postgres: new Map<number, string>() };

/**
 * The inserts that store `rows`, at most INSERT_ROWS each. Their SQL is written once per row count
 * and dialect: ingest inserts a batch per event-loop turn, and with the query builder its 7 values
 * per event were walked and compiled into SQL every time, on the event loop; a statement written once
 * is prepared once (the store's cached statements).
 */
export function insertJobsQueries(dialect: SqlStore['dialect'], rows: JobRow[]): CompiledQuery[] {
  const queries: CompiledQuery[] = [];
  for (let start = 0; start < rows.length; start += INSERT_ROWS) {
    const slice = rows.slice(start, start + INSERT_ROWS);
    queries.push(
      CompiledQuery.raw(
        insertSqlFor(dialect, slice.length),
        slice.flatMap((row) => JOB_COLUMNS.map((column) => row[column])),
      ),
    );
  }
  return queries;
}

function insertSqlFor(dialect: SqlStore['dialect'], rows: number): string {
  let text = insertSql[dialect].get(rows);
  if (text) return text;
  let parameter = 0;
  const placeholder = dialect === 'postgres' ? () => `$${++parameter}` : () => '?';
  const values = Array.from({ length: rows }, () => `(${JOB_COLUMNS.map(placeholder).join(', ')})`);
  text = `insert into jobs (${JOB_COLUMNS.join(', ')}) values ${values.join(', ')}`;
  insertSql[dialect].set(rows, text);
  return text;
}
