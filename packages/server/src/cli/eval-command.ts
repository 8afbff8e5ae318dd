import { parseArgs } from 'node:util';
import { analyzeOffline } from '@triage/core';
import { type Analyzer, createLlmAnalyzer, readEngineSettings, readLlmConfig } from '@triage/engine';
import { type EvalCase, loadCases } from '../eval/eval-case.js';
import { formatReports, runEval } from '../eval/run-eval.js';
import type { CommandIo } from './command-io.js';
import { InputError } from './input-error.js';

export const EVAL_USAGE = `Usage: triage eval [DIR] [--json]

Runs the labelled cases in DIR (default eval/cases: the repository's, from its
root) through the offline rules, and through the configured LLM when one is
set, and prints category accuracy, facts found, prompt tokens, cost and latency.`;

/** Where the cases are in the repository, and where `triage eval` run at its root finds them. */
const DEFAULT_DIR = 'eval/cases';

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
  const dir = positionals[0];
  const cases = readCases(dir);
  if (cases.length === 0) throw new InputError(`no cases (*.json) in ${dir ?? DEFAULT_DIR}`);
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

/**
 * The cases of `dir`, or of eval/cases in the working directory. They ship with the repository, not
 * the package: run elsewhere, the default is missing, which needs saying as such (not as ENOENT).
 */
function readCases(dir: string | undefined): EvalCase[] {
  try {
    return loadCases(dir ?? DEFAULT_DIR);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && dir === undefined)
      throw new InputError(
        `no ${DEFAULT_DIR} here: give DIR, the directory of cases (they ship with the Triage repository, in ${DEFAULT_DIR})`,
      );
    if (code === 'ENOENT') throw new InputError(`cannot read ${dir}: no such directory`);
    if (code === 'ENOTDIR') throw new InputError(`cannot read ${dir}: not a directory`);
    throw new InputError((error as Error).message);
  }
}
