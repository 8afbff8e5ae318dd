import type { Context, Hono } from 'hono';
import {
  decodeBody,
  parseSentryEnvelope,
  parseSentryStore,
  type SentryRequest,
  sentryKeyOf,
} from '../../ingest/index.js';
import { acceptEvents } from '../accept-events.js';
import { HttpError } from '../http-error.js';
import { readBody } from '../read-body.js';
import type { ServerContext } from '../server-context.js';
import { limitRate, projectByKey } from './ingest-guards.js';

/**
 * Sentry's ingest protocol, so any Sentry SDK can report to Triage:
 * `POST /api/:projectId/envelope/` and the older `POST /api/:projectId/store/`.
 */
export function mountSentryIngest(app: Hono, context: ServerContext): void {
  const handle = (parse: (body: Buffer) => SentryRequest) =>
    async function sentryIngest(c: Context) {
      const raw = await readBody(c, context.limits.maxBodyBytes);
      const body = await decodeBody(raw, c.req.header('content-encoding'), {
        maxDecodedBytes: context.limits.maxDecodedBytes,
      });
      const request = parse(body);
      const key =
        sentryKeyOf({ query: new URL(c.req.url).searchParams, headers: c.req.raw.headers }) ?? request.dsnKey;
      const project = await projectByKey(context, key);
      if (c.req.param('projectId') !== project.id) {
        throw new HttpError(
          403,
          `this key belongs to project ${project.id}, not ${c.req.param('projectId')}`,
        );
      }
      if (request.events.length > 0) {
        limitRate(context, project.publicKey, request.events.length);
        const { errors } = await acceptEvents(context, project, request.events);
        if (errors.length === request.events.length) throw new HttpError(400, errors[0]!.error);
      }
      return c.json({ id: request.eventId ?? null });
    };
  const options = { maxEventBytes: context.limits.maxEventBytes };
  app.post(
    '/api/:projectId/envelope/',
    handle((body) => parseSentryEnvelope(body, options)),
  );
  app.post(
    '/api/:projectId/store/',
    handle((body) => parseSentryStore(body, options)),
  );
}
