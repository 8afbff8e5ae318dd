import {
  type Analysis,
  type AnalysisResult,
  analysisSchema,
  type ContextOptions,
  costOf,
  fitAnalysisLengths,
  renderMarkdown,
  safeParseAnalysis,
  type TriageEvent,
} from '@triage/core';
import { generateText, jsonSchema, type LanguageModel, NoObjectGeneratedError, Output, zodSchema } from 'ai';
import type { LlmConfig } from '../config/llm-config.js';
import { InvalidAnalysisError } from '../errors/invalid-analysis-error.js';
import type { Analyzer } from '../ports/analyzer.js';
import { createLanguageModel } from '../providers/create-language-model.js';
import { buildPrompt, DEFAULT_MAX_PROMPT_TOKENS } from './build-prompt.js';
import { loadTokenCounter } from './count-tokens.js';
import { extractJson } from './extract-json.js';

export interface LlmAnalyzerOptions {
  /** Read at each call, so a key set or removed later is honoured. */
  config: () => LlmConfig;
  promptVersion?: string;
  /** Budget of the whole prompt, in tokens (default 1,500). */
  maxPromptTokens?: number;
  context?: Omit<ContextOptions, 'maxTokens' | 'countTokens'>;
  /** Per attempt; the write-up's analyses take about 2 s. */
  timeoutMs?: number;
  /** Retries of a failed HTTP call (honouring Retry-After), on top of the first. */
  maxRetries?: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * The answer's tokens a call is booked at before it is made (the budgets count calls in flight at
 * this estimate, then at what they cost). The write-up's analyses take about 1,000 tokens in all, so
 * a full prompt and a 1,000-token answer err high.
 */
const ESTIMATED_ANSWER_TOKENS = 1_000;

/**
 * The analysis schema as the model is given it, converted once: given the zod schema, the AI SDK
 * converted it to JSON Schema at every call and parsed the answer with it, about 2 ms of the event
 * loop per analysis, and a storm of new errors starts and ends its analyses together. The answer is
 * validated here (fitAnalysisLengths, then safeParseAnalysis), which also cuts an over-long field the
 * SDK's parse refused.
 */
const analysisOutput = jsonSchema<unknown>(() => zodSchema(analysisSchema).jsonSchema, {
  validate: (value) => ({ success: true, value }),
});

/** Asks the configured LLM; output that fails validation is asked for once more, then the call fails. */
export function createLlmAnalyzer({
  config,
  promptVersion,
  maxPromptTokens = DEFAULT_MAX_PROMPT_TOKENS,
  context,
  timeoutMs = 20_000,
  maxRetries = 2,
  fetch,
}: LlmAnalyzerOptions): Analyzer {
  // The tokenizer's tables take about 140 ms of the event loop to load: loaded by the first analysis, they
  // held up every request in flight then, in a server or in the application itself (with 2 workers
  // draining, ingest's p99 at 1,000 req/s went from 87–97 to 61–66 ms once they loaded at start-up:
  // bench/README.md, "Ingest latency while the workers drain"). A failure is the first analysis's to report.
  loadTokenCounter().catch(() => {});
  // The provider's model, made again only when the settings change (making one builds its zod schemas).
  let made: { settings: LlmConfig; model: LanguageModel } | undefined;
  const modelFor = (settings: LlmConfig) => {
    if (made?.settings !== settings) made = { settings, model: createLanguageModel(settings, fetch) };
    return made.model;
  };
  return {
    name: 'llm',
    estimateCostUsd() {
      const { provider, model } = config();
      return costOf(provider, model, maxPromptTokens, ESTIMATED_ANSWER_TOKENS);
    },
    async analyze(event: TriageEvent, { signal } = {}): Promise<AnalysisResult> {
      const settings = config();
      const built = await buildPrompt(event, { promptVersion, maxPromptTokens, context });
      const model = modelFor(settings);
      const started = performance.now();
      let tokensIn = 0;
      let tokensOut = 0;
      const notes: string[] =
        built.omitted.length > 0 ? [`left out of the prompt: ${built.omitted.join('; ')}`] : [];

      const attempt = async (messages: Array<{ role: 'user' | 'assistant'; content: string }>) => {
        const abortSignal = signal
          ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
          : AbortSignal.timeout(timeoutMs);
        try {
          const result = await generateText({
            model,
            system: built.system,
            messages,
            output: Output.object({ schema: analysisOutput, name: 'analysis' }),
            temperature: 0,
            maxRetries,
            abortSignal,
          });
          tokensIn += result.usage.inputTokens ?? 0;
          tokensOut += result.usage.outputTokens ?? 0;
          return { text: result.text, value: result.output as unknown };
        } catch (error) {
          if (!NoObjectGeneratedError.isInstance(error)) throw error;
          tokensIn += error.usage?.inputTokens ?? 0;
          tokensOut += error.usage?.outputTokens ?? 0;
          return { text: error.text ?? '', value: extractJson(error.text ?? '') };
        }
      };

      const messages: Array<{ role: 'user' | 'assistant'; content: string }> = [
        { role: 'user', content: built.prompt },
      ];
      // Over-long texts are cut rather than refused (see fitAnalysisLengths), and the notes say so.
      const validate = (value: unknown) => {
        const fitted = fitAnalysisLengths(value);
        if (fitted.cut.length > 0) notes.push(`cut to the schema's lengths: ${fitted.cut.join(', ')}`);
        return safeParseAnalysis(fitted.value);
      };
      let answer = await attempt(messages);
      let parsed = validate(answer.value);
      if (!parsed.success) {
        notes.push(`first answer failed validation (${parsed.error}); asked once more`);
        messages.push(
          { role: 'assistant', content: answer.text.slice(0, 4_000) },
          {
            role: 'user',
            content: `That answer is not valid: ${parsed.error}. Reply with the corrected JSON object only.`,
          },
        );
        answer = await attempt(messages);
        parsed = validate(answer.value);
      }
      if (!parsed.success) {
        throw new InvalidAnalysisError(
          `the model's answer failed validation twice: ${parsed.error}`,
          answer.text,
          costOf(settings.provider, settings.model, tokensIn, tokensOut),
        );
      }
      const analysis: Analysis = parsed.value;
      const meta = {
        analyzer: 'llm' as const,
        provider: settings.provider,
        model: settings.model,
        promptVersion: built.version,
        tokensIn,
        tokensOut,
        costUsd: costOf(settings.provider, settings.model, tokensIn, tokensOut),
        latencyMs: Math.round(performance.now() - started),
        notes,
      };
      return { analysis, meta, markdown: renderMarkdown(analysis, meta) };
    },
  };
}
