import { parseArgs } from 'node:util';
import { createRedactor, fingerprintEvent, InvalidEventError, normalizeEvent } from '@triage/core';
import type { CommandIo } from './command-io.js';
import { InputError } from './input-error.js';
import { mapJsonLines } from './map-json-lines.js';
import { parseLogInput, readInput, readLines } from './read-input.js';

export const FINGERPRINT_USAGE = `Usage: triage fingerprint [FILE]
       triage fingerprint --jsonl FILE

Prints the grouping key and issue title of a log excerpt or event:
{"fingerprint": "…", "title": "…"}. With --jsonl, one per input line, every line
whatever the size of FILE.`;

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
  const reading = { notice: io.stderr, interrupts: process };
  if (values.jsonl)
    return mapJsonLines(readLines(positionals[0], io.stdin, reading), io, 'fingerprinted', fingerprint);
  const text = await readInput(positionals[0], io.stdin, reading);
  io.stdout(`${JSON.stringify(fingerprint(parseLogInput(text)))}\n`);
  return 0;
}
