import { describe, expect, it } from 'vitest';
import { messageOf, withParams } from './sentry-message.js';

describe('messageOf', () => {
  it('should fill in the params of a template sent without `formatted`, and prefer `formatted`', () => {
    // What @sentry/node 11 sends for captureMessage(Sentry.parameterize`…`).
    expect(messageOf({ logentry: { message: 'Payment %s declined for %s', params: ['p-77', 'bob'] } })).toBe(
      'Payment p-77 declined for bob',
    );
    expect(
      messageOf({ logentry: { message: 'raw %s', params: ['x'], formatted: 'raw x, as the SDK put it' } }),
    ).toBe('raw x, as the SDK put it');
    expect(messageOf({ message: { message: 'took %d ms', params: [2300] } })).toBe('took 2300 ms');
    expect(messageOf({ message: 'plain', logentry: { formatted: '  ' } })).toBe('plain');
    expect(messageOf({})).toBeUndefined();
  });
});

describe('withParams', () => {
  it.each([
    ['%s of %s', ['a', 'b'], 'a of b'],
    ['%s of %s', ['a'], 'a of %s'],
    ['100%% of %d', [3], '100% of 3'],
    ['%(user)s paid %(amount)d', { user: 'bob', amount: 42 }, 'bob paid 42'],
    ['{} then {}', ['one', 'two'], 'one then two'],
    ['{1} before {0}', ['zero', 'one'], 'one before zero'],
    ['{name} left', { name: 'ada' }, 'ada left'],
    ['{missing} stays', { name: 'ada' }, '{missing} stays'],
    ['an object: %s', [{ id: 7 }], 'an object: {"id":7}'],
    ['nothing to fill', 'not params', 'nothing to fill'],
    ['%s', [null], 'null'],
    // A conversion with a format takes its param (written as it is): the next one keeps its own.
    ['took %.2f s for %s', [1.234, 'x'], 'took 1.234 s for x'],
    ['%5d items, %x flags', [3, 255], '3 items, 255 flags'],
    // Braces in a printf template are text (JSON it quotes, say).
    ['sent {} as %s', ['body'], 'sent {} as body'],
    ['{} then {:.2f}', ['a', 2.5], 'a then 2.5'],
    // A percent sign in the text is text.
    ['disk 95% full on {}', ['db1'], 'disk 95% full on db1'],
    ['took 5% of budget for %s', ['job-7'], 'took 5% of budget for job-7'],
  ])('should make %j with %j into %j', (template, params, expected) => {
    expect(withParams(template, params)).toBe(expected);
  });

  it('should not read params off the prototype', () => {
    expect(withParams('{constructor} {toString}', {})).toBe('{constructor} {toString}');
  });
});
