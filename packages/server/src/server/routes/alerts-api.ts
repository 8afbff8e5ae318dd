import type { OutboxEntry } from '@triage/engine';
import type { Hono } from 'hono';
import { HttpError } from '../http-error.js';
import type { ServerContext } from '../server-context.js';
import { apiBodyLimit } from './api-body-limit.js';
import { checkedQuery, pageLimit } from './list-query.js';
import { requireAdmin } from './require-admin.js';
import { retryIdsOf } from './retry-ids.js';

const STATUSES: Array<OutboxEntry['status']> = ['dead', 'pending', 'sent'];
const ALERT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The outbox as an operator sees it (admin token): the alerts given up on (a channel down past every
 * retry, a webhook answering 4xx), waiting, or sent, and dead alerts put back in the outbox once the
 * channel is mended. Dead alerts were only counted before: one lost to a long outage could not be
 * seen, nor sent again.
 */
export function mountAlertsApi(app: Hono, context: ServerContext): void {
  app.use('/api/v1/alerts', requireAdmin(context), apiBodyLimit);
  app.use('/api/v1/alerts/*', requireAdmin(context), apiBodyLimit);

  app.get('/api/v1/alerts', async function listAlerts(c) {
    const query = checkedQuery(c.req.queries(), ['status', 'limit', 'after']);
    const status = (query.status || 'dead') as OutboxEntry['status'];
    if (!STATUSES.includes(status)) throw new HttpError(400, `status must be one of ${STATUSES.join(', ')}`);
    const limit = pageLimit(query.limit);
    const after = query.after ? alertId(query.after) : undefined;
    const alerts = await context.engine.store.listAlerts(status, { limit: limit + 1, after });
    return c.json({
      alerts: alerts.slice(0, limit).map(alertView),
      nextAfter: alerts.length > limit ? alerts[limit - 1]!.id : null,
    });
  });

  app.post('/api/v1/alerts/retry', async function retryDeadAlerts(c) {
    const ids = retryIdsOf(await c.req.text(), 'alert', '["<id>", …]', alertId);
    return c.json({ retried: await context.engine.retryDeadAlerts(ids) });
  });
}

/** An alert as listed: what it is and how its delivery went, without the payload it would send. */
function alertView(entry: OutboxEntry) {
  const { payload: _payload, ...view } = entry;
  return view;
}

function alertId(value: unknown): string {
  if (typeof value !== 'string' || !ALERT_ID.test(value))
    throw new HttpError(400, `an alert id is a UUID, got ${JSON.stringify(value)?.slice(0, 100)}`);
  // Stored in lower case (uuid's v7), and compared as text: a UUID in capitals (as some tools print
  // them) matched no alert, or was refused.
  return value.toLowerCase();
}
