import { describe, expect, it } from 'vitest';
import { asNumber, asText, entriesOf, toMillis, valuesOf } from './sentry-values.js';

describe('toMillis', () => {
  it('should read seconds as a number, a numeric string or an RFC 3339 string', () => {
    expect(toMillis(1795764909.601)).toBe(1795764909601);
    expect(toMillis('1700000000')).toBe(1700000000000);
    expect(toMillis('2023-11-14T22:13:20.250Z')).toBe(1700000000250);
    expect(toMillis('2023-11-14T23:13:20+01:00')).toBe(1700000000000);
  });

  it('should read a date-time without a zone as UTC', () => {
    expect(toMillis('2023-11-14T22:13:20')).toBe(1700000000000);
  });

  it('should return undefined for anything else', () => {
    for (const value of [undefined, null, 'yesterday', {}, [], Number.NaN, Number.POSITIVE_INFINITY, '']) {
      expect(toMillis(value)).toBeUndefined();
    }
  });
});

describe('field readers', () => {
  it('should read text, numbers, values and entries tolerantly', () => {
    expect([asText('a'), asText(''), asText(3), asText(true), asText({})]).toEqual([
      'a',
      undefined,
      '3',
      'true',
      undefined,
    ]);
    expect([asNumber(3), asNumber('4'), asNumber(' '), asNumber('x')]).toEqual([3, 4, undefined, undefined]);
    expect(valuesOf({ values: [1] })).toEqual([1]);
    expect(valuesOf([2])).toEqual([2]);
    expect(valuesOf({ values: {} })).toEqual([]);
    expect(entriesOf({ a: 1 })).toEqual([['a', 1]]);
    expect(entriesOf([['a', 1], [1, 2], 'x'])).toEqual([['a', 1]]);
    expect(entriesOf(null)).toEqual([]);
  });
});
