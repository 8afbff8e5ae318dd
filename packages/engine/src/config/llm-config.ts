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
