import { describe, expect, it } from 'vitest';
import { Scope, type ScopeOwner } from './scope.js';
import { scopeToEvent } from './scope-to-event.js';

const owner = (): ScopeOwner & { ended: Scope[] } => {
  const ended: Scope[] = [];
  return { ended, scopeEnded: (scope) => void ended.push(scope) };
};

describe('Scope', () => {
  it('should keep the first and last entries, and errors pushed out of the middle', () => {
    const scope = new Scope(owner(), {}, 3, 5);
    for (let index = 0; index < 20; index++) {
      if (index === 6) scope.error('failure at %d', index);
      else scope.info('step %d', index);
    }
    const messages = scopeToEvent(scope, {}).log.map((entry) => entry.message);
    expect(messages).toEqual([
      'step 0',
      'step 1',
      'step 2',
      'failure at 6',
      'step 15',
      'step 16',
      'step 17',
      'step 18',
      'step 19',
    ]);
    expect(scope.dropped).toBe(11);
    expect(scopeToEvent(scope, {}).droppedEntries).toBe(11);
  });

  it('should decide on analysis from ERROR entries and captured exceptions, WARN only on request', () => {
    const warned = new Scope(owner(), {}, 10, 50);
    warned.warn('slow');
    expect(warned.hasErrors()).toBe(false);
    expect(warned.hasErrors(true)).toBe(true);
    const captured = new Scope(owner(), {}, 10, 50);
    captured.capture(new RangeError('bad index'));
    expect(captured.hasErrors()).toBe(true);
    expect(scopeToEvent(captured, {}).error).toMatchObject({ type: 'RangeError', message: 'bad index' });
  });

  it('should format entries only when the event is built, with fields for a lone object', () => {
    const scope = new Scope(
      owner(),
      { file: 'a.ts', func: 'Handler', priority: 'P0', tags: { region: 'eu' } },
      10,
      50,
    );
    scope.error('Payment declined', { orderId: 7 });
    scope.info('user=%s cart=%j', 'u1', { items: 2 });
    const event = scopeToEvent(scope, { service: 'shop', release: '1.0.0' });
    expect(event.log.map(({ level, message, fields }) => ({ level, message, fields }))).toEqual([
      { level: 'error', message: 'Payment declined {"orderId":7}', fields: { orderId: 7 } },
      { level: 'info', message: 'user=u1 cart={"items":2}', fields: undefined },
    ]);
    expect(event).toMatchObject({
      service: 'shop',
      release: '1.0.0',
      source: { file: 'a.ts', function: 'Handler' },
      priority: 'P0',
      tags: { region: 'eu' },
      level: 'error',
    });
  });

  it('should end once, through end() or `using`, and ignore lines after the end', () => {
    const own = owner();
    {
      using scope = new Scope(own, {}, 10, 50);
      scope.info('inside');
    }
    expect(own.ended).toHaveLength(1);
    const scope = own.ended[0]!;
    scope.end();
    scope.error('too late');
    expect(own.ended).toHaveLength(1);
    expect(scope.entries()).toHaveLength(1);
    expect(scope.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('should end when an exception leaves a `using` block', () => {
    const own = owner();
    const handler = () => {
      using scope = new Scope(own, {}, 10, 50);
      scope.info('about to fail');
      throw new Error('unhandled');
    };
    expect(handler).toThrow('unhandled');
    expect(own.ended).toHaveLength(1);
  });
});
