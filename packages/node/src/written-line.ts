import { formatLog } from '@triage/core';

/** What the logger bridges share: reading a line another logger wrote, and rendering it. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `text` as a JSON object, or undefined when it is none (cut, not JSON, an array…). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A rendered line: its text, then its fields as JSON (the form `scope.info('text', fields)` takes). */
export function withFields(
  text: string,
  fields: Record<string, unknown>,
): { message: string; fields?: Record<string, unknown> } {
  if (Object.keys(fields).length === 0) return { message: text };
  const rendered = formatLog('%j', [fields]);
  return { message: text === '' ? rendered : `${text} ${rendered}`, fields };
}
