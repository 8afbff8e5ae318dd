import { parseArgs } from 'node:util';
import { analyzeOffline } from '@triage/core';
import { type Analyzer, createLlmAnalyzer, readEngineSettings, readLlmConfig } from '@triage/engine';
import { loadCases } from '../eval/eval-case.js';
import { formatReports, runEval } from '../eval/run-eval.js';
import type { CommandIo } from './command-io.js';
import { InputError } from './input-error.js';

export const EVAL_USAGE = `Usage: triage eval [DIR] [--json]

Runs the labelled cases in DIR (default eval/cases) through the offline rules,
and through the configured LLM when one is set, and prints category accuracy,
facts found, prompt tokens, cost and latency.`;

/** `triage eval` (`npm run eval`). Exit code 0 when it ran, whatever the scores. */
export async function evalCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(`${EVAL_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new InputError('eval takes at most one DIR');
  const dir = positionals[0] ?? 'eval/cases';
  let cases: ReturnType<typeof loadCases>;
  try {
    cases = loadCases(dir);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
  if (cases.length === 0) throw new InputError(`no cases (*.json) in ${dir}`);
  const offline: Analyzer = { name: 'offline', analyze: async (event) => analyzeOffline(event) };
  const reports = [await runEval('offline rules', cases, offline)];
  const settings = readEngineSettings(io.env);
  const config = readLlmConfig(io.env, settings.llm);
  if (config) {
    const llm = createLlmAnalyzer({
      config: () => config,
      timeoutMs: settings.llmTimeoutMs,
      maxPromptTokens: settings.maxPromptTokens,
      maxOutputTokens: settings.maxOutputTokens,
    });
    reports.push(await runEval(`${config.provider}/${config.model}`, cases, llm));
  } else {
    io.stderr(
      'triage eval: no LLM configured (set GROQ_API_KEY or TRIAGE_LLM_PROVIDER): offline rules only\n',
    );
  }
  io.stdout(
    values.json ? `${JSON.stringify(reports, null, 2)}\n` : `${formatReports(reports, cases.length)}\n`,
  );
  return 0;
}
