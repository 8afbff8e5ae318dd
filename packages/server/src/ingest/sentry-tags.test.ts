import { describe, expect, it } from 'vitest';
import { tagsFromSentry } from './sentry-tags.js';

describe('tagsFromSentry', () => {
  it('should merge derived tags and the event tags, the event tags winning', () => {
    const tags = tagsFromSentry(
      {
        server_name: 'web-1',
        platform: 'python',
        sdk: { name: 'sentry.python', version: '2.19.0' },
        logger: 'app.payments',
        transaction: '/checkout',
        contexts: {
          runtime: { name: 'CPython', version: '3.12.1' },
          os: { name: 'Debian', version: '12.11\n' },
          browser: { name: 'Chrome' },
          device: { family: 'Desktop' },
          trace: { trace_id: 'abc' },
        },
        tags: { region: 'eu-west-1', platform: 'custom', count: 3, skipped: null },
      },
      { mechanism: 'excepthook', handled: false },
    );
    expect(tags).toEqual({
      server_name: 'web-1',
      platform: 'custom',
      sdk: 'sentry.python',
      logger: 'app.payments',
      transaction: '/checkout',
      runtime: 'CPython 3.12.1',
      os: 'Debian 12.11',
      browser: 'Chrome',
      device: 'Desktop',
      trace_id: 'abc',
      mechanism: 'excepthook',
      handled: 'no',
      region: 'eu-west-1',
      count: '3',
    });
  });

  it('should accept tags as [key, value] pairs and ignore odd entries', () => {
    expect(tagsFromSentry({ tags: [['a', '1'], ['b'], [2, 'x'], 'c', ['__proto__', 'x']] })).toEqual({
      a: '1',
    });
    expect(tagsFromSentry({ tags: 'a=1' })).toBeUndefined();
  });

  it('should keep at most 100 tags', () => {
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, index) => [`t${index}`, 'v']));
    expect(Object.keys(tagsFromSentry({ tags: many }) ?? {})).toHaveLength(100);
  });
});
