import { describe, expect, it } from 'vitest';
import { culpritFrame, framesFromStacktrace } from './sentry-frames.js';

describe('framesFromStacktrace', () => {
  it('should map Sentry frames to Triage frames, innermost first', () => {
    const frames = framesFromStacktrace({
      frames: [
        {
          function: 'process.processTicksAndRejections',
          filename: 'node:internal/process/task_queues',
          lineno: 95,
          colno: 5,
          in_app: false,
        },
        {
          function: 'handle',
          filename: '/srv/app/src/routes.js',
          abs_path: '/srv/app/src/routes.js',
          lineno: 12,
          colno: 3,
          in_app: true,
        },
      ],
    });
    expect(frames).toEqual([
      { function: 'handle', file: '/srv/app/src/routes.js', line: 12, column: 3, inApp: true },
      {
        function: 'process.processTicksAndRejections',
        file: 'node:internal/process/task_queues',
        line: 95,
        column: 5,
        inApp: false,
      },
    ]);
  });

  it('should fall back from filename to abs_path to module, and decide in_app from the file when absent', () => {
    const frames = framesFromStacktrace({
      frames: [
        { function: 'a', module: 'app.views' },
        { function: 'b', abs_path: '/srv/app/node_modules/lib/index.js' },
        { function: '?', filename: 'app/views.py', lineno: '7' },
      ],
    });
    expect(frames).toEqual([
      { function: undefined, file: 'app/views.py', line: 7, column: undefined, inApp: true },
      {
        function: 'b',
        file: '/srv/app/node_modules/lib/index.js',
        line: undefined,
        column: undefined,
        inApp: false,
      },
      { function: 'a', file: 'app.views', line: undefined, column: undefined, inApp: true },
    ]);
  });

  it('should qualify JVM functions with their class', () => {
    const frames = framesFromStacktrace(
      {
        frames: [
          {
            function: 'charge',
            module: 'com.shop.PaymentService',
            filename: 'PaymentService.java',
            lineno: 42,
            in_app: true,
          },
        ],
      },
      'java',
    );
    expect(frames?.[0]?.function).toBe('com.shop.PaymentService.charge');
  });

  it('should keep the 100 innermost frames and skip frames with nothing in them', () => {
    const frames = framesFromStacktrace({
      frames: [...Array.from({ length: 300 }, (_, index) => ({ function: `f${index}` })), {}, null, 'x'],
    });
    expect(frames).toHaveLength(100);
    expect(frames?.[0]?.function).toBe('f299');
    expect(frames?.[99]?.function).toBe('f200');
  });

  it('should return undefined for anything that is not a stack trace', () => {
    expect(framesFromStacktrace(undefined)).toBeUndefined();
    expect(framesFromStacktrace({ frames: 'x' })).toBeUndefined();
    expect(framesFromStacktrace({ frames: [] })).toBeUndefined();
  });
});

describe('culpritFrame', () => {
  it('should pick the innermost in-app frame, else the innermost frame', () => {
    expect(
      culpritFrame([
        { function: 'lib', inApp: false },
        { function: 'app', inApp: true },
      ])?.function,
    ).toBe('app');
    expect(culpritFrame([{ function: 'lib', inApp: false }])?.function).toBe('lib');
    expect(culpritFrame(undefined)).toBeUndefined();
  });
});
