import { describe, expect, it } from 'vitest';
import { formatLog } from './format-log.js';

describe('formatLog', () => {
  it('should fill printf verbs in order', () => {
    expect(formatLog('domain=%s id=%d ratio=%f', ['example.com', 42, 0.5])).toBe(
      'domain=example.com id=42 ratio=0.5',
    );
    expect(formatLog('%i items', [3.9])).toBe('3 items');
  });

  it('should render %v like Go: errors by message, objects as JSON', () => {
    expect(formatLog('failed: %v', [new TypeError('boom')])).toBe('failed: TypeError: boom');
    expect(formatLog('%v', [{ a: 1 }])).toBe('{"a":1}');
    expect(formatLog('%j %o', [[1, 2], { b: 'x' }])).toBe('[1,2] {"b":"x"}');
  });

  it('should keep %% and unmatched verbs, and append extra arguments', () => {
    expect(formatLog('100%% of %s and %s', ['a'])).toBe('100% of a and %s');
    expect(formatLog('hello', ['world', 7])).toBe('hello world 7');
  });

  it('should never throw on circular, bigint or throwing values', () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    expect(formatLog('%j', [circular])).toBe('{"name":"loop","self":"[Circular]"}');
    expect(formatLog('%d %j', [10n, { n: 5n }])).toBe('10n {"n":"5n"}');
    const hostile = {
      toJSON() {
        throw new Error('nope');
      },
    };
    expect(formatLog('%j', [hostile])).toBe('[Unserializable]');
  });

  it('should never throw on values that refuse to become numbers, or a proxy that refuses everything', () => {
    const refuses = {
      [Symbol.toPrimitive]() {
        throw new Error('no primitive');
      },
    };
    expect(formatLog('%d %i %f', [refuses, Symbol('s'), refuses])).toBe('NaN NaN NaN');
    const proxy = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('no prototype');
        },
        ownKeys() {
          throw new Error('no keys');
        },
      },
    );
    expect(formatLog('%s %v', [proxy, proxy])).toBe('[Unserializable] [Unserializable]');
    expect(formatLog(proxy, [])).toBe('[Unserializable]');
  });

  it('should format a non-string first argument as a value', () => {
    expect(formatLog(new Error('bad'), [])).toBe('Error: bad');
  });
});
