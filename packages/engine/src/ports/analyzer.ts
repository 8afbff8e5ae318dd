import type { AnalysisResult, TriageEvent } from '@triage/core';

/** The analyzer port: LLM providers and the offline rules answer the same question. */
export interface AnalyzeOptions {
  signal?: AbortSignal;
  /** Make a new analysis: reuse no earlier one (a re-analysis someone asked for). */
  fresh?: boolean;
}

export interface Analyzer {
  readonly name: string;
  analyze(event: TriageEvent, options?: AnalyzeOptions): Promise<AnalysisResult>;
}
