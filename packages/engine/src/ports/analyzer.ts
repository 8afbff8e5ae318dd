import type { AnalysisResult, TriageEvent } from '@triage/core';

/** The analyzer port: LLM providers and the offline rules answer the same question. */
export interface AnalyzeOptions {
  signal?: AbortSignal;
  /** Make a new analysis: reuse no earlier one (a re-analysis someone asked for). */
  fresh?: boolean;
  /**
   * The analysis the issue holds, whichever process made it (processes sharing a store): an LLM
   * analysis that a cache would still answer with is reused as the cache's own would be.
   */
  earlier?: AnalysisResult;
}

export interface Analyzer {
  readonly name: string;
  analyze(event: TriageEvent, options?: AnalyzeOptions): Promise<AnalysisResult>;
  /** What a call is expected to cost, in USD, erring high: booked against the budgets while it runs. */
  estimateCostUsd?(): number | undefined;
}
