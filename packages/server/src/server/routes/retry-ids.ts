import { HttpError } from '../http-error.js';

/**
 * The body of a retry request (dead jobs, dead alerts): empty for every one, else `{"ids": [...]}` of
 * at most 10,000 ids, each checked by `idOf` (which throws a 400 for one it does not take).
 */
export function retryIdsOf<Id>(
  text: string,
  what: string,
  example: string,
  idOf: (value: unknown) => Id,
): Id[] | undefined {
  if (text.trim() === '') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, `send no body (all dead ${what}s) or {"ids": ${example}}`);
  }
  const given = (body as { ids?: unknown })?.ids;
  if (!Array.isArray(given) || given.length > 10_000)
    throw new HttpError(400, `ids must be a list of at most 10,000 ${what} ids`);
  return given.map(idOf);
}
