import { createHash } from 'node:crypto';
import { matchRules } from './offline/match-rules.js';
import { parameterize } from './parameterize.js';
import { truncate } from './truncate.js';
import type { ErrorInfo, StackFrame, TriageEvent } from './types.js';

/** In-app frames taken into the key: enough to tell call sites apart, few enough to survive refactors. */
const FRAMES_IN_KEY = 5;
/** An issue title fits one line of the dashboard's list. */
const TITLE_CHARS = 140;

export interface Fingerprint {
  /** 32 hex characters; stable across processes, hosts and releases. */
  fingerprint: string;
  /** Human-readable issue title from the same normalization. */
  title: string;
  /** The parts that were hashed, for explaining a grouping. */
  components: string[];
}

/**
 * The stable key for "the same root cause": error type + parameterized message
 * + top in-app frames (function and file basename, never line numbers). An
 * explicit fingerprint from the application wins; `{{ default }}` in it stands
 * for the computed components.
 */
export function fingerprintEvent(event: TriageEvent): Fingerprint {
  const computed = computedComponents(event);
  const components = event.fingerprint?.length
    ? event.fingerprint.flatMap((part) =>
        /^\{\{\s*default\s*\}\}$/.test(part) ? computed.components : [part],
      )
    : computed.components;
  return { fingerprint: hash(components), title: computed.title, components };
}

/**
 * The key of an issue on a server: an event's fingerprint within its project (`triage.project`), so
 * that one error in two projects makes two issues, each alerted to its own team. An event without a
 * project (the in-process engine) keeps its fingerprint.
 */
export function projectFingerprint(fingerprint: string, projectId: string | undefined): string {
  return projectId === undefined ? fingerprint : hash(['triage.project', projectId, fingerprint]);
}

function computedComponents(event: TriageEvent): { components: string[]; title: string } {
  const where = [event.source?.file, event.source?.function].filter(Boolean).join(' ');
  if (event.error) {
    const { error } = event;
    const message = parameterize(error.message);
    const frames = framesKey(error);
    // A wrapper with a cause is keyed by its cause: the wrapper's message carries context (a tenant,
    // an order id) that varies, the cause names what went wrong.
    const keepMessage = !error.cause;
    const components = [error.type, ...(keepMessage ? [message] : []), ...frames];
    if (frames.length === 0 && where) components.push(where);
    for (let cause = error.cause; cause; cause = cause.cause) {
      components.push(`cause:${cause.type}`, parameterize(cause.message));
    }
    return { components, title: truncate(message ? `${error.type}: ${message}` : error.type, TITLE_CHARS) };
  }
  const errorLines = event.log.filter((entry) => entry.level === 'error');
  const warnLines = event.log.filter((entry) => entry.level === 'warn');
  // Runtimes such as Go's log package print no level word: then every line is a candidate.
  const lines = errorLines.length > 0 ? errorLines : warnLines.length > 0 ? warnLines : event.log;
  // A raw log's first error line is often a generic wrapper ("request failed reqId=…"); the line a
  // known signature matches names the cause, so its matched text is the key when there is one.
  const [signature] = matchRules(lines.slice(0, 50).map((entry) => entry.message));
  const first = lines[0] ?? event.log[0];
  const titleLine = parameterize(
    stripPrefix(signature?.lines[0] ?? first?.message ?? event.description ?? ''),
  );
  // The event's own message titles it, not an error line logged before it (a Sentry captureMessage
  // whose breadcrumbs hold an earlier error); the key keeps its lines, so no issue splits in two.
  const title = truncate(
    (event.message && parameterize(stripPrefix(event.message))) || titleLine || where || 'Unknown error',
    TITLE_CHARS,
  );
  if (signature) {
    // The rule and its matched text name the cause; the first word before it (a program or function
    // name: "curl:", "fetchQuote") tells apart different callers hitting the same kind of failure.
    const line = signature.lines[0] ?? '';
    const caller = firstWord(
      parameterize(stripPrefix(line.slice(0, Math.max(0, line.indexOf(signature.matched))))),
    );
    return {
      components: [where, caller, `rule:${signature.rule.id}`, parameterize(signature.matched)].filter(
        Boolean,
      ),
      title,
    };
  }
  return { components: [where, titleLine].filter(Boolean), title };
}

function framesKey(error: ErrorInfo): string[] {
  const frames = error.frames ?? [];
  const inApp = frames.filter((frame) => frame.inApp);
  return (inApp.length > 0 ? inApp : frames).slice(0, FRAMES_IN_KEY).map(frameKey);
}

function frameKey(frame: StackFrame): string {
  const file = frame.file ? (frame.file.split(/[\\/]/).pop() ?? frame.file).replace(/\?.*$/, '') : '';
  return `${frame.function ?? '?'}@${file}`;
}

// Log prefixes (timestamps, level words, logger names) vary between lines of one cause.
function stripPrefix(line: string): string {
  return line
    .replace(/^\s*\[?\d{4}-\d{2}-\d{2}[T ][\d:.,]+(?:Z|[+-]\d{2}:?\d{2})?\]?\s*/, '')
    .replace(/^\s*\[?(?:FATAL|ERROR|ERR|WARN|WARNING|INFO|DEBUG|CRITICAL|PANIC)\]?:?\s*/i, '');
}

function firstWord(text: string): string {
  return (
    text.split(/\s+/).find((word) => word !== '' && !/^[<[(*"']/.test(word) && !/^[\d#:.,-]+$/.test(word)) ??
    ''
  );
}

function hash(components: string[]): string {
  return createHash('sha256').update(components.join('\u0000')).digest('hex').slice(0, 32);
}
