import type { AnalysisResult, TriageEvent } from '@triage/core';

/** The analyzer port: LLM providers and the offline rules answer the same question. */
export interface Analyzer {
  readonly name: string;
  analyze(event: TriageEvent, options?: { signal?: AbortSignal }): Promise<AnalysisResult>;
}
