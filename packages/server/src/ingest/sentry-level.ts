import type { Level } from '@triage/core';

const LEVELS: Record<string, Level> = {
  fatal: 'error',
  critical: 'error',
  error: 'error',
  warning: 'warn',
  warn: 'warn',
  info: 'info',
  log: 'info',
  debug: 'debug',
};

/**
 * A Sentry level (`fatal`, `error`, `warning`, `info`, `debug`, or `log`/`critical` from older SDKs)
 * as a Triage level; raven-python sent the number of Python's logging level (`40`), which made every
 * such event an error.
 */
export function levelFromSentry(level: unknown, fallback: Level): Level {
  if (typeof level === 'string' && /^\d+$/.test(level)) return pythonLevel(Number(level));
  if (typeof level === 'number' && Number.isFinite(level)) return pythonLevel(level);
  return typeof level === 'string' ? (LEVELS[level.toLowerCase()] ?? fallback) : fallback;
}

// logging.DEBUG 10, INFO 20, WARNING 30, ERROR 40, CRITICAL 50.
function pythonLevel(level: number): Level {
  if (level >= 40) return 'error';
  if (level >= 30) return 'warn';
  if (level >= 20) return 'info';
  return 'debug';
}
