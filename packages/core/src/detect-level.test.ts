import { describe, expect, it } from 'vitest';
import { detectLevel, toLevel } from './detect-level.js';

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

describe('detectLevel', () => {
  it("should read klog's level letter, over the words of its message", () => {
    const klog = (letter: string, message: string) =>
      detectLevel(`${letter}1118 10:32:15.123456       1 reflector.go:138] ${message}`);
    expect(klog('E', 'dial tcp 10.0.0.7:5432: connect: connection refused')).toBe('error');
    expect(klog('F', 'cannot start the controller')).toBe('error');
    expect(klog('W', 'watch of *v1.Pod ended')).toBe('warn');
    expect(klog('I', 'retrying after an error')).toBe('info');
    // Not a klog header: the words decide.
    expect(detectLevel('E1118 happened')).toBe('info');
  });
});
