import { randomUUID } from 'node:crypto';
import { IngestError } from './ingest-error.js';
import { type EnvelopeItem, parseEnvelope } from './parse-envelope.js';
import { type JsonValueBudget, parseJsonLimited } from './safe-json.js';
import { parseDsn } from './sentry-auth.js';
import {
  clockDriftOf,
  type SentryEventInput,
  type SentryEventOptions,
  sentryEventToTriage,
} from './sentry-to-event.js';
import { asRecord, asText } from './sentry-values.js';
import { telemetryCategoriesOf } from './telemetry-categories.js';

export interface SentryRequestOptions {
  /**
   * Largest item payload of an envelope, attachments included (default 100 MiB, Sentry's limit of an
   * attachment, and the decompressed body's: an event item is held to maxEventBytes). At 20 MiB, an
   * attachment Triage skips had the envelope, its error event with it, refused.
   */
  maxItemBytes?: number;
  /**
   * Most items in one envelope (default 10,000: their headers are parsed one by one). Sentry bounds no
   * item count but sessions' (100); at 100 items, an event sent with a hundred sessions was refused.
   */
  maxItems?: number;
  /** Most event items in one envelope (default 100, as in a native batch). */
  maxEvents?: number;
  /** Largest event JSON (default 1 MiB, Sentry's own limit). */
  maxEventBytes?: number;
  /** Deepest JSON nesting in an event (default 64). */
  maxDepth?: number;
  /** JSON values in all the events of the request together (default 1,000,000); see JsonLimits.values. */
  maxJsonValues?: number;
  /** Epoch ms; the timestamp of events that carry none (default now). */
  receivedAt?: number;
  /**
   * When the client sent a store request, by its clock: `sentry_timestamp` of its auth header (epoch
   * seconds). An envelope says it in its own header (`sent_at`). See clockDriftOf.
   */
  storeSentAt?: string;
  /**
   * Called once an envelope is split into items, before any payload is parsed: what it holds, so that
   * a caller can apply its limits (and throw) without parsing a body it refuses.
   */
  onSplit?: (split: EnvelopeSplit) => void;
}

/** An envelope's bytes, told apart: the telemetry Triage skips, and the rest (its events, their headers). */
export interface EnvelopeSplit {
  /** Payload bytes of the items with a rate-limit category (see telemetryCategoriesOf). */
  telemetryBytes: number;
  /** The categories of those items, each once, as `X-Sentry-Rate-Limits` names them. */
  telemetryCategories: string[];
  /** Everything else: the body's length less `telemetryBytes`. */
  otherBytes: number;
  /** Event items. */
  events: number;
}

export interface SkippedItem {
  type: string;
  reason: string;
}

export interface SentryRequest {
  /** The id to answer with (`{"id": …}`): the envelope's, else the first event's. */
  eventId?: string;
  /** Triage event inputs, ready for `normalizeEvent`. */
  events: SentryEventInput[];
  /** Items accepted but not turned into events (sessions, transactions, attachments…). */
  skipped: SkippedItem[];
  /** The public key of the envelope header's DSN, when it has a valid one. */
  dsnKey?: string;
}

/** Item types that carry an error event (`error` is not Sentry's, but costs nothing to accept). */
const EVENT_TYPES = new Set(['event', 'error']);
/** Sentry item types Triage accepts without reading: telemetry that is not an error. */
const KNOWN_TYPES = new Set([
  'transaction',
  'session',
  'sessions',
  'client_report',
  'attachment',
  'check_in',
  'span',
  'otel_span',
  'log',
  'otel_log',
  'trace_metric',
  'metric',
  'metric_buckets',
  'statsd',
  'profile',
  'profile_chunk',
  'replay_event',
  'replay_recording',
  'replay_video',
  'feedback',
  'user_report',
  'user_report_v2',
  'security',
  'raw_security',
  'nel',
  'form_data',
  'unreal_report',
  // What a store body's `type` can also say.
  'csp',
  'hpkp',
  'expectct',
  'expectstaple',
]);

/**
 * Reads the (already decoded, see `decodeBody`) body of `POST /api/:projectId/envelope/`:
 * `event` items become Triage event inputs; every other item is accepted and listed in
 * `skipped` with the reason. Malformed envelopes or events are an IngestError naming the item.
 */
export function parseSentryEnvelope(body: Buffer, options: SentryRequestOptions = {}): SentryRequest {
  const reading = readEnvelope(body, options);
  for (let index = 0; index < reading.items; index++) reading.read(index);
  return reading.result();
}

/**
 * parseSentryEnvelope one event item at a time: it pauses after each, so a caller can let the event
 * loop turn between them (a large envelope can hold a hundred events of 1 MiB). The small envelopes
 * of every request go through parseSentryEnvelope, without a generator's cost.
 */
export function* sentryEnvelopeSteps(
  body: Buffer,
  options: SentryRequestOptions = {},
): Generator<void, SentryRequest, void> {
  const reading = readEnvelope(body, options);
  for (let index = 0; index < reading.items; index++) if (reading.read(index)) yield;
  return reading.result();
}

/** An envelope split into items, read one item at a time (`read` is true for an event item). */
function readEnvelope(body: Buffer, options: SentryRequestOptions) {
  const {
    maxItemBytes = 100 * 1024 * 1024,
    maxItems = 10_000,
    maxEvents = 100,
    receivedAt = Date.now(),
  } = options;
  const { header, items } = parseEnvelope(body, { maxItemBytes, maxItems });
  const split = splitOf(body, items);
  // Counted before any is parsed, as a native batch's events are.
  if (split.events > maxEvents)
    throw new IngestError(413, `envelope has more than ${maxEvents} events: send fewer per envelope`);
  options.onSplit?.(split);
  const clockDriftMs = clockDriftOf(header.sent_at, receivedAt);
  const values = valueBudget(options);
  const events: SentryEventInput[] = [];
  const skipped: SkippedItem[] = [];
  return {
    items: items.length,
    read(index: number): boolean {
      const item = items[index]!;
      const { type } = item.header;
      if (!EVENT_TYPES.has(type)) {
        skipped.push({ type, reason: KNOWN_TYPES.has(type) ? 'not an error event' : 'unknown item type' });
        return false;
      }
      // An envelope holds one event by the spec; its header id belongs to that one only.
      const headerId = events.length === 0 ? eventIdOf(header.event_id) : undefined;
      const label = `item ${index + 1}`;
      const record = readRecord(item.payload, label, options, values);
      events.push(toEvent(record, label, { receivedAt, clockDriftMs }, headerId));
      return true;
    },
    // The id stored is the answer: a header id that differs from its event's was answered in its place.
    result: (): SentryRequest => ({
      eventId: events[0]?.id ?? eventIdOf(header.event_id),
      events,
      skipped,
      dsnKey: dsnKeyOf(header.dsn),
    }),
  };
}

function splitOf(body: Buffer, items: EnvelopeItem[]): EnvelopeSplit {
  let telemetryBytes = 0;
  let events = 0;
  const categories = new Set<string>();
  for (const { header, payload } of items) {
    if (EVENT_TYPES.has(header.type)) events++;
    const named = telemetryCategoriesOf(header.type);
    if (!named) continue;
    telemetryBytes += payload.length;
    for (const category of named) categories.add(category);
  }
  return {
    telemetryBytes,
    telemetryCategories: [...categories],
    otherBytes: body.length - telemetryBytes,
    events,
  };
}

/** What a store body's `type` may be for an error event; anything else (`transaction`, `csp`…) is skipped. */
const STORE_EVENT_TYPES = new Set(['event', 'error', 'default']);

/**
 * Reads the (decoded) body of the legacy `POST /api/:projectId/store/`: one JSON event. Old SDKs sent
 * their transactions there too (`"type": "transaction"`): accepted and skipped, as in an envelope.
 */
export function parseSentryStore(body: Buffer, options: SentryRequestOptions = {}): SentryRequest {
  const record = readRecord(body, undefined, options, valueBudget(options));
  const { type } = record;
  if (typeof type === 'string' && !STORE_EVENT_TYPES.has(type)) {
    const reason = KNOWN_TYPES.has(type) ? 'not an error event' : 'unknown event type';
    return { eventId: eventIdOf(record.event_id), events: [], skipped: [{ type, reason }] };
  }
  const receivedAt = options.receivedAt ?? Date.now();
  const event = toEvent(record, undefined, {
    receivedAt,
    clockDriftMs: clockDriftOf(options.storeSentAt, receivedAt),
  });
  return { eventId: event.id, events: [event], skipped: [] };
}

// `item` names the envelope item in reasons ("item 2 payload is not valid JSON"); a store body has none.
function readRecord(
  payload: Buffer,
  item: string | undefined,
  { maxEventBytes = 1024 * 1024, maxDepth = 64 }: SentryRequestOptions,
  values: JsonValueBudget,
): Record<string, unknown> {
  const label = item ? `${item} payload` : 'body';
  const record = asRecord(parseJsonLimited(payload, { maxBytes: maxEventBytes, maxDepth, label, values }));
  if (!record) throw new IngestError(400, `${label} is not a JSON object`);
  return record;
}

function toEvent(
  record: Record<string, unknown>,
  item: string | undefined,
  options: SentryEventOptions,
  envelopeEventId?: string,
): SentryEventInput {
  let event: SentryEventInput;
  try {
    event = sentryEventToTriage(record, options);
  } catch (error) {
    if (!IngestError.isInstance(error) || !item) throw error;
    throw new IngestError(error.status, `${item}: ${error.message}`, { cause: error });
  }
  // The id answered to the SDK must be the id stored, so an event without one gets it here.
  event.id = eventIdOf(event.id) ?? envelopeEventId ?? randomUUID().replaceAll('-', '');
  return event;
}

const DASHED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An event id as Sentry keeps it: a UUID is 32 lowercase hex digits, with or without its dashes as
 * sent (one event sent once with dashes and once without counted twice). Anything else as it is.
 */
function eventIdOf(value: unknown): string | undefined {
  const id = asText(value);
  if (id === undefined) return undefined;
  if (DASHED_UUID.test(id)) return id.replaceAll('-', '').toLowerCase();
  return /^[0-9A-F]{32}$/i.test(id) ? id.toLowerCase() : id;
}

const valueBudget = ({ maxJsonValues = 1_000_000 }: SentryRequestOptions): JsonValueBudget => ({
  remaining: maxJsonValues,
});

function dsnKeyOf(dsn: unknown): string | undefined {
  if (typeof dsn !== 'string') return undefined;
  try {
    return parseDsn(dsn).publicKey;
  } catch {
    return undefined;
  }
}
