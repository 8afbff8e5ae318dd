import { cutMiddle } from '../normalize.js';
import type { LogEntry, StackFrame, TriageEvent } from '../types.js';

export interface ContextOptions {
  /** Lines kept from the start of the log (besides errors and warnings, always kept). */
  headLines?: number;
  /** Lines kept from the end of the log: the write-up's "last 50 lines". */
  tailLines?: number;
  /** Longest single line; longer ones are cut in the middle. */
  maxLineLength?: number;
  /** Stack frames kept beyond the in-app ones. */
  topFrames?: number;
}

export interface AnalysisContext {
  /** The log excerpt as the analyzer sees it, one line per entry. */
  logText: string;
  /** Error type, message, code and reduced stack, or '' when there is no error object. */
  errorText: string;
  /** Handler, request, release, environment: everything but the log. */
  metadata: Record<string, string>;
  /** What was left out, for the analysis notes. */
  omitted: string[];
}

/**
 * Smart truncation (the write-up's lesson 2): errors and warnings always stay,
 * then the first lines and the last ones; debug goes first; runs of a repeated
 * line collapse to one with a count; stacks keep in-app frames and the top few.
 */
export function buildContext(
  event: TriageEvent,
  { headLines = 10, tailLines = 50, maxLineLength = 500, topFrames = 3 }: ContextOptions = {},
): AnalysisContext {
  const omitted: string[] = [];
  const collapsed = collapseRepeats(event.log);
  const nonDebug = collapsed.filter(({ entry }) => entry.level !== 'debug');
  const debugDropped = collapsed.length - nonDebug.length;
  const pool = nonDebug.length >= headLines + tailLines || debugDropped === 0 ? nonDebug : collapsed;
  if (pool !== collapsed && debugDropped > 0) omitted.push(`${debugDropped} debug lines`);

  const keep = new Set<number>();
  pool.forEach(({ entry }, index) => {
    if (
      index < headLines ||
      index >= pool.length - tailLines ||
      entry.level === 'error' ||
      entry.level === 'warn'
    ) {
      keep.add(index);
    }
  });
  const lines: string[] = [];
  let skipped = 0;
  pool.forEach(({ entry, count }, index) => {
    if (!keep.has(index)) {
      skipped++;
      return;
    }
    if (skipped > 0) {
      lines.push(`… ${skipped} lines omitted …`);
      skipped = 0;
    }
    lines.push(formatEntry(entry, count, maxLineLength));
  });
  if (skipped > 0) lines.push(`… ${skipped} lines omitted …`);
  const middle = pool.length - keep.size;
  if (middle > 0) omitted.push(`${middle} lines from the middle of the log`);
  if (event.droppedEntries) omitted.push(`${event.droppedEntries} entries the SDK buffer did not keep`);

  return {
    logText: lines.join('\n'),
    errorText: errorText(event, topFrames, maxLineLength),
    metadata: metadata(event),
    omitted,
  };
}

function collapseRepeats(log: LogEntry[]): Array<{ entry: LogEntry; count: number }> {
  const out: Array<{ entry: LogEntry; count: number }> = [];
  for (const entry of log) {
    const last = out[out.length - 1];
    if (last && last.entry.message === entry.message && last.entry.level === entry.level) last.count++;
    else out.push({ entry, count: 1 });
  }
  return out;
}

function formatEntry(entry: LogEntry, count: number, max: number): string {
  const time = entry.time ? `[${new Date(entry.time).toISOString()}] ` : '';
  const repeated = count > 1 ? ` (repeated ${count} times)` : '';
  return `${time}${entry.level.toUpperCase()}: ${cutMiddle(entry.message, max)}${repeated}`;
}

function errorText(event: TriageEvent, topFrames: number, max: number): string {
  const parts: string[] = [];
  for (let error = event.error, depth = 0; error && depth < 5; error = error.cause, depth++) {
    const code = error.code ? ` [code ${error.code}]` : '';
    parts.push(`${depth > 0 ? 'Caused by: ' : ''}${error.type}: ${cutMiddle(error.message, max)}${code}`);
    for (const frame of reduceFrames(error.frames ?? [], topFrames)) parts.push(`    at ${frameText(frame)}`);
  }
  return parts.join('\n');
}

/** The top few frames (where it broke) plus every in-app frame (the code the team owns). */
export function reduceFrames(frames: StackFrame[], top: number): StackFrame[] {
  return frames.filter((frame, index) => index < top || frame.inApp).slice(0, 20);
}

function frameText(frame: StackFrame): string {
  const location = [frame.file, frame.line, frame.column].filter((part) => part != null).join(':');
  return frame.function ? `${frame.function} (${location})` : location;
}

function metadata(event: TriageEvent): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (key: string, value: unknown) => {
    if (value != null && value !== '') out[key] = String(value);
  };
  set('service', event.service);
  set('file', event.source?.file);
  set('function', event.source?.function);
  set('description', event.description);
  set('priority', event.priority);
  set('release', event.release);
  set('environment', event.environment);
  if (event.request) {
    set(
      'request',
      [event.request.method, event.request.route ?? event.request.url].filter(Boolean).join(' '),
    );
    set('status', event.request.status);
  }
  if (event.durationMs != null) set('duration', `${Math.round(event.durationMs)}ms`);
  return out;
}
