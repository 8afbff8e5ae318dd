import { describe, expect, it } from 'vitest';
import { readLlmConfig } from './llm-config.js';

describe('readLlmConfig', () => {
  it('should mean offline when nothing is set', () => {
    expect(readLlmConfig({})).toBeUndefined();
    expect(readLlmConfig({ TRIAGE_LLM_PROVIDER: 'offline', GROQ_API_KEY: 'gsk_x' })).toBeUndefined();
  });

  it("should default to Groq with the write-up's model when GROQ_API_KEY is set", () => {
    expect(readLlmConfig({ GROQ_API_KEY: 'gsk_x' })).toEqual({
      provider: 'groq',
      model: 'meta-llama/llama-4-scout-17b-16e-instruct',
      apiKey: 'gsk_x',
      baseURL: undefined,
    });
  });

  it('should take any provider through the TRIAGE_LLM_* variables', () => {
    expect(
      readLlmConfig({
        TRIAGE_LLM_PROVIDER: 'openai-compatible',
        TRIAGE_LLM_BASE_URL: 'http://127.0.0.1:1234/v1',
        TRIAGE_LLM_MODEL: 'local-model',
        TRIAGE_LLM_API_KEY: 'k',
      }),
    ).toEqual({
      provider: 'openai-compatible',
      model: 'local-model',
      apiKey: 'k',
      baseURL: 'http://127.0.0.1:1234/v1',
    });
    expect(readLlmConfig({ TRIAGE_LLM_PROVIDER: 'ollama' })).toMatchObject({
      provider: 'ollama',
      model: 'llama3.1',
    });
    expect(readLlmConfig({ TRIAGE_LLM_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'a' })).toMatchObject({
      apiKey: 'a',
    });
  });

  it('should fail fast on a bad setting, naming the variable', () => {
    expect(() => readLlmConfig({ TRIAGE_LLM_PROVIDER: 'gpt' })).toThrow(/TRIAGE_LLM_PROVIDER must be one of/);
    expect(() => readLlmConfig({ TRIAGE_LLM_PROVIDER: 'openai' })).toThrow(
      /OPENAI_API_KEY or TRIAGE_LLM_API_KEY/,
    );
    expect(() => readLlmConfig({ TRIAGE_LLM_PROVIDER: 'openai-compatible', TRIAGE_LLM_MODEL: 'm' })).toThrow(
      /TRIAGE_LLM_BASE_URL is required/,
    );
  });
});
