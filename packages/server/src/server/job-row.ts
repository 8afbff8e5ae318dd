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

/** The values of a row for `Columns`, in their order. */
type RowValues<Columns extends ReadonlyArray<keyof JobRow>> = {
  -readonly [K in keyof Columns]: JobRow[Columns[K] & keyof JobRow];
};

/** The values of a new job's row, due now, in the order of JOB_COLUMNS. */
function jobValues(job: NewJob, now: number): RowValues<typeof JOB_COLUMNS> {
  return [job.kind, job.payload, 'pending', 0, now, now, null];
}

/** Rows per insert: 7 columns each, well under SQLite's 32,766 parameters. */
const INSERT_ROWS = 500;
/** The largest insert with `powersOfTwo`. */
const POWER_ROWS = 256;
const insertSql = { sqlite: new Map<number, string>(), postgres: new Map<number, string>() };

/**
 * The inserts that store `jobs`, due now, at most INSERT_ROWS each. Their SQL is written once per row
 * count and dialect: ingest inserts a batch per event-loop turn, and with the query builder its 7 values
 * per event were walked and compiled into SQL every time, on the event loop; a statement written once
 * is prepared once (the store's cached statements). The values go straight into the parameter list,
 * without a row object per job.
 *
 * `powersOfTwo`: every insert holds a power of two of rows (256, then 128… for the rest), so that
 * inserts of any size use nine statements in all. The ingest spool's moves are of every size up to
 * thousands: one statement per size compiled up to 500 inserts of up to 500 rows each, on the event
 * loop, and held them all in the cache.
 */
export function insertJobsQueries(
  dialect: SqlStore['dialect'],
  jobs: readonly NewJob[],
  now: number,
  { powersOfTwo = false }: { powersOfTwo?: boolean } = {},
): CompiledQuery[] {
  const queries: CompiledQuery[] = [];
  for (let start = 0; start < jobs.length; ) {
    const left = jobs.length - start;
    const rows = powersOfTwo
      ? 2 ** Math.floor(Math.log2(Math.min(left, POWER_ROWS)))
      : Math.min(left, INSERT_ROWS);
    const parameters: unknown[] = [];
    for (let index = start; index < start + rows; index++) parameters.push(...jobValues(jobs[index]!, now));
    queries.push(CompiledQuery.raw(insertSqlFor(dialect, rows), parameters));
    start += rows;
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
