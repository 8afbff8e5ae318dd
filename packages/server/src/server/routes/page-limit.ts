import { HttpError } from '../http-error.js';

/** A list's `limit` query parameter: 50 when absent, else a whole number from 1 to 500 (400 otherwise). */
export function pageLimit(value: string | undefined): number {
  const limit = value ? Number(value) : 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'limit must be 1–500');
  return limit;
}
