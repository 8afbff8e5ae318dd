import { createRedactor, InvalidEventError, normalizeEvent, type TriageEvent } from '@triage/core';
import { withoutNul } from './without-nul.js';

const redactor = createRedactor();

/** How far ahead of the server's clock an event's time may be: Sentry's allowance for clock drift. */
export const MAX_CLOCK_DRIFT_MS = 60_000;
/** How old an event's time may be: Sentry's limit for a past timestamp. */
export const MAX_EVENT_AGE_MS = 30 * 24 * 3_600_000;

/**
 * The time an event is stored with: its own, or, when that lies outside what a working clock gives
 * (more than a minute ahead, more than 30 days back), the time it was received. An issue's first and
 * last seen come from it: one event dated 2099 kept its issue at the top of "last seen" for ever, and on
 * PostgreSQL one dated 1e308 could not be stored, so its job failed until it was given up.
 */
export function plausibleTimestamp(timestamp: number, receivedAt: number): number {
  return timestamp <= receivedAt + MAX_CLOCK_DRIFT_MS && timestamp >= receivedAt - MAX_EVENT_AGE_MS
    ? timestamp
    : receivedAt;
}

export interface PreparedEvents {
  /** The ids of the events that were accepted, in order. */
  ids: string[];
  /** Inputs that could not become events, by position, with the reason; the rest were accepted. */
  errors: Array<{ index: number; error: string }>;
  /** The accepted events, normalized, tagged with their project, redacted and serialized. */
  payloads: string[];
}

/**
 * Turns a project's raw inputs into what is stored: normalized, its user given a pseudonym, tagged
 * with the project, redacted (nothing unredacted is ever stored) and serialized.
 * An input that is not an event is reported by position; any other error is a bug and throws.
 */
export function prepareEvents(
  projectId: string,
  inputs: unknown[],
  receivedAt: number,
  pseudonymize: (event: TriageEvent) => TriageEvent,
): PreparedEvents {
  const prepared: PreparedEvents = { ids: [], errors: [], payloads: [] };
  for (const [index, input] of inputs.entries())
    addPrepared(prepared, index, projectId, input, receivedAt, pseudonymize);
  return prepared;
}

/** Prepares the input at `index` (see prepareEvents) and adds it, or the reason it is not an event, to `prepared`. */
export function addPrepared(
  prepared: PreparedEvents,
  index: number,
  projectId: string,
  input: unknown,
  receivedAt: number,
  pseudonymize: (event: TriageEvent) => TriageEvent,
): void {
  try {
    const event = pseudonymize(normalizeEvent(input, { now: () => receivedAt }));
    // Object.assign, not a spread: on Node 20 `{ ...tags, key }` takes V8's slow path, many times slower.
    event.tags = Object.assign({}, event.tags, { 'triage.project': projectId });
    const timestamp = plausibleTimestamp(event.timestamp, receivedAt);
    if (timestamp !== event.timestamp) {
      // What the client said is kept, for whoever looks into its clock.
      event.tags['triage.client_timestamp'] = String(event.timestamp);
      event.timestamp = timestamp;
    }
    let redacted = redactor.event(event);
    let payload = JSON.stringify(redacted);
    // JSON writes a NUL as \u0000: looking for that in the text spares the walk for every other event.
    if (payload.includes('\\u0000')) {
      redacted = withoutNul(redacted);
      payload = JSON.stringify(redacted);
    }
    prepared.ids.push(redacted.id);
    prepared.payloads.push(payload);
  } catch (error) {
    if (!InvalidEventError.isInstance(error)) throw error;
    prepared.errors.push({ index, error: error.message });
  }
}
