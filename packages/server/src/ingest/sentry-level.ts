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

/** A Sentry level (`fatal`, `error`, `warning`, `info`, `debug`, or `log`/`critical` from older SDKs) as a Triage level. */
export function levelFromSentry(level: unknown, fallback: Level): Level {
  return typeof level === 'string' ? (LEVELS[level.toLowerCase()] ?? fallback) : fallback;
}
