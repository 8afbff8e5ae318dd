import type { TokenCounter } from '@triage/core';

let counter: Promise<TokenCounter> | undefined;

/**
 * A real tokenizer (o200k, gpt-tokenizer), loaded on first use so that an
 * application without an LLM never pays for its tables (the LLM analyzer asks
 * for it when it is made: see createLlmAnalyzer). Llama and Claude
 * tokenize differently; o200k is within a few percent on log text and is what
 * the prompt budget is measured in.
 */
export function loadTokenCounter(): Promise<TokenCounter> {
  counter ??= import('gpt-tokenizer/encoding/o200k_base').then(
    ({ countTokens }) =>
      (text: string) =>
        countTokens(text),
  );
  return counter;
}
