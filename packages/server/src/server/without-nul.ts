/**
 * `value` with every NUL character taken out of its strings and object keys. PostgreSQL's text cannot
 * hold NUL ("invalid byte sequence for encoding UTF8: 0x00"): an event with one in its service, release,
 * source or id was answered 200 and then could never be recorded. JSON can carry it (`\u0000`).
 */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\0') ? value.replaceAll('\0', '') : value) as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value && typeof value === 'object') {
    const clean: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) clean[withoutNul(key)] = withoutNul(member);
    return clean as T;
  }
  return value;
}
