/** USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/**
 * List prices checked for the models Triage defaults to. Groq's
 * llama-4-scout is priced as on Groq's pricing page ($0.11 in / $0.34 out);
 * the write-up quotes $0.10 for both. Unknown models cost `undefined`, never a guess.
 */
export const MODEL_PRICES: Record<string, ModelPrice> = {
  'groq:meta-llama/llama-4-scout-17b-16e-instruct': { input: 0.11, output: 0.34 },
  'groq:llama-3.1-8b-instant': { input: 0.05, output: 0.08 },
  'groq:llama-3.3-70b-versatile': { input: 0.59, output: 0.79 },
  'openai:gpt-4o-mini': { input: 0.15, output: 0.6 },
  'openai:gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'openai:gpt-4o': { input: 2.5, output: 10 },
  'openai:gpt-4.1': { input: 2, output: 8 },
  // Reasoning models, as copies of OpenAI's pricing page (March 2026) and Requesty's of Groq's give
  // them: not checked on the providers' own pages, which cannot be reached from here.
  'openai:o4-mini': { input: 1.1, output: 4.4 },
  'openai:o3': { input: 2, output: 8 },
  'openai:gpt-5': { input: 1.25, output: 10 },
  'openai:gpt-5-mini': { input: 0.25, output: 2 },
  'openai:gpt-5-nano': { input: 0.05, output: 0.4 },
  'groq:openai/gpt-oss-20b': { input: 0.1, output: 0.5 },
  'anthropic:claude-haiku-4-5': { input: 1, output: 5 },
  'anthropic:claude-sonnet-4-5': { input: 3, output: 15 },
  'anthropic:claude-3-5-haiku-latest': { input: 0.8, output: 4 },
};

/**
 * What a model missing from the table is booked at while a budget is set: Claude Opus's list price
 * ($15 in / $75 out), dearer than every model in the table, so that a budget errs on the side of
 * refusing. Unbooked, such a model cost $0 and the budgets never held it.
 */
export const UNPRICED_MODEL_PRICE: ModelPrice = { input: 15, output: 75 };

/** Cost of one call in USD; local models (ollama) are free; unknown models give `undefined`. */
export function costOf(
  provider: string,
  model: string,
  tokensIn: number,
  tokensOut: number,
  prices: Record<string, ModelPrice> = MODEL_PRICES,
): number | undefined {
  if (provider === 'ollama') return 0;
  const price = prices[`${provider}:${model}`];
  if (!price) return undefined;
  return (tokensIn * price.input + tokensOut * price.output) / 1_000_000;
}
