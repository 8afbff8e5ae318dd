import { parseArgs } from 'node:util';
import {
  type AnalysisResult,
  createRedactor,
  fingerprintEvent,
  InvalidEventError,
  normalizeEvent,
  type Redactor,
  type TriageEvent,
} from '@triage/core';
import { analyzerFromSettings, readEngineSettings, readLlmConfig } from '@triage/engine';
import type { CommandIo } from './command-io.js';
import { InputError } from './input-error.js';
import { mapJsonLines } from './map-json-lines.js';
import { parseLogInput, readInput, readLines } from './read-input.js';

export const DIAGNOSE_USAGE = `Usage: triage diagnose [FILE] [--json] [--offline] [--dry-run]
       triage diagnose --jsonl FILE

Reads a log excerpt from FILE or stdin (plain lines, a JSON or Sentry event, or a
structured logger's JSON) until its end, and prints why it failed, what it costs,
how to fix it and how to prevent it. Ctrl-C stops reading (\`kubectl logs -f\`) and
diagnoses what came; of a log larger than 50 MB, the last 50 MB are read.

  --json      print the structured analysis as JSON
  --jsonl     FILE holds one event per line (an event, {"log": [...]}, a
              Sentry event or a logger's record);
              print one JSON analysis per line, in order, for every
              line whatever the size of FILE
  --offline   use the offline rules even when an LLM is configured
  --dry-run   print the prompt the LLM would get, call nothing (TRIAGE_DRY_RUN=1)

Examples:
  kubectl logs pod/api-7d9f | triage diagnose
  triage diagnose --json error.log
  triage diagnose --jsonl events.jsonl > analyses.jsonl`;

/** `triage diagnose`: redact, then analyze (LLM or offline rules), then print. Returns the exit code. */
export async function diagnoseCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: 'boolean' },
      jsonl: { type: 'boolean' },
      offline: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(`${DIAGNOSE_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new InputError('diagnose takes at most one FILE');
  const env = values['dry-run'] ? { ...io.env, TRIAGE_DRY_RUN: '1' } : io.env;
  const settings = readEngineSettings(env);
  // A bad LLM setting is an error at start, not a silent fallback.
  if (!values.offline) readLlmConfig(env, settings.llm);
  const analyzer = analyzerFromSettings({
    env,
    settings,
    offline: values.offline,
    onFailure: (error) =>
      io.stderr(`triage: LLM analysis failed, offline rules answered: ${(error as Error).message}\n`),
    dryRunOutput: (text) => io.stderr(text),
  });
  const redactor = createRedactor();
  const reading = { notice: io.stderr, interrupts: process };
  if (values.jsonl) {
    return mapJsonLines(readLines(positionals[0], io.stdin, reading), io, 'diagnosed', async (input) => {
      const event = toEvent(input, redactor);
      return toJson(event, await analyzer.analyze(event));
    });
  }

  const text = await readInput(positionals[0], io.stdin, reading);
  const event = toEvent(parseLogInput(text), redactor);
  const result = tidy(await analyzer.analyze(event), values.offline);
  io.stdout(values.json ? `${JSON.stringify(toJson(event, result), null, 2)}\n` : `${result.markdown}\n`);
  return 0;
}

function toEvent(input: unknown, redactor: Redactor): TriageEvent {
  try {
    return redactor.event(normalizeEvent(input));
  } catch (error) {
    if (InvalidEventError.isInstance(error)) throw new InputError(error.message);
    throw error;
  }
}

function toJson(event: TriageEvent, result: AnalysisResult) {
  const { fingerprint, title } = fingerprintEvent(event);
  return { ...result.analysis, fingerprint, issueTitle: title, meta: result.meta };
}

// With --offline the user asked for the rules: "no LLM configured" would be noise.
function tidy(result: AnalysisResult, offline: boolean | undefined): AnalysisResult {
  if (offline) result.meta.notes = result.meta.notes.filter((note) => !note.startsWith('no LLM configured'));
  return result;
}
