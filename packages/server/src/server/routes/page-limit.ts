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
