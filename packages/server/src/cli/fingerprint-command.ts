import { parseArgs } from 'node:util';
import { createRedactor, fingerprintEvent, InvalidEventError, normalizeEvent } from '@triage/core';
import type { CommandIo } from './command-io.js';
import { InputError } from './input-error.js';
import { parseLogInput, readInput } from './read-input.js';

export const FINGERPRINT_USAGE = `Usage: triage fingerprint [FILE]
       triage fingerprint --jsonl FILE

Prints the grouping key and issue title of a log excerpt or event:
{"fingerprint": "…", "title": "…"}. With --jsonl, one per input line.`;

/** `triage fingerprint`: the same normalization and grouping the pipeline uses, nothing else. */
export async function fingerprintCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { jsonl: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(`${FINGERPRINT_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new InputError('fingerprint takes at most one FILE');
  const redactor = createRedactor();
  const fingerprint = (input: unknown) => {
    try {
      const { fingerprint: key, title } = fingerprintEvent(redactor.event(normalizeEvent(input)));
      return { fingerprint: key, title };
    } catch (error) {
      if (InvalidEventError.isInstance(error)) throw new InputError(error.message);
      throw error;
    }
  };
  const text = await readInput(positionals[0], io.stdin);
  if (!values.jsonl) {
    io.stdout(`${JSON.stringify(fingerprint(parseLogInput(text)))}\n`);
    return 0;
  }
  let failed = 0;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    if (lines[index]!.trim() === '') continue;
    try {
      io.stdout(`${JSON.stringify({ line: index + 1, ...fingerprint(JSON.parse(lines[index]!)) })}\n`);
    } catch (error) {
      failed++;
      io.stdout(`${JSON.stringify({ line: index + 1, error: (error as Error).message })}\n`);
    }
  }
  if (failed > 0) io.stderr(`triage: ${failed} line(s) could not be fingerprinted (see their "error")\n`);
  return failed > 0 ? 1 : 0;
}
