import type { Hono } from 'hono';
import { decodeBody, parseJsonLimited } from '../../ingest/index.js';
import { acceptEvents } from '../accept-events.js';
import { HttpError } from '../http-error.js';
import { readBody } from '../read-body.js';
import type { ServerContext } from '../server-context.js';
import { limitRate, projectByKey } from './ingest-guards.js';

/**
 * `POST /api/v1/events`: one event or a batch (`{"events": […]}` or an array),
 * authenticated by the project key (`X-Triage-Key`). Durable before the 200.
 */
export function mountNativeIngest(app: Hono, context: ServerContext): void {
  app.post('/api/v1/events', async function nativeIngest(c) {
    const key = c.req.header('x-triage-key') ?? c.req.query('key');
    const project = await projectByKey(context, key);
    const raw = await readBody(c, context.limits.maxBodyBytes);
    const body = await decodeBody(raw, c.req.header('content-encoding'), {
      maxDecodedBytes: context.limits.maxDecodedBytes,
    });
    const parsed = parseJsonLimited(body, { maxBytes: context.limits.maxDecodedBytes });
    const inputs = Array.isArray(parsed)
      ? parsed
      : parsed && typeof parsed === 'object' && Array.isArray((parsed as { events?: unknown }).events)
        ? (parsed as { events: unknown[] }).events
        : [parsed];
    if (inputs.length === 0) throw new HttpError(400, 'no events in the body');
    if (inputs.length > context.limits.maxBatch) {
      throw new HttpError(
        413,
        `a batch holds at most ${context.limits.maxBatch} events, got ${inputs.length}`,
      );
    }
    for (const [index, input] of inputs.entries()) {
      if (Buffer.byteLength(JSON.stringify(input) ?? '') > context.limits.maxEventBytes) {
        throw new HttpError(413, `event ${index} is larger than ${context.limits.maxEventBytes} bytes`);
      }
    }
    limitRate(context, project.publicKey, inputs.length);
    const { ids, errors } = await acceptEvents(context, project, inputs);
    if (ids.length === 0)
      throw new HttpError(400, errors.map((error) => `event ${error.index}: ${error.error}`).join('; '));
    return c.json(errors.length > 0 ? { ids, errors } : { ids });
  });
}
