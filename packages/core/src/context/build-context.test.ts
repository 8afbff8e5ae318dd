import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../normalize.js';
import { buildContext } from './build-context.js';

describe('buildContext', () => {
  it('should keep the first lines, the last lines and every error, and say what it left out', () => {
    const lines = Array.from({ length: 200 }, (_, index) => `INFO step ${index}`);
    lines[100] = 'ERROR the one that matters';
    const context = buildContext(normalizeEvent(lines), { headLines: 5, tailLines: 10 });
    const kept = context.logText.split('\n');
    expect(kept[0]).toBe('INFO: INFO step 0');
    expect(kept).toContain('ERROR: ERROR the one that matters');
    expect(kept.at(-1)).toBe('INFO: INFO step 199');
    expect(context.logText).toContain('… 95 lines omitted …');
    expect(context.logText).toContain('… 89 lines omitted …');
    expect(context.omitted).toContain('184 lines from the middle of the log');
  });

  it('should collapse runs of a repeated line with a count', () => {
    const context = buildContext(
      normalizeEvent(['ERROR retry failed', 'ERROR retry failed', 'ERROR retry failed', 'INFO done']),
    );
    expect(context.logText).toBe('ERROR: ERROR retry failed (repeated 3 times)\nINFO: INFO done');
  });

  it('should drop debug lines first when the log is long', () => {
    const lines = [...Array.from({ length: 80 }, (_, index) => `DEBUG noise ${index}`), 'ERROR real problem'];
    const withInfo = [...Array.from({ length: 70 }, (_, index) => `INFO ok ${index}`), ...lines];
    const context = buildContext(normalizeEvent(withInfo));
    expect(context.logText).not.toContain('DEBUG noise');
    expect(context.omitted).toContain('80 debug lines');
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
