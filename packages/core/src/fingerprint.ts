import { createHash } from 'node:crypto';
import { parameterize } from './parameterize.js';
import type { ErrorInfo, StackFrame, TriageEvent } from './types.js';

/** In-app frames taken into the key: enough to tell call sites apart, few enough to survive refactors. */
const FRAMES_IN_KEY = 5;

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

function computedComponents(event: TriageEvent): { components: string[]; title: string } {
  const where = [event.source?.file, event.source?.function].filter(Boolean).join(' ');
  if (event.error) {
    const message = parameterize(event.error.message);
    const frames = framesKey(event.error);
    const components = [event.error.type, message, ...frames];
    if (frames.length === 0 && where) components.push(where);
    for (let cause = event.error.cause; cause; cause = cause.cause) {
      components.push(`cause:${cause.type}`, parameterize(cause.message));
    }
    return { components, title: truncate(message ? `${event.error.type}: ${message}` : event.error.type) };
  }
  const errorLines = event.log.filter((entry) => entry.level === 'error');
  const lines = errorLines.length > 0 ? errorLines : event.log.filter((entry) => entry.level === 'warn');
  const first = lines[0] ?? event.log[0];
  const message = parameterize(stripPrefix(first?.message ?? event.description ?? ''));
  return {
    components: [where, message].filter(Boolean),
    title: truncate(message || where || 'Unknown error'),
  };
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

function truncate(text: string, max = 140): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function hash(components: string[]): string {
  return createHash('sha256').update(components.join('\u0000')).digest('hex').slice(0, 32);
}
