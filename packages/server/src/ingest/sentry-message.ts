import { asRecord, asText } from './sentry-values.js';

/** Params filled in at most: a message is one line of a log, not a report. */
const MAX_PARAMS = 100;

/**
 * The message of a Sentry event: `logentry.formatted`, else `logentry.message` with its `params`
 * filled in (as Sentry's own ingest does), else the same of `message`, which may be a string or the
 * same object. SDKs send the template and its params without `formatted` (the JS SDK's
 * `Sentry.parameterize`, Python's logging integration): the template alone read `Payment %s
 * declined for %s` in the diagnosis.
 */
export function messageOf(event: Record<string, unknown>): string | undefined {
  for (const candidate of [event.logentry, event.message]) {
    const entry = asRecord(candidate);
    const text = entry
      ? (asText(entry.formatted) ?? withParams(asText(entry.message), entry.params))
      : asText(candidate);
    if (text?.trim()) return text;
  }
  return undefined;
}

/**
 * What a message event is grouped by: its template (`logentry.message`, as Sentry groups them), else
 * its text. The values a template's params hold stay out of it.
 */
export function messageTemplateOf(event: Record<string, unknown>): string | undefined {
  for (const candidate of [event.logentry, event.message]) {
    const entry = asRecord(candidate);
    const text = entry ? (asText(entry.message) ?? asText(entry.formatted)) : asText(candidate);
    if (text?.trim()) return text;
  }
  return undefined;
}

/**
 * `template` with `params` in place of its placeholders: printf's (`%s`, `%d`, `%i`, `%f`, `%r`, `%%`)
 * and Python's `%(name)s`, and braces (`{}`, `{0}`, `{name}`), from a list or an object. A
 * placeholder without a param stays as it is.
 */
export function withParams(template: string | undefined, params: unknown): string | undefined {
  if (template === undefined) return undefined;
  const list = Array.isArray(params) ? params.slice(0, MAX_PARAMS) : undefined;
  const named = list ? undefined : asRecord(params);
  if (!list && !named) return template;
  let next = 0;
  const param = (key: string | undefined): string | undefined => {
    let value: unknown;
    if (key === undefined) value = list?.[next++];
    else if (list && /^\d+$/.test(key)) value = list[Number(key)];
    else if (named && Object.hasOwn(named, key)) value = named[key];
    return value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
  };
  return template.replace(
    /%%|%\((\w+)\)[sdifr]|%[sdifr]|\{(\w*)\}/g,
    (placeholder, percentName: string | undefined, braceName: string | undefined) => {
      if (placeholder === '%%') return '%';
      const key = percentName ?? (braceName === '' ? undefined : braceName);
      return param(key) ?? placeholder;
    },
  );
}
