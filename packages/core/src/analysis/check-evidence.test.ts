import { describe, expect, it } from 'vitest';
import { type Analysis, UNSUPPORTED_CONFIDENCE_CAP } from './analysis-schema.js';
import { checkEvidence, evidenceNote } from './check-evidence.js';

const analysis = (evidence: string[], confidence = 0.9): Analysis => ({
  title: 'Connection pool exhausted',
  summary: 'All 10 connections were busy.',
  rootCause: 'The pool is too small for the load.',
  category: 'resource_exhausted',
  severity: 'high',
  businessImpact: { userImpact: 'HTTP 500', scope: 'all users', revenueImpact: 'lost checkouts' },
  remediation: ['Raise the pool size'],
  prevention: ['Alert on saturation'],
  confidence,
  insufficientContext: false,
  evidence,
  remediationType: 'config_change',
});

// What the prompt held: redacted, as the model saw it.
const data = [
  'SERVICE: checkout',
  '',
  'ERROR:',
  'PoolError: pool exhausted',
  '    at acquire (src/db/pool.ts:41:11)',
  '',
  'LOG:',
  '[ERROR] Database connection timeout when fetching user_id=999 for [email]',
  '[ERROR] Connection pool exhausted    (10/10 connections active)',
].join('\n');

describe('checkEvidence', () => {
  it('should keep quotes found in the data: whole lines, parts of lines, lines together, whitespace aside', () => {
    const evidence = [
      '[ERROR] Connection pool exhausted    (10/10 connections active)',
      'Connection pool exhausted (10/10 connections active)',
      'PoolError: pool exhausted\n  at acquire (src/db/pool.ts:41:11)',
      ' user_id=999 for [email] ',
      'Connection pool exhausted (10/10 connections active…',
    ];
    const checked = checkEvidence(analysis(evidence), data);
    expect(checked).toMatchObject({ dropped: 0, capped: false });
    expect(checked.analysis.evidence).toEqual(evidence);
    expect(evidenceNote(checked)).toBeUndefined();
  });

  it('should drop a quote the data does not hold, keeping confidence while a quote is left', () => {
    const checked = checkEvidence(
      analysis([
        'FATAL: password authentication failed for user "app"',
        'Connection pool exhausted (10/10 connections active)',
      ]),
      data,
    );
    expect(checked.analysis.evidence).toEqual(['Connection pool exhausted (10/10 connections active)']);
    expect(checked.analysis.confidence).toBe(0.9);
    expect(checked).toMatchObject({ dropped: 1, capped: false });
    expect(evidenceNote(checked)).toBe(
      'dropped 1 of 2 evidence quotes: not found in the data the model was given',
    );
  });

  it('should cap confidence, as with no evidence quoted, when no quote is left', () => {
    const checked = checkEvidence(
      analysis(['FATAL: password authentication failed for user "app"', '   ', 'PoolError: pool drained']),
      data,
    );
    expect(checked.analysis.evidence).toEqual([]);
    expect(checked.analysis.confidence).toBe(UNSUPPORTED_CONFIDENCE_CAP);
    expect(checked).toMatchObject({ dropped: 3, capped: true });
    expect(evidenceNote(checked)).toBe(
      `dropped 3 of 3 evidence quotes: not found in the data the model was given; none left, so confidence capped at ${UNSUPPORTED_CONFIDENCE_CAP}`,
    );
  });

  it('should drop a quote of what redaction took out: the model was given the redacted form', () => {
    const checked = checkEvidence(
      analysis(['Database connection timeout when fetching user_id=999 for jane@example.com'], 0.4),
      data,
    );
    expect(checked.analysis.evidence).toEqual([]);
    // Already under the cap: left as it was.
    expect(checked.analysis.confidence).toBe(0.4);
    expect(checked).toMatchObject({ dropped: 1, capped: false });
  });
});
