import type { AnalysisResult, TriageEvent } from '@triage/core';
import { type Kysely, sql } from 'kysely';
import { v7 as timeOrderedId } from 'uuid';
import type { BudgetOptions, SpendSummary } from '../../analyzers/spend-ledger.js';
import {
  type AlertPage,
  type Issue,
  type IssueFilter,
  type IssueStore,
  MAX_ALERTS_LISTED,
  type OutboxEntry,
  type RecordOptions,
  type RecordOutcome,
  type StatusChange,
} from '../../ports/issue-store.js';
import type { SpendStore } from '../../ports/spend-store.js';
import { applyStatus } from '../status-change.js';
import { KeyedBatcher } from './keyed-batcher.js';
import type { SqlDialectName } from './migrations.js';
import { type RecordItem, recordEvents } from './record-events.js';
import { changedIssueColumns, toIssue, toIssueRow, toOutboxEntry } from './row-mapping.js';
import type { Database } from './schema.js';
import { userKeySecretOf } from './stored-setting.js';
import { isUniqueViolation } from './unique-violation.js';

/** The advisory lock the LLM budget's bookings take turns on, on PostgreSQL (any fixed number). */
const SPEND_LOCK = 7_202_612;

/** The SQL function (registered on each SQLite connection by openSqlStore) that lowercases as JavaScript does. */
export const UNICODE_LOWER = 'unicode_lower';

export interface SqlStoreOptions {
  /** Runs before the connections close (the SQLite checkpoint thread stops here). */
  beforeClose?: () => Promise<void>;
  /** The database file, for SQLite on disk. */
  sqliteFile?: string;
  /**
   * PostgreSQL has ICU's root collation (`und-x-icu`): text search folds case with it, as JavaScript
   * does, whatever the database's locale (under `C`, lower('ÜBER') is 'Über'; under C.UTF-8, 'ΟΔΟΣ'
   * lowers to 'οδοσ' where JavaScript writes 'οδος').
   */
  icuCollation?: boolean;
}

/**
 * The issue store on SQL, one code path for SQLite and PostgreSQL (Kysely).
 * Recording an event is one transaction; on PostgreSQL the issue row is locked
 * (`FOR UPDATE`) so several server instances count and decide consistently.
 */
export class SqlStore implements IssueStore, SpendStore {
  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: SqlDialectName,
    private readonly options: SqlStoreOptions = {},
  ) {}

  /** The database file of a SQLite store on disk (undefined in memory and on PostgreSQL). */
  get sqliteFile(): string | undefined {
    return this.options.sqliteFile;
  }

  /**
   * Records an event. Concurrent events of one fingerprint are recorded together, one
   * transaction for those that arrived while the previous one ran (see recordEvents): the
   * issue row is the one every event of a storm updates, and one at a time they queued on it.
   */
  recordEvent(
    input: { event: TriageEvent; fingerprint: string; title: string },
    options: RecordOptions = {},
  ): Promise<RecordOutcome> {
    return this.#recorder.submit(input.fingerprint, { input, options });
  }

  readonly #recorder = new KeyedBatcher<RecordItem, RecordOutcome>(async (fingerprint, items) => {
    // Two instances may insert the same new fingerprint at once: the loser retries and updates.
    for (let attempt = 0; ; attempt++) {
      try {
        return await recordEvents(this.db, this.dialect, fingerprint, items);
      } catch (error) {
        if (attempt < 2 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  });

  async saveAnalysis(issueId: string, result: AnalysisResult, description: string, analyzedLines?: string[]) {
    const updated = await this.db
      .updateTable('issues')
      .set({
        analysis: result.markdown,
        analysis_json: JSON.stringify(result),
        description,
        title: result.analysis.title.slice(0, 500),
        severity: result.analysis.severity,
        category: result.analysis.category,
        source: result.meta.analyzer === 'llm' ? 'llm-self-analysis' : 'offline-rules',
        analyzed_at: Date.now(),
        ...(analyzedLines ? { analyzed_lines: JSON.stringify(analyzedLines) } : {}),
      })
      .where('id', '=', issueId)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new Error(`issue ${issueId} not found`);
    return toIssue(updated);
  }

  async getIssue(id: string) {
    const row = await this.db.selectFrom('issues').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toIssue(row) : undefined;
  }

  async listIssues(filter: IssueFilter = {}) {
    const {
      status,
      service,
      environment,
      severity,
      category,
      handler,
      projectId,
      text,
      sort,
      limit = 100,
      offset = 0,
    } = filter;
    let query = this.db.selectFrom('issues').selectAll();
    if (status) query = query.where('status', '=', status);
    if (service) query = query.where('service', '=', service);
    if (environment) query = query.where('environment', '=', environment);
    if (severity) query = query.where('severity', '=', severity);
    if (category) query = query.where('category', '=', category);
    if (handler) query = query.where('function', '=', handler);
    if (projectId) query = query.where('project_id', '=', projectId);
    if (text) {
      const like = `%${text.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      // Folded as JavaScript folds `text`: SQLite's own lower() leaves every letter past ASCII as it is,
      // PostgreSQL's follows the database's locale.
      const folded = (column: 'title' | 'description') =>
        this.dialect === 'sqlite'
          ? sql<string>`${sql.raw(UNICODE_LOWER)}(${sql.ref(column)})`
          : this.options.icuCollation
            ? sql<string>`lower(${sql.ref(column)} collate "und-x-icu")`
            : sql<string>`lower(${sql.ref(column)})`;
      query = query.where((eb) =>
        eb.or([
          eb(folded('title'), 'like', sql<string>`${like} escape '\\'`),
          eb(folded('description'), 'like', sql<string>`${like} escape '\\'`),
        ]),
      );
    }
    const column = sort === 'count' ? 'count' : sort === 'firstSeen' ? 'first_seen' : 'last_seen';
    const { after } = filter;
    if (after)
      query = query.where((eb) =>
        eb.or([
          eb(column, '<', after.value),
          eb.and([eb(column, '=', after.value), eb('id', '<', after.id)]),
        ]),
      );
    const rows = await query
      .orderBy(column, 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(limit, 1_000))
      .offset(offset)
      .execute();
    return rows.map(toIssue);
  }

  async setStatus(id: string, change: StatusChange, now = Date.now()) {
    return this.db.transaction().execute(async (trx) => {
      // Locked on PostgreSQL, and only the status's columns written: an instance recording an event
      // meanwhile had its count and last seen overwritten by the row as read here.
      let query = trx.selectFrom('issues').selectAll().where('id', '=', id);
      if (this.dialect === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (!row) return undefined;
      const issue = { ...toIssue(row), ...applyStatus(toIssue(row), change, now) };
      const changes = changedIssueColumns(row, toIssueRow(issue));
      if (Object.keys(changes).length > 0)
        await trx.updateTable('issues').set(changes).where('id', '=', id).execute();
      return issue;
    });
  }

  async claimAnalysis(
    issueId: string,
    now: number,
    leaseMs: number,
    claimant?: string,
    asRead?: Pick<Issue, 'analyzedAt'>,
  ) {
    let claim = this.db
      .updateTable('issues')
      .set({ analysis_claimed_at: now, analysis_claimed_by: claimant ?? null })
      .where('id', '=', issueId);
    if (asRead)
      claim =
        asRead.analyzedAt === undefined
          ? claim.where('analyzed_at', 'is', null)
          : claim.where('analyzed_at', '=', asRead.analyzedAt);
    const result = await claim
      .where((eb) =>
        eb.or([
          eb('analysis_claimed_at', 'is', null),
          eb('analysis_claimed_at', '<=', now - leaseMs),
          ...(claimant === undefined ? [] : [eb('analysis_claimed_by', '=', claimant)]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async releaseAnalysis(issueId: string) {
    await this.db
      .updateTable('issues')
      .set({ analysis_claimed_at: null, analysis_claimed_by: null })
      .where('id', '=', issueId)
      .execute();
  }

  async analysisClaimant(issueId: string) {
    const row = await this.db
      .selectFrom('issues')
      .select('analysis_claimed_by')
      .where('id', '=', issueId)
      .where('analysis_claimed_at', 'is not', null)
      .executeTakeFirst();
    return row?.analysis_claimed_by ?? undefined;
  }

  async recentEvents(issueId: string, limit: number) {
    const rows = await this.db
      .selectFrom('events')
      .select('payload')
      .where('issue_id', '=', issueId)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => JSON.parse(row.payload) as TriageEvent);
  }

  /** The key of the users' pseudonyms, made once and kept in the database (see `createPseudonymizer`). */
  userKeySecret(): Promise<string> {
    return userKeySecretOf(this.db);
  }

  async reserveSpend(day: string, handler: string, usd: number, budgets: BudgetOptions) {
    const { dailyUsd, handlerDailyUsd } = budgets;
    if (dailyUsd == null && handlerDailyUsd == null) {
      await this.addSpend(day, handler, usd, 1);
      return true;
    }
    const underBudget = [
      dailyUsd != null && sql`(select coalesce(sum(usd), 0) from llm_spend where day = ${day}) < ${dailyUsd}`,
      handlerDailyUsd != null &&
        sql`(select coalesce(sum(usd), 0) from llm_spend where day = ${day} and handler = ${handler}) < ${handlerDailyUsd}`,
    ].filter((condition) => condition !== false);
    // One statement: on SQLite it holds the write lock from its first read. The SELECT has a WHERE,
    // which SQLite's parser needs before ON CONFLICT.
    const book = sql`insert into llm_spend (day, handler, usd, calls)
      select ${day}, ${handler}, cast(${usd} as double precision), 1
      where ${sql.join(underBudget, sql` and `)}
      on conflict (day, handler) do update
      set usd = llm_spend.usd + excluded.usd, calls = llm_spend.calls + excluded.calls`;
    const booked = async (db: Kysely<Database>) => Number((await book.execute(db)).numAffectedRows ?? 0) > 0;
    if (this.dialect !== 'postgres') return booked(this.db);
    // On PostgreSQL two statements at once would each read the sums before the other's row: the
    // bookings take turns on a lock held until their transaction ends.
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${sql.lit(SPEND_LOCK)})`.execute(trx);
      return booked(trx);
    });
  }

  async addSpend(day: string, handler: string, usd: number, calls: number) {
    await this.db
      .insertInto('llm_spend')
      .values({ day, handler, usd, calls })
      .onConflict((conflict) =>
        conflict.columns(['day', 'handler']).doUpdateSet({
          usd: sql<number>`llm_spend.usd + excluded.usd`,
          calls: sql<number>`llm_spend.calls + excluded.calls`,
        }),
      )
      .execute();
  }

  async spendOn(day: string): Promise<SpendSummary> {
    const rows = await this.db
      .selectFrom('llm_spend')
      .select(['handler', 'usd', 'calls'])
      .where('day', '=', day)
      .orderBy('handler')
      .execute();
    const summary: SpendSummary = { day, totalUsd: 0, calls: 0, byHandler: {} };
    for (const row of rows) {
      const usd = Number(row.usd);
      const calls = Number(row.calls);
      summary.totalUsd += usd;
      summary.calls += calls;
      summary.byHandler[row.handler] = { usd, calls };
    }
    return summary;
  }

  async hourlyCounts(issueId: string, sinceHour: number) {
    const rows = await this.db
      .selectFrom('issue_hours')
      .select(['hour', 'count'])
      .where('issue_id', '=', issueId)
      .where('hour', '>=', sinceHour)
      .orderBy('hour')
      .execute();
    return rows.map((row) => ({ hour: Number(row.hour), count: Number(row.count) }));
  }

  async enqueueAlert(entry: Omit<OutboxEntry, 'id' | 'status' | 'attempts' | 'createdAt'>) {
    const result = await this.db
      .insertInto('outbox')
      .values({
        id: timeOrderedId(),
        idempotency_key: entry.idempotencyKey,
        issue_id: entry.issueId,
        channel: entry.channel,
        payload: entry.payload,
        status: 'pending',
        attempts: 0,
        next_attempt_at: entry.nextAttemptAt,
        last_error: null,
        created_at: Date.now(),
        sent_at: null,
      })
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async claimDueAlerts(now: number, limit: number, leaseMs: number) {
    return this.db.transaction().execute(async (trx) => {
      let due = trx
        .selectFrom('outbox')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(limit);
      // Several dispatchers (server instances) take disjoint alerts.
      if (this.dialect === 'postgres') due = due.forUpdate().skipLocked();
      const ids = (await due.execute()).map((row) => row.id);
      if (ids.length === 0) return [];
      const rows = await trx
        .updateTable('outbox')
        .set({ next_attempt_at: now + leaseMs, attempts: sql<number>`attempts + 1` })
        .where('id', 'in', ids)
        .returningAll()
        .execute();
      return rows.map(toOutboxEntry);
    });
  }

  async renewAlertClaim(id: string, attempts: number, until: number) {
    const result = await this.db
      .updateTable('outbox')
      .set({ next_attempt_at: until })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('attempts', '=', attempts)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async markAlertSent(id: string, now: number) {
    await this.db.updateTable('outbox').set({ status: 'sent', sent_at: now }).where('id', '=', id).execute();
  }

  async markAlertRetry(id: string, nextAttemptAt: number, error: string) {
    await this.db
      .updateTable('outbox')
      .set({ next_attempt_at: nextAttemptAt, last_error: error.slice(0, 2_000) })
      .where('id', '=', id)
      .execute();
  }

  async markAlertDead(id: string, error: string) {
    await this.db
      .updateTable('outbox')
      .set({ status: 'dead', last_error: error.slice(0, 2_000) })
      .where('id', '=', id)
      .execute();
  }

  async listAlerts(status?: OutboxEntry['status'], { limit = MAX_ALERTS_LISTED, after }: AlertPage = {}) {
    let query = this.db.selectFrom('outbox').selectAll();
    if (status) query = query.where('status', '=', status);
    // Ids are time-ordered (UUIDv7): by id is the order they were written in, and a page's last id
    // says where the next starts.
    if (after !== undefined) query = query.where('id', '>', after);
    const rows = await query.orderBy('id').limit(Math.min(limit, MAX_ALERTS_LISTED)).execute();
    return rows.map(toOutboxEntry);
  }

  async retryDeadAlerts(now: number, ids?: string[]) {
    if (ids?.length === 0) return 0;
    let query = this.db
      .updateTable('outbox')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now })
      .where('status', '=', 'dead');
    if (ids) query = query.where('id', 'in', ids);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async nextAlertDueAt() {
    // One step down the (status, next_attempt_at) index, whatever the outbox holds.
    const row = await this.db
      .selectFrom('outbox')
      .select('next_attempt_at')
      .where('status', '=', 'pending')
      .orderBy('next_attempt_at')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.next_attempt_at);
  }

  async close() {
    await this.options.beforeClose?.();
    await this.db.destroy();
  }
}
