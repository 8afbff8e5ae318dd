/**
 * The rate-limit categories (Sentry's data categories) of the item types Triage accepts and skips:
 * telemetry that is not an error. A key's bytes of such items have a bucket of their own, and a
 * refusal names these categories in `X-Sentry-Rate-Limits`, so that an SDK holds back its spans,
 * replays or profiles and goes on sending its errors. The names are the ones the SDKs look up for
 * each item (`envelopeItemTypeToDataCategory` in @sentry/core; `profile_chunk` is `profile` there,
 * `profile_chunk` in the Cocoa SDK, so both are named). Types not listed (client reports, user
 * reports, security reports, unknown types) are counted with the events: naming no category would
 * hold back everything.
 */
const CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  transaction: ['transaction'],
  span: ['span'],
  otel_span: ['span'],
  session: ['session'],
  sessions: ['session'],
  attachment: ['attachment'],
  check_in: ['monitor'],
  log: ['log_item'],
  otel_log: ['log_item'],
  metric: ['trace_metric'],
  trace_metric: ['trace_metric'],
  statsd: ['metric_bucket'],
  metric_buckets: ['metric_bucket'],
  profile: ['profile'],
  profile_chunk: ['profile_chunk', 'profile'],
  replay_event: ['replay'],
  replay_recording: ['replay'],
  replay_video: ['replay'],
  feedback: ['feedback'],
};

/** The categories an item of `type` is limited under, or undefined when it counts with the events. */
export function telemetryCategoriesOf(type: string): readonly string[] | undefined {
  return Object.hasOwn(CATEGORIES, type) ? CATEGORIES[type] : undefined;
}
