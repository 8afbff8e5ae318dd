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
  return firstMessage(
    event,
    (entry) => asText(entry.formatted) ?? withParams(asText(entry.message), entry.params),
  );
}

/**
 * What a message event is grouped by: its template (`logentry.message`, as Sentry groups them), else
 * its text. The values a template's params hold stay out of it.
 */
export function messageTemplateOf(event: Record<string, unknown>): string | undefined {
  return firstMessage(event, (entry) => asText(entry.message) ?? asText(entry.formatted));
}

/** The first non-blank text of `logentry`, then `message` (an object read by `read`, or a string). */
function firstMessage(
  event: Record<string, unknown>,
  read: (entry: Record<string, unknown>) => string | undefined,
): string | undefined {
  for (const candidate of [event.logentry, event.message]) {
    const entry = asRecord(candidate);
    const text = entry ? read(entry) : asText(candidate);
    if (text?.trim()) return text;
  }
  return undefined;
}

/**
 * `template` with `params` in place of its placeholders: printf's (`%s`, `%d`, `%.2f`, `%5d`, `%x`…,
 * `%%`, and Python's `%(name)s`), or else braces (`{}`, `{0}`, `{name}`, `{:.2f}`), from a list or an
 * object. Every printf conversion takes a param, whether or not its format is applied (the value is
 * written as it is), so the ones after it keep theirs. A placeholder without a param stays as it is.
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
  // One style a template: braces in a printf template (`{}` in JSON it quotes) are text.
  if (PRINTF.test(template))
    return template.replace(PRINTF_ALL, (placeholder, name: string | undefined, conversion: string) =>
      conversion === '%' ? '%' : (param(name) ?? placeholder),
    );
  return template.replace(
    BRACES,
    (placeholder, name: string) => param(name === '' ? undefined : name) ?? placeholder,
  );
}

// No space flag: with it, the `%` of "95% full" and the "f" after it read as a conversion.
const PRINTF_SOURCE = String.raw`%(?:\((\w+)\))?[-+#0]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa%])`;
const PRINTF = new RegExp(PRINTF_SOURCE.replace('[diouxXeEfFgGcrsa%]', '[diouxXeEfFgGcrsa]'));
const PRINTF_ALL = new RegExp(PRINTF_SOURCE, 'g');
const BRACES = /\{(\w*)(?:![rsa])?(?::[^{}]*)?\}/g;
