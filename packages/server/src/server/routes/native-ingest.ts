import {
  checkJsonLimitsInSlices,
  decodeBody,
  type JsonLimits,
  openingOf,
  parseJsonLimited,
  parseJsonText,
  SLICED_BODY_BYTES,
  splitJsonEventsInSlices,
  timeSlices,
} from '../../ingest/index.js';
import { HttpError } from '../http-error.js';
import { headerOf, type IngestReply, type IngestRequest } from '../ingest-request.js';
import type { Project } from '../projects.js';
import type { IngestLimits, ServerContext } from '../server-context.js';
import { limitBytes, limitEvents } from './ingest-guards.js';

/**
 * An event may nest 64 levels (as the SDKs keep them) wherever it stands in the body: a batch,
 * `{"events": [...]}`, adds two levels above it.
 */
const MAX_BODY_DEPTH = 64 + 2;

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
  limitBytes(context, project, body.length);
  const jsonLimits = {
    maxBytes: limits.maxDecodedBytes,
    maxDepth: MAX_BODY_DEPTH,
    values: { remaining: limits.maxJsonValues },
  };
  // No event can be larger than the body that holds it: a body that could hold one too large is split
  // into its events, each measured as it stands in the body (and parsed in slices).
  const parsed =
    body.length > Math.min(SLICED_BODY_BYTES, limits.maxEventBytes)
      ? await parseInSlices(body, jsonLimits, limits)
      : parseJsonLimited(body, jsonLimits);
  const inputs = Array.isArray(parsed)
    ? parsed
    : parsed && typeof parsed === 'object' && Array.isArray((parsed as { events?: unknown }).events)
      ? (parsed as { events: unknown[] }).events
      : [parsed];
  if (inputs.length === 0) throw new HttpError(400, 'no events in the body');
  if (inputs.length > limits.maxBatch) throw tooManyEvents(limits.maxBatch, inputs.length);
  limitEvents(context, project, inputs.length);
  const { ids, errors } = await context.events.accept(project, inputs, body.length);
  if (ids.length === 0)
    throw new HttpError(400, errors.map((error) => `event ${error.index}: ${error.error}`).join('; '));
  return { status: 200, body: errors.length > 0 ? { ids, errors } : { ids } };
}

/**
 * A large body parsed event by event, the event loop turning between slices: parsed in one go, an
 * 88 MiB batch was all that still held every other request, for a quarter of a second
 * (bench/README.md, "One large request"). A body that is not a batch (`[…]` or `{"events": […]}`)
 * but an object is one event, too large for one: refused unparsed. Anything else is not an event.
 */
async function parseInSlices(
  body: Buffer,
  jsonLimits: JsonLimits,
  { maxBatch, maxEventBytes }: IngestLimits,
): Promise<unknown> {
  const slices = timeSlices();
  await checkJsonLimitsInSlices(body, jsonLimits, slices);
  // What is not events is parsed in one go: it may hold no more than one event.
  const parts = await splitJsonEventsInSlices(body, { maxRestBytes: maxEventBytes }, slices);
  if (!parts) {
    // Not a batch: an object is one event, measured as it stands like a batch's events, and refused
    // before a parse of up to 100 MiB in one go (a string, never an event, likewise). Anything else is
    // not JSON, or not for long (an array that could not be split, a blank body): parsed, it is refused
    // with the place of its fault, as far as that.
    const opening = openingOf(body);
    if (body.length > maxEventBytes && (opening === '{' || opening === '"'))
      throw eventTooLarge(0, maxEventBytes);
    return parseJsonText(body, 'body');
  }
  // Refused before any event is parsed: too many events, or one too large as it stands in the body.
  if (parts.count > maxBatch) throw tooManyEvents(maxBatch, parts.count);
  for (let index = 0; index < parts.count; index++) {
    if (parts.bytes(index) > maxEventBytes) throw eventTooLarge(index, maxEventBytes);
  }
  const elements: unknown[] = [];
  for (let index = 0; index < parts.count; index++) {
    if (slices.due()) await slices.pause();
    elements.push(parts.element(index));
  }
  return parts.assemble(elements);
}

const tooManyEvents = (maxBatch: number, count: number) =>
  new HttpError(413, `a batch holds at most ${maxBatch} events, got ${count}`);

const eventTooLarge = (index: number, maxEventBytes: number) =>
  new HttpError(413, `event ${index} is larger than ${maxEventBytes} bytes`);
