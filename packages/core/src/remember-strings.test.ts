import { describe, expect, it } from 'vitest';
import { rememberStrings } from './remember-strings.js';

describe('rememberStrings', () => {
  it('should compute a short string once, a long one every time, and forget all once full', () => {
    const computed: string[] = [];
    const upper = rememberStrings(
      (text) => {
        computed.push(text);
        return text.toUpperCase();
      },
      { maxLength: 5, entries: 2 },
    );
    expect([upper('ab'), upper('ab'), upper('cd'), upper('ab')]).toEqual(['AB', 'AB', 'CD', 'AB']);
    expect(computed).toEqual(['ab', 'cd']);
    expect([upper('longer'), upper('longer')]).toEqual(['LONGER', 'LONGER']);
    expect(computed).toEqual(['ab', 'cd', 'longer', 'longer']);
    // A third short string fills the memo past its two entries: what it held is forgotten.
    upper('ef');
    upper('ab');
    expect(computed).toEqual(['ab', 'cd', 'longer', 'longer', 'ef', 'ab']);
  });
});
