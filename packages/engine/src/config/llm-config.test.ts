import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_OUTPUT_TOKENS,
  type LlmProviderName,
  LOCAL_REASONING_MAX_OUTPUT_TOKENS,
  maxOutputTokensFor,
  REASONING_MAX_OUTPUT_TOKENS,
  readLlmConfig,
  reasoningOf,
} from './llm-config.js';

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

describe('reasoningOf', () => {
  it.each<[LlmProviderName, string, ReturnType<typeof reasoningOf>]>([
    // Default medium: asked for low.
    ['openai', 'o4-mini', { effort: 'low' }],
    ['openai', 'o3', { effort: 'low' }],
    ['openai', 'o3-mini-2025-01-31', { effort: 'low' }],
    ['openai', 'gpt-5', { effort: 'low' }],
    ['openai', 'gpt-5-mini', { effort: 'low' }],
    ['openai', 'gpt-5-nano-2025-08-07', { effort: 'low' }],
    // Default none, which low would raise; left at their default; no effort taken at all.
    ['openai', 'gpt-5.1', {}],
    ['openai', 'gpt-5.1-chat-latest', {}],
    ['openai', 'gpt-6', {}],
    ['openai', 'o1-mini', {}],
    ['openai', 'gpt-5-chat-latest', undefined],
    ['openai', 'gpt-4o-mini', undefined],
    ['openai', 'gpt-4.1', undefined],
    ['openai', 'omni-moderation-latest', undefined],
    ['groq', 'openai/gpt-oss-120b', { effort: 'low' }],
    ['groq', 'openai/gpt-oss-20b', { effort: 'low' }],
    ['groq', 'qwen/qwen3-32b', {}],
    ['groq', 'deepseek-r1-distill-llama-70b', {}],
    ['groq', 'meta-llama/llama-4-scout-17b-16e-instruct', undefined],
    ['openai-compatible', 'deepseek-ai/DeepSeek-R1-Distill-Qwen-32B', {}],
    ['openai-compatible', 'deepseek-reasoner', {}],
    ['openai-compatible', 'Qwen/QwQ-32B', {}],
    ['openai-compatible', 'Qwen/Qwen3-32B', {}],
    ['openai-compatible', 'Qwen/Qwen3-235B-A22B-Thinking-2507', {}],
    ['openai-compatible', 'Qwen/Qwen3-235B-A22B-Instruct-2507', undefined],
    ['openai-compatible', 'qwen3-coder-30b', undefined],
    ['openai-compatible', 'qwen2.5-7b', undefined],
    ['ollama', 'qwen3:8b', {}],
    ['ollama', 'deepseek-r1:14b', {}],
    ['ollama', 'gpt-oss:20b', {}],
    ['ollama', 'llama3.1', undefined],
    ['anthropic', 'claude-haiku-4-5', undefined],
  ])('should know %s %s', (provider, model, expected) => {
    expect(reasoningOf({ provider, model })).toEqual(expected);
  });

  it('should give a model known to reason room to, unless a cap is configured', () => {
    expect(maxOutputTokensFor({ provider: 'openai', model: 'gpt-4o-mini' }, undefined)).toBe(
      DEFAULT_MAX_OUTPUT_TOKENS,
    );
    expect(maxOutputTokensFor({ provider: 'openai', model: 'o4-mini' }, undefined)).toBe(
      REASONING_MAX_OUTPUT_TOKENS,
    );
    // A server of one's own may have a context of 8k: its reasoning models get less.
    expect(
      maxOutputTokensFor({ provider: 'openai-compatible', model: 'deepseek-r1-distill' }, undefined),
    ).toBe(LOCAL_REASONING_MAX_OUTPUT_TOKENS);
    expect(maxOutputTokensFor({ provider: 'ollama', model: 'qwq' }, undefined)).toBe(
      LOCAL_REASONING_MAX_OUTPUT_TOKENS,
    );
    expect(maxOutputTokensFor({ provider: 'openai', model: 'o4-mini' }, 3_000)).toBe(3_000);
    expect(maxOutputTokensFor({ provider: 'openai', model: 'gpt-4o-mini' }, 3_000)).toBe(3_000);
  });
});
