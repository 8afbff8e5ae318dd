import { createAnthropic } from '@ai-sdk/anthropic';
import { createGroq } from '@ai-sdk/groq';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import { createOllama } from 'ollama-ai-provider-v2';
import type { LlmConfig } from '../config/llm-config.js';

/** Builds the AI SDK model for a config; `fetch` is injectable for tests and proxies. */
export function createLanguageModel(config: LlmConfig, fetch?: typeof globalThis.fetch): LanguageModel {
  const { apiKey, baseURL, model } = config;
  switch (config.provider) {
    case 'groq':
      return createGroq({ apiKey, baseURL, fetch })(model);
    case 'openai':
      // Chat completions rather than the Responses API: the one wire format every compatible server speaks.
      return createOpenAI({ apiKey, baseURL, fetch }).chat(model);
    case 'anthropic':
      return createAnthropic({ apiKey, baseURL, fetch })(model);
    case 'ollama':
      return createOllama({ baseURL, fetch })(model);
    case 'openai-compatible':
      return createOpenAICompatible({
        name: 'openai-compatible',
        apiKey,
        baseURL: baseURL!,
        fetch,
        supportsStructuredOutputs: true,
      })(model);
  }
}
