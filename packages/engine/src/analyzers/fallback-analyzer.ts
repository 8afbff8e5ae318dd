import {
  type AnalysisResult,
  analyzeOffline,
  fingerprintEvent,
  projectFingerprint,
  renderMarkdown,
  type TriageEvent,
} from '@triage/core';
import { InvalidAnalysisError } from '../errors/invalid-analysis-error.js';
import type { Analyzer } from '../ports/analyzer.js';
import type { AnalysisCache } from './analysis-cache.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { LlmCallError } from './llm-call-error.js';
import { CURRENT_PROMPT_VERSION } from './load-prompt.js';
import { errorText } from './scrub-secrets.js';
import type { SpendLedger } from './spend-ledger.js';

export interface FallbackAnalyzerOptions {
  /** Returns the LLM analyzer to use now, or `undefined` when none is configured. */
  llm: () => Analyzer | undefined;
  /** Told about every LLM failure that fell back (it is counted and logged there). */
  onFailure?: (error: unknown) => void;
  /** Daily budgets; over budget, the offline rules answer. */
  ledger?: SpendLedger;
  breaker?: CircuitBreaker;
  /** Reuses one LLM analysis per fingerprint and prompt version. */
  cache?: AnalysisCache;
  /** Part of the cache key, so a new prompt version analyses afresh. */
  promptVersion?: string;
}

/**
 * LLM when one is configured and allowed (circuit closed, within budget), the
 * offline rules otherwise, and the offline rules with a note when the LLM call
 * fails: an analysis is never silence, and the note always says why.
 */
export function createFallbackAnalyzer({
  llm,
  onFailure = () => {},
  ledger,
  breaker,
  cache,
  promptVersion = CURRENT_PROMPT_VERSION,
}: FallbackAnalyzerOptions): Analyzer {
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
      const llmAnalyzer = analyzer;
      const call = async () => {
        // An open circuit refuses before anything is booked; the trial call after its cooldown is taken
        // only once the call is booked, since a trial the budget then refused would never be made.
        const blocked = breaker?.blocked();
        if (blocked) throw new Refused(blocked);
        const estimate = llmAnalyzer.estimateCostUsd?.();
        const booked = await ledger?.reserve(event, estimate);
        if (booked && 'refused' in booked) throw new Refused(booked.refused);
        const reservation = booked?.reservation;
        const open = breaker?.check();
        if (open) {
          await reservation?.release();
          throw new Refused(open);
        }
        try {
          const result = await llmAnalyzer.analyze(event, options);
          breaker?.success();
          await reservation?.settle(result.meta.costUsd);
          result.meta.madeAt = cache?.now() ?? Date.now();
          return result;
        } catch (error) {
          breaker?.failure();
          // At what the answers before the failure cost (a paid answer that failed validation, an empty
          // one), or at the estimate when that is not known (a call cut off at its deadline).
          await reservation?.settle(costOfFailure(error) ?? estimate);
          throw error;
        }
      };
      try {
        if (!cache) return await call();
        const earlier = options?.earlier;
        const { result, cached } = await cache.get(
          // Within the event's project, as its issue is: another project's analysis quotes its events.
          `${projectFingerprint(fingerprintEvent(event).fingerprint, event.tags?.['triage.project'])}:${promptVersion}`,
          call,
          {
            fresh: options?.fresh,
            // Only an LLM analysis of this prompt version is what the cache would have kept: an offline
            // one (no LLM then, or it failed) is asked again of the LLM.
            earlier:
              earlier?.meta.analyzer === 'llm' &&
              earlier.meta.promptVersion === promptVersion &&
              earlier.meta.madeAt
                ? { result: earlier, at: earlier.meta.madeAt }
                : undefined,
          },
        );
        return cached ? reused(result) : result;
      } catch (error) {
        if (error instanceof Refused)
          return offlineWithNote(event, `${error.message}: offline rules answered`);
        onFailure(error);
        return offlineWithNote(event, `LLM analysis failed (${message(error)}): offline rules answered`);
      }
    },
  };
}

class Refused extends Error {}

function costOfFailure(error: unknown): number | undefined {
  if (InvalidAnalysisError.isInstance(error) || LlmCallError.isInstance(error)) return error.costUsd;
  return undefined;
}

const REUSED_NOTE = 'reused the LLM analysis of an earlier event with the same fingerprint';

/**
 * True when the analysis was not made for this event but reused (from the cache, or the one its issue
 * holds): it saw none of the event's own lines.
 */
export function isReusedAnalysis(result: AnalysisResult): boolean {
  return result.meta.notes.includes(REUSED_NOTE);
}

function reused(result: AnalysisResult): AnalysisResult {
  const meta = {
    ...result.meta,
    costUsd: 0,
    // A copy of a copy (reused from the store) says so once.
    notes: result.meta.notes.includes(REUSED_NOTE) ? result.meta.notes : [...result.meta.notes, REUSED_NOTE],
  };
  return { analysis: result.analysis, meta, markdown: renderMarkdown(result.analysis, meta) };
}

function offlineWithNote(event: TriageEvent, note: string): AnalysisResult {
  const result = analyzeOffline(event);
  result.meta.notes.unshift(note);
  result.markdown = renderMarkdown(result.analysis, result.meta);
  return result;
}

/** An error's message as a note: redacted (the LLM analyzer took out its own key already), and short. */
function message(error: unknown): string {
  const text = errorText(error);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
