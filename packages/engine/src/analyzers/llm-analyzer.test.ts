import { costOf, normalizeEvent, UNPRICED_MODEL_PRICE, UNSUPPORTED_CONFIDENCE_CAP } from '@triage/core';
import { describe, expect, it, vi } from 'vitest';
import { analyzerFromSettings } from '../config/analyzer-from-settings.js';
import { readEngineSettings } from '../config/engine-settings.js';
import {
  DEFAULT_MAX_OUTPUT_TOKENS,
  type LlmConfig,
  LOCAL_REASONING_MAX_OUTPUT_TOKENS,
  REASONING_MAX_OUTPUT_TOKENS,
} from '../config/llm-config.js';
import { createEngine } from '../pipeline/engine.js';
import {
  type FakeLlmServer,
  fakeAnalysis,
  groqJsonValidateFailed,
  lastErrorLine,
} from '../test/fake-llm-server.js';
import { createMemoryNotifier } from '../test/memory-notifier.js';
import { until } from '../test/until.js';
import { holdAnswers, useFakeLlmServer } from '../test/use-fake-llm-server.js';
import { buildPrompt } from './build-prompt.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { loadTokenCounter } from './count-tokens.js';
import { createFallbackAnalyzer } from './fallback-analyzer.js';
import { createLlmAnalyzer, ranOutOfTokensNote, USAGE_ESTIMATED_NOTE, unpricedNote } from './llm-analyzer.js';
import { SpendLedger } from './spend-ledger.js';

const llm = useFakeLlmServer(() => ({
  content: JSON.stringify(fakeAnalysis({ evidence: ['x'] })),
  usage: { prompt_tokens: 1_000, completion_tokens: 1_000 },
}));

/** A provider's settings on the fake server, as createLlmAnalyzer takes them (a function). */
const openai =
  (model = 'gpt-4o-mini') =>
  (): LlmConfig => ({ provider: 'openai', model, apiKey: 'sk-x', baseURL: llm.url });
const groq =
  (model = 'meta-llama/llama-4-scout-17b-16e-instruct') =>
  (): LlmConfig => ({ provider: 'groq', model, apiKey: 'gsk_1', baseURL: llm.groqUrl });
const anthropic =
  (model = 'claude-haiku-4-5') =>
  (): LlmConfig => ({ provider: 'anthropic', model, apiKey: 'sk-ant-x', baseURL: llm.anthropicUrl });
const compatible =
  (model = 'local') =>
  (): LlmConfig => ({ provider: 'openai-compatible', model, apiKey: 'k', baseURL: llm.url });
const ollama =
  (model = 'llama3.1') =>
  (): LlmConfig => ({ provider: 'ollama', model, baseURL: llm.ollamaUrl });

const event = (i = 1) =>
  normalizeEvent({
    source: { file: 'src/pay.ts', function: 'Pay' },
    log: ['INFO: start', `ERROR: Connection pool exhausted (10/10 connections active) in module m${i}`],
    error: { type: `PoolError${i}`, message: `pool exhausted ${i}` },
  });

describe('a provider error quoting a secret', () => {
  // A key of no known shape: only its being the configured key says it is one.
  const KEY = 'vllm-0123456789abcdef-key';

  it('should keep the key out of the stored analysis, the alert and the diagnostics', async () => {
    llm.reply((request) => ({
      status: 401,
      body: {
        error: {
          message: `Invalid proxy token. Received API Key = ${String(request.headers.authorization).replace('Bearer ', '')}`,
          type: 'auth_error',
        },
      },
    }));
    const diagnostics: string[] = [];
    const notifier = createMemoryNotifier();
    const engine = createEngine({
      env: {
        TRIAGE_LLM_PROVIDER: 'openai-compatible',
        TRIAGE_LLM_MODEL: 'm',
        TRIAGE_LLM_BASE_URL: llm.url,
        TRIAGE_LLM_API_KEY: KEY,
      },
      notifiers: [notifier],
      diagnostics: (line) => diagnostics.push(line),
    });
    try {
      const report = await engine.process({
        input: { service: 'api', log: ['ERROR: Connection pool exhausted'] },
      });
      expect(llm.requests.length).toBeGreaterThan(0);
      expect(report?.result.meta.analyzer).toBe('offline');
      expect(report?.result.meta.notes[0]).toBe(
        'LLM analysis failed (Invalid proxy token. Received API Key = [secret]): offline rules answered',
      );
      expect(await until(() => notifier.alerts.length > 0)).toBe(true);
      const everything = JSON.stringify([report, notifier.alerts, diagnostics]);
      expect(everything).not.toContain(KEY);
      expect(diagnostics.join('\n')).toContain(
        'llm failed: Invalid proxy token. Received API Key = [secret]',
      );
    } finally {
      await engine.close();
    }
  });

  it("should keep a base URL's password out of the note when the config gives one in code", async () => {
    const baseURL = llm.url.replace('http://', 'http://admin:hunter2-pw@');
    const failures: string[] = [];
    const analyzer = createFallbackAnalyzer({
      llm: () =>
        createLlmAnalyzer({
          config: (): LlmConfig => ({ provider: 'openai-compatible', model: 'm', apiKey: KEY, baseURL }),
          maxRetries: 0,
        }),
      onFailure: (error) => failures.push((error as Error).message),
    });
    const result = await analyzer.analyze(event());
    expect(result.meta.analyzer).toBe('offline');
    expect(result.meta.notes[0]).toMatch(/^LLM analysis failed \(/);
    const everything = JSON.stringify([result, failures]);
    expect(everything).not.toContain('hunter2-pw');
    expect(everything).not.toContain('admin:');
  });
});

describe('the answer cap', () => {
  const configs: Array<
    [string, () => LlmConfig, (body: FakeLlmServer['requests'][number]['body']) => unknown]
  > = [
    ['groq', groq(), (body) => body.max_tokens],
    ['openai', openai(), (body) => body.max_tokens],
    ['openai-compatible', compatible(), (body) => body.max_tokens],
    ['anthropic', anthropic(), (body) => body.max_tokens],
    // Ollama's chat API reads its settings from `options` only.
    ['ollama', ollama(), (body) => (body.options as { num_predict?: number } | undefined)?.num_predict],
  ];

  it.each(configs)(
    'should be sent on the wire to %s (Anthropic asked for 64,000, the others for no cap)',
    async (_name, config, capOf) => {
      await createLlmAnalyzer({ config, maxRetries: 0 }).analyze(event());
      expect(DEFAULT_MAX_OUTPUT_TOKENS).toBe(2_000);
      expect(capOf(llm.requests[0]!.body)).toBe(DEFAULT_MAX_OUTPUT_TOKENS);
    },
  );

  it.each(configs)(
    'should be the one configured for %s (TRIAGE_LLM_MAX_OUTPUT_TOKENS)',
    async (_name, config, capOf) => {
      await createLlmAnalyzer({ config, maxOutputTokens: 8_000, maxRetries: 0 }).analyze(event());
      expect(capOf(llm.requests[0]!.body)).toBe(8_000);
    },
  );

  it.each(configs.filter(([name]) => name !== 'ollama' && name !== 'anthropic'))(
    'should give %s a schema without string lengths, which strict structured outputs refuse',
    async (_name, config) => {
      await createLlmAnalyzer({ config, maxRetries: 0 }).analyze(event());
      const format = llm.requests[0]!.body.response_format as { json_schema: { schema: object } };
      const schema = JSON.stringify(format.json_schema.schema);
      expect(schema).toContain('"rootCause"');
      expect(schema).not.toMatch(/"(min|max)Length"/);
      // The rest of the schema's bounds stay: strict mode takes them.
      expect(schema).toContain('"maxItems"');
    },
  );

  it.each([
    ['meta-llama/llama-4-scout-17b-16e-instruct', false],
    ['openai/gpt-oss-120b', true],
  ])(
    'should ask Groq for strict mode only with a model its documentation lists for it (%s)',
    async (model, strict) => {
      await createLlmAnalyzer({
        config: groq(model),
        maxRetries: 0,
      }).analyze(event());
      const format = llm.requests[0]!.body.response_format as { json_schema: { strict?: boolean } };
      expect(format.json_schema.strict).toBe(strict);
    },
  );

  it('should give Ollama temperature 0 in its options, where it reads it', async () => {
    await createLlmAnalyzer({
      config: ollama(),
      maxRetries: 0,
    }).analyze(event());
    expect(llm.requests[0]!.body.options).toMatchObject({ temperature: 0 });
  });

  it('should book a call at a full prompt and an answer at the cap', () => {
    const analyzer = createLlmAnalyzer({
      config: () => ({ provider: 'anthropic', model: 'claude-haiku-4-5', apiKey: 'sk-ant-x' }),
      maxPromptTokens: 1_500,
    });
    expect(analyzer.estimateCostUsd?.()).toBeCloseTo(
      costOf('anthropic', 'claude-haiku-4-5', 1_500, 2_000)!,
      12,
    );
    // $1/M in, $5/M out.
    expect(analyzer.estimateCostUsd?.()).toBeCloseTo(0.0115, 12);
  });
});

describe('a reasoning model', () => {
  // Its cap (`max_completion_tokens`) covers its hidden reasoning too: at 2,000 tokens and its default
  // effort (medium), o4-mini could answer with nothing.
  it.each([
    ['o4-mini', 'low', REASONING_MAX_OUTPUT_TOKENS],
    ['gpt-5-mini', 'low', REASONING_MAX_OUTPUT_TOKENS],
    ['gpt-4o-mini', undefined, undefined],
  ])(
    'should be asked of OpenAI for low effort and room to reason (%s)',
    async (model, effort, completionCap) => {
      await createLlmAnalyzer({ config: openai(model), maxRetries: 0 }).analyze(event());
      const { body } = llm.requests[0]!;
      expect(body.reasoning_effort).toBe(effort);
      expect(body.max_completion_tokens).toBe(completionCap);
      expect(body.max_tokens).toBe(completionCap ? undefined : DEFAULT_MAX_OUTPUT_TOKENS);
      expect(body.temperature).toBe(completionCap ? undefined : 0);
    },
  );

  it.each([
    ['openai/gpt-oss-120b', 'low', REASONING_MAX_OUTPUT_TOKENS],
    // Groq takes only none or default for qwen3: it reasons, at its default.
    ['qwen/qwen3-32b', undefined, REASONING_MAX_OUTPUT_TOKENS],
    ['meta-llama/llama-4-scout-17b-16e-instruct', undefined, DEFAULT_MAX_OUTPUT_TOKENS],
  ])(
    'should be asked of Groq for the lowest effort it takes, and room to reason (%s)',
    async (model, effort, cap) => {
      await createLlmAnalyzer({ config: groq(model), maxRetries: 0 }).analyze(event());
      const { body } = llm.requests[0]!;
      expect(body.reasoning_effort).toBe(effort);
      expect(body.max_tokens).toBe(cap);
      // Greedy decoding, which reasoning models' makers advise against (it loops), for the others only.
      expect(body.temperature).toBe(cap === DEFAULT_MAX_OUTPUT_TOKENS ? 0 : undefined);
    },
  );

  it.each([
    ['deepseek-r1-distill-qwen-32b', LOCAL_REASONING_MAX_OUTPUT_TOKENS],
    ['Qwen/QwQ-32B', LOCAL_REASONING_MAX_OUTPUT_TOKENS],
    ['qwen2.5-7b', DEFAULT_MAX_OUTPUT_TOKENS],
  ])(
    'should be given room to reason on an OpenAI-compatible server, with no effort it may refuse (%s)',
    async (model, cap) => {
      await createLlmAnalyzer({
        config: compatible(model),
        maxRetries: 0,
      }).analyze(event());
      const { body } = llm.requests[0]!;
      expect(body.max_tokens).toBe(cap);
      expect(body).not.toHaveProperty('reasoning_effort');
    },
  );

  it('should take the configured cap over its own default', async () => {
    await createLlmAnalyzer({ config: openai('o4-mini'), maxOutputTokens: 6_000, maxRetries: 0 }).analyze(
      event(),
    );
    expect(llm.requests[0]!.body).toMatchObject({ max_completion_tokens: 6_000, reasoning_effort: 'low' });
  });

  // The AI SDK's OpenAI client dropped it, with a warning on stderr at every analysis.
  it('should not be sent a temperature it takes none of (a warning at every call)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await createLlmAnalyzer({ config: openai('o4-mini'), maxRetries: 0 }).analyze(event());
      expect(warn.mock.calls.flat().join('\n')).not.toMatch(/temperature/);
    } finally {
      warn.mockRestore();
    }
  });

  it('should be booked at the cap it is asked for (what a budget holds while it runs)', () => {
    // A reasoning model the price table does not list: booked at the dear price, at its cap.
    const config = openai('o1');
    const at = (tokensOut: number) =>
      (1_500 * UNPRICED_MODEL_PRICE.input + tokensOut * UNPRICED_MODEL_PRICE.output) / 1e6;
    expect(
      createLlmAnalyzer({ config, unpricedModelPrice: UNPRICED_MODEL_PRICE }).estimateCostUsd?.(),
    ).toBeCloseTo(at(REASONING_MAX_OUTPUT_TOKENS), 12);
    expect(
      createLlmAnalyzer({
        config,
        maxOutputTokens: 4_000,
        unpricedModelPrice: UNPRICED_MODEL_PRICE,
      }).estimateCostUsd?.(),
    ).toBeCloseTo(at(4_000), 12);
  });
});

describe('TRIAGE_LLM_MAX_OUTPUT_TOKENS', () => {
  it('should be the cap asked for, and the one a call is booked at while it runs', async () => {
    const env = {
      TRIAGE_LLM_PROVIDER: 'openai',
      TRIAGE_LLM_MODEL: 'gpt-4o-mini',
      TRIAGE_LLM_API_KEY: 'sk-x',
      TRIAGE_LLM_BASE_URL: llm.url,
      TRIAGE_LLM_MAX_OUTPUT_TOKENS: '4000',
    };
    const release = holdAnswers(llm);
    const ledger = new SpendLedger({ dailyUsd: 1 });
    const analyzer = analyzerFromSettings({ env, settings: readEngineSettings(env), ledger });
    const analysis = analyzer.analyze(event());
    expect(await until(() => llm.requests.length === 1)).toBe(true);
    expect(llm.requests[0]!.body.max_tokens).toBe(4_000);
    expect(ledger.summary().totalUsd).toBeCloseTo(costOf('openai', 'gpt-4o-mini', 1_500, 4_000)!, 12);
    release();
    expect((await analysis).meta.analyzer).toBe('llm');
  });
});

describe('an answer cut off by the output cap (finish reason "length")', () => {
  const o4mini = openai('o4-mini');
  const gpt4oMini = openai();
  const fallback = (config: () => LlmConfig) => {
    const failures: unknown[] = [];
    const ledger = new SpendLedger({ dailyUsd: 1 });
    const analyzer = createFallbackAnalyzer({
      llm: () => createLlmAnalyzer({ config, maxRetries: 0 }),
      ledger,
      onFailure: (error) => failures.push(error),
    });
    return { analyzer, failures, ledger };
  };

  // It failed with "No output generated.", which said nothing of why.
  it('should fail at once, saying the reasoning took the tokens and what to raise, when the answer is empty', async () => {
    llm.reply(() => ({
      content: '',
      finishReason: 'length',
      usage: {
        prompt_tokens: 1_400,
        completion_tokens: 25_000,
        completion_tokens_details: { reasoning_tokens: 25_000 },
      },
    }));
    const { analyzer, failures } = fallback(o4mini);
    const result = await analyzer.analyze(event());
    const said = ranOutOfTokensNote(REASONING_MAX_OUTPUT_TOKENS, 25_000);
    expect(said).toBe(
      'the model used its 25,000 output tokens before finishing its answer, 25,000 of them reasoning: raise TRIAGE_LLM_MAX_OUTPUT_TOKENS',
    );
    expect(llm.requests).toHaveLength(1);
    expect(result.meta.analyzer).toBe('offline');
    expect(result.meta.notes[0]).toBe(`LLM analysis failed (${said}): offline rules answered`);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ name: 'LlmCallError', message: said });
  });

  // It was asked once more (a second call, cut off again and paid for again), then failed validation.
  it('should fail at once at what the cut-off answer cost, not ask again', async () => {
    llm.reply(() => ({
      content: '{"title": "Database connection pool exhausted", "summary": "All connections of the',
      finishReason: 'length',
      usage: { prompt_tokens: 1_400, completion_tokens: 2_000 },
    }));
    const { analyzer, failures, ledger } = fallback(gpt4oMini);
    const result = await analyzer.analyze(event());
    expect(llm.requests).toHaveLength(1);
    expect(result.meta.notes[0]).toBe(
      `LLM analysis failed (${ranOutOfTokensNote(DEFAULT_MAX_OUTPUT_TOKENS)}): offline rules answered`,
    );
    expect(failures).toHaveLength(1);
    expect(ledger.summary().totalUsd).toBeCloseTo(costOf('openai', 'gpt-4o-mini', 1_400, 2_000)!, 12);
  });

  it.each<[string, () => LlmConfig]>([
    ['anthropic', anthropic()],
    ['ollama', ollama()],
  ])('should be told the same way by %s', async (_name, config) => {
    llm.reply(() => ({ content: '{"title": "Database connection pool', finishReason: 'length' }));
    const failure = await createLlmAnalyzer({ config, maxRetries: 0 })
      .analyze(event())
      .catch((error: unknown) => error);
    expect(llm.requests).toHaveLength(1);
    expect(failure).toMatchObject({
      name: 'LlmCallError',
      message: ranOutOfTokensNote(DEFAULT_MAX_OUTPUT_TOKENS),
    });
  });

  it('should be taken, with a note, when it holds an analysis all the same', async () => {
    llm.reply(() => ({
      content: `${JSON.stringify(fakeAnalysis({ evidence: ['x'] }))}\n\nNote: the pool size is set in`,
      finishReason: 'length',
    }));
    const result = await createLlmAnalyzer({ config: gpt4oMini, maxRetries: 0 }).analyze(event());
    expect(llm.requests).toHaveLength(1);
    expect(result.meta.analyzer).toBe('llm');
    expect(result.meta.notes).toContain(ranOutOfTokensNote(DEFAULT_MAX_OUTPUT_TOKENS));
  });
});

describe('an answer wrapped in more than its JSON', () => {
  const json = JSON.stringify(fakeAnalysis({ evidence: ['x'] }), null, 2);
  it.each([
    ['a <think> block first (qwen, deepseek)', `<think>the log says {pool} is full</think>\n${json}`],
    [
      'a draft fence before the answer',
      `Checking the shape:\n\`\`\`\n{"draft": true}\n\`\`\`\nFinal:\n\`\`\`json\n${json}\n\`\`\``,
    ],
    ['prose with braces after', `${json}\nNote: the handler reads {domain} from the query.`],
  ])('should be read at the first answer with %s', async (_name, content) => {
    llm.reply(() => ({ content }));
    const result = await createLlmAnalyzer({
      config: compatible('m'),
      maxRetries: 0,
    }).analyze(event());
    expect(result.analysis.title).toBe('Database connection pool exhausted');
    expect(llm.requests).toHaveLength(1);
  });
});

describe('an answer without usage', () => {
  it('should be booked at the tokens counted here, with a note, not at $0', async () => {
    const content = JSON.stringify(fakeAnalysis({ evidence: ['x'] }));
    llm.reply((request) => ({
      body: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model: request.body.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        // no "usage"
      },
    }));
    const ledger = new SpendLedger({ dailyUsd: 1 });
    const analyzer = createFallbackAnalyzer({
      llm: () =>
        createLlmAnalyzer({
          config: openai(),
          maxRetries: 0,
        }),
      ledger,
    });
    const result = await analyzer.analyze(event());
    const countTokens = await loadTokenCounter();
    const tokensIn = (await buildPrompt(event())).tokens;
    const tokensOut = countTokens(content);
    expect(result.meta).toMatchObject({ analyzer: 'llm', tokensIn, tokensOut });
    expect(result.meta.notes).toContain(USAGE_ESTIMATED_NOTE);
    const cost = costOf('openai', 'gpt-4o-mini', tokensIn, tokensOut)!;
    expect(cost).toBeGreaterThan(0);
    expect(result.meta.costUsd).toBeCloseTo(cost, 12);
    expect(ledger.summary().totalUsd).toBeCloseTo(cost, 12);
  });
});

describe('a model missing from the price table', () => {
  const env = (budget?: string) => ({
    TRIAGE_LLM_PROVIDER: 'openai-compatible',
    TRIAGE_LLM_MODEL: 'qwen2.5-7b',
    TRIAGE_LLM_BASE_URL: llm.url,
    ...(budget ? { TRIAGE_LLM_DAILY_BUDGET_USD: budget } : {}),
  });
  const input = (line: string) => ({ source: { file: 'src/a.ts', function: line }, log: [`ERROR: ${line}`] });

  it('should be booked at the default price while a budget is set, so the budget holds (it cost $0)', async () => {
    // 1,000 tokens in and out at $15/$75 a million: $0.09 a call.
    const engine = createEngine({ env: env('0.05'), notifiers: [] });
    try {
      const first = await engine.process({ input: input('EPIPE') });
      const second = await engine.process({ input: input('ECONNRESET') });
      expect(first?.result.meta.analyzer).toBe('llm');
      expect(first?.result.meta.costUsd).toBeCloseTo(0.09, 12);
      expect(first?.result.meta.notes).toContain(
        unpricedNote({ provider: 'openai-compatible', model: 'qwen2.5-7b' }, UNPRICED_MODEL_PRICE),
      );
      expect(second?.result.meta.analyzer).toBe('offline');
      expect(second?.result.meta.notes[0]).toMatch(/^over the daily LLM budget \(\$0\.09 of \$0\.05/);
      expect(llm.requests).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });

  it('should keep its cost unknown, with no note, when no budget is set', async () => {
    const engine = createEngine({ env: env(), notifiers: [] });
    try {
      const report = await engine.process({ input: input('EPIPE') });
      expect(report?.result.meta.analyzer).toBe('llm');
      expect(report?.result.meta.costUsd).toBeUndefined();
      expect(report?.result.meta.notes.join()).not.toMatch(/price table/);
    } finally {
      await engine.close();
    }
  });
});

describe('the cost of an analysis that failed', () => {
  const ledgered = (config: () => LlmConfig, timeoutMs?: number) => {
    const ledger = new SpendLedger({ dailyUsd: 1 });
    const inner = createLlmAnalyzer({ config, maxRetries: 0, timeoutMs });
    const analyzer = createFallbackAnalyzer({ llm: () => inner, ledger, onFailure: () => {} });
    return { ledger, inner, analyzer };
  };

  it('should be booked at the paid answer that failed validation when the repair call then fails ($0 before)', async () => {
    llm.reply((_request, index) =>
      index === 0
        ? {
            content: JSON.stringify({ ...fakeAnalysis(), severity: 'urgent' }),
            usage: { prompt_tokens: 1_500, completion_tokens: 1_000 },
          }
        : { status: 500 },
    );
    const { ledger, analyzer } = ledgered(openai());
    const result = await analyzer.analyze(event());
    expect(result.meta.analyzer).toBe('offline');
    expect(llm.requests).toHaveLength(2);
    expect(ledger.summary().calls).toBe(1);
    expect(ledger.summary().totalUsd).toBeCloseTo(costOf('openai', 'gpt-4o-mini', 1_500, 1_000)!, 12);
  });

  it('should be booked at an empty answer (an Anthropic refusal) that was billed', async () => {
    llm.reply((request) => ({
      body: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: request.body.model,
        content: [],
        stop_reason: 'refusal',
        stop_sequence: null,
        usage: { input_tokens: 1_400, output_tokens: 5 },
      },
    }));
    const { ledger, analyzer } = ledgered(() => ({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      apiKey: 'sk-ant',
      baseURL: llm.anthropicUrl,
    }));
    const result = await analyzer.analyze(event());
    expect(result.meta.analyzer).toBe('offline');
    expect(ledger.summary().totalUsd).toBeCloseTo(costOf('anthropic', 'claude-haiku-4-5', 1_400, 5)!, 12);
  });

  it('should be booked at the estimate when a call was cut off at its deadline (what it cost is unknown)', async () => {
    llm.reply(() => ({ content: JSON.stringify(fakeAnalysis({ evidence: ['x'] })), delayMs: 1_000 }));
    const { ledger, inner, analyzer } = ledgered(openai(), 200);
    const result = await analyzer.analyze(event());
    expect(result.meta.analyzer).toBe('offline');
    expect(ledger.summary().totalUsd).toBeCloseTo(inner.estimateCostUsd?.() ?? Number.NaN, 12);
  });
});

describe('the LLM timeout', () => {
  it('should bound the whole analysis, its repair round included (each call had its own)', async () => {
    llm.reply((_request, index) => ({
      delayMs: 400,
      content: JSON.stringify(
        index === 0 ? { ...fakeAnalysis(), severity: 'urgent' } : fakeAnalysis({ evidence: ['x'] }),
      ),
    }));
    const analyzer = createLlmAnalyzer({
      config: () => ({ provider: 'openai', model: 'gpt-4o-mini', apiKey: 'sk', baseURL: llm.url }),
      timeoutMs: 600,
      maxRetries: 0,
    });
    // Each call answers within 600 ms, the two together do not: with a deadline per call the repair
    // round's valid answer was taken. No time is asserted (these machines are noisy): the outcome tells.
    await expect(analyzer.analyze(event())).rejects.toThrow();
    expect(llm.requests).toHaveLength(2);
  });
});

describe('a refusal', () => {
  // It was taken for an invalid answer: asked again (a second paid call), then noted as "expected object,
  // received undefined".
  it('should end the analysis at once, saying the model refused and why, at what it cost (OpenAI)', async () => {
    llm.reply(() => ({
      refusal: "I'm sorry, I can't help with jane@example.com's records.",
      usage: { prompt_tokens: 1_400, completion_tokens: 12 },
    }));
    const ledger = new SpendLedger({ dailyUsd: 1 });
    const analyzer = createFallbackAnalyzer({
      llm: () => createLlmAnalyzer({ config: openai(), maxRetries: 0 }),
      ledger,
      onFailure: () => {},
    });
    const result = await analyzer.analyze(event());
    expect(llm.requests).toHaveLength(1);
    expect(result.meta.analyzer).toBe('offline');
    // Scrubbed as any error text: the refusal is the model's, and may quote the log.
    expect(result.meta.notes[0]).toBe(
      "LLM analysis failed (the model refused to answer: I'm sorry, I can't help with [email]'s records.): offline rules answered",
    );
    expect(ledger.summary().totalUsd).toBeCloseTo(costOf('openai', 'gpt-4o-mini', 1_400, 12)!, 12);
  });

  it.each([
    [
      'its explanation',
      'The request was flagged by a safety classifier.',
      'The request was flagged by a safety classifier.',
    ],
    ['no explanation', '', undefined],
  ])(
    'should end the analysis at once on Anthropic\'s stop_reason "refusal", with %s, not quoting the cut-off answer',
    async (_name, explanation, said) => {
      llm.reply(() => ({
        refusal: explanation,
        content: '{"title": "Payment declined for',
        usage: { prompt_tokens: 1_400, completion_tokens: 5 },
      }));
      const analyzer = createLlmAnalyzer({ config: anthropic(), maxRetries: 0 });
      const failure = await analyzer.analyze(event()).catch((error: unknown) => error);
      expect(llm.requests).toHaveLength(1);
      expect(failure).toMatchObject({
        name: 'LlmCallError',
        message: said
          ? `the model refused to answer: ${said}`
          : 'the model refused to answer (finish reason refusal)',
      });
      expect((failure as { costUsd?: number }).costUsd).toBeCloseTo(
        costOf('anthropic', 'claude-haiku-4-5', 1_400, 5)!,
        12,
      );
    },
  );
});

describe("Groq's json_validate_failed", () => {
  // Groq's best-effort mode answers an answer that failed its schema check with a 400: it went straight to
  // the offline rules, counted against the circuit breaker, with no repair round.
  it('should be an invalid answer: its failed generation asked once more to be corrected', async () => {
    const failed = JSON.stringify({ ...fakeAnalysis({ evidence: ['x'] }), severity: 'High' });
    llm.reply((_request, index) =>
      index === 0
        ? groqJsonValidateFailed(failed)
        : { content: JSON.stringify(fakeAnalysis({ evidence: ['x'] })) },
    );
    const breaker = new CircuitBreaker(1);
    const failures: unknown[] = [];
    const analyzer = createFallbackAnalyzer({
      llm: () => createLlmAnalyzer({ config: groq(), maxRetries: 0 }),
      breaker,
      onFailure: (error) => failures.push(error),
    });
    const result = await analyzer.analyze(event());
    expect(llm.requests).toHaveLength(2);
    expect(result.meta.analyzer).toBe('llm');
    expect(result.meta.notes[0]).toMatch(
      /^first answer failed validation \(severity: .*\); asked once more$/,
    );
    expect(llm.requests[1]!.body.messages?.slice(-2)).toEqual([
      { role: 'assistant', content: failed },
      { role: 'user', content: expect.stringMatching(/^That answer is not valid: severity: /) },
    ]);
    expect(failures).toEqual([]);
    expect(breaker.blocked()).toBeUndefined();
  });

  it('should take a failed generation that holds a valid analysis, fenced in prose, at once', async () => {
    const json = JSON.stringify(fakeAnalysis({ evidence: ['x'] }), null, 2);
    llm.reply(() => groqJsonValidateFailed(`Here is the analysis:\n\`\`\`json\n${json}\n\`\`\``));
    const result = await createLlmAnalyzer({ config: groq(), maxRetries: 0 }).analyze(event());
    expect(llm.requests).toHaveLength(1);
    expect(result.analysis.title).toBe('Database connection pool exhausted');
    // Groq's error gives no usage: the answer is counted here.
    expect(result.meta.notes).toContain(USAGE_ESTIMATED_NOTE);
  });
});

describe('evidence the model was not given', () => {
  // A made-up quote passed for verbatim evidence and kept the model's full confidence.
  it('should be dropped, with a note, and confidence capped when no quote is left', async () => {
    llm.reply(() => ({
      content: JSON.stringify(
        fakeAnalysis({
          category: 'auth',
          confidence: 0.99,
          evidence: ['FATAL: password authentication failed for user "app"'],
        }),
      ),
    }));
    const result = await createLlmAnalyzer({ config: openai(), maxRetries: 0 }).analyze(event());
    expect(result.meta.analyzer).toBe('llm');
    expect(result.analysis.evidence).toEqual([]);
    expect(result.analysis.confidence).toBe(UNSUPPORTED_CONFIDENCE_CAP);
    expect(result.meta.notes).toContain(
      `dropped 1 of 1 evidence quote: not found in the data the model was given; none left, so confidence capped at ${UNSUPPORTED_CONFIDENCE_CAP}`,
    );
    expect(result.markdown).not.toContain('password authentication failed');
  });

  it('should keep quotes of the data as the prompt held it, redacted, whitespace aside', async () => {
    llm.reply((request) => {
      const line = lastErrorLine(request.prompt) ?? '';
      return {
        content: JSON.stringify(
          fakeAnalysis({
            evidence: [
              line,
              // A part of the line, its spaces collapsed.
              'Payment declined for [email] (card declined)',
              // What redaction took out: the model never saw it.
              line.replace('[email]', 'jane@example.com'),
            ],
          }),
        ),
      };
    });
    const engine = createEngine({
      env: {
        TRIAGE_LLM_PROVIDER: 'openai',
        TRIAGE_LLM_MODEL: 'gpt-4o-mini',
        TRIAGE_LLM_API_KEY: 'sk-x',
        TRIAGE_LLM_BASE_URL: llm.url,
      },
      notifiers: [],
    });
    try {
      const report = await engine.process({
        input: {
          service: 'api',
          log: ['INFO: start', 'ERROR: Payment declined for jane@example.com   (card declined)'],
        },
      });
      const line = lastErrorLine(llm.requests[0]!.prompt) ?? '';
      expect(line).toContain('Payment declined for [email]   (card declined)');
      expect(report?.result.meta.analyzer).toBe('llm');
      expect(report?.result.analysis.evidence).toEqual([
        line,
        'Payment declined for [email] (card declined)',
      ]);
      expect(report?.result.analysis.confidence).toBe(0.85);
      expect(report?.result.meta.notes).toContain(
        'dropped 1 of 3 evidence quotes: not found in the data the model was given',
      );
    } finally {
      await engine.close();
    }
  });
});
