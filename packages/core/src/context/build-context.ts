import { LEVEL_WORDS, toLevel } from '../detect-level.js';
import { cutMiddle } from '../normalize.js';
import type { LogEntry, StackFrame, TriageEvent } from '../types.js';

/** Counts tokens of a text; the engine passes a real tokenizer, the default estimates 4 characters a token. */
export type TokenCounter = (text: string) => number;

export const estimateTokens: TokenCounter = (text) => Math.ceil(text.length / 4);

export interface ContextOptions {
  /** Lines kept from the start of the log (besides errors and warnings, always kept). */
  headLines?: number;
  /** Lines kept from the end of the log: the write-up's "last 50 lines". */
  tailLines?: number;
  /** Longest single line; longer ones are cut in the middle. */
  maxLineLength?: number;
  /** Stack frames kept beyond the in-app ones. */
  topFrames?: number;
  /** Tokens the log, error and metadata may use together; unlimited when unset. */
  maxTokens?: number;
  countTokens?: TokenCounter;
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

interface Candidate {
  index: number;
  text: string;
  /** Lower is kept first. */
  rank: number;
  level: LogEntry['level'];
}

/**
 * Smart truncation (the write-up's lesson 2) within a token budget: errors and
 * warnings are kept first, then the last lines (nearest the failure first),
 * then the first lines; debug goes first; runs of a repeated line collapse to
 * one with a count; stacks keep in-app frames and the top few; over-long lines
 * are cut in the middle. Whatever is left out is said in `omitted`.
 */
export function buildContext(
  event: TriageEvent,
  {
    headLines = 10,
    tailLines = 50,
    maxLineLength = 500,
    topFrames = 3,
    maxTokens = Number.POSITIVE_INFINITY,
    countTokens = estimateTokens,
  }: ContextOptions = {},
): AnalysisContext {
  const omitted: string[] = [];
  const metadata = metadataOf(event);
  const metadataTokens = countTokens(Object.entries(metadata).join('\n'));
  let errorText = errorTextOf(event, topFrames, maxLineLength, false);
  if (Number.isFinite(maxTokens) && countTokens(errorText) > (maxTokens - metadataTokens) / 2) {
    errorText = errorTextOf(event, 1, 200, true);
    omitted.push('stack frames outside the application');
  }
  let budget = maxTokens - metadataTokens - countTokens(errorText);

  const collapsed = collapseRepeats(event.log);
  const candidates = collapsed.map(({ entry, count }, index): Candidate => {
    const fromEnd = collapsed.length - 1 - index;
    let rank: number;
    // A breadcrumb's error or warning after the event's own (an SDK's trail: see candidateLines).
    if (entry.level === 'error') rank = entry.breadcrumb ? 0.5 : 0;
    else if (entry.level === 'warn') rank = entry.breadcrumb ? 1.5 : 1;
    else if (entry.level === 'debug') rank = 6;
    else if (fromEnd < tailLines) rank = 2 + fromEnd / (tailLines + 1);
    else if (index < headLines) rank = 3 + index / (headLines + 1);
    else rank = Number.POSITIVE_INFINITY;
    return { index, text: formatEntry(entry, count, maxLineLength), rank, level: entry.level };
  });
  // Debug lines only count when there is room; then they rank after everything else in the head/tail.
  for (const candidate of candidates) {
    if (candidate.level !== 'debug') continue;
    const fromEnd = collapsed.length - 1 - candidate.index;
    candidate.rank = fromEnd < tailLines || candidate.index < headLines ? 6 : Number.POSITIVE_INFINITY;
  }

  const keep = new Set<number>();
  const byRank = candidates
    .filter((c) => Number.isFinite(c.rank))
    .sort((a, b) => a.rank - b.rank || a.index - b.index);
  let overBudget = 0;
  for (const candidate of byRank) {
    const cost = countTokens(candidate.text) + 1;
    if (cost > budget && keep.size > 0) {
      overBudget++;
      continue;
    }
    keep.add(candidate.index);
    budget -= cost;
  }

  const lines: string[] = [];
  let skipped = 0;
  let debugSkipped = 0;
  for (const candidate of candidates) {
    if (!keep.has(candidate.index)) {
      skipped++;
      if (candidate.level === 'debug') debugSkipped++;
      continue;
    }
    if (skipped > 0) lines.push(`… ${skipped} lines omitted …`);
    skipped = 0;
    lines.push(candidate.text);
  }
  if (skipped > 0) lines.push(`… ${skipped} lines omitted …`);

  if (debugSkipped > 0) omitted.push(`${debugSkipped} debug lines`);
  const middle = candidates.length - keep.size - debugSkipped;
  if (middle > 0) omitted.push(`${middle} lines from the middle of the log`);
  if (overBudget > 0) omitted.push(`${overBudget} lines over the ${maxTokens}-token budget`);
  if (event.droppedEntries) omitted.push(`${event.droppedEntries} entries the SDK buffer did not keep`);
  return { logText: lines.join('\n'), errorText, metadata, omitted };
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

/**
 * The level word a log line starts with, after a time or bracketed fields (`[2025-11-18 14:32:15]
 * INFO:`, `2025-11-18T14:32:15Z WARN [pool]`); a level word later in the message is part of it.
 */
const OWN_LEVEL = new RegExp(
  `^(?:\\s*(?:\\[[^\\]\\n]{0,60}\\]|\\d{4}-\\d{2}-\\d{2}[T ][\\d:.,]+(?:Z|[+-]\\d{2}:?\\d{2})?|\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?))*\\s*\\[?(${LEVEL_WORDS})\\b`,
);

function formatEntry(entry: LogEntry, count: number, max: number): string {
  const time = entry.time ? `[${new Date(entry.time).toISOString()}] ` : '';
  const repeated = count > 1 ? ` (repeated ${count} times)` : '';
  // A line that starts with its own level keeps it alone: `INFO: [2025-11-18 14:32:15] INFO: …` spent
  // the prompt's tokens on every such line twice. Another level word, or one further in, is the message's.
  const own = OWN_LEVEL.exec(entry.message.slice(0, 120))?.[1];
  const level = own !== undefined && toLevel(own) === entry.level ? '' : `${entry.level.toUpperCase()}: `;
  return `${time}${level}${cutMiddle(entry.message, max)}${repeated}`;
}

function errorTextOf(event: TriageEvent, topFrames: number, max: number, inAppOnly: boolean): string {
  const parts: string[] = [];
  for (let error = event.error, depth = 0; error && depth < 5; error = error.cause, depth++) {
    const code = error.code ? ` [code ${error.code}]` : '';
    parts.push(`${depth > 0 ? 'Caused by: ' : ''}${error.type}: ${cutMiddle(error.message, max)}${code}`);
    const frames = reduceFrames(error.frames ?? [], topFrames).filter(
      (frame, index) => !inAppOnly || index === 0 || frame.inApp,
    );
    for (const frame of frames.slice(0, inAppOnly ? 5 : 20)) parts.push(`    at ${frameText(frame)}`);
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

function metadataOf(event: TriageEvent): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (key: string, value: unknown) => {
    if (value != null && value !== '') out[key] = cutMiddle(String(value), 300);
  };
  set('service', event.service);
  set('file', event.source?.file);
  set('function', event.source?.function);
  set('description', event.description);
  set('message', event.message);
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
