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
  // A plain object, asked only about its own keys: a tag named `constructor` is not inherited. (It was a
  // prototype-less object copied into a plain one at the end; the copy cost more than the rest.)
  const tags: Record<string, string> = {};
  let count = 0;
  const add = (key: string, value: unknown) => {
    const text = asText(value);
    if (text === undefined || key === '' || key === '__proto__') return;
    if (!Object.hasOwn(tags, key)) {
      if (count >= MAX_TAGS) return;
      count++;
    }
    tags[key] = text;
  };
  for (const [key, value] of derived) add(key, value);
  for (const [key, value] of entriesOf(payload.tags)) add(key, value);
  return count > 0 ? tags : undefined;
}

function nameAndVersion(context: unknown): string | undefined {
  const record = asRecord(context);
  const name = asText(record?.name);
  const version = asText(record?.version)?.trim();
  return name ? (version ? `${name} ${version}` : name) : undefined;
}
