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

  it("should refuse credentials in the base URL without repeating them (fetch's refusal quoted the password into the notes)", () => {
    const read = () =>
      readLlmConfig({
        TRIAGE_LLM_PROVIDER: 'openai-compatible',
        TRIAGE_LLM_MODEL: 'm',
        TRIAGE_LLM_BASE_URL: 'http://admin:hunter2@127.0.0.1:8000/v1',
      });
    expect(read).toThrow(/^TRIAGE_LLM_BASE_URL must not hold credentials \(user:password@\)/);
    expect(read).not.toThrow(/hunter2|admin/);
  });

  it("should use the config file's model, base URL and key variable after the variables (the README's example failed)", () => {
    const file = {
      provider: 'openai-compatible',
      baseURL: 'http://127.0.0.1:8000/v1',
      model: 'qwen2.5-7b',
      apiKeyEnv: 'VLLM_KEY',
    };
    expect(readLlmConfig({ VLLM_KEY: 'vllm-secret' }, file)).toEqual({
      provider: 'openai-compatible',
      model: 'qwen2.5-7b',
      apiKey: 'vllm-secret',
      baseURL: 'http://127.0.0.1:8000/v1',
    });
    // The variables win.
    expect(
      readLlmConfig(
        {
          VLLM_KEY: 'vllm-secret',
          TRIAGE_LLM_MODEL: 'llama-3',
          TRIAGE_LLM_BASE_URL: 'http://10.0.0.2/v1',
          TRIAGE_LLM_API_KEY: 'k2',
        },
        file,
      ),
    ).toEqual({
      provider: 'openai-compatible',
      model: 'llama-3',
      apiKey: 'k2',
      baseURL: 'http://10.0.0.2/v1',
    });
    // The variable the file names is taken over the provider's usual one.
    expect(
      readLlmConfig(
        { MY_OPENAI_KEY: 'sk-mine', OPENAI_API_KEY: 'sk-other' },
        { provider: 'openai', model: 'gpt-4.1-mini', apiKeyEnv: 'MY_OPENAI_KEY' },
      ),
    ).toMatchObject({ model: 'gpt-4.1-mini', apiKey: 'sk-mine' });
    expect(() => readLlmConfig({}, file)).toThrow(
      'TRIAGE_CONFIG llm.apiKeyEnv names VLLM_KEY, which is not set (nor is TRIAGE_LLM_API_KEY)',
    );
    expect(() =>
      readLlmConfig({ VLLM_KEY: 'k' }, { ...file, baseURL: 'http://u:hunter2@127.0.0.1:8000/v1' }),
    ).toThrow(/^TRIAGE_CONFIG llm\.baseURL must not hold credentials/);
  });
});
