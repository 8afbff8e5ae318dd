import { describe, expect, it } from 'vitest';
import { safeParseAnalysis } from '../analysis/analysis-schema.js';
import type { TriageEvent } from '../types.js';
import { analyzeOffline } from './analyze-offline.js';

const long = (prefix: string) => `${prefix} ${'x'.repeat(900_000)}`;

describe('analyzeOffline', () => {
  it('should quote the lines that matched a known signature', () => {
    const event: TriageEvent = {
      log: [
        { level: 'info', message: 'GET /orders' },
        { level: 'error', message: 'Error: connect ECONNREFUSED 127.0.0.1:5432' },
      ],
    } as TriageEvent;
    const { analysis, meta } = analyzeOffline(event);
    expect(meta.rules).toHaveLength(1);
    expect(analysis.evidence).toEqual(['Error: connect ECONNREFUSED 127.0.0.1:5432']);
    expect(safeParseAnalysis(analysis).success).toBe(true);
  });

  // A Sentry event's breadcrumbs hold whatever failed before it: its own lines name the cause first.
  it("should take the event's own lines over its breadcrumbs, and the breadcrumbs when nothing else matches", () => {
    const crumb = {
      level: 'error',
      message: '[console] connect ECONNREFUSED 10.0.0.5:5432',
      breadcrumb: true,
    };
    // A KeyError's rule is less sure than a refused connection's: it won only by being the event's own.
    const own = { error: { type: 'KeyError', message: "'sku-9'" }, log: [crumb] } as TriageEvent;
    expect(analyzeOffline(own)).toMatchObject({
      analysis: { category: 'code_defect' },
      meta: { rules: ['python-key-error'] },
    });
    const unknown = {
      error: { type: 'Error', message: 'card declined for order 42' },
      log: [crumb],
    } as TriageEvent;
    const fallback = analyzeOffline(unknown).analysis;
    expect(fallback.category).toBe('connection_refused');
    expect(fallback.evidence).toEqual([crumb.message]);
  });

  // The offline analysis is stored, rendered and alerted like an LLM's, and must fit the same schema:
  // a long line was quoted at full length (8,192 characters after normalization; whole before it) in
  // the evidence, the summary and every alert.
  it.each([
    ['matched a signature', long('Error: connect ECONNREFUSED 127.0.0.1:5432')],
    ['matched nothing', long('something odd happened')],
  ])('should cut what it quotes from the event to the schema when it %s', (_case, line) => {
    const event = {
      log: [{ level: 'error', message: line }],
      error: { type: 'Error', message: line },
      source: { function: `handler${'y'.repeat(500)}` },
      request: { method: 'GET', url: `/orders?q=${'z'.repeat(5000)}` },
      service: 'checkout',
    } as TriageEvent;
    const { analysis, markdown } = analyzeOffline(event);
    const parsed = safeParseAnalysis(analysis);
    expect(parsed.success ? 'valid' : parsed.error).toBe('valid');
    expect(analysis.evidence.length).toBeGreaterThan(0);
    for (const quoted of analysis.evidence) {
      expect(quoted).toHaveLength(1000);
      expect(quoted.endsWith('…')).toBe(true);
    }
    expect(markdown.length).toBeLessThan(20_000);
  });
});
