import { normalizeEvent } from '@triage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmAnalyzer } from '../analyzers/llm-analyzer.js';
import type { LlmConfig } from '../config/llm-config.js';
import { type FakeLlmServer, startFakeLlmServer } from '../test/fake-llm-server.js';

let llm: FakeLlmServer;
beforeAll(async () => {
  llm = await startFakeLlmServer();
});
afterAll(() => llm.close());

const event = normalizeEvent({
  log: ['INFO: start', 'ERROR: Connection pool exhausted (10/10 connections active)'],
});

describe('every provider through its real client and wire format', () => {
  it.each<[string, () => LlmConfig, string, string | undefined]>([
    [
      'groq',
      () => ({
        provider: 'groq',
        model: 'meta-llama/llama-4-scout-17b-16e-instruct',
        apiKey: 'gsk_1',
        baseURL: llm.groqUrl,
      }),
      '/openai/v1/chat/completions',
      'Bearer gsk_1',
    ],
    [
      'openai',
      () => ({ provider: 'openai', model: 'gpt-4o-mini', apiKey: 'sk-o', baseURL: llm.url }),
      '/v1/chat/completions',
      'Bearer sk-o',
    ],
    [
      'openai-compatible',
      () => ({ provider: 'openai-compatible', model: 'local', apiKey: 'k', baseURL: llm.url }),
      '/v1/chat/completions',
      'Bearer k',
    ],
    [
      'anthropic',
      () => ({
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        apiKey: 'sk-ant-x',
        baseURL: llm.anthropicUrl,
      }),
      '/v1/messages',
      undefined,
    ],
    [
      'ollama',
      () => ({ provider: 'ollama', model: 'llama3.1', baseURL: llm.ollamaUrl }),
      '/api/chat',
      undefined,
    ],
  ])('should analyse with %s', async (provider, config, path, authorization) => {
    const before = llm.requests.length;
    const result = await createLlmAnalyzer({ config, maxRetries: 0 }).analyze(event);
    const request = llm.requests[before]!;
    expect(request.path).toBe(path);
    if (authorization) expect(request.headers.authorization).toBe(authorization);
    if (provider === 'anthropic') expect(request.headers['x-api-key']).toBe('sk-ant-x');
    expect(request.prompt).toContain('ERROR: Connection pool exhausted (10/10 connections active)');
    expect(result.meta).toMatchObject({ analyzer: 'llm', provider, promptVersion: 'v2' });
    expect(result.meta.tokensIn).toBeGreaterThan(0);
    expect(result.analysis.category).toBe('resource_exhausted');
  });
});
