import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../normalize.js';
import { buildContext } from './build-context.js';

describe('buildContext', () => {
  it('should keep the first lines, the last lines and every error, and say what it left out', () => {
    const lines = Array.from({ length: 200 }, (_, index) => `INFO step ${index}`);
    lines[100] = 'ERROR the one that matters';
    const context = buildContext(normalizeEvent(lines), { headLines: 5, tailLines: 10 });
    const kept = context.logText.split('\n');
    expect(kept[0]).toBe('INFO step 0');
    expect(kept).toContain('ERROR the one that matters');
    expect(kept.at(-1)).toBe('INFO step 199');
    expect(context.logText).toContain('… 95 lines omitted …');
    expect(context.logText).toContain('… 89 lines omitted …');
    expect(context.omitted).toContain('184 lines from the middle of the log');
  });

  it('should collapse runs of a repeated line with a count', () => {
    const context = buildContext(
      normalizeEvent(['ERROR retry failed', 'ERROR retry failed', 'ERROR retry failed', 'INFO done']),
    );
    expect(context.logText).toBe('ERROR retry failed (repeated 3 times)\nINFO done');
  });

  it('should give up debug lines before any other line when over the token budget', () => {
    const lines = [
      ...Array.from({ length: 10 }, (_, index) => `INFO ok ${index}`),
      ...Array.from({ length: 80 }, (_, index) => `DEBUG noise ${index}`),
      'ERROR real problem',
    ];
    const context = buildContext(normalizeEvent(lines), { maxTokens: 80 });
    const kept = context.logText.split('\n');
    expect(kept.filter((line) => line.startsWith('INFO ok'))).toHaveLength(10);
    expect(kept).toContain('ERROR real problem');
    expect(kept.filter((line) => line.startsWith('DEBUG noise')).length).toBeLessThan(10);
    expect(context.omitted.some((note) => /^\d+ debug lines$/.test(note))).toBe(true);
  });

  it("should keep the event's own error lines before a breadcrumb's when over the token budget", () => {
    const event = normalizeEvent({
      log: [
        ...Array.from({ length: 30 }, (_, index) => ({
          level: 'error',
          message: `[console] widget ${index} failed to render its sidebar`,
          breadcrumb: true,
        })),
        { level: 'error', message: 'payment provider refused the charge' },
      ],
    });
    const kept = buildContext(event, { maxTokens: 60 }).logText.split('\n');
    expect(kept.some((line) => line.includes('payment provider refused the charge'))).toBe(true);
    expect(kept.filter((line) => line.includes('[console] widget')).length).toBeLessThan(30);
  });

  it("should name a line's level once: its own word, else the level it was given", () => {
    const context = buildContext(
      normalizeEvent({
        log: [
          '[2025-11-18 14:32:15] INFO: starting',
          { level: 'error', message: 'connect ECONNREFUSED 10.0.0.7:5432' },
          { level: 'warn', message: '2025-11-18T14:32:16Z WARN [pool] 9/10 in use' },
          { level: 'error', message: '14:32:17.250 ERROR pool exhausted' },
          // A level word inside the message, or one that is not the line's level, is the message's.
          { level: 'error', message: 'could not deliver ALERT email to oncall' },
          { level: 'debug', message: 'ERROR counter reset' },
        ],
      }),
    );
    expect(context.logText.split('\n')).toEqual([
      '[2025-11-18 14:32:15] INFO: starting',
      'ERROR: connect ECONNREFUSED 10.0.0.7:5432',
      '2025-11-18T14:32:16Z WARN [pool] 9/10 in use',
      '14:32:17.250 ERROR pool exhausted',
      'ERROR: could not deliver ALERT email to oncall',
      'DEBUG: ERROR counter reset',
    ]);
  });

  it('should stay within the token budget, counting with the given tokenizer', () => {
    const lines = Array.from(
      { length: 500 },
      (_, index) => `INFO request ${index} handled in ${index % 40}ms by worker-${index % 7}`,
    );
    lines.push('ERROR: Connection pool exhausted (10/10 connections active)');
    const countTokens = (text: string) => text.split(/\s+/).filter(Boolean).length;
    const context = buildContext(normalizeEvent(lines), { maxTokens: 200, countTokens });
    expect(countTokens(context.logText)).toBeLessThanOrEqual(200);
    expect(context.logText).toContain('Connection pool exhausted');
    expect(context.omitted.some((note) => note.includes('over the 200-token budget'))).toBe(true);
  });

  it('should cut over-long lines in the middle', () => {
    const context = buildContext(normalizeEvent([`ERROR start ${'x'.repeat(2_000)} end`]), {
      maxLineLength: 100,
    });
    expect(context.logText.length).toBeLessThan(200);
    expect(context.logText).toMatch(/^ERROR start …\[\d+ chars cut\]… end$/);
  });

  it('should reduce a stack to the top frames plus in-app frames', () => {
    const event = normalizeEvent({
      error: {
        type: 'Error',
        message: 'boom',
        stack: [
          'Error: boom',
          '    at a (/app/node_modules/x/1.js:1:1)',
          '    at b (/app/node_modules/x/2.js:1:1)',
          '    at c (/app/node_modules/x/3.js:1:1)',
          '    at d (/app/node_modules/x/4.js:1:1)',
          '    at handler (/app/src/handler.js:9:3)',
        ].join('\n'),
      },
    });
    const { errorText } = buildContext(event, { topFrames: 2 });
    expect(errorText.split('\n')).toEqual([
      'Error: boom',
      '    at a (/app/node_modules/x/1.js:1:1)',
      '    at b (/app/node_modules/x/2.js:1:1)',
      '    at handler (/app/src/handler.js:9:3)',
    ]);
  });

  it('should include handler, priority, request, release and environment', () => {
    const event = normalizeEvent({
      log: ['ERROR x'],
      source: { file: 'src/pay.ts', function: 'Checkout' },
      priority: 'P0',
      release: '1.2.3',
      environment: 'production',
      request: { method: 'POST', route: '/pay' },
    });
    expect(buildContext(event).metadata).toMatchObject({
      file: 'src/pay.ts',
      function: 'Checkout',
      priority: 'P0',
      release: '1.2.3',
      environment: 'production',
      request: 'POST /pay',
    });
  });
});
