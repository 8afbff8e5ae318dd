import { z } from 'zod';
import { CATEGORIES, REMEDIATION_TYPES, SEVERITIES } from './taxonomy.js';

/**
 * The structured diagnosis every analyzer returns. LLM output is untrusted: it is
 * only ever used after `safeParseAnalysis` accepted it.
 */
export const analysisSchema = z.object({
  title: z
    .string()
    .min(1)
    .max(200)
    .describe('A short headline of the failure, e.g. "Connection pool exhausted"'),
  summary: z.string().min(1).max(1000).describe('One or two sentences: what happened'),
  rootCause: z.string().min(1).max(2000).describe('The most likely cause, phrased as such'),
  category: z.enum(CATEGORIES).describe('The root cause category from the fixed taxonomy'),
  severity: z.enum(SEVERITIES),
  businessImpact: z.object({
    userImpact: z.string().max(1000).describe('What users experience'),
    scope: z.string().max(1000).describe('Who or what is affected'),
    revenueImpact: z.string().max(1000).describe('Money at risk, or "none expected"'),
  }),
  remediation: z.array(z.string().max(1000)).max(10).describe('Ordered steps to fix it now'),
  prevention: z.array(z.string().max(1000)).max(10).describe('How to stop it recurring'),
  confidence: z.number().min(0).max(1),
  insufficientContext: z.boolean().describe('True when the captured lines do not show the cause'),
  evidence: z
    .array(z.string().max(1000))
    .max(10)
    .describe('Captured lines that support the cause, quoted verbatim'),
  remediationType: z.enum(REMEDIATION_TYPES),
});

export type Analysis = z.infer<typeof analysisSchema>;

/** Who made an analysis, at what cost: stored beside it. */
export interface AnalysisMeta {
  analyzer: 'llm' | 'offline';
  provider?: string;
  model?: string;
  promptVersion?: string;
  /** Offline rule ids that matched. */
  rules?: string[];
  tokensIn?: number;
  tokensOut?: number;
  costUsd?: number;
  latencyMs?: number;
  /** Why the analysis is what it is: fallbacks, caps, what could not be used. */
  notes: string[];
}

export interface AnalysisResult {
  analysis: Analysis;
  meta: AnalysisMeta;
  markdown: string;
}

export type SafeParseResult = { success: true; value: Analysis } | { success: false; error: string };

/** Confidence allowed when an analysis quotes no evidence at all. */
export const UNSUPPORTED_CONFIDENCE_CAP = 0.5;

/**
 * Validates untrusted analyzer output. Never throws. Evidence is what makes a
 * diagnosis checkable, so confidence without any is capped.
 */
export function safeParseAnalysis(input: unknown): SafeParseResult {
  const parsed = analysisSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return { success: false, error: issues.join('; ') };
  }
  const value = parsed.data;
  if (value.evidence.length === 0 && value.confidence > UNSUPPORTED_CONFIDENCE_CAP) {
    value.confidence = UNSUPPORTED_CONFIDENCE_CAP;
  }
  return { success: true, value };
}
