import { readFileSync } from 'node:fs';
import { DEFAULT_ROUTING_POLICY, type RoutingPolicy } from '@triage/core';
import { z } from 'zod';
import { MIN_PROMPT_TOKENS } from '../analyzers/build-prompt.js';
import { ConfigError } from '../errors/config-error.js';
import { MAX_OUTPUT_TOKENS, MIN_OUTPUT_TOKENS } from './llm-config.js';
import { numberFromEnv } from './number-from-env.js';
import { checkTimeZone, routingSchema } from './routing-schema.js';

type Env = Record<string, string | undefined>;

/** The longest a Node timer waits (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** Settings of the diagnosis step, from a config file (`TRIAGE_CONFIG`) and the environment (which wins). */
export interface EngineSettings {
  maxPromptTokens: number;
  /** The LLM's output cap, reasoning included; unset means the model's default (maxOutputTokensFor). */
  maxOutputTokens?: number;
  llmTimeoutMs: number;
  dailyBudgetUsd?: number;
  handlerDailyBudgetUsd?: number;
  cacheTtlMs: number;
  dryRun: boolean;
  /** Routing policy from the file; unset means the default matrix. */
  routing?: RoutingPolicy;
  /** LLM settings from the file; secrets stay in the environment. */
  llm?: { provider?: string; model?: string; baseURL?: string; apiKeyEnv?: string };
}

const fileSchema = z
  .object({
    llm: z
      .object({
        provider: z.string().optional(),
        model: z.string().optional(),
        baseURL: z.string().url().optional(),
        apiKeyEnv: z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]*$/)
          .optional(),
        maxPromptTokens: z.number().int().min(MIN_PROMPT_TOKENS).optional(),
        maxOutputTokens: z.number().int().min(MIN_OUTPUT_TOKENS).max(MAX_OUTPUT_TOKENS).optional(),
        timeoutMs: z.number().int().min(100).max(MAX_TIMER_MS).optional(),
        cacheTtlMs: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    routing: routingSchema.optional(),
    budgets: z
      .object({ dailyUsd: z.number().min(0).optional(), handlerDailyUsd: z.number().min(0).optional() })
      .strict()
      .optional(),
  })
  .passthrough();

/** Reads and validates the settings; a bad value is a ConfigError naming the variable or key. */
export function readEngineSettings(env: Env = process.env): EngineSettings {
  const file = env.TRIAGE_CONFIG ? readConfigFile(env.TRIAGE_CONFIG) : {};
  const llm = file.llm ?? {};
  return {
    maxPromptTokens:
      numberFromEnv(env, 'TRIAGE_MAX_PROMPT_TOKENS', { min: MIN_PROMPT_TOKENS, integer: true }) ??
      llm.maxPromptTokens ??
      1_500,
    maxOutputTokens:
      numberFromEnv(env, 'TRIAGE_LLM_MAX_OUTPUT_TOKENS', {
        min: MIN_OUTPUT_TOKENS,
        max: MAX_OUTPUT_TOKENS,
        integer: true,
      }) ?? llm.maxOutputTokens,
    // A timer's longest wait: a fraction or a longer one made AbortSignal.timeout throw, and every
    // analysis fell back to the offline rules.
    llmTimeoutMs:
      numberFromEnv(env, 'TRIAGE_LLM_TIMEOUT_MS', { min: 100, max: MAX_TIMER_MS, integer: true }) ??
      llm.timeoutMs ??
      20_000,
    dailyBudgetUsd: numberFromEnv(env, 'TRIAGE_LLM_DAILY_BUDGET_USD', { min: 0 }) ?? file.budgets?.dailyUsd,
    handlerDailyBudgetUsd:
      numberFromEnv(env, 'TRIAGE_LLM_HANDLER_DAILY_BUDGET_USD', { min: 0 }) ?? file.budgets?.handlerDailyUsd,
    cacheTtlMs:
      numberFromEnv(env, 'TRIAGE_LLM_CACHE_TTL_MS', { min: 0 }) ?? llm.cacheTtlMs ?? 24 * 60 * 60 * 1000,
    dryRun: switchFromEnv(env, 'TRIAGE_DRY_RUN'),
    routing: file.routing
      ? withDefaultAlways(checkTimeZone(file.routing as RoutingPolicy, 'TRIAGE_CONFIG: '))
      : undefined,
    llm: file.llm
      ? { provider: llm.provider, model: llm.model, baseURL: llm.baseURL, apiKeyEnv: llm.apiKeyEnv }
      : undefined,
  };
}

function readConfigFile(path: string): z.infer<typeof fileSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`TRIAGE_CONFIG=${path}: ${(error as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`TRIAGE_CONFIG=${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * A routing file's rules replace the matrix, not the channels every alert goes to: without `always`,
 * the webhook (which the README says gets every alert) got none. `"always": []` turns that off.
 */
function withDefaultAlways(routing: RoutingPolicy): RoutingPolicy {
  return routing.always === undefined ? { ...routing, always: DEFAULT_ROUTING_POLICY.always } : routing;
}

/** An on/off variable: `1`, `true`, `yes` or `on`; `0`, `false`, `no`, `off` or blank; anything else names it. */
function switchFromEnv(env: Record<string, string | undefined>, name: string): boolean {
  const value = env[name]?.trim().toLowerCase() ?? '';
  if (/^(1|true|yes|on)$/.test(value)) return true;
  if (/^(0|false|no|off|)$/.test(value)) return false;
  throw new ConfigError(
    `${name} must be 1 or 0 (true/false, yes/no, on/off), got "${env[name]?.slice(0, 40)}"`,
  );
}
