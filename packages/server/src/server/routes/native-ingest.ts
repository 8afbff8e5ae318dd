import { decodeBody, parseJsonLimited } from '../../ingest/index.js';
import { HttpError } from '../http-error.js';
import { headerOf, type IngestReply, type IngestRequest } from '../ingest-request.js';
import type { Project } from '../projects.js';
import type { ServerContext } from '../server-context.js';
import { timeSlices } from '../time-slices.js';
import { limitRate } from './ingest-guards.js';

/** The key of a native request: `X-Triage-Key`, or `?key=` for clients that cannot set headers. */
export function nativeKeyOf(headers: IngestRequest['headers'], query: URLSearchParams): string | undefined {
  return headerOf(headers, 'x-triage-key') ?? query.get('key') ?? undefined;
}

/**
 * `POST /api/v1/events`: one event or a batch (`{"events": […]}` or an array)
 * for `project`, whose key (nativeKeyOf) the listener checked before reading
 * the body. Durable before the 200.
 */
export async function ingestNative(
  context: ServerContext,
  request: IngestRequest,
  project: Project,
): Promise<IngestReply> {
  const { limits } = context;
  const body = await decodeBody(request.body, headerOf(request.headers, 'content-encoding'), {
    maxDecodedBytes: limits.maxDecodedBytes,
    take: request.take,
  });
  const parsed = parseJsonLimited(body, {
    maxBytes: limits.maxDecodedBytes,
    values: { remaining: limits.maxJsonValues },
  });
  const inputs = Array.isArray(parsed)
    ? parsed
    : parsed && typeof parsed === 'object' && Array.isArray((parsed as { events?: unknown }).events)
      ? (parsed as { events: unknown[] }).events
      : [parsed];
  if (inputs.length === 0) throw new HttpError(400, 'no events in the body');
  if (inputs.length > limits.maxBatch) {
    throw new HttpError(413, `a batch holds at most ${limits.maxBatch} events, got ${inputs.length}`);
  }
  // No event can be larger than the body that holds it: only a large body needs measuring event by event,
  // and, as it is written out again to be measured, in slices of the event loop's time.
  if (body.length > limits.maxEventBytes) {
    const slices = timeSlices();
    for (const [index, input] of inputs.entries()) {
      if (slices.due()) await slices.pause();
      if (Buffer.byteLength(JSON.stringify(input) ?? '') > limits.maxEventBytes) {
        throw new HttpError(413, `event ${index} is larger than ${limits.maxEventBytes} bytes`);
      }
    }
  }
  limitRate(context, project.id, inputs.length);
  const { ids, errors } = await context.events.accept(project, inputs, body.length);
  if (ids.length === 0)
    throw new HttpError(400, errors.map((error) => `event ${error.index}: ${error.error}`).join('; '));
  return { status: 200, body: errors.length > 0 ? { ids, errors } : { ids } };
}
