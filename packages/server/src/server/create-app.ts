import { isStoreUnavailable } from '@triage/engine';
import { Hono } from 'hono';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { HttpError, RETRY_AFTER_SECONDS } from './http-error.js';
import { mountAlertsApi } from './routes/alerts-api.js';
import { mountIssuesApi } from './routes/issues-api.js';
import { mountJobsApi } from './routes/jobs-api.js';
import type { ServerContext } from './server-context.js';

/**
 * The Hono app: the REST API and health (ingest is served in front of it, by
 * `createIngestListener`). Handlers throw HttpError; one error handler turns it
 * into `{ "error": reason }` with its status, and anything else into a 500 that
 * is logged once and counted.
 */
export function createApp(context: ServerContext): Hono {
  const app = new Hono();
  // PostgreSQL's text cannot hold NUL: a filter or an id with one was a 500 there, a miss on SQLite.
  app.use(async (c, next) => {
    if (/%00/.test(c.req.url)) throw new HttpError(400, 'the URL holds a NUL character (%00)');
    await next();
  });
  // A PUT on an issue was a 404 "no route", which reads as "no such issue".
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        c.json({ error: `use ${methods.join(', ')} for ${new URL(c.req.url).pathname}` }, 405, {
          allow: methods.join(', '),
        }),
    }),
  );
  app.get('/health', (c) => c.json({ ok: true }));
  mountIssuesApi(app, context);
  mountJobsApi(app, context);
  mountAlertsApi(app, context);
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));
  app.onError((error, c) => {
    if (HttpError.isInstance(error)) {
      return c.json({ error: error.message }, error.status as 400, error.headers);
    }
    if (isStoreUnavailable(error)) {
      context.onFailure('api: database', error);
      return c.json({ error: 'the database is unavailable: try again later' }, 503, {
        'retry-after': String(RETRY_AFTER_SECONDS),
      });
    }
    context.onFailure('http', error);
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}
