import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeEvent } from '@triage/core';
import { describe, expect, it } from 'vitest';
import { buildPrompt, MIN_PROMPT_TOKENS, promptOwnTokens } from '../analyzers/build-prompt.js';
import { readEngineSettings } from './engine-settings.js';

const configFile = (content: unknown) => {
  const path = join(mkdtempSync(join(tmpdir(), 'triage-config-')), 'triage.config.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('readEngineSettings', () => {
  it('should read defaults, then the file, then the environment over it', () => {
    expect(readEngineSettings({})).toMatchObject({
      maxPromptTokens: 1_500,
      llmTimeoutMs: 20_000,
      dryRun: false,
    });
    const path = configFile({
      llm: { provider: 'ollama', maxPromptTokens: 900 },
      budgets: { dailyUsd: 2 },
      routing: {
        rules: [{ priority: ['P0'], channels: ['pagerduty'] }],
        quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/Paris' },
      },
    });
    const settings = readEngineSettings({ TRIAGE_CONFIG: path, TRIAGE_LLM_DAILY_BUDGET_USD: '5' });
    expect(settings).toMatchObject({ maxPromptTokens: 900, dailyBudgetUsd: 5, llm: { provider: 'ollama' } });
    expect(settings.routing?.rules).toEqual([{ priority: ['P0'], channels: ['pagerduty'] }]);
    // The rules replace the matrix; every alert still goes to the webhook unless `always` says otherwise.
    expect(settings.routing?.always).toEqual(['webhook']);
    const none = configFile({ routing: { rules: [{ channels: ['slack'] }], always: [] } });
    expect(readEngineSettings({ TRIAGE_CONFIG: none }).routing?.always).toEqual([]);
  });

  it('should take TRIAGE_DRY_RUN as a switch, and refuse what is not one', () => {
    for (const on of ['1', 'true', 'YES', ' on '])
      expect(readEngineSettings({ TRIAGE_DRY_RUN: on }).dryRun).toBe(true);
    for (const off of ['0', 'false', 'no', 'off', ''])
      expect(readEngineSettings({ TRIAGE_DRY_RUN: off }).dryRun).toBe(false);
    // "maybe" meant off without a word.
    expect(() => readEngineSettings({ TRIAGE_DRY_RUN: 'maybe' })).toThrow(
      'TRIAGE_DRY_RUN must be 1 or 0 (true/false, yes/no, on/off), got "maybe"',
    );
  });

  it('should refuse at start-up a routing rule with an unknown channel, naming it', () => {
    const path = configFile({ routing: { rules: [{ channels: ['carrier-pigeon'] }] } });
    expect(() => readEngineSettings({ TRIAGE_CONFIG: path })).toThrow(
      /routing\.rules\.0\.channels\.0: unknown channel "carrier-pigeon"; channels are pagerduty, email, slack, webhook, digest/,
    );
  });

  it('should refuse bad values with the variable or key in the message', () => {
    expect(() => readEngineSettings({ TRIAGE_MAX_PROMPT_TOKENS: 'lots' })).toThrow(
      /TRIAGE_MAX_PROMPT_TOKENS must be a whole number/,
    );
    expect(() => readEngineSettings({ TRIAGE_CONFIG: configFile('{ nope') })).toThrow(
      /^TRIAGE_CONFIG=.*JSON/,
    );
    expect(() =>
      readEngineSettings({
        TRIAGE_CONFIG: configFile({ routing: { rules: [], quietHours: { start: '9pm', end: '07:00' } } }),
      }),
    ).toThrow(/quietHours\.start: must be HH:MM/);
    expect(() =>
      readEngineSettings({
        TRIAGE_CONFIG: configFile({
          routing: { rules: [], quietHours: { start: '22:00', end: '07:00', timeZone: 'Mars/Olympus' } },
        }),
      }),
    ).toThrow(/unknown time zone "Mars\/Olympus"/);
    expect(() => readEngineSettings({ TRIAGE_CONFIG: '/nonexistent/triage.json' })).toThrow(/ENOENT/);
  });

  it('should take TRIAGE_LLM_TIMEOUT_MS as a whole number of ms a timer can wait (a fraction or more sent every analysis offline)', () => {
    expect(readEngineSettings({ TRIAGE_LLM_TIMEOUT_MS: '2147483647' }).llmTimeoutMs).toBe(2_147_483_647);
    for (const bad of ['2500.5', '86400000000', '2147483648']) {
      expect(() => readEngineSettings({ TRIAGE_LLM_TIMEOUT_MS: bad })).toThrow(
        `TRIAGE_LLM_TIMEOUT_MS must be a whole number from 100 to 2147483647, got "${bad}"`,
      );
    }
    expect(() => readEngineSettings({ TRIAGE_CONFIG: configFile({ llm: { timeoutMs: 2.5e9 } }) })).toThrow(
      /llm\.timeoutMs/,
    );
  });

  it("should take TRIAGE_LLM_MAX_OUTPUT_TOKENS, then llm.maxOutputTokens, unset meaning the model's default", () => {
    expect(readEngineSettings({}).maxOutputTokens).toBeUndefined();
    expect(readEngineSettings({ TRIAGE_LLM_MAX_OUTPUT_TOKENS: ' 8000 ' }).maxOutputTokens).toBe(8_000);
    const path = configFile({ llm: { maxOutputTokens: 16_000 } });
    expect(readEngineSettings({ TRIAGE_CONFIG: path }).maxOutputTokens).toBe(16_000);
    expect(
      readEngineSettings({ TRIAGE_CONFIG: path, TRIAGE_LLM_MAX_OUTPUT_TOKENS: '4000' }).maxOutputTokens,
    ).toBe(4_000);
    for (const bad of ['lots', '499', '100001', '2500.5']) {
      expect(() => readEngineSettings({ TRIAGE_LLM_MAX_OUTPUT_TOKENS: bad })).toThrow(
        `TRIAGE_LLM_MAX_OUTPUT_TOKENS must be a whole number from 500 to 100000, got "${bad}"`,
      );
    }
    for (const bad of [100, 250_000, 1_000.5]) {
      expect(() =>
        readEngineSettings({ TRIAGE_CONFIG: configFile({ llm: { maxOutputTokens: bad } }) }),
      ).toThrow(/llm\.maxOutputTokens/);
    }
  });

  it('should refuse a prompt budget smaller than the prompt itself, naming the smallest that works', async () => {
    expect(() => readEngineSettings({ TRIAGE_MAX_PROMPT_TOKENS: '500' })).toThrow(
      'TRIAGE_MAX_PROMPT_TOKENS must be a whole number ≥ 800, got "500"',
    );
    expect(() =>
      readEngineSettings({ TRIAGE_CONFIG: configFile({ llm: { maxPromptTokens: 500 } }) }),
    ).toThrow(/llm\.maxPromptTokens/);
    expect(readEngineSettings({ TRIAGE_MAX_PROMPT_TOKENS: '800' }).maxPromptTokens).toBe(800);
    // The smallest holds the prompt's own text and the smallest context.
    expect(await promptOwnTokens()).toBeLessThanOrEqual(MIN_PROMPT_TOKENS - 100);
    // The figure README's configuration table gives: a prompt that grows must say so there too.
    expect(await promptOwnTokens()).toBe(678);
    const built = await buildPrompt(
      normalizeEvent({
        source: { file: 'src/a.ts', function: 'f' },
        log: Array(200).fill('ERROR: pool exhausted'),
      }),
      { maxPromptTokens: MIN_PROMPT_TOKENS },
    );
    expect(built.tokens).toBeLessThanOrEqual(MIN_PROMPT_TOKENS);
  });
});
