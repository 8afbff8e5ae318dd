import { HttpError } from '../http-error.js';

/** A list's `limit` query parameter: 50 when absent, else a whole number from 1 to 500 (400 otherwise). */
export function pageLimit(value: string | undefined): number {
  const limit = value ? wholeNumber(value) : 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'limit must be 1–500');
  return limit;
}

/** A query parameter's digits as a number; NaN for anything else (`1e2`, `0x10`, ` 5`, `-1`). */
export function wholeNumber(value: string): number {
  return /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
}

/**
 * A list endpoint's query, one value a name: 400 for a name it does not take (misspelt, `text=` for
 * `q=`, it was ignored, and the answer read as "every issue matches") or one given twice
 * (`status=new&status=resolved` used the first, silently).
 */
export function checkedQuery(
  queries: Record<string, string[]>,
  allowed: readonly string[],
): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, values] of Object.entries(queries)) {
    if (!allowed.includes(name))
      throw new HttpError(
        400,
        `unknown parameter "${name.slice(0, 100)}": ${allowed.length > 0 ? `use ${allowed.join(', ')}` : 'this list takes none'}`,
      );
    if (values.length > 1)
      throw new HttpError(400, `give ${name} once (it was given ${values.length} times)`);
    query[name] = values[0] ?? '';
  }
  return query;
}
