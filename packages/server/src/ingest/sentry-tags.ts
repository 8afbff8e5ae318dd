import { asRecord, asText, entriesOf } from './sentry-values.js';

/** Tags taken from one event; normalize keeps at most this many as well. */
const MAX_TAGS = 100;

export interface TagSources {
  /** The mechanism that caught the outermost error, and whether the application handled it. */
  mechanism?: string;
  handled?: boolean;
}

/**
 * The event's tags (an object or `[key, value]` pairs) plus what Sentry shows as tags:
 * `server_name`, `platform`, `sdk` (name), `logger`, `transaction`, `runtime`, `os`,
 * `browser`, `device`, `trace_id`, `mechanism` and `handled`. The application's own tags win
 * over derived ones of the same name.
 */
export function tagsFromSentry(
  payload: Record<string, unknown>,
  { mechanism, handled }: TagSources = {},
): Record<string, string> | undefined {
  const contexts = asRecord(payload.contexts);
  const derived: Array<[string, string | undefined]> = [
    ['server_name', asText(payload.server_name)],
    ['platform', asText(payload.platform)],
    ['sdk', asText(asRecord(payload.sdk)?.name)],
    ['logger', asText(payload.logger)],
    ['transaction', asText(payload.transaction)],
    ['runtime', nameAndVersion(contexts?.runtime)],
    ['os', nameAndVersion(contexts?.os)],
    ['browser', nameAndVersion(contexts?.browser)],
    ['device', asText(asRecord(contexts?.device)?.model) ?? asText(asRecord(contexts?.device)?.family)],
    ['trace_id', asText(asRecord(contexts?.trace)?.trace_id)],
    ['mechanism', mechanism],
    ['handled', handled === undefined ? undefined : handled ? 'yes' : 'no'],
  ];
  const tags: Record<string, string> = Object.create(null);
  let count = 0;
  for (const [key, value] of [...derived, ...entriesOf(payload.tags)]) {
    const text = asText(value);
    if (text === undefined || key === '' || key === '__proto__') continue;
    if (!(key in tags)) {
      if (count >= MAX_TAGS) continue;
      count++;
    }
    tags[key] = text;
  }
  // A plain object again, so the event serialises and compares like any other.
  return count > 0 ? { ...tags } : undefined;
}

function nameAndVersion(context: unknown): string | undefined {
  const record = asRecord(context);
  const name = asText(record?.name);
  const version = asText(record?.version)?.trim();
  return name ? (version ? `${name} ${version}` : name) : undefined;
}
