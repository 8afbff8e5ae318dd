import { analysisSchema } from '@triage/core';
import type * as Ai from 'ai';
import type { createLanguageModel } from '../providers/create-language-model.js';
import { withoutStringLengths } from './model-schema.js';

/** What an LLM call needs of the AI SDK and its providers. */
export interface AiRuntime {
  ai: typeof Ai;
  createLanguageModel: typeof createLanguageModel;
  /**
   * The analysis schema as the model is given it, converted once: given the zod schema, the AI SDK
   * converted it to JSON Schema at every call and parsed the answer with it, about 2 ms of the event
   * loop per analysis, and a storm of new errors starts and ends its analyses together. The answer is
   * validated by the analyzer (fitAnalysisLengths, then safeParseAnalysis), which also cuts an
   * over-long field the SDK's parse refused.
   */
  analysisOutput: Ai.Schema<unknown>;
}

let loading: Promise<AiRuntime> | undefined;

/**
 * The AI SDK and its providers, loaded when an LLM analyzer is made: an engine without an LLM (most
 * often the SDK's, in process) never evaluates their modules, which paused the event loop of an
 * application's first error (bench/first-error.mjs). A failed load is tried again by the next call.
 */
export function loadAiRuntime(): Promise<AiRuntime> {
  loading ??= Promise.all([import('ai'), import('../providers/create-language-model.js')]).then(
    ([ai, providers]) => ({
      ai,
      createLanguageModel: providers.createLanguageModel,
      analysisOutput: ai.jsonSchema<unknown>(
        () => withoutStringLengths(ai.zodSchema(analysisSchema).jsonSchema),
        { validate: (value) => ({ success: true, value }) },
      ),
    }),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}
