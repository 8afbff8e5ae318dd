import { culpritFrame } from '@triage/core';
import { describe, expect, it } from 'vitest';
import { framesFromStacktrace } from './sentry-frames.js';

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

  // sentry-java sends no in_app for a class outside its inAppIncludes/Excludes: by the file alone, the
  // JDK's frames were the application's, and HashMap.get was where it failed.
  it('should take a JVM frame without in_app for the application only outside the libraries', () => {
    const frames = framesFromStacktrace(
      {
        frames: [
          { function: 'run', module: 'java.lang.Thread', filename: 'Thread.java', lineno: 840 },
          { function: 'invoke', module: 'jdk.internal.reflect.GeneratedMethodAccessor57' },
          { function: 'process', module: 'com.shop.OrderService', filename: 'OrderService.java', lineno: 31 },
          { function: 'get', module: 'java.util.HashMap', filename: 'HashMap.java', lineno: 556 },
        ],
      },
      'java',
    );
    expect(frames?.map((frame) => [frame.function, frame.inApp])).toEqual([
      ['java.util.HashMap.get', false],
      ['com.shop.OrderService.process', true],
      ['invoke', false],
      ['java.lang.Thread.run', false],
    ]);
    expect(culpritFrame(frames)?.function).toBe('com.shop.OrderService.process');
    // Without the event's platform, a JVM source file says as much.
    expect(
      framesFromStacktrace({
        frames: [{ function: 'get', module: 'java.util.HashMap', filename: 'HashMap.kt' }],
      })?.[0]?.inApp,
    ).toBe(false);
  });

  // sentry-python 2.x leaves in_app unset for the standard library outside project_root, and names its
  // file relative to sys.path (json/decoder.py): only abs_path says it is the interpreter's.
  it('should take a Python frame without in_app for the application only outside the interpreter and its packages', () => {
    const frames = framesFromStacktrace(
      {
        frames: [
          {
            function: 'checkout',
            module: 'app.views',
            filename: 'app/views.py',
            abs_path: '/srv/app/app/views.py',
          },
          {
            function: 'loads',
            module: 'json',
            filename: 'json/__init__.py',
            abs_path: '/usr/lib/python3.11/json/__init__.py',
          },
          {
            function: 'raw_decode',
            module: 'json.decoder',
            filename: 'json/decoder.py',
            abs_path: '/usr/local/lib/python3.12/json/decoder.py',
          },
        ],
      },
      'python',
    );
    expect(frames?.map((frame) => [frame.function, frame.inApp])).toEqual([
      ['raw_decode', false],
      ['loads', false],
      ['checkout', true],
    ]);
    expect(culpritFrame(frames)?.file).toBe('app/views.py');
  });

  it("should let the SDK's in_app win over the library rules, both ways", () => {
    const frames = framesFromStacktrace(
      {
        frames: [
          { function: 'get', module: 'java.util.HashMap', in_app: true },
          { function: 'process', module: 'com.shop.OrderService', in_app: false },
        ],
      },
      'java',
    );
    expect(frames?.map((frame) => frame.inApp)).toEqual([false, true]);
    const python = framesFromStacktrace(
      {
        frames: [
          {
            function: 'raw_decode',
            filename: 'json/decoder.py',
            abs_path: '/usr/lib/python3.11/json/decoder.py',
            in_app: true,
          },
        ],
      },
      'python',
    );
    expect(python?.[0]?.inApp).toBe(true);
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
