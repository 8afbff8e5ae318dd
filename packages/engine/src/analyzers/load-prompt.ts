import { readFileSync } from 'node:fs';
import type { PromptTemplate } from '@triage/core';

/** The prompt version new analyses use. */
export const CURRENT_PROMPT_VERSION = 'v2';

const cache = new Map<string, PromptTemplate>();

/** Reads `prompts/analysis/<version>.md` shipped with this package (once per version). */
export function loadPrompt(version: string = CURRENT_PROMPT_VERSION): PromptTemplate {
  if (!/^v\d+$/.test(version)) throw new RangeError(`prompt version must look like v1, got "${version}"`);
  let template = cache.get(version);
  if (!template) {
    const text = readFileSync(new URL(`../../prompts/analysis/${version}.md`, import.meta.url), 'utf8');
    template = { version, text };
    cache.set(version, template);
  }
  return template;
}
