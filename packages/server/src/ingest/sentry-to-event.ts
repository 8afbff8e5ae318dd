import {
  culpritFrame,
  FINGERPRINT_VARIABLE,
  frameKey,
  type LogEntry,
  parameterize,
  type TriageEvent,
} from '@triage/core';
import { IngestError } from './ingest-error.js';
import { logFromBreadcrumbs } from './sentry-breadcrumbs.js';
import { errorFromException } from './sentry-exception.js';
import { framesFromStacktrace, stacktraceOf } from './sentry-frames.js';
import { levelFromSentry } from './sentry-level.js';
import { messageOf, messageTemplateOf } from './sentry-message.js';
import { requestFromSentry, userFromSentry } from './sentry-request.js';
import { tagsFromSentry } from './sentry-tags.js';
import { asRecord, asText, toMillis, valuesOf } from './sentry-values.js';

/** An event in the input shape `normalizeEvent` accepts: TriageEvent fields, all but `log` optional. */
export type SentryEventInput = Partial<Omit<TriageEvent, 'log'>> & { log: LogEntry[] };

export interface SentryEventOptions {
  /** When the server received the event (epoch ms): the timestamp of events that carry none. */
  receivedAt: number;
  /**
   * How far the client's clock is behind the server's (ms; negative: ahead), from the envelope's
   * `sent_at` (see clockDriftOf): added to the event's times.
   */
  clockDriftMs?: number;
}

/** Relay's threshold: a client clock this far off, by the envelope's `sent_at`, has its times corrected. */
const MIN_CLOCK_DRIFT_MS = 55 * 60_000;
/** How far ahead of the server's clock a breadcrumb's time may be: the allowance for an event's. */
const MAX_AHEAD_MS = 60_000;

/**
 * How far behind the server's clock the client's is, from when it says it sent the envelope
 * (`sent_at`) and when it arrived: 0 below 55 minutes (network time and small drift are not
 * corrected, as in Sentry's Relay). A client two hours slow had its events stored two hours back.
 */
export function clockDriftOf(sentAt: unknown, receivedAt: number): number {
  const sent = toMillis(sentAt);
  if (sent === undefined) return 0;
  const drift = receivedAt - sent;
  return Math.abs(drift) >= MIN_CLOCK_DRIFT_MS ? drift : 0;
}

/** Entries of an explicit fingerprint kept; normalize keeps as many. */
const MAX_FINGERPRINT = 20;

/**
 * Maps a Sentry event payload (develop.sentry.dev/sdk/data-model/event-payloads) to Triage's
 * event input: the exception chain becomes `error` (outermost first, innermost frame first),
 * breadcrumbs and the message become log lines, request/user/tags/release/environment/
 * fingerprint carry over. Unknown fields and fields of the wrong type are skipped; only an
 * event with no exception, message or breadcrumbs is refused (IngestError 400).
 */
export function sentryEventToTriage(
  payload: object,
  { receivedAt, clockDriftMs = 0 }: SentryEventOptions,
): SentryEventInput {
  const event = withInterfaceNames(payload as Record<string, unknown>);
  const timeOf = (value: unknown) => {
    const time = toMillis(value);
    return time === undefined ? undefined : time + clockDriftMs;
  };
  const timestamp = timeOf(event.timestamp) ?? receivedAt;
  const platform = asText(event.platform);
  const exception = errorFromException(event.exception, { threads: event.threads, platform });
  const message = messageOf(event);
  // captureMessage with a stack trace sends a made-up exception: the message is the point, not an error.
  const error = exception && !(exception.synthetic && message) ? exception.error : undefined;
  const level = levelFromSentry(event.level, 'error');
  const log = logFromBreadcrumbs(event.breadcrumbs);
  for (const entry of log) {
    if (entry.time === undefined) continue;
    entry.time += clockDriftMs;
    // A time ahead of any working clock said nothing true: one 15 h ahead was kept.
    if (entry.time > receivedAt + MAX_AHEAD_MS) delete entry.time;
  }
  // The message becomes the last log line in normalizeEvent, with the event's level and time.
  if (!error && !message && log.length === 0) {
    throw new IngestError(400, 'event has no exception, message or breadcrumbs');
  }
  // A message event's stack: at the top level (older SDKs, attach_stacktrace), else its thread's.
  const frames =
    error?.frames ??
    exception?.error.frames ??
    framesFromStacktrace(event.stacktrace ?? stacktraceOf(undefined, event.threads), platform);
  const source = sourceOf(frames, transactionOf(event) ?? asText(event.culprit));
  return {
    id: asText(event.event_id),
    timestamp,
    level,
    log,
    error,
    message,
    source,
    request: requestFromSentry(event.request, event.contexts),
    user: userFromSentry(event.user),
    tags: tagsFromSentry(
      event,
      error ? { mechanism: exception?.mechanism, handled: exception?.handled } : {},
    ),
    release: asText(event.release),
    environment: asText(event.environment),
    fingerprint: fingerprintWith(event, error ? undefined : messageFingerprint(event, frames)),
  };
}

/**
 * The SDK's fingerprint with the variables filled in that need what the Triage event does not keep:
 * `{{ default }}` of a message event is its message grouping (the computed key of its log would be
 * its breadcrumbs'), `{{ module }}` and `{{ package }}` are the crash frame's, `{{ level }}` the
 * level as sent (`warning`, `fatal`). The others are filled in by core's fingerprintEvent. Without
 * an SDK fingerprint, a message event's is its message grouping.
 */
function fingerprintWith(
  event: Record<string, unknown>,
  messageKey: string[] | undefined,
): string[] | undefined {
  const parts = fingerprintOf(event.fingerprint);
  if (!parts) return messageKey;
  return parts
    .flatMap((part) => {
      const name = FINGERPRINT_VARIABLE.exec(part)?.[1];
      if (name === 'default') return messageKey ?? [part];
      if (name === 'level') return [asText(event.level) ?? part];
      if (name === 'module' || name === 'stack.module') return [asText(crashFrameOf(event)?.module) ?? part];
      if (name === 'package' || name === 'stack.package') {
        // A package is a binary's path (native SDKs): its file name, as Sentry takes it.
        return [asText(crashFrameOf(event)?.package)?.split(/[\\/]/).pop() || part];
      }
      return [part];
    })
    .slice(0, MAX_FINGERPRINT);
}

/**
 * The raw frame Sentry fills `{{ module }}` from: the innermost in-app frame of the raised exception
 * (the last of `exception.values`), else its innermost frame; for a message, of its stack trace.
 */
function crashFrameOf(event: Record<string, unknown>): Record<string, unknown> | undefined {
  const raised = asRecord(valuesOf(event.exception).at(-1));
  const stacktrace = raised
    ? stacktraceOf(raised, event.threads)
    : (event.stacktrace ?? stacktraceOf(undefined, event.threads));
  const frames = asRecord(stacktrace)?.frames;
  if (!Array.isArray(frames)) return undefined;
  const innermostFirst = frames
    .map(asRecord)
    .filter((frame) => frame !== undefined)
    .reverse();
  return innermostFirst.find((frame) => frame.in_app === true) ?? innermostFirst[0];
}

/** The interfaces' old names (raven clients sent `sentry.interfaces.Exception`…), where the new ones are absent. */
const INTERFACE_NAMES: Array<[string, string]> = [
  ['sentry.interfaces.Exception', 'exception'],
  ['sentry.interfaces.Message', 'logentry'],
  ['sentry.interfaces.Http', 'request'],
  ['sentry.interfaces.User', 'user'],
  ['sentry.interfaces.Stacktrace', 'stacktrace'],
  ['sentry.interfaces.Breadcrumbs', 'breadcrumbs'],
  ['sentry.interfaces.Threads', 'threads'],
];

function withInterfaceNames(event: Record<string, unknown>): Record<string, unknown> {
  if (!INTERFACE_NAMES.some(([old]) => old in event)) return event;
  const renamed = { ...event };
  for (const [old, current] of INTERFACE_NAMES)
    if (renamed[current] === undefined && renamed[old] !== undefined) renamed[current] = renamed[old];
  return renamed;
}

/**
 * A message event (captureMessage) is its message, wherever it was captured: grouped by the lines of
 * its log, it was grouped by its breadcrumbs, which come first and are often errors themselves (an
 * HTTP 500 a moment before), so two different messages after one failed request were one issue. The
 * same parts the fingerprint of a log gets from its line: where, and the parameterized template.
 */
function messageFingerprint(
  event: Record<string, unknown>,
  frames: ReturnType<typeof framesFromStacktrace>,
): string[] | undefined {
  const template = messageTemplateOf(event);
  if (!template) return undefined;
  // Where in the code, by its stack; not the transaction, which a browser names by its raw URL (one
  // message, an issue per page). Named as an error's frames are: the path as sent holds the release's
  // directory (@sentry/node) or the bundle's content hash (a browser), an issue per deploy.
  const frame = culpritFrame(frames);
  return [frame ? frameKey(frame) : '', parameterize(template)].filter(Boolean);
}

/** A transaction name with a path in it, after an HTTP method or not: `/orders/123`, `GET /orders/123`. */
const PATH_NAME = /^(?:[A-Z]+ )?\//;

/**
 * The transaction, with what varies in it parameterized when it is a raw URL path (a browser's, its
 * `transaction_info.source` "url", or an older SDK's that sends no source): it names an event with
 * no frames, and "/orders/123" and "/orders/456" made an issue each. A route, a view or a task
 * (`/orders/:id`, `checkout.views.pay`) is kept as named.
 */
function transactionOf(event: Record<string, unknown>): string | undefined {
  const name = asText(event.transaction);
  if (!name) return undefined;
  const kind = asText(asRecord(event.transaction_info)?.source);
  return kind === 'url' || (kind === undefined && PATH_NAME.test(name)) ? parameterize(name) : name;
}

// Where it failed: the innermost frame of the application's code, else the transaction name.
function sourceOf(frames: ReturnType<typeof framesFromStacktrace>, transaction: string | undefined) {
  const frame = culpritFrame(frames);
  if (frame?.file || frame?.function) return { file: frame.file, function: frame.function };
  return transaction ? { function: transaction } : undefined;
}

function fingerprintOf(raw: unknown): string[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const parts = raw.flatMap((part) => {
    const text = asText(part);
    return text === undefined ? [] : [text];
  });
  return parts.length > 0 ? parts.slice(0, MAX_FINGERPRINT) : undefined;
}
