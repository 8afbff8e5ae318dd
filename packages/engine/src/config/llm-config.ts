import { urlUserinfo } from '../analyzers/scrub-secrets.js';
import { ConfigError } from '../errors/config-error.js';

export const LLM_PROVIDERS = ['groq', 'openai', 'anthropic', 'ollama', 'openai-compatible'] as const;
export type LlmProviderName = (typeof LLM_PROVIDERS)[number];

export interface LlmConfig {
  provider: LlmProviderName;
  model: string;
  apiKey?: string;
  baseURL?: string;
}

/** The write-up's choice: fast and about $0.0001 per analysis. */
export const DEFAULT_MODELS: Record<LlmProviderName, string | undefined> = {
  groq: 'meta-llama/llama-4-scout-17b-16e-instruct',
  openai: 'gpt-4o-mini',
  anthropic: 'claude-haiku-4-5',
  ollama: 'llama3.1',
  'openai-compatible': undefined,
};

/**
 * The most tokens an answer may take when nothing is configured (TRIAGE_LLM_MAX_OUTPUT_TOKENS), for a
 * model that writes its answer straight away: the analysis takes a few hundred. Without a cap,
 * Anthropic's client asked for the model's maximum (64,000) and the others for none: a runaway answer
 * (JSON mode's endless whitespace) was billed at up to 64 times the 1,000 tokens the estimate assumed.
 */
export const DEFAULT_MAX_OUTPUT_TOKENS = 2_000;

/**
 * The default for a model known to reason (see reasoningOf), whose cap (OpenAI's
 * `max_completion_tokens`) covers its hidden reasoning too: at 2,000, o4-mini could spend them all
 * reasoning and answer with nothing. OpenAI's reasoning guide recommends reserving at least 25,000
 * tokens for reasoning and outputs to start with; a cap costs only what is generated under it, but the
 * budgets book each call at it until it answers.
 */
export const REASONING_MAX_OUTPUT_TOKENS = 25_000;

/**
 * The same on a server of one's own (Ollama, vLLM and the like), whose context is often 8–32k tokens: a
 * prompt and 25,000 past it are refused (vLLM answers 400), and every analysis fell to the rules.
 */
export const LOCAL_REASONING_MAX_OUTPUT_TOKENS = 8_000;

/** What TRIAGE_LLM_MAX_OUTPUT_TOKENS takes: under 500 the analysis itself may not fit. */
export const MIN_OUTPUT_TOKENS = 500;
export const MAX_OUTPUT_TOKENS = 100_000;

/** The reasoning effort a model is asked for, as its provider's AI SDK client takes it. */
export type ReasoningEffort = 'low';

/**
 * Whether the model reasons before it answers, spending output tokens the answer never shows (or
 * `<think>` text before it), and the effort to ask of it where its provider takes one that is lower
 * than the model's default; `undefined` for a model not known to reason. Known by name: a model it does
 * not know keeps the default cap, which TRIAGE_LLM_MAX_OUTPUT_TOKENS raises.
 */
export function reasoningOf({
  provider,
  model,
}: Pick<LlmConfig, 'provider' | 'model'>): { effort?: ReasoningEffort } | undefined {
  if (provider === 'anthropic') return undefined; // Claude thinks only when asked to, and it is not.
  if (provider === 'openai') {
    // As the AI SDK's OpenAI client tells them (it then sends `max_completion_tokens`, and no
    // temperature): the o-series, and GPT-5 and later but gpt-5-chat. The o-series' and GPT-5's default
    // effort is medium; GPT-5.1's is none, which `low` would raise, and later ones are left at theirs;
    // o1-mini and o1-preview take no effort at all.
    if (/^o\d+(-|$)/.test(model)) return /^o1-(mini|preview)/.test(model) ? {} : { effort: 'low' };
    const gpt = /^gpt-(\d+)(\.\d+)?(-.+)?$/.exec(model);
    if (!gpt || Number(gpt[1]) < 5) return undefined;
    if (gpt[1] === '5' && !gpt[2]) return gpt[3]?.startsWith('-chat') ? undefined : { effort: 'low' };
    return {};
  }
  if (provider === 'groq') {
    // Groq's gpt-oss take low, medium (their default) or high; qwen3 only none or default (on).
    if (/^openai\/gpt-oss-/.test(model)) return { effort: 'low' };
    return /^(qwen\/qwen3-|qwen-qwq-|deepseek-r1-)/.test(model) ? {} : undefined;
  }
  // A local or compatible server: its reasoning models by their usual names, no effort asked (what a
  // server does with one it does not know varies, from ignoring it to refusing the request).
  return /deepseek-r1|deepseek-reasoner|qwq|gpt-oss|qwen3(?![\w.:-]*(instruct|coder))|thinking/i.test(model)
    ? {}
    : undefined;
}

/** The output cap an analysis asks `config`'s model for: the configured one, or its default. */
export function maxOutputTokensFor(
  config: Pick<LlmConfig, 'provider' | 'model'>,
  configured: number | undefined,
): number {
  if (configured !== undefined) return configured;
  if (!reasoningOf(config)) return DEFAULT_MAX_OUTPUT_TOKENS;
  const local = config.provider === 'ollama' || config.provider === 'openai-compatible';
  return local ? LOCAL_REASONING_MAX_OUTPUT_TOKENS : REASONING_MAX_OUTPUT_TOKENS;
}

const KEY_VARIABLES: Record<LlmProviderName, string | undefined> = {
  groq: 'GROQ_API_KEY',
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  ollama: undefined,
  'openai-compatible': undefined,
};

type Env = Record<string, string | undefined>;

/** The `llm` section of the config file: never the key itself, only the variable that holds it. */
export interface FileLlmSettings {
  provider?: string;
  model?: string;
  baseURL?: string;
  apiKeyEnv?: string;
}

/**
 * Reads the LLM settings from the environment at call time, so a key added or
 * removed later is honoured. `undefined` means "no LLM: use the offline rules".
 * A provider named but unusable is a ConfigError naming the variable.
 */
export function readLlmConfig(env: Env = process.env, file: FileLlmSettings = {}): LlmConfig | undefined {
  const named = (blankToUndefined(env.TRIAGE_LLM_PROVIDER) ?? file.provider)?.toLowerCase();
  if (named === 'none' || named === 'offline') return undefined;
  if (named !== undefined && !LLM_PROVIDERS.includes(named as LlmProviderName)) {
    throw new ConfigError(
      `TRIAGE_LLM_PROVIDER must be one of ${LLM_PROVIDERS.join(', ')} (or "offline"), got "${named}"`,
    );
  }
  const provider = (named ?? (blankToUndefined(env.GROQ_API_KEY) ? 'groq' : undefined)) as
    | LlmProviderName
    | undefined;
  if (!provider) return undefined;
  // The variables win; then the config file (its key by the variable it names, which the file chose
  // over the provider's usual one); then the provider's defaults. The file's model, base URL and key
  // variable were validated and then ignored: the README's own example failed at start-up.
  const fileKeyVariable = blankToUndefined(file.apiKeyEnv);
  const keyVariable = fileKeyVariable ?? KEY_VARIABLES[provider];
  const apiKey =
    blankToUndefined(env.TRIAGE_LLM_API_KEY) ??
    (keyVariable ? blankToUndefined(env[keyVariable]) : undefined);
  const envBaseURL = blankToUndefined(env.TRIAGE_LLM_BASE_URL);
  const baseURL = envBaseURL ?? blankToUndefined(file.baseURL);
  withoutCredentials(baseURL, envBaseURL ? 'TRIAGE_LLM_BASE_URL' : 'TRIAGE_CONFIG llm.baseURL');
  const model =
    blankToUndefined(env.TRIAGE_LLM_MODEL) ?? blankToUndefined(file.model) ?? DEFAULT_MODELS[provider];
  if (!model) {
    throw new ConfigError(
      `TRIAGE_LLM_MODEL is required with TRIAGE_LLM_PROVIDER=${provider} (or llm.model in TRIAGE_CONFIG)`,
    );
  }
  if (provider === 'openai-compatible' && !baseURL) {
    throw new ConfigError(
      'TRIAGE_LLM_BASE_URL is required with TRIAGE_LLM_PROVIDER=openai-compatible (or llm.baseURL in TRIAGE_CONFIG)',
    );
  }
  if (!apiKey && fileKeyVariable) {
    throw new ConfigError(
      `TRIAGE_CONFIG llm.apiKeyEnv names ${fileKeyVariable}, which is not set (nor is TRIAGE_LLM_API_KEY)`,
    );
  }
  if (!apiKey && keyVariable) {
    throw new ConfigError(
      `TRIAGE_LLM_PROVIDER=${provider} needs an API key: set ${keyVariable} or TRIAGE_LLM_API_KEY`,
    );
  }
  return { provider, model, apiKey, baseURL };
}

/**
 * A base URL with `user:pass@` is refused: fetch will not send such a URL, and its refusal quoted the
 * URL, password and all, into the analysis notes and the alert. The message does not repeat it.
 */
function withoutCredentials(baseURL: string | undefined, name: string): void {
  const { username, password } = urlUserinfo(baseURL);
  if (!username && !password) return;
  throw new ConfigError(
    `${name} must not hold credentials (user:password@): give the key in TRIAGE_LLM_API_KEY (sent as the provider's auth header), or put a proxy in front that adds them`,
  );
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value == null || value.trim() === '' ? undefined : value.trim();
}
