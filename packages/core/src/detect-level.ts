import { klogLevelLetter, withoutProgramHeader } from './strip-log-prefix.js';
import type { Level } from './types.js';

/** The level words a log line writes (`ERROR`, `WARN`, …), as a regular expression's alternatives. */
export const LEVEL_WORDS =
  'FATAL|PANIC|CRITICAL|CRIT|SEVERE|EMERG|ALERT|ERROR|ERR|WARNING|WARN|INFO|NOTICE|DEBUG|TRACE';
const EXPLICIT = new RegExp(`\\b(${LEVEL_WORDS})\\b`, 'i');
const EXCEPTION_HEADER =
  /^(?:Uncaught )?(?:[\w$.]*(?:Error|Exception)|Traceback \(most recent call last\)|panic|fatal error)\b:?/;
const CONTINUATION = /^\s+(?:at |File "|\.\.\. \d+ more)|^goroutine \d+ |^Caused by: /;
/**
 * klog's and glog's header (Kubernetes' components): the level is the letter before the date,
 * `E1118 10:32:15.123456` an error; the message rarely says so in words.
 */
const KLOG_LEVELS: Record<string, Level> = { I: 'info', W: 'warn', E: 'error', F: 'error' };
/**
 * Maps a level word (syslog's, npm's and winston's included) or a pino/bunyan number (10 trace,
 * 20 debug, 30 info, 40 warn, 50 error, 60 fatal, and custom ones between them) to a Level.
 */
export function toLevel(value: unknown, fallback: Level = 'info'): Level {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return fallback;
    return value >= 50 ? 'error' : value >= 40 ? 'warn' : value >= 30 ? 'info' : 'debug';
  }
  if (typeof value !== 'string') return fallback;
  switch (value.toLowerCase()) {
    case 'fatal':
    case 'panic':
    case 'critical':
    case 'crit':
    case 'severe':
    case 'emerg':
    case 'alert':
    case 'error':
    case 'err':
      return 'error';
    case 'warning':
    case 'warn':
      return 'warn';
    case 'debug':
    case 'trace':
    case 'verbose':
    case 'silly':
      return 'debug';
    case 'info':
    case 'notice':
    case 'http':
      return 'info';
    default:
      return fallback;
  }
}

/**
 * Guesses the level of one plain log line: an explicit level word wins, an
 * exception header is an error, a stack continuation line keeps the level of
 * the line before it.
 */
export function detectLevel(line: string, previous: Level = 'info'): Level {
  if (CONTINUATION.test(line)) return previous;
  const klog = klogLevelLetter(line);
  if (klog) return KLOG_LEVELS[klog]!;
  // Behind a syslog header (journald's, rsyslog's), the message is read as if it began the line.
  const message = withoutProgramHeader(line);
  if (message !== line && CONTINUATION.test(message)) return previous;
  if (EXCEPTION_HEADER.test(message)) return 'error';
  const explicit = EXPLICIT.exec(message.slice(0, 200));
  if (explicit) return toLevel(explicit[1]);
  return 'info';
}

/** The highest of two levels. */
export function maxLevel(a: Level, b: Level): Level {
  const order = { debug: 0, info: 1, warn: 2, error: 3 } as const;
  return order[a] >= order[b] ? a : b;
}
