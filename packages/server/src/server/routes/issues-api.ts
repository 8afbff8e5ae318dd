import { CATEGORIES, SEVERITIES } from '@triage/core';
import { ISSUE_STATUSES, type IssueFilter, type IssueStatus, StatusConflictError } from '@triage/engine';
import type { Hono } from 'hono';
import { HttpError } from '../http-error.js';
import { MIB, type Project } from '../projects.js';
import type { ServerContext } from '../server-context.js';
import { apiBodyLimit } from './api-body-limit.js';
import { checkedQuery, pageLimit, wholeNumber } from './list-query.js';
import { readRateLimitChange } from './rate-limit-change-body.js';
import { requireAdmin } from './require-admin.js';
import { readStatusChange } from './status-change-body.js';

const SORTS = ['lastSeen', 'firstSeen', 'count'] as const;
const LIST_PARAMETERS = [
  'status',
  'severity',
  'category',
  'service',
  'environment',
  'handler',
  'project',
  'q',
  'sort',
  'limit',
  'offset',
  'after',
];

const ISSUE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A page's end, as `nextAfter` gives it: opaque to clients, the sort, and the last issue's sort value and id. */
const cursorOf = (sort: string, value: number, id: string) =>
  Buffer.from(JSON.stringify([sort, value, id])).toString('base64url');

/** The end of a page, from its `nextAfter`, for the list sorted by `sort`. */
function readCursor(cursor: string, sort: string): { value: number; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    typeof parsed[0] !== 'string' ||
    !Number.isSafeInteger(parsed[1]) ||
    typeof parsed[2] !== 'string' ||
    // An issue's id, as every store makes them: anything else named no issue, and a NUL in it failed the
    // PostgreSQL query (500).
    !ISSUE_ID.test(parsed[2])
  )
    throw new HttpError(400, 'after must be the nextAfter of an earlier page, as it was given');
  // Read in another order, a page's end named no place in this one: the list came back empty.
  if (parsed[0] !== sort)
    throw new HttpError(400, `after is the end of a page sorted by ${parsed[0]}: ask with sort=${parsed[0]}`);
  return { value: parsed[1], id: parsed[2] };
}

/**
 * `value` when it is one of `allowed` (or absent); else 400 naming them. A filter on a value no issue
 * can have (`severity=urgent`) answered an empty list, which reads as "no such issues".
 */
function oneOf(name: string, value: string | undefined, allowed: readonly string[]): string | undefined {
  if (!value) return undefined;
  if (!allowed.includes(value)) throw new HttpError(400, `${name} must be one of ${allowed.join(', ')}`);
  return value;
}

/**
 * The REST API (`Authorization: Bearer <admin token>`): issues with filters and
 * sorting, issue detail with analysis, recent events and counts per hour,
 * status changes and resolution notes, re-analysis, stats, and projects with their ingest limits.
 */
export function mountIssuesApi(app: Hono, context: ServerContext): void {
  const admin = requireAdmin(context);
  for (const path of [
    '/api/v1/issues/*',
    '/api/v1/issues',
    '/api/v1/stats',
    '/api/v1/projects',
    '/api/v1/projects/*',
  ])
    app.use(path, admin, apiBodyLimit);

  app.get('/api/v1/issues', async function listIssues(c) {
    const query = checkedQuery(c.req.queries(), LIST_PARAMETERS);
    const status = oneOf('status', query.status, ISSUE_STATUSES);
    const sort = oneOf('sort', query.sort, SORTS);
    const limit = pageLimit(query.limit);
    const offset = query.offset ? wholeNumber(query.offset) : 0;
    if (!Number.isSafeInteger(offset)) throw new HttpError(400, 'offset must be a whole number ≥ 0');
    const after = query.after ? readCursor(query.after, sort ?? 'lastSeen') : undefined;
    if (after && offset > 0) throw new HttpError(400, 'use after or offset, not both');
    const filter: IssueFilter = {
      status: status as IssueStatus | undefined,
      severity: oneOf('severity', query.severity, SEVERITIES),
      category: oneOf('category', query.category, CATEGORIES),
      service: query.service,
      environment: query.environment,
      handler: query.handler,
      projectId: query.project,
      text: query.q,
      sort: sort as IssueFilter['sort'],
      limit,
      offset,
      after,
    };
    // One more than the page: a next page is announced only when there is one.
    const issues = await context.store.listIssues({ ...filter, limit: limit + 1 });
    const last = issues.length > limit ? issues[limit - 1] : undefined;
    return c.json({
      issues: issues.slice(0, limit).map(summary),
      nextAfter: last ? cursorOf(filter.sort ?? 'lastSeen', last[filter.sort ?? 'lastSeen'], last.id) : null,
      nextOffset: last && !after ? offset + limit : null,
    });
  });

  app.get('/api/v1/issues/:id', async function issueDetail(c) {
    const issue = await context.store.getIssue(c.req.param('id'));
    if (!issue) throw new HttpError(404, 'no such issue');
    const hour = Math.floor(Date.now() / 3_600_000);
    const [events, hourly] = await Promise.all([
      context.store.recentEvents(issue.id, 20),
      context.store.hourlyCounts(issue.id, hour - 47),
    ]);
    return c.json({ issue, events, hourly });
  });

  app.patch('/api/v1/issues/:id', async function changeIssue(c) {
    const body = (await c.req.json().catch(() => undefined)) as unknown;
    const existing = await context.store.getIssue(c.req.param('id'));
    if (!existing) throw new HttpError(404, 'no such issue');
    const issue = await context.engine
      .setStatus(existing.id, readStatusChange(body, existing.status))
      .catch((error: unknown) => {
        if (StatusConflictError.isInstance(error)) throw new HttpError(409, error.message);
        throw error;
      });
    // Deleted (by retention) since it was read.
    if (!issue) throw new HttpError(404, 'no such issue');
    return c.json({ issue });
  });

  app.post('/api/v1/issues/:id/reanalyze', async function reanalyze(c) {
    const issue = await context.store.getIssue(c.req.param('id'));
    if (!issue) throw new HttpError(404, 'no such issue');
    // The analysis reads the issue's latest stored event: with none left, the job did nothing, answered 202.
    if ((await context.store.recentEvents(issue.id, 1)).length === 0)
      throw new HttpError(
        409,
        'no event of this issue is stored any more (retention deleted them): there is nothing to analyse again until the next one arrives',
      );
    // The job leaves an issue analysed since this request as it is: asked twice, one LLM call.
    const requestedAt = Date.now();
    await context.jobs.enqueue([
      { kind: 'reanalyze', payload: JSON.stringify({ issueId: issue.id, requestedAt }) },
    ]);
    return c.json({ queued: true, requestedAt }, 202);
  });

  app.get('/api/v1/stats', async function stats(c) {
    const db = context.store.db;
    const [events, byStatus, jobs, engine, spend] = await Promise.all([
      db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('issues')
        .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
        .groupBy('status')
        .execute(),
      context.jobs.counts(),
      Promise.resolve(context.engine.stats()),
      context.store.spendOn(new Date().toISOString().slice(0, 10)),
    ]);
    return c.json({
      events: Number(events.count),
      issues: Object.fromEntries(byStatus.map((row) => [row.status, Number(row.count)])),
      queue: {
        ...jobs,
        enqueued: context.jobs.written.jobs,
        commits: context.jobs.written.commits,
        done: context.jobs.done,
        failed: context.jobs.failed,
        timedOut: context.jobs.timedOut,
        duplicates: engine.duplicates,
      },
      ingest: {
        bodyBytesHeld: context.bodyMemory.used,
        refusedForMemory: context.bodyMemory.refused,
        rateLimitedRequests: context.rateLimits.events.refused.requests,
        rateLimitedEvents: context.rateLimits.events.refused.tokens,
        byteLimitedRequests: context.rateLimits.bytes.refused.requests,
        byteLimitedBytes: context.rateLimits.bytes.refused.tokens,
        telemetryLimitedRequests: context.rateLimits.telemetry.refused.requests,
        telemetryLimitedBytes: context.rateLimits.telemetry.refused.tokens,
      },
      alerts: { sent: engine.alerted, deadLetters: engine.deadLetters },
      // What the daily budgets are checked against: every instance's spend, kept in the database.
      llm: { ...spend, scope: 'today (UTC), every instance on this database' },
    });
  });

  app.get('/api/v1/projects', async function listProjects(c) {
    checkedQuery(c.req.queries(), []);
    return c.json({ projects: (await context.projects.list()).map(projectView) });
  });

  app.patch('/api/v1/projects/:id', async function changeProject(c) {
    const change = readRateLimitChange(await c.req.json().catch(() => undefined));
    const project = await context.projects.setRateLimits({ id: c.req.param('id') }, change);
    if (!project) throw new HttpError(404, 'no such project');
    return c.json({ project: projectView(project) });
  });
}

/**
 * A project as the API shows it: with its limits also under the names a PATCH takes (null: the
 * server's), so what is read can be sent back; `rateLimits` keeps bytes, as stored.
 */
function projectView(project: Project) {
  const { eventsPerMinute, bytesPerMinute } = project.rateLimits;
  return {
    ...project,
    rateLimitPerMinute: eventsPerMinute ?? null,
    rateLimitMbPerMinute: bytesPerMinute === undefined ? null : bytesPerMinute / MIB,
  };
}

function summary(issue: Awaited<ReturnType<ServerContext['store']['listIssues']>>[number]) {
  const { analysisResult, description, analysis, analyzedLines, ...rest } = issue;
  return {
    ...rest,
    severity: analysisResult?.analysis.severity,
    category: analysisResult?.analysis.category,
    summary: analysisResult?.analysis.summary,
  };
}
