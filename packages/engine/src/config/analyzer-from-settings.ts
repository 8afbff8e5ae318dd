import { UNPRICED_MODEL_PRICE } from '@triage/core';
import { AnalysisCache } from '../analyzers/analysis-cache.js';
import { CircuitBreaker } from '../analyzers/circuit-breaker.js';
import { createDryRunAnalyzer } from '../analyzers/dry-run-analyzer.js';
import { createFallbackAnalyzer } from '../analyzers/fallback-analyzer.js';
import { createLlmAnalyzer } from '../analyzers/llm-analyzer.js';
import { CURRENT_PROMPT_VERSION } from '../analyzers/load-prompt.js';
import { SpendLedger } from '../analyzers/spend-ledger.js';
import type { Analyzer } from '../ports/analyzer.js';
import type { EngineSettings } from './engine-settings.js';
import { readLlmConfig } from './llm-config.js';

export interface AnalyzerFromSettingsOptions {
  env: Record<string, string | undefined>;
  settings: EngineSettings;
  /** Ignore any configured LLM. */
  offline?: boolean;
  ledger?: SpendLedger;
  onFailure?: (error: unknown) => void;
  /** Where a dry run prints its prompt. */
  dryRunOutput?: (text: string) => void;
  fetch?: typeof globalThis.fetch;
}

/**
 * The diagnosis chain as configured: dry run, or the LLM (read at each call,
 * within budget, behind a circuit breaker and a cache) falling back to the
 * offline rules. Shared by the engine and the CLI.
 */
export function analyzerFromSettings({
  env,
  settings,
  offline = false,
  ledger = new SpendLedger({
    dailyUsd: settings.dailyBudgetUsd,
    handlerDailyUsd: settings.handlerDailyBudgetUsd,
  }),
  onFailure,
  dryRunOutput,
  fetch,
}: AnalyzerFromSettingsOptions): Analyzer {
  const promptOptions = { maxPromptTokens: settings.maxPromptTokens };
  const budgeted = settings.dailyBudgetUsd != null || settings.handlerDailyBudgetUsd != null;
  if (settings.dryRun) return createDryRunAnalyzer({ ...promptOptions, write: dryRunOutput });
  // The configuration is read at each analysis (a key set or removed later is honoured); the analyzer
  // of an unchanged one is kept, with the provider's model it made.
  let current: { key: string; analyzer: Analyzer } | undefined;
  return createFallbackAnalyzer({
    llm: () => {
      const config = offline ? undefined : readLlmConfig(env, settings.llm);
      if (!config) return undefined;
      const key = JSON.stringify(config);
      if (current?.key !== key) {
        current = {
          key,
          analyzer: createLlmAnalyzer({
            config: () => config,
            fetch,
            timeoutMs: settings.llmTimeoutMs,
            maxOutputTokens: settings.maxOutputTokens,
            // A budget must hold a model the price table does not know: booked at a dear price, not $0.
            unpricedModelPrice: budgeted ? UNPRICED_MODEL_PRICE : undefined,
            ...promptOptions,
          }),
        };
      }
      return current.analyzer;
    },
    ledger,
    breaker: new CircuitBreaker(),
    cache: new AnalysisCache(settings.cacheTtlMs),
    promptVersion: CURRENT_PROMPT_VERSION,
    onFailure,
  });
}
