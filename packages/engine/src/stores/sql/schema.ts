import type { Generated } from 'kysely';

/** Row shapes, as Kysely sees the tables. Times are epoch milliseconds. */
export interface IssuesTable {
  id: string;
  fingerprint: string;
  title: string;
  description: string;
  analysis: string;
  analysis_json: string | null;
  priority: string | null;
  status: string;
  source: string;
  service: string | null;
  environment: string | null;
  file: string | null;
  function: string | null;
  release: string | null;
  created_at: number;
  first_seen: number;
  last_seen: number;
  count: number;
  users_affected: number;
  last_event_id: string;
  analyzed_at: number | null;
  analyzed_lines: string | null;
  resolved_at: number | null;
  resolved_in_release: string | null;
  snooze_until: number | null;
  snooze_until_count: number | null;
  resolution_note: string | null;
  severity: string | null;
  category: string | null;
  analysis_claimed_at: number | null;
  /** What holds the claim (the delivery of the event being analysed); null when that is unknown. */
  analysis_claimed_by: string | null;
  project_id: string | null;
}

export interface IssueHoursTable {
  issue_id: string;
  hour: number;
  count: number;
}

export interface IssueUsersTable {
  issue_id: string;
  user_key: string;
}

export interface OutboxTable {
  id: string;
  idempotency_key: string;
  issue_id: string;
  channel: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface EventsTable {
  seq: Generated<number>;
  id: string;
  issue_id: string;
  received_at: number;
  payload: string;
  /** The delivery (server job) that recorded the event, if any: unique. */
  delivery: string | null;
}

export interface ProjectsTable {
  id: string;
  name: string;
  public_key: string;
  created_at: number;
  /** Events a minute its key may send; null: TRIAGE_RATE_LIMIT_PER_MINUTE (migration 010). */
  rate_limit_per_minute: number | null;
  /** Decompressed bytes a minute; null: TRIAGE_RATE_LIMIT_MB_PER_MINUTE (migration 010). */
  rate_limit_bytes_per_minute: number | null;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/** Durable work: an accepted event waits here until a worker (of any instance) has run the pipeline. */
export interface JobsTable {
  /** Never reused (AUTOINCREMENT, an identity on PostgreSQL): it is the delivery its event is recorded under. */
  id: Generated<number>;
  kind: string;
  payload: string;
  status: string;
  attempts: number;
  run_after: number;
  created_at: number;
  last_error: string | null;
}

/** LLM spend per UTC day and handler, for budgets shared by every instance (migration 007). */
export interface LlmSpendTable {
  day: string;
  handler: string;
  usd: number;
  calls: number;
}

/**
 * The ingest rate limit every instance shares (migration 009): a token bucket per project, `tokens` as
 * of `refilled_at` (epoch ms). Negative tokens are a debt: events the instances let through before
 * they learnt of each other's.
 */
export interface RateBucketsTable {
  bucket: string;
  tokens: number;
  refilled_at: number;
}

export interface Database {
  rate_buckets: RateBucketsTable;
  llm_spend: LlmSpendTable;
  projects: ProjectsTable;
  settings: SettingsTable;
  jobs: JobsTable;
  issues: IssuesTable;
  issue_hours: IssueHoursTable;
  issue_users: IssueUsersTable;
  outbox: OutboxTable;
  events: EventsTable;
}
