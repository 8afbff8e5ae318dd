import { readFileSync } from 'node:fs';
import { CHANNELS, DEFAULT_ROUTING_POLICY, type RoutingPolicy } from '@triage/core';
import { z } from 'zod';
import { MIN_PROMPT_TOKENS } from '../analyzers/build-prompt.js';
import { ConfigError } from '../errors/config-error.js';
import { numberFromEnv } from './number-from-env.js';

type Env = Record<string, string | undefined>;

/** The longest a Node timer waits (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** Settings of the diagnosis step, from a config file (`TRIAGE_CONFIG`) and the environment (which wins). */
export interface EngineSettings {
  maxPromptTokens: number;
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
        timeoutMs: z.number().int().min(100).max(MAX_TIMER_MS).optional(),
        cacheTtlMs: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    routing: z
      .object({
        rules: z.array(
          z
            .object({
              priority: z.array(z.enum(['P0', 'P1', 'P2', 'P3', 'unset'])).optional(),
              severity: z.array(z.enum(['critical', 'high', 'medium', 'low'])).optional(),
              channels: z.array(
                z.enum(CHANNELS, {
                  error: (issue) => `unknown channel "${issue.input}"; channels are ${CHANNELS.join(', ')}`,
                }),
              ),
            })
            .strict(),
        ),
        quietHours: z
          .object({
            start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM'),
            end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM'),
            timeZone: z.string().optional(),
          })
          .strict()
          .optional(),
        always: z.array(z.enum(CHANNELS)).optional(),
      })
      .strict()
      .optional(),
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
    routing: file.routing ? withDefaultAlways(validZone(file.routing as RoutingPolicy)) : undefined,
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

function validZone(routing: RoutingPolicy): RoutingPolicy {
  const zone = routing.quietHours?.timeZone;
  if (zone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
    } catch {
      throw new ConfigError(`TRIAGE_CONFIG: routing.quietHours.timeZone: unknown time zone "${zone}"`);
    }
  }
  return routing;
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
