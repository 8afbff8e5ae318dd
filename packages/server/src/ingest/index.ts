export type { DecodeBodyOptions } from './decode-body.js';
export { decodeBody, decodeStoreBody } from './decode-body.js';
export type { IngestStatus } from './ingest-error.js';
export { IngestError } from './ingest-error.js';
export { joinInSlices } from './join-in-slices.js';
export type {
  Envelope,
  EnvelopeHeader,
  EnvelopeItem,
  EnvelopeItemHeader,
  ParseEnvelopeOptions,
} from './parse-envelope.js';
export { parseEnvelope } from './parse-envelope.js';
export type {
  EnvelopeSplit,
  SentryRequest,
  SentryRequestOptions,
  SkippedItem,
} from './parse-sentry-request.js';
export { parseSentryEnvelope, parseSentryStore, sentryEnvelopeSteps } from './parse-sentry-request.js';
export type { JsonLimits, JsonValueBudget } from './safe-json.js';
export {
  checkJsonLimits,
  checkJsonLimitsInSlices,
  decodeUtf8,
  parseJsonLimited,
  parseJsonText,
} from './safe-json.js';
export type { Dsn, Lookup, SentryKeySources } from './sentry-auth.js';
export { parseDsn, parseSentryAuth, sentryAuthField, sentryKeyOf } from './sentry-auth.js';
export { MAX_BREADCRUMBS } from './sentry-breadcrumbs.js';
export type { SentryEventInput, SentryEventOptions } from './sentry-to-event.js';
export { sentryEventToTriage } from './sentry-to-event.js';
export type { JsonEvents, SplitOptions } from './split-json-events.js';
export { openingOf, splitJsonEventsInSlices } from './split-json-events.js';
export type { TimeSlices } from './time-slices.js';
export { SLICE_MS, SLICED_BODY_BYTES, timeSlices } from './time-slices.js';
