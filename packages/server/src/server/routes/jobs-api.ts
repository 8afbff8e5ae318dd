import type { Hono } from 'hono';
import { HttpError } from '../http-error.js';
import type { JobStatus } from '../job-queue.js';
import type { ServerContext } from '../server-context.js';
import { apiBodyLimit } from './api-body-limit.js';
import { checkedQuery, pageLimit, wholeNumber } from './list-query.js';
import { requireAdmin } from './require-admin.js';
import { retryIdsOf } from './retry-ids.js';

const STATUSES: JobStatus[] = ['pending', 'dead'];
const NOT_POST = ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The analysis queue as an operator sees it (admin token): the jobs waiting or given up on, one job
 * with its payload, and dead jobs put back in the queue once what killed them is fixed (a provider
 * key, an outage). A dead event job is an event that was stored but never analysed.
 */
export function mountJobsApi(app: Hono, context: ServerContext): void {
  app.use('/api/v1/jobs', requireAdmin(context), apiBodyLimit);
  app.use('/api/v1/jobs/*', requireAdmin(context), apiBodyLimit);

  app.get('/api/v1/jobs', async function listJobs(c) {
    const query = checkedQuery(c.req.queries(), ['status', 'limit', 'after']);
    // Empty is unset, as for the issue list's filters.
    const status = (query.status || 'dead') as JobStatus;
    if (!STATUSES.includes(status)) throw new HttpError(400, `status must be one of ${STATUSES.join(', ')}`);
    const limit = pageLimit(query.limit);
    const after = query.after ? wholeNumber(query.after) : 0;
    if (!Number.isSafeInteger(after)) throw new HttpError(400, 'after must be a job id (a whole number)');
    // Pages by id: past the first 500 a dead job could not be seen.
    const jobs = await context.jobs.list(status, limit + 1, after);
    return c.json({
      jobs: jobs.slice(0, limit),
      nextAfter: jobs.length > limit ? jobs[limit - 1]!.id : null,
    });
  });

  // Else GET /api/v1/jobs/retry is a job id ("retry"), refused as one, where the other routes answer a
  // method they do not take with 405 (createApp). Any method: with a GET route on the path, the 405 of
  // the others named GET as allowed.
  app.on(NOT_POST, '/api/v1/jobs/retry', (c) => {
    throw new HttpError(405, `use POST for ${new URL(c.req.url).pathname}`, { allow: 'POST' });
  });

  app.get('/api/v1/jobs/:id', async function jobDetail(c) {
    const job = await context.jobs.get(jobId(c.req.param('id')));
    if (!job) throw new HttpError(404, 'no such job (a job is deleted once it has run)');
    // As JSON, not a string of it to parse a second time; a payload that is not JSON stays text.
    return c.json({ job: { ...job, payload: parsedOrText(job.payload) } });
  });

  app.post('/api/v1/jobs/retry', async function retryDeadJobs(c) {
    const ids = retryIdsOf(await c.req.text(), 'job', '[1, 2]', jobId);
    return c.json({ retried: await context.jobs.retryDead(ids) });
  });
}

function jobId(value: unknown): number {
  const id = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1)
    throw new HttpError(400, `a job id is a positive whole number, got ${JSON.stringify(value)}`);
  return id;
}

function parsedOrText(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}
