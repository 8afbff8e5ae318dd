import { type LogEntry, parameterize, type TriageEvent } from '@triage/core';
import { IngestError } from './ingest-error.js';
import { logFromBreadcrumbs } from './sentry-breadcrumbs.js';
import { errorFromException } from './sentry-exception.js';
import { culpritFrame, framesFromStacktrace, stacktraceOf } from './sentry-frames.js';
import { levelFromSentry } from './sentry-level.js';
import { messageOf, messageTemplateOf } from './sentry-message.js';
import { requestFromSentry, userFromSentry } from './sentry-request.js';
import { tagsFromSentry } from './sentry-tags.js';
import { asText, toMillis } from './sentry-values.js';

/** An event in the input shape `normalizeEvent` accepts: TriageEvent fields, all but `log` optional. */
export type SentryEventInput = Partial<Omit<TriageEvent, 'log'>> & { log: LogEntry[] };

export interface SentryEventOptions {
  /** When the server received the event (epoch ms): the timestamp of events that carry none. */
  receivedAt: number;
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
export function sentryEventToTriage(payload: object, { receivedAt }: SentryEventOptions): SentryEventInput {
  const event = payload as Record<string, unknown>;
  const platform = asText(event.platform);
  const exception = errorFromException(event.exception, { threads: event.threads, platform });
  const message = messageOf(event);
  // captureMessage with a stack trace sends a made-up exception: the message is the point, not an error.
  const error = exception && !(exception.synthetic && message) ? exception.error : undefined;
  const level = levelFromSentry(event.level, 'error');
  const log = logFromBreadcrumbs(event.breadcrumbs);
  if (message) log.push({ level, message, time: toMillis(event.timestamp) ?? receivedAt });
  if (!error && !message && log.length === 0) {
    throw new IngestError(400, 'event has no exception, message or breadcrumbs');
  }
  const frames =
    error?.frames ?? exception?.error.frames ?? framesFromStacktrace(stacktraceOf(undefined, event.threads));
  const source = sourceOf(frames, asText(event.transaction) ?? asText(event.culprit));
  return {
    id: asText(event.event_id),
    timestamp: toMillis(event.timestamp) ?? receivedAt,
    level,
    log,
    error,
    description: message,
    source,
    request: requestFromSentry(event.request, event.contexts),
    user: userFromSentry(event.user),
    tags: tagsFromSentry(
      event,
      error ? { mechanism: exception?.mechanism, handled: exception?.handled } : {},
    ),
    release: asText(event.release),
    environment: asText(event.environment),
    fingerprint: fingerprintOf(event.fingerprint) ?? (error ? undefined : messageFingerprint(event, source)),
  };
}

/**
 * A message event (captureMessage) is its message, wherever it was captured: grouped by the lines of
 * its log, it was grouped by its breadcrumbs, which come first and are often errors themselves (an
 * HTTP 500 a moment before), so two different messages after one failed request were one issue. The
 * same parts the fingerprint of a log gets from its line: where, and the parameterized template.
 */
function messageFingerprint(
  event: Record<string, unknown>,
  source: SentryEventInput['source'],
): string[] | undefined {
  const template = messageTemplateOf(event);
  if (!template) return undefined;
  const where = [source?.file, source?.function].filter(Boolean).join(' ');
  return [where, parameterize(template)].filter(Boolean);
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
