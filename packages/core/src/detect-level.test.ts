import { describe, expect, it } from 'vitest';
import { toLevel } from './detect-level.js';

describe('toLevel', () => {
  it("should map pino's numbers, custom ones by the range they fall in", () => {
    expect([10, 20, 25, 30, 35, 40, 45, 50, 60, 70].map((level) => toLevel(level))).toEqual([
      'debug',
      'debug',
      'debug',
      'info',
      'info',
      'warn',
      'warn',
      'error',
      'error',
      'error',
    ]);
    expect(toLevel(Number.NaN, 'warn')).toBe('warn');
  });

  it("should map syslog's, npm's and winston's words, and others to the fallback", () => {
    expect(
      ['emerg', 'crit', 'warning', 'notice', 'http', 'verbose', 'silly', 'Trace'].map((level) =>
        toLevel(level),
      ),
    ).toEqual(['error', 'error', 'warn', 'info', 'info', 'debug', 'debug', 'debug']);
    expect(toLevel('chatty', 'debug')).toBe('debug');
    expect(toLevel(undefined)).toBe('info');
  });
});
