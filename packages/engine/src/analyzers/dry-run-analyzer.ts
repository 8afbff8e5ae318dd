import { type AnalysisResult, analyzeOffline, renderMarkdown, type TriageEvent } from '@triage/core';
import type { Analyzer } from '../ports/analyzer.js';
import { type BuildPromptOptions, buildPrompt } from './build-prompt.js';

export interface DryRunOptions extends BuildPromptOptions {
  /** Where the prompt goes; default stdout. */
  write?: (text: string) => void;
}

/**
 * `TRIAGE_DRY_RUN=1` (the write-up's dry-run switch): builds and prints the
 * prompt the LLM would get, calls nothing, and answers with the offline rules.
 */
export function createDryRunAnalyzer({
  write = (text) => process.stdout.write(text),
  ...prompt
}: DryRunOptions = {}): Analyzer {
  return {
    name: 'dry-run',
    async analyze(event: TriageEvent): Promise<AnalysisResult> {
      const built = await buildPrompt(event, prompt);
      write(
        `--- triage dry run: prompt ${built.version}, ${built.tokens} tokens ---\n[system]\n${built.system}\n[user]\n${built.prompt}\n--- end of prompt ---\n`,
      );
      const result = analyzeOffline(event);
      result.meta.notes.unshift(`dry run: the ${built.tokens}-token prompt was printed, no LLM was called`);
      result.markdown = renderMarkdown(result.analysis, result.meta);
      return result;
    },
  };
}
