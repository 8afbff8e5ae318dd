import {
  checkJsonLimits,
  decodeBody,
  type JsonLimits,
  parseJsonLimited,
  parseJsonText,
  splitJsonEvents,
} from '../../ingest/index.js';
import { SLICED_BODY_BYTES } from '../event-writer.js';
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
  const jsonLimits = { maxBytes: limits.maxDecodedBytes, values: { remaining: limits.maxJsonValues } };
  const parsed =
    body.length > SLICED_BODY_BYTES
      ? await parseInSlices(body, jsonLimits, limits.maxBatch)
      : parseJsonLimited(body, jsonLimits);
  const inputs = Array.isArray(parsed)
    ? parsed
    : parsed && typeof parsed === 'object' && Array.isArray((parsed as { events?: unknown }).events)
      ? (parsed as { events: unknown[] }).events
      : [parsed];
  if (inputs.length === 0) throw new HttpError(400, 'no events in the body');
  if (inputs.length > limits.maxBatch) throw tooManyEvents(limits.maxBatch, inputs.length);
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

/**
 * A large body parsed event by event, the event loop turning between slices: parsed in one go, an
 * 88 MiB batch was all that still held every other request, for a quarter of a second
 * (bench/README.md, "One large request"). A body that is not a batch (`[…]` or `{"events": […]}`)
 * is parsed whole.
 */
async function parseInSlices(body: Buffer, limits: JsonLimits, maxBatch: number): Promise<unknown> {
  checkJsonLimits(body, limits);
  const parts = splitJsonEvents(body);
  if (!parts) return parseJsonText(body, 'body');
  // Refused before any event is parsed, as the whole parse would refuse it after.
  if (parts.count > maxBatch) throw tooManyEvents(maxBatch, parts.count);
  const slices = timeSlices();
  const elements: unknown[] = [];
  for (let index = 0; index < parts.count; index++) {
    if (slices.due()) await slices.pause();
    elements.push(parts.element(index));
  }
  return parts.assemble(elements);
}

const tooManyEvents = (maxBatch: number, count: number) =>
  new HttpError(413, `a batch holds at most ${maxBatch} events, got ${count}`);
