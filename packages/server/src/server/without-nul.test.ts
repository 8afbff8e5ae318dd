import { describe, expect, it } from 'vitest';
import { withoutNul } from './without-nul.js';

describe('withoutNul', () => {
  it('should take NUL out of every string and key, at any depth, and leave the rest as it is', () => {
    const input = {
      'a\u0000': ['x\u0000y', 1, null, true, { 'b\u0000c': '\u0000\u0000' }],
      plain: 'text \\u0000 stays',
    };
    expect(withoutNul(input)).toEqual({ a: ['xy', 1, null, true, { bc: '' }], plain: 'text \\u0000 stays' });
    expect(input['a\u0000'][0]).toBe('x\u0000y');
  });
});
