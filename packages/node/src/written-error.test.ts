import { describe, expect, it } from 'vitest';
import { errorFromWritten } from './written-error.js';

describe('errorFromWritten', () => {
  it("should name and word each error by its stack's headline, Node's codes and multi-line messages included", () => {
    const error = errorFromWritten({
      type: 'NodeError',
      message: 'query failed:\nSELECT 1: The "path" argument must be of type string',
      code: 'E_QUERY',
      stack: [
        'Error: query failed:\nSELECT 1',
        '    at runQuery (/srv/app/db.js:10:5)',
        'caused by: TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string',
        '    at open (node:fs:1:1)',
      ].join('\n'),
    });
    expect(error.name).toBe('Error');
    expect(error.message).toBe('query failed:\nSELECT 1');
    expect((error as Error & { code?: string }).code).toBe('E_QUERY');
    expect(error.stack).toBe('Error: query failed:\nSELECT 1\n    at runQuery (/srv/app/db.js:10:5)');
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).name).toBe('TypeError');
    expect((error.cause as Error).message).toBe('The "path" argument must be of type string');
  });

  it('should fall back on the written type and message where the stack has no headline, or none', () => {
    expect(errorFromWritten({ type: 'Error', message: 'charge failed', stack: '[Redacted]' })).toMatchObject({
      name: 'Error',
      message: 'charge failed',
      stack: '[Redacted]',
    });
    const timeout = errorFromWritten({
      type: 'TimeoutError',
      message: 'Timeout',
      stack: 'Timeout\n    at x (a.js:1:1)',
    });
    expect([timeout.name, timeout.message]).toEqual(['TimeoutError', 'Timeout']);
    // A subclass that names nothing, with no message: named as its stack names it, as when captured itself.
    const unnamed = errorFromWritten({ type: 'DbError', message: '', stack: 'Error\n    at q (db.js:1:1)' });
    expect([unnamed.name, unnamed.message]).toEqual(['Error', '']);
    const bare = errorFromWritten({ type: 'RangeError', message: 'page size out of range' });
    expect([bare.name, bare.message, bare.stack]).toEqual([
      'RangeError',
      'page size out of range',
      undefined,
    ]);
    expect(errorFromWritten('[Redacted]').message).toBe('[Redacted]');
  });
});
