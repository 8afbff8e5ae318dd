import {
  type Analysis,
  type AnalysisResult,
  type ContextOptions,
  checkEvidence,
  costOf,
  evidenceNote,
  fitAnalysisLengths,
  type ModelPrice,
  renderMarkdown,
  safeParseAnalysis,
  stripControl,
  type TriageEvent,
} from '@triage/core';
import type { FinishReason, LanguageModel, LanguageModelUsage } from 'ai';
import { type LlmConfig, maxOutputTokensFor, reasoningOf } from '../config/llm-config.js';
import { InvalidAnalysisError } from '../errors/invalid-analysis-error.js';
import type { AnalyzeOptions, Analyzer } from '../ports/analyzer.js';
import { type AiRuntime, loadAiRuntime } from './ai-runtime.js';
import { buildPrompt, DEFAULT_MAX_PROMPT_TOKENS } from './build-prompt.js';
import { loadTokenCounter } from './count-tokens.js';
import { extractJson } from './extract-json.js';
import { LlmCallError } from './llm-call-error.js';
import { errorText, scrubSecrets, secretsOf } from './scrub-secrets.js';

export interface LlmAnalyzerOptions {
  /** Read at each call, so a key set or removed later is honoured. */
  config: () => LlmConfig;
  promptVersion?: string;
  /** Budget of the whole prompt, in tokens (default 1,500). */
  maxPromptTokens?: number;
  /**
   * The most tokens an answer may take, its reasoning included (TRIAGE_LLM_MAX_OUTPUT_TOKENS); unset,
   * 2,000, or 25,000 for a model known to reason (see maxOutputTokensFor).
   */
  maxOutputTokens?: number;
  context?: Omit<ContextOptions, 'maxTokens' | 'countTokens'>;
  /** For the whole analysis, its repair round and retries included; the write-up's analyses take about 2 s. */
  timeoutMs?: number;
  /** Retries of a failed HTTP call (honouring Retry-After), on top of the first. */
  maxRetries?: number;
  fetch?: typeof globalThis.fetch;
  /**
   * What a model missing from the price table (MODEL_PRICES) costs: given (analyzerFromSettings gives
   * UNPRICED_MODEL_PRICE while a budget is set), its calls are booked at it, with a note; without it,
   * their cost is unknown (undefined).
   */
  unpricedModelPrice?: ModelPrice;
}

/** The models Groq's structured outputs documentation lists for strict mode (constrained decoding). */
const GROQ_STRICT_MODELS = /^openai\/gpt-oss-/;

/**
 * Asks the configured LLM; output that fails validation is asked for once more, then the call fails. A
 * refusal fails at once; evidence the model was not given is dropped.
 */
export function createLlmAnalyzer({
  config,
  promptVersion,
  maxPromptTokens = DEFAULT_MAX_PROMPT_TOKENS,
  maxOutputTokens,
  context,
  timeoutMs = 20_000,
  maxRetries = 2,
  fetch,
  unpricedModelPrice,
}: LlmAnalyzerOptions): Analyzer {
  /** A call's cost, at the table's price, or at `unpricedModelPrice` for a model it does not list. */
  const priced = ({ provider, model }: LlmConfig, tokensIn: number, tokensOut: number) => {
    const cost = costOf(provider, model, tokensIn, tokensOut);
    if (cost !== undefined || !unpricedModelPrice) return { cost, assumed: false };
    const { input, output } = unpricedModelPrice;
    return { cost: (tokensIn * input + tokensOut * output) / 1_000_000, assumed: true };
  };
  // The tokenizer's tables take about 140 ms of the event loop to load: loaded by the first analysis, they
  // held up every request in flight then, in a server or in the application itself (with 2 workers
  // draining, ingest's p99 at 1,000 req/s went from 87–97 to 61–66 ms once they loaded at start-up:
  // bench/README.md, "Ingest latency while the workers drain"). A failure is the first analysis's to report.
  loadTokenCounter().catch(() => {});
  // Likewise the AI SDK (see loadAiRuntime): not loaded by an engine that has no LLM to ask.
  loadAiRuntime().catch(() => {});
  // The provider's model, made again only when the settings change (making one builds its zod schemas).
  let made: { settings: LlmConfig; model: LanguageModel } | undefined;
  const modelFor = (settings: LlmConfig, { createLanguageModel }: AiRuntime) => {
    if (made?.settings !== settings) made = { settings, model: createLanguageModel(settings, fetch) };
    return made.model;
  };
  return {
    name: 'llm',
    // A call is booked at the cap it asks for: an answer may take all of it, and is billed for it.
    estimateCostUsd() {
      const settings = config();
      return priced(settings, maxPromptTokens, maxOutputTokensFor(settings, maxOutputTokens)).cost;
    },
    async analyze(event: TriageEvent, options = {}): Promise<AnalysisResult> {
      const settings = config();
      const spent: Spent = { tokensIn: 0, tokensOut: 0, unknown: false };
      try {
        return await analyzeWith(settings, event, options, spent);
      } catch (error) {
        // The provider's error text can hold the key (a proxy echoing it) or the base URL's password
        // (fetch refusing a URL with credentials): it becomes a note, an alert and a stderr line.
        const secrets = secretsOf(settings);
        if (InvalidAnalysisError.isInstance(error)) {
          throw new InvalidAnalysisError(scrubSecrets(error.message, secrets), error.text, error.costUsd);
        }
        // What the calls that answered cost is owed all the same (a paid answer that failed validation,
        // then a repair call that failed; an empty answer): it was settled at $0. A call cut off by
        // the deadline may have been billed for what it generated: unknown, booked at the estimate.
        throw new LlmCallError(
          errorText(error, secrets),
          spent.unknown ? undefined : priced(settings, spent.tokensIn, spent.tokensOut).cost,
        );
      }
    },
  };

  async function analyzeWith(
    settings: LlmConfig,
    event: TriageEvent,
    { signal }: AnalyzeOptions,
    spent: Spent,
  ): Promise<AnalysisResult> {
    const built = await buildPrompt(event, { promptVersion, maxPromptTokens, context });
    const runtime = await loadAiRuntime();
    const { ai, analysisOutput } = runtime;
    const model = modelFor(settings, runtime);
    const started = performance.now();
    const notes: string[] =
      built.omitted.length > 0 ? [`left out of the prompt: ${built.omitted.join('; ')}`] : [];

    // An answer without usage (some OpenAI-compatible servers and proxies send none) was booked at $0,
    // and the budgets never reached: its tokens are counted here instead, with the tokenizer that
    // measured the prompt, and the notes say so.
    const countTokens = await loadTokenCounter();
    let usageEstimated = false;
    const book = (
      usage: { inputTokens?: number; outputTokens?: number } | undefined,
      messages: Array<{ content: string }>,
      text: string,
    ) => {
      if (usage?.inputTokens == null) {
        usageEstimated = true;
        // The first message is the built prompt (counted with the system prompt); a repair round adds
        // the earlier answer and the request to correct it.
        spent.tokensIn +=
          built.tokens + messages.slice(1).reduce((sum, { content }) => sum + countTokens(content), 0);
      } else spent.tokensIn += usage.inputTokens;
      if (usage?.outputTokens == null) {
        usageEstimated = true;
        spent.tokensOut += countTokens(text);
      } else spent.tokensOut += usage.outputTokens;
    };

    // The cap is asked of every provider (Ollama in its own `options.num_predict`), and the call was
    // booked at it (estimateCostUsd).
    const cap = maxOutputTokensFor(settings, maxOutputTokens);
    const reasoning = reasoningOf(settings);
    // Each client reads its own provider's options only; reasoningOf gives an effort to OpenAI's and
    // Groq's models alone.
    const effort = reasoning?.effort ? { reasoningEffort: reasoning.effort } : {};
    /**
     * An answer the cap cut off (finish reason `length`): taken when it holds an analysis all the same,
     * with a note; otherwise the analysis fails at once, saying so. Asked again, the model would run
     * out of the same tokens, paid for again: a reasoning model can spend them all before its answer.
     */
    const cutOff = (text: string, usage: LanguageModelUsage | undefined) => {
      const value = extractJson(text, isAnalysis);
      const said = ranOutOfTokensNote(cap, usage?.outputTokenDetails?.reasoningTokens);
      if (!isAnalysis(value)) throw new RanOutOfTokensError(said);
      notes.push(said);
      return { text, value };
    };

    // One deadline for the analysis, its repair round included: each call had its own, and an analysis
    // could take twice TRIAGE_LLM_TIMEOUT_MS before the offline rules answered.
    const deadline = AbortSignal.timeout(timeoutMs);
    const abortSignal = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const attempt = async (messages: Array<{ role: 'user' | 'assistant'; content: string }>) => {
      try {
        const result = await ai.generateText({
          model,
          system: built.system,
          messages,
          output: ai.Output.object({ schema: analysisOutput, name: 'analysis' }),
          // Not for a reasoning model: OpenAI's take none (its AI SDK client dropped it, warning on
          // stderr at every call), and the others' makers advise against greedy decoding, which loops
          // (QwQ's card: 0.6 "to avoid endless repetitions"), and a loop now runs to the output cap.
          temperature: reasoning ? undefined : 0,
          maxOutputTokens: cap,
          // Ollama's chat API reads neither from the top of the request, where its AI SDK provider puts
          // them (as `temperature` and `max_output_tokens`): only from `options`.
          providerOptions: {
            ollama: { options: { ...(reasoning ? {} : { temperature: 0 }), num_predict: cap } },
            // Groq's strict mode is for the models its documentation lists; the AI SDK asked for it with
            // every model, the default (llama-4-scout) included. Best-effort elsewhere: every answer
            // is validated here, and asked for once more when it fails.
            groq: { strictJsonSchema: GROQ_STRICT_MODELS.test(settings.model), ...effort },
            openai: effort,
          },
          maxRetries,
          abortSignal,
        });
        book(result.usage, messages, result.text);
        // Before the output is read: a refusal's text is no answer (and an empty one throws).
        throwIfRefused(result);
        // Also before: an answer cut off before it began is empty, and its output throws.
        if (result.finishReason === 'length') return cutOff(result.text, result.usage);
        return { text: result.text, value: result.output as unknown };
      } catch (error) {
        if (error instanceof ModelRefusedError || error instanceof RanOutOfTokensError) throw error;
        if (abortSignal.aborted) spent.unknown = true;
        // Groq's best-effort structured outputs report an answer that failed their schema check as a 400,
        // the answer in the error: an invalid answer like any other, for extractJson and the repair round.
        const failed = groqFailedGeneration(error, ai);
        if (failed !== undefined) {
          book(undefined, messages, failed);
          return { text: failed, value: extractJson(failed, isAnalysis) };
        }
        if (!ai.NoObjectGeneratedError.isInstance(error)) throw error;
        book(error.usage, messages, error.text ?? '');
        throwIfRefused({ finishReason: error.finishReason, response: error.response });
        if (error.finishReason === 'length') return cutOff(error.text ?? '', error.usage);
        return { text: error.text ?? '', value: extractJson(error.text ?? '', isAnalysis) };
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
        priced(settings, spent.tokensIn, spent.tokensOut).cost,
      );
    }
    // A quote the model was not given vouches for nothing: dropped, and confidence capped when none is left.
    const checked = checkEvidence(parsed.value, built.data);
    const dropped = evidenceNote(checked);
    if (dropped) notes.push(dropped);
    if (usageEstimated) notes.push(USAGE_ESTIMATED_NOTE);
    const { tokensIn, tokensOut } = spent;
    const { cost, assumed } = priced(settings, tokensIn, tokensOut);
    if (assumed && unpricedModelPrice) notes.push(unpricedNote(settings, unpricedModelPrice));
    const analysis: Analysis = checked.analysis;
    const meta = {
      analyzer: 'llm' as const,
      provider: settings.provider,
      model: settings.model,
      promptVersion: built.version,
      tokensIn,
      tokensOut,
      costUsd: cost,
      latencyMs: Math.round(performance.now() - started),
      notes,
    };
    return { analysis, meta, markdown: renderMarkdown(analysis, meta) };
  }
}

/** The tokens an analysis's calls took so far, and whether a call cut off may have cost more. */
interface Spent {
  tokensIn: number;
  tokensOut: number;
  unknown: boolean;
}

export const USAGE_ESTIMATED_NOTE =
  'the provider reported no token usage: tokens counted here (o200k), cost estimated from them';

/** Says that a model's calls are booked at the default price, and how to give it its own. */
export function unpricedNote({ provider, model }: Pick<LlmConfig, 'provider' | 'model'>, price: ModelPrice) {
  return `${provider}:${model} is not in Triage's price table: booked against the budget at $${price.input}/$${price.output} per million tokens in/out`;
}

/**
 * Says that an answer ran out of output tokens before it was finished, and what to do about it. With
 * a reasoning model the answer may be empty: the reasoning took them all.
 */
export function ranOutOfTokensNote(cap: number, reasoningTokens?: number): string {
  const reasoning = reasoningTokens ? `, ${reasoningTokens.toLocaleString('en-US')} of them reasoning` : '';
  return `the model used its ${cap.toLocaleString('en-US')} output tokens before finishing its answer${reasoning}: raise TRIAGE_LLM_MAX_OUTPUT_TOKENS`;
}

/** The model declined to answer: asking again would be refused again, and paid for again. */
class ModelRefusedError extends Error {}

/** The answer ran out of output tokens: asked again, it would run out again, and be paid for again. */
class RanOutOfTokensError extends Error {}

/**
 * Throws when the provider says the model refused (the AI SDK's `content-filter` finish: OpenAI's
 * `message.refusal`, Anthropic's `stop_reason: "refusal"`, a content filter), with the refusal's text
 * when the provider gives one: OpenAI's `refusal`, Anthropic's `stop_details.explanation`. Anthropic's
 * text content is no reason but the answer cut off where its classifier stopped it, and is not quoted.
 */
function throwIfRefused({
  finishReason,
  response,
}: {
  finishReason: FinishReason | undefined;
  /** The step's response, with the provider's parsed body (the AI SDK keeps it by default). */
  response: unknown;
}): void {
  if (finishReason !== 'content-filter') return;
  const body = (response as { body?: unknown } | undefined)?.body as
    | {
        choices?: Array<{ message?: { refusal?: unknown }; finish_reason?: unknown }>;
        stop_reason?: unknown;
        stop_details?: { explanation?: unknown } | null;
      }
    | undefined;
  const choice = body?.choices?.[0];
  const reason = [choice?.message?.refusal, body?.stop_details?.explanation].find(
    (text): text is string => typeof text === 'string' && text.trim() !== '',
  );
  const raw = typeof choice?.finish_reason === 'string' ? choice.finish_reason : body?.stop_reason;
  throw new ModelRefusedError(
    reason
      ? `the model refused to answer: ${stripControl(reason).replace(/\s+/g, ' ').trim()}`
      : `the model refused to answer (finish reason ${typeof raw === 'string' ? raw : finishReason})`,
  );
}

/**
 * The answer in Groq's `json_validate_failed` error (HTTP 400, `error.failed_generation`: an answer its
 * best-effort structured outputs found not to match the schema); `''` when it gave none; undefined for
 * any other error.
 */
function groqFailedGeneration(
  error: unknown,
  { RetryError, APICallError }: AiRuntime['ai'],
): string | undefined {
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  if (!APICallError.isInstance(cause) || cause.statusCode !== 400 || !cause.responseBody) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(cause.responseBody);
  } catch {
    return undefined;
  }
  const details = (body as { error?: { code?: unknown; failed_generation?: unknown } } | null)?.error;
  if (details?.code !== 'json_validate_failed') return undefined;
  return typeof details.failed_generation === 'string' ? details.failed_generation : '';
}

/** Whether a value is an analysis once over-long texts are cut: the candidate extractJson should pick. */
function isAnalysis(value: unknown): boolean {
  return safeParseAnalysis(fitAnalysisLengths(value).value).success;
}
