import { z } from 'zod';
import { stripControl } from '../strip-control.js';
import { truncate } from '../truncate.js';
import { CATEGORIES, REMEDIATION_TYPES, SEVERITIES } from './taxonomy.js';

/** The lengths the schema allows, shared with `fitAnalysisLengths`. */
const MAX = { title: 200, text: 1000, rootCause: 2000, items: 10 } as const;

/**
 * The structured diagnosis every analyzer returns. LLM output is untrusted: it is
 * only ever used after `safeParseAnalysis` accepted it.
 */
export const analysisSchema = z.object({
  title: z
    .string()
    .min(1)
    .max(MAX.title)
    .describe('A short headline of the failure, e.g. "Connection pool exhausted"'),
  summary: z.string().min(1).max(MAX.text).describe('One or two sentences: what happened'),
  rootCause: z.string().min(1).max(MAX.rootCause).describe('The most likely cause, phrased as such'),
  category: z.enum(CATEGORIES).describe('The root cause category from the fixed taxonomy'),
  severity: z.enum(SEVERITIES),
  businessImpact: z.object({
    userImpact: z.string().max(MAX.text).describe('What users experience'),
    scope: z.string().max(MAX.text).describe('Who or what is affected'),
    revenueImpact: z.string().max(MAX.text).describe('Money at risk, or "none expected"'),
  }),
  remediation: z.array(z.string().max(MAX.text)).max(MAX.items).describe('Ordered steps to fix it now'),
  prevention: z.array(z.string().max(MAX.text)).max(MAX.items).describe('How to stop it recurring'),
  confidence: z.number().min(0).max(1),
  insufficientContext: z.boolean().describe('True when the captured lines do not show the cause'),
  evidence: z
    .array(z.string().max(MAX.text))
    .max(MAX.items)
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
  /**
   * When the LLM made this analysis (epoch ms); a copy reused for a later event keeps it, so the copy
   * expires when the analysis it copies does.
   */
  madeAt?: number;
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
  const parsed = analysisSchema.safeParse(withoutControl(input, 0));
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return { success: false, error: issues.join('; ') };
  }
  return { success: true, value: capUnsupportedConfidence(parsed.data) };
}

/** The analysis with its confidence capped at UNSUPPORTED_CONFIDENCE_CAP when it quotes no evidence. */
export function capUnsupportedConfidence(analysis: Analysis): Analysis {
  if (analysis.evidence.length > 0 || analysis.confidence <= UNSUPPORTED_CONFIDENCE_CAP) return analysis;
  return { ...analysis, confidence: UNSUPPORTED_CONFIDENCE_CAP };
}

/**
 * An analyzer's answer with its over-long texts cut to the schema's lengths and its over-long lists
 * to their first items, and the paths it cut. Told to quote lines verbatim, a model quotes long log
 * lines (normalization keeps up to 8,192 characters), and one such quote failed the whole answer:
 * asked again, the model quoted it again, and two paid calls ended in the offline analysis. Only the
 * lengths are changed: whatever else is wrong still fails `safeParseAnalysis`.
 */
export function fitAnalysisLengths(input: unknown): { value: unknown; cut: string[] } {
  const cut: string[] = [];
  if (!isRecord(input)) return { value: input, cut };
  const text = (value: unknown, max: number, path: string) => {
    if (typeof value !== 'string' || value.length <= max) return value;
    cut.push(path);
    return truncate(value, max);
  };
  const list = (value: unknown, path: string) => {
    if (!Array.isArray(value)) return value;
    if (value.length > MAX.items) cut.push(path);
    return value.slice(0, MAX.items).map((item, index) => text(item, MAX.text, `${path}.${index}`));
  };
  // Only the fields the answer has are touched: a missing one stays missing, for the schema to name.
  const fitted = (from: Record<string, unknown>, fields: Record<string, (value: unknown) => unknown>) => {
    const into = { ...from };
    for (const [key, cutField] of Object.entries(fields)) if (key in from) into[key] = cutField(from[key]);
    return into;
  };
  const value = fitted(input, {
    title: (title) => text(title, MAX.title, 'title'),
    summary: (summary) => text(summary, MAX.text, 'summary'),
    rootCause: (rootCause) => text(rootCause, MAX.rootCause, 'rootCause'),
    remediation: (steps) => list(steps, 'remediation'),
    prevention: (steps) => list(steps, 'prevention'),
    evidence: (lines) => list(lines, 'evidence'),
    businessImpact: (impact) =>
      isRecord(impact)
        ? fitted(impact, {
            userImpact: (part) => text(part, MAX.text, 'businessImpact.userImpact'),
            scope: (part) => text(part, MAX.text, 'businessImpact.scope'),
            revenueImpact: (part) => text(part, MAX.text, 'businessImpact.revenueImpact'),
          })
        : impact,
  });
  return { value, cut };
}

/**
 * Every text of an answer without control characters, before it is checked: an answer is printed to
 * terminals (the console email, `triage diagnose`), where an escape sequence from the model would act,
 * and stored, where PostgreSQL refused one with a NUL (the issue kept no analysis).
 */
function withoutControl(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return stripControl(value);
  // The schema is three levels deep: anything deeper fails it anyway.
  if (typeof value !== 'object' || value === null || depth > 3) return value;
  if (Array.isArray(value)) return value.map((item) => withoutControl(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) copy[key] = withoutControl(inner, depth + 1);
  return copy;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
