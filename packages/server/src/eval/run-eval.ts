import { type Analysis, createRedactor, normalizeEvent } from '@triage/core';
import { type Analyzer, buildPrompt } from '@triage/engine';
import type { EvalCase } from './eval-case.js';

export interface CaseResult {
  id: string;
  expected: string;
  got: string;
  correct: boolean;
  factsFound: number;
  factsExpected: number;
  promptTokens: number;
  tokensIn?: number;
  tokensOut?: number;
  costUsd?: number;
  latencyMs: number;
  /** The analyzer that actually answered (an LLM run may fall back to the rules). */
  analyzer: string;
  error?: string;
}

export interface EvalReport {
  name: string;
  cases: CaseResult[];
  accuracy: number;
  factRecall: number;
  promptTokens: { median: number; p95: number };
  latencyMs: { median: number; p95: number };
  costUsd: number;
}

/**
 * Runs every case through one analyzer the way production does (normalize,
 * redact, then analyze) and scores the category and the facts found in the
 * diagnosis text.
 */
export async function runEval(name: string, cases: EvalCase[], analyzer: Analyzer): Promise<EvalReport> {
  const redactor = createRedactor();
  const results: CaseResult[] = [];
  for (const testCase of cases) {
    const event = redactor.event(normalizeEvent(testCase.input));
    const { tokens } = await buildPrompt(event);
    const started = performance.now();
    try {
      const { analysis, meta } = await analyzer.analyze(event);
      const found = testCase.expected.facts.filter((fact) =>
        diagnosisText(analysis).includes(fact.toLowerCase()),
      );
      results.push({
        id: testCase.id,
        expected: testCase.expected.category,
        got: analysis.category,
        correct: analysis.category === testCase.expected.category,
        factsFound: found.length,
        factsExpected: testCase.expected.facts.length,
        promptTokens: tokens,
        tokensIn: meta.tokensIn,
        tokensOut: meta.tokensOut,
        costUsd: meta.costUsd,
        latencyMs: meta.latencyMs ?? performance.now() - started,
        analyzer: meta.analyzer,
      });
    } catch (error) {
      results.push({
        id: testCase.id,
        expected: testCase.expected.category,
        got: 'error',
        correct: false,
        factsFound: 0,
        factsExpected: testCase.expected.facts.length,
        promptTokens: tokens,
        latencyMs: performance.now() - started,
        analyzer: 'none',
        error: (error as Error).message,
      });
    }
  }
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return {
    name,
    cases: results,
    accuracy: results.filter((result) => result.correct).length / Math.max(1, results.length),
    factRecall: sum(results.map((r) => r.factsFound)) / Math.max(1, sum(results.map((r) => r.factsExpected))),
    promptTokens: quantiles(results.map((result) => result.promptTokens)),
    latencyMs: quantiles(results.map((result) => result.latencyMs)),
    costUsd: sum(results.map((result) => result.costUsd ?? 0)),
  };
}

function diagnosisText(analysis: Analysis): string {
  return [
    analysis.title,
    analysis.summary,
    analysis.rootCause,
    ...analysis.remediation,
    ...analysis.prevention,
    ...analysis.evidence,
  ]
    .join('\n')
    .toLowerCase();
}

function quantiles(values: number[]): { median: number; p95: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { median: at(0.5), p95: at(0.95) };
}

/** The report as a markdown table, then the misses. */
export function formatReports(reports: EvalReport[], caseCount: number): string {
  const rows = reports.map((report) => {
    const n = report.cases.length;
    const correct = report.cases.filter((result) => result.correct).length;
    const cost =
      report.costUsd > 0 ? `$${report.costUsd.toFixed(5)} ($${(report.costUsd / n).toFixed(6)}/case)` : '$0';
    return `| ${report.name} | ${correct}/${n} (${pct(report.accuracy)}) | ${pct(report.factRecall)} | ${report.promptTokens.median} / ${report.promptTokens.p95} | ${cost} | ${report.latencyMs.median.toFixed(2)} / ${report.latencyMs.p95.toFixed(2)} |`;
  });
  const lines = [
    `${caseCount} cases`,
    '',
    '| analyzer | category accuracy | facts found | prompt tokens (median / p95) | cost | latency ms (median / p95) |',
    '|---|---|---|---|---|---|',
    ...rows,
  ];
  for (const report of reports) {
    const misses = report.cases.filter((result) => !result.correct);
    if (misses.length === 0) continue;
    lines.push('', `Misses of ${report.name}:`);
    for (const miss of misses)
      lines.push(
        `- ${miss.id}: expected ${miss.expected}, got ${miss.got}${miss.error ? ` (${miss.error})` : ''}`,
      );
  }
  return lines.join('\n');
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
