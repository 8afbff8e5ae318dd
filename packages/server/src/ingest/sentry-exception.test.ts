import { describe, expect, it } from 'vitest';
import { errorFromException } from './sentry-exception.js';

const frame = (fn: string) => ({ function: fn, filename: `/srv/app/${fn}.js`, lineno: 1, in_app: true });

describe('errorFromException', () => {
  it('should read Sentry order (innermost cause first, raised error last) as outermost first', () => {
    // The exception interface's own example: `raise ValueError(...) from Exception(...)`.
    const result = errorFromException({
      values: [
        { type: 'Exception', value: 'random boring invariant was not met!' },
        {
          type: 'ValueError',
          value: 'something went wrong, help!',
          mechanism: { type: 'generic', handled: false },
        },
      ],
    });
    expect(result?.error).toEqual({
      type: 'ValueError',
      message: 'something went wrong, help!',
      cause: { type: 'Exception', message: 'random boring invariant was not met!' },
    });
    expect(result).toMatchObject({ mechanism: 'generic', handled: false, synthetic: false });
  });

  it('should follow exception_id/parent_id links when the SDK sets them', () => {
    const result = errorFromException({
      values: [
        {
          type: 'Root',
          value: 'deepest',
          mechanism: { type: 'chained', source: 'cause', exception_id: 2, parent_id: 1 },
        },
        {
          type: 'Middle',
          value: 'middle',
          mechanism: { type: 'chained', source: 'cause', exception_id: 1, parent_id: 0 },
        },
        { type: 'Outer', value: 'outer', mechanism: { type: 'generic', handled: true, exception_id: 0 } },
      ],
    });
    expect(result?.error.type).toBe('Outer');
    expect(result?.error.cause?.type).toBe('Middle');
    expect(result?.error.cause?.cause?.type).toBe('Root');
    expect(result?.mechanism).toBe('generic');
  });

  it('should follow the first member of an exception group', () => {
    const result = errorFromException({
      values: [
        {
          type: 'Error',
          value: 'second',
          mechanism: { type: 'chained', source: 'errors[1]', exception_id: 2, parent_id: 0 },
        },
        {
          type: 'Error',
          value: 'first',
          mechanism: { type: 'chained', source: 'errors[0]', exception_id: 1, parent_id: 0 },
        },
        {
          type: 'AggregateError',
          value: 'all failed',
          mechanism: { type: 'generic', is_exception_group: true, exception_id: 0 },
        },
      ],
    });
    expect(result?.error.type).toBe('AggregateError');
    expect(result?.error.cause?.message).toBe('first');
  });

  it('should survive parent links that form a cycle', () => {
    const looped = errorFromException({
      values: [
        { type: 'A', value: 'a', mechanism: { exception_id: 0, parent_id: 1 } },
        { type: 'B', value: 'b', mechanism: { exception_id: 1, parent_id: 0 } },
      ],
    });
    expect(looped?.error.type).toBe('B');
    const duplicated = errorFromException({
      values: [
        { type: 'A', value: 'a', mechanism: { exception_id: 0 } },
        { type: 'B', value: 'b', mechanism: { exception_id: 0, parent_id: 0 } },
      ],
    });
    expect(duplicated?.error.cause?.type).toBe('B');
    expect(duplicated?.error.cause?.cause).toBeUndefined();
  });

  it('should map each stack trace innermost frame first', () => {
    const result = errorFromException([
      {
        type: 'TypeError',
        value: 'x is undefined',
        stacktrace: { frames: [frame('main'), frame('handler'), frame('load')] },
      },
    ]);
    expect(result?.error.frames?.map((each) => each.function)).toEqual(['load', 'handler', 'main']);
  });

  it('should take the stack of the thread the exception was thrown on', () => {
    const result = errorFromException(
      {
        values: [
          {
            type: 'SIGSEGV',
            value: 'crash',
            thread_id: 2,
            mechanism: { meta: { signal: { name: 'SIGSEGV' } } },
          },
        ],
      },
      {
        threads: {
          values: [
            { id: 1, stacktrace: { frames: [frame('idle')] } },
            { id: 2, stacktrace: { frames: [frame('crash')] } },
          ],
        },
      },
    );
    expect(result?.error.frames?.[0]?.function).toBe('crash');
    expect(result?.error.code).toBe('SIGSEGV');
  });

  it('should flag the made-up exception of captureMessage as synthetic', () => {
    const result = errorFromException({
      values: [{ value: 'slow', mechanism: { type: 'generic', handled: true, synthetic: true } }],
    });
    expect(result?.synthetic).toBe(true);
    expect(result?.error).toEqual({ type: 'Error', message: 'slow' });
  });

  it('should skip values without type or value and cap the chain', () => {
    expect(errorFromException({ values: [{}, null, 'x', { type: '' }] })).toBeUndefined();
    expect(errorFromException(undefined)).toBeUndefined();
    const long = errorFromException({
      values: Array.from({ length: 50 }, (_, index) => ({ type: `E${index}`, value: '' })),
    });
    let depth = 0;
    for (let error = long?.error; error; error = error.cause) depth++;
    expect(depth).toBe(11);
    expect(long?.error.type).toBe('E49');
  });
});
