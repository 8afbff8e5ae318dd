import { CATEGORY_DEFINITIONS } from '../analysis/taxonomy.js';
import type { AnalysisContext } from '../context/build-context.js';

export interface PromptTemplate {
  /** e.g. `v1`: stored with every analysis the template produced. */
  version: string;
  text: string;
}

/**
 * Fills a versioned prompt template. The log is fenced as untrusted data: any
 * fence marker inside it is defused so a crafted line cannot close the fence.
 */
export function renderPrompt(template: PromptTemplate, context: AnalysisContext): string {
  const metadata = Object.entries(context.metadata)
    .map(([key, value]) => `${key.toUpperCase()}: ${defuse(value)}`)
    .join('\n');
  const categories = Object.entries(CATEGORY_DEFINITIONS)
    .map(([name, definition]) => `- ${name}: ${definition}`)
    .join('\n');
  const values: Record<string, string> = {
    metadata: metadata || '(none)',
    error: defuse(context.errorText) || '(no error object captured)',
    log: defuse(context.logText) || '(no log lines captured)',
    omitted: context.omitted.length > 0 ? context.omitted.join('; ') : 'nothing',
    categories,
  };
  return template.text.replace(/\{\{\s*(\w+)\s*\}\}/g, (match, name: string) => values[name] ?? match);
}

function defuse(text: string): string {
  return text.replace(/<{3,}|>{3,}|```/g, (marker) => marker.split('').join(' '));
}
