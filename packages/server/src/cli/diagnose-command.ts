import { parseArgs } from 'node:util';
import {
  createRedactor,
  fingerprintEvent,
  InvalidEventError,
  normalizeEvent,
  type TriageEvent,
} from '@triage/core';
import { createFallbackAnalyzer, createLlmAnalyzer, readLlmConfig } from '@triage/engine';
import { InputError } from './input-error.js';
import { parseLogInput, readInput } from './read-input.js';

export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

export const DIAGNOSE_USAGE = `Usage: triage diagnose [FILE] [--json] [--offline]

Reads a log excerpt from FILE or stdin (plain lines, a JSON event, or JSON lines)
and prints why it failed, what it costs, how to fix it and how to prevent it.

  --json      print the structured analysis as JSON
  --offline   use the offline rules even when an LLM is configured

Examples:
  kubectl logs pod/api-7d9f | triage diagnose
  triage diagnose --json error.log`;

/** `triage diagnose`: redact, then analyze (LLM or offline rules), then print. Returns the exit code. */
export async function diagnoseCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: 'boolean' },
      offline: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(`${DIAGNOSE_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new InputError('diagnose takes at most one FILE');
  const input = parseLogInput(await readInput(positionals[0], io.stdin));
  let event: TriageEvent;
  try {
    event = createRedactor().event(normalizeEvent(input));
  } catch (error) {
    if (InvalidEventError.isInstance(error)) throw new InputError(error.message);
    throw error;
  }
  const config = values.offline ? undefined : readLlmConfig(io.env);
  const analyzer = createFallbackAnalyzer({
    llm: () => (config ? createLlmAnalyzer({ config: () => config }) : undefined),
    onFailure: (error) =>
      io.stderr(`triage: LLM analysis failed, offline rules answered: ${(error as Error).message}\n`),
  });
  const result = await analyzer.analyze(event);
  if (values.offline)
    result.meta.notes = result.meta.notes.filter((note) => !note.startsWith('no LLM configured'));
  if (values.json) {
    const { fingerprint, title } = fingerprintEvent(event);
    io.stdout(
      `${JSON.stringify({ ...result.analysis, fingerprint, issueTitle: title, meta: result.meta }, null, 2)}\n`,
    );
  } else {
    io.stdout(`${result.markdown}\n`);
  }
  return 0;
}
