import { type AnalysisResult, analyzeOffline, renderMarkdown, type TriageEvent } from '@triage/core';
import type { Analyzer } from '../ports/analyzer.js';

export interface FallbackAnalyzerOptions {
  /** Returns the LLM analyzer to use now, or `undefined` when none is configured. */
  llm: () => Analyzer | undefined;
  /** Told about every LLM failure that fell back (it is counted and logged there). */
  onFailure?: (error: unknown) => void;
}

/**
 * LLM when one is configured, the offline rules otherwise, and the offline
 * rules with a note when the LLM call fails: an analysis is never silence.
 */
export function createFallbackAnalyzer({ llm, onFailure = () => {} }: FallbackAnalyzerOptions): Analyzer {
  return {
    name: 'fallback',
    async analyze(event: TriageEvent, options): Promise<AnalysisResult> {
      let analyzer: Analyzer | undefined;
      try {
        analyzer = llm();
      } catch (error) {
        onFailure(error);
        return offlineWithNote(event, `LLM not usable (${message(error)}): offline rules answered`);
      }
      if (!analyzer) return offlineWithNote(event, 'no LLM configured: offline rules answered');
      try {
        return await analyzer.analyze(event, options);
      } catch (error) {
        onFailure(error);
        return offlineWithNote(event, `LLM analysis failed (${message(error)}): offline rules answered`);
      }
    },
  };
}

function offlineWithNote(event: TriageEvent, note: string): AnalysisResult {
  const result = analyzeOffline(event);
  result.meta.notes.unshift(note);
  result.markdown = renderMarkdown(result.analysis, result.meta);
  return result;
}

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
