// Tolerant readers for fields of Sentry payloads: SDKs in many languages, versions and forks
// send them, so a field of the wrong type is skipped rather than trusted or thrown on.

/** The value as a plain object, or `undefined` for anything else (arrays included). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A non-empty string; numbers and booleans are rendered, everything else is `undefined`. */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean')
    return String(value);
  return undefined;
}

/** A finite number, also from a numeric string (`"42"`). */
export function asNumber(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

/**
 * Epoch milliseconds from a Sentry timestamp: seconds as a number (fractions allowed), as a
 * numeric string, or an RFC 3339 string.
 */
export function toMillis(value: unknown): number | undefined {
  const seconds = asNumber(value);
  if (seconds !== undefined) return Math.round(seconds * 1000);
  if (typeof value !== 'string') return undefined;
  // A date-time without a zone is UTC for Sentry, but local time for Date.parse.
  const zoned = /T[\d:.]+$/.test(value) ? `${value}Z` : value;
  const parsed = Date.parse(zoned);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** `values` of a Sentry interface that may be sent as `{ values: [...] }` or as a bare array. */
export function valuesOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  const values = asRecord(value)?.values;
  return Array.isArray(values) ? values : [];
}

/** Pairs from an object or from an array of `[key, value]` pairs (both are valid in Sentry payloads). */
export function entriesOf(value: unknown): Array<[string, unknown]> {
  if (Array.isArray(value)) {
    return value.flatMap((pair) =>
      Array.isArray(pair) && typeof pair[0] === 'string' ? [[pair[0], pair[1]] as [string, unknown]] : [],
    );
  }
  const record = asRecord(value);
  return record ? Object.entries(record) : [];
}
