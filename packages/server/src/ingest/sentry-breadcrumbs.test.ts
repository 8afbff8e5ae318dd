import { describe, expect, it } from 'vitest';
import { logFromBreadcrumbs } from './sentry-breadcrumbs.js';

describe('logFromBreadcrumbs', () => {
  it('should turn breadcrumbs into "[category] message" lines, in order', () => {
    const log = logFromBreadcrumbs({
      values: [
        { timestamp: 1700000000.5, category: 'db', message: 'SELECT 1', level: 'info' },
        {
          timestamp: '2023-11-14T22:13:21Z',
          category: 'console',
          message: 'cart is empty',
          level: 'warning',
        },
        { message: 'no category', level: 'fatal' },
      ],
    });
    // Marked as breadcrumbs: their errors are context, not the event's own (errorLinesOf).
    expect(log).toEqual([
      { level: 'info', message: '[db] SELECT 1', time: 1700000000500, breadcrumb: true },
      { level: 'warn', message: '[console] cart is empty', time: 1700000001000, breadcrumb: true },
      { level: 'error', message: 'no category', breadcrumb: true },
    ]);
  });

  it('should accept a bare array and describe breadcrumbs without a message from their data', () => {
    const log = logFromBreadcrumbs([
      {
        type: 'http',
        category: 'http',
        level: 'error',
        data: { 'http.request.method': 'POST', url: 'http://api/pay', status_code: 502 },
      },
      { category: 'fetch', data: { method: 'GET', url: 'https://cdn/x.js' } },
      { category: 'navigation', data: { from: '/cart', to: '/checkout' } },
      { category: 'ui.click', data: { target: 'button#pay' } },
      { category: 'custom' },
    ]);
    expect(log.map((entry) => [entry.level, entry.message])).toEqual([
      ['error', '[http] POST http://api/pay → 502'],
      ['info', '[fetch] GET https://cdn/x.js'],
      ['info', '[navigation] /cart → /checkout'],
      ['info', '[ui.click] {"target":"button#pay"}'],
      ['info', '[custom]'],
    ]);
  });

  it('should keep the 100 most recent breadcrumbs', () => {
    const log = logFromBreadcrumbs(Array.from({ length: 250 }, (_, index) => ({ message: `step ${index}` })));
    expect(log).toHaveLength(100);
    expect(log[0]?.message).toBe('step 150');
    expect(log[99]?.message).toBe('step 249');
  });

  it('should skip breadcrumbs with nothing to say and odd shapes', () => {
    expect(logFromBreadcrumbs([null, 1, 'x', {}, { level: 'info' }, { data: {} }])).toEqual([]);
    expect(logFromBreadcrumbs('nope')).toEqual([]);
    expect(logFromBreadcrumbs({ values: 'nope' })).toEqual([]);
  });

  it('should cut very long messages', () => {
    const [entry] = logFromBreadcrumbs([{ category: 'console', message: 'x'.repeat(10_000) }]);
    expect(entry!.message.length).toBeLessThanOrEqual(1_100);
  });
});
