const TIMESTAMP = /^\s*\[?\d{4}[-/]\d{2}[-/]\d{2}[T ][\d:.,]+(?:Z|[+-]\d{2}:?\d{2})?\]?\s*/;
const LEVEL = /^\s*\[?(?:FATAL|ERROR|ERR|WARN|WARNING|INFO|DEBUG|CRITICAL|PANIC)\]?:?\s*/i;

/**
 * A log line without the prefix a logger put before the message: a timestamp (ISO 8601, or Go's
 * `2026/01/05 10:00:00`), then a level word. They vary between lines of one cause, and they hide an
 * exception's header (`TypeError: …`) from a parser that reads it at the start of the line.
 */
export function stripLogPrefix(line: string): string {
  return stripTimestamp(line).replace(LEVEL, '');
}

/** The line without a leading timestamp only: "Error: …" after one is an exception, not a level. */
export function stripTimestamp(line: string): string {
  return line.replace(TIMESTAMP, '');
}
