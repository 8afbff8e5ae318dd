import {
  decodeBody,
  decodeStoreBody,
  type EnvelopeSplit,
  parseSentryEnvelope,
  parseSentryStore,
  type SentryRequest,
  type SentryRequestOptions,
  SLICED_BODY_BYTES,
  sentryAuthField,
  sentryEnvelopeSteps,
  timeSlices,
} from '../../ingest/index.js';
import { HttpError } from '../http-error.js';
import { headerOf, type IngestReply, type IngestRequest } from '../ingest-request.js';
import type { Project } from '../projects.js';
import type { ServerContext } from '../server-context.js';
import { limitBytes, limitEvents, limitTelemetry, projectByKey } from './ingest-guards.js';

/**
 * The two shapes Sentry SDKs send: envelopes (current) and single JSON events (`store`, older SDKs).
 * What a body is comes from its content type before its path: some SDKs post envelopes to the store
 * endpoint, as Sentry accepts (the listener decides).
 */
export type SentryEndpoint = 'envelope' | 'store';

/**
 * Sentry's ingest protocol, so any Sentry SDK can report to Triage:
 * `POST /api/:projectId/envelope/` and the older `POST /api/:projectId/store/`.
 * The key may come from the query or a header (the listener checked it before
 * reading the body: `keyed`), or only from the envelope's own DSN, which is
 * read after the body is parsed.
 */
export async function ingestSentry(
  context: ServerContext,
  endpoint: SentryEndpoint,
  projectId: string,
  request: IngestRequest,
  keyed: Project | undefined,
): Promise<IngestReply> {
  const { limits } = context;
  // A key for another project is refused before its body is decompressed, parsed or counted against it.
  if (keyed) checkProject(keyed, projectId);
  const decoding = { maxDecodedBytes: limits.maxDecodedBytes, take: request.take };
  const body = await decodeBody(request.body, headerOf(request.headers, 'content-encoding'), decoding);
  // An envelope's telemetry (spans, replays…) is limited apart from its events, once it is split into
  // items; a key known before its payloads are parsed spares the parse of a body over its limits.
  let split: EnvelopeSplit | undefined;
  let telemetryLimit: string | undefined;
  if (keyed && endpoint === 'store') limitBytes(context, keyed, body.length);
  const options: SentryRequestOptions = {
    maxEventBytes: limits.maxEventBytes,
    maxJsonValues: limits.maxJsonValues,
    storeSentAt: storeSentAtOf(request),
    onSplit: (envelopeSplit) => {
      split = envelopeSplit;
      if (keyed) limitBytes(context, keyed, envelopeSplit.otherBytes);
    },
  };
  let parsed: SentryRequest;
  try {
    parsed =
      endpoint === 'store'
        ? parseSentryStore(
            await decodeStoreBody(body, { maxDecodedBytes: limits.maxEventBytes, take: request.take }),
            options,
          )
        : body.length > SLICED_BODY_BYTES
          ? await parseInSlices(body, options)
          : parseSentryEnvelope(body, options);
  } catch (error) {
    // An envelope refused before it was split (malformed, too many events) still cost its
    // decompression: its bytes count against its key, so that a stream of them meets the limit (a 429
    // once it is spent), as they did when every body was counted before its parse.
    if (keyed && endpoint === 'envelope' && !split) limitBytes(context, keyed, body.length);
    throw error;
  }
  const project = keyed ?? (await projectByKey(context, parsed.dsnKey));
  if (!keyed) {
    checkProject(project, projectId);
    // Only an envelope carries its key inside, so it was split.
    limitBytes(context, project, split!.otherBytes);
  }
  if (parsed.events.length > 0) limitEvents(context, project, parsed.events.length);
  // Taken once the envelope's events are let through: one refused for them (a 429 naming every
  // category) took its telemetry's bytes too, and counted it as refused telemetry.
  if (split) telemetryLimit = limitTelemetry(context, project, split);
  if (parsed.events.length > 0) {
    const { errors } = await context.events.accept(project, parsed.events, body.length);
    if (errors.length === parsed.events.length) throw new HttpError(400, errors[0]!.error);
  }
  const answer = { id: parsed.eventId ?? null };
  return telemetryLimit
    ? { status: 200, body: answer, headers: { 'x-sentry-rate-limits': telemetryLimit } }
    : { status: 200, body: answer };
}

/** `sentry_timestamp` of a store request's auth header: when its client says it sent it. */
function storeSentAtOf(request: IngestRequest): string | undefined {
  return (
    sentryAuthField(request.headers, 'sentry_timestamp') ?? request.query.get('sentry_timestamp') ?? undefined
  );
}

function checkProject(project: Project, projectId: string): void {
  if (projectId !== project.id)
    throw new HttpError(403, `this key belongs to project ${project.id}, not ${projectId}`);
}

/** A large envelope read an event item at a time, the event loop turning every slice (see native-ingest). */
async function parseInSlices(body: Buffer, options: SentryRequestOptions): Promise<SentryRequest> {
  const steps = sentryEnvelopeSteps(body, options);
  const slices = timeSlices();
  for (;;) {
    if (slices.due()) await slices.pause();
    const step = steps.next();
    if (step.done) return step.value;
  }
}
