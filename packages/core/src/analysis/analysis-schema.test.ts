import { describe, expect, it } from 'vitest';
import { fitAnalysisLengths, safeParseAnalysis, UNSUPPORTED_CONFIDENCE_CAP } from './analysis-schema.js';
import { renderMarkdown } from './render-markdown.js';

const valid = {
  title: 'Connection pool exhausted',
  summary: 'All 10 connections were busy.',
  rootCause: 'The pool is too small for the load.',
  category: 'resource_exhausted',
  severity: 'high',
  businessImpact: { userImpact: 'HTTP 500', scope: 'all users', revenueImpact: 'lost checkouts' },
  remediation: ['Raise the pool size', 'Fix leaks'],
  prevention: ['Alert on saturation'],
  confidence: 0.9,
  insufficientContext: false,
  evidence: ['ERROR: Connection pool exhausted (10/10 connections active)'],
  remediationType: 'config_change',
};

describe('safeParseAnalysis', () => {
  it('should accept a valid analysis', () => {
    const result = safeParseAnalysis(valid);
    expect(result.success && result.value.confidence).toBe(0.9);
  });

  it('should refuse a category outside the taxonomy, saying where', () => {
    const result = safeParseAnalysis({ ...valid, category: 'cosmic_rays' });
    expect(result.success).toBe(false);
    expect(!result.success && result.error).toMatch(/^category: /);
  });

  it('should refuse prose and missing fields without throwing', () => {
    expect(safeParseAnalysis('The database is down.').success).toBe(false);
    expect(safeParseAnalysis({ title: 'x' }).success).toBe(false);
  });

  it('should cap confidence when no evidence is quoted', () => {
    const result = safeParseAnalysis({ ...valid, evidence: [] });
    expect(result.success && result.value.confidence).toBe(UNSUPPORTED_CONFIDENCE_CAP);
  });
});

describe('fitAnalysisLengths', () => {
  it('should cut over-long texts and lists to the schema, say which, and then pass validation', () => {
    const long = `ERROR: ${'x'.repeat(3_000)}`;
    const { value, cut } = fitAnalysisLengths({
      ...valid,
      title: 't'.repeat(300),
      evidence: [long, 'short'],
      prevention: Array.from({ length: 12 }, (_, index) => `step ${index}`),
      businessImpact: { ...valid.businessImpact, scope: 's'.repeat(1_001) },
    });
    expect(cut).toEqual(['title', 'prevention', 'evidence.0', 'businessImpact.scope']);
    const parsed = safeParseAnalysis(value);
    expect(parsed.success).toBe(true);
    if (!parsed.success) return;
    expect(parsed.value.title).toHaveLength(200);
    expect(parsed.value.evidence[0]).toBe(`${long.slice(0, 999)}…`);
    expect(parsed.value.evidence[1]).toBe('short');
    expect(parsed.value.prevention).toEqual(Array.from({ length: 10 }, (_, index) => `step ${index}`));
  });

  it('should change nothing else: a valid answer stays as it is, a wrong one still fails', () => {
    expect(fitAnalysisLengths(valid)).toEqual({ value: valid, cut: [] });
    expect(fitAnalysisLengths('prose')).toEqual({ value: 'prose', cut: [] });
    const missing = fitAnalysisLengths({ title: 'x' });
    expect(missing).toEqual({ value: { title: 'x' }, cut: [] });
    const wrongType = fitAnalysisLengths({ ...valid, evidence: 'one line', title: 42 });
    expect(safeParseAnalysis(wrongType.value).success).toBe(false);
  });
});

describe('renderMarkdown', () => {
  it("should render the write-up's four sections and the byline", () => {
    const parsed = safeParseAnalysis(valid);
    if (!parsed.success) throw new Error(parsed.error);
    const markdown = renderMarkdown(parsed.value, {
      analyzer: 'offline',
      rules: ['pool-exhausted'],
      notes: [],
    });
    for (const heading of ['## Root Cause', '## Business Impact', '## Remediation Steps', '## Prevention']) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).toContain('- **Severity:** High');
    expect(markdown).toContain('1. Raise the pool size\n2. Fix leaks');
    expect(markdown).toContain("Analyzed by Triage's offline rules (rules: pool-exhausted), not by an LLM.");
  });
});
