import { describe, expect, it } from 'vitest';
import { parseStack, parseStackLine } from './parse-stack.js';

describe('parseStackLine', () => {
  it('should parse V8 frames with and without a function name', () => {
    expect(parseStackLine('    at Object.handler (/app/src/api.ts:12:7)')).toEqual({
      function: 'Object.handler',
      file: '/app/src/api.ts',
      line: 12,
      column: 7,
      inApp: true,
    });
    expect(parseStackLine('    at /app/src/index.js:3:1')).toMatchObject({
      function: undefined,
      file: '/app/src/index.js',
      line: 3,
    });
    expect(parseStackLine('    at async Promise.all (index 0)')).toMatchObject({
      function: 'Promise.all',
      inApp: true,
    });
    expect(parseStackLine('    at new Pool (file:///app/node_modules/pg-pool/index.js:45:11)')).toMatchObject(
      {
        function: 'Pool',
        file: '/app/node_modules/pg-pool/index.js',
        inApp: false,
      },
    );
  });

  it('should mark runtime internals as not in-app', () => {
    expect(
      parseStackLine('    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)')
        ?.inApp,
    ).toBe(false);
  });

  it('should parse Python and Java frames', () => {
    expect(parseStackLine('  File "/srv/app/views.py", line 42, in checkout')).toEqual({
      function: 'checkout',
      file: '/srv/app/views.py',
      line: 42,
      inApp: true,
    });
    expect(parseStackLine('\tat com.shop.OrderService.place(OrderService.java:88)')).toEqual({
      function: 'com.shop.OrderService.place',
      file: 'OrderService.java',
      line: 88,
      inApp: true,
    });
    expect(parseStackLine('\tat java.base/java.net.Socket.connect(Socket.java:633)')).toMatchObject({
      function: 'java.net.Socket.connect',
      inApp: false,
    });
  });

  it('should return undefined for ordinary lines', () => {
    expect(parseStackLine('INFO request done')).toBeUndefined();
  });

  it('should parse the stack of a real thrown error', () => {
    const frames = parseStack(new Error('x').stack);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames[0]?.file).toMatch(/parse-stack\.test\.ts$/);
  });
});
