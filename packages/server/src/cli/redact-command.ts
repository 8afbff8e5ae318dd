import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createRedactor, type Redactor } from '@triage/core';
import type { CommandIo } from './command-io.js';
import { InputError } from './input-error.js';

export const REDACT_USAGE = `Usage: triage redact [FILE] [--ips all|public|none]

Writes FILE (or stdin) with personal data and secrets replaced by typed
placeholders ([email], [card], [secret], …), line for line.

  --ips   which IP addresses to redact (default: public; loopback and private stay)`;

const PEM_BEGIN = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const PEM_END = /-----END [A-Z ]*PRIVATE KEY-----/;
/** Lines are written in batches of at most this many lines, or past this many characters. */
const BATCH_LINES = 1_000;
const BATCH_CHARS = 64 * 1024;

/** `triage redact`: streams line by line, so any size of log goes through in bounded memory. */
export async function redactCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ips: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(`${REDACT_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new InputError('redact takes at most one FILE');
  const ips = values.ips ?? 'public';
  if (ips !== 'all' && ips !== 'public' && ips !== 'none')
    throw new InputError(`--ips must be all, public or none, got "${ips}"`);
  const redactor = createRedactor({ ipAddresses: ips });
  const file = positionals[0];
  if (!file && (io.stdin as NodeJS.ReadStream).isTTY)
    throw new InputError('no input: give a FILE or pipe text into stdin');
  let input: NodeJS.ReadableStream = io.stdin;
  if (file && file !== '-') {
    // A pipe (`triage redact <(kubectl logs …)`), a device or a file: anything but a directory reads.
    try {
      if ((await stat(file)).isDirectory()) throw new InputError(`cannot read ${file}: is a directory`);
    } catch (error) {
      if (error instanceof InputError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(
        `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      );
    }
    input = createReadStream(file);
  }
  try {
    return await redactLines(input, redactor, io);
  } finally {
    // Left early (the reader of the output went away): the file is closed now, not at its end.
    if (input !== io.stdin) (input as ReturnType<typeof createReadStream>).destroy();
  }
}

async function redactLines(input: NodeJS.ReadableStream, redactor: Redactor, io: CommandIo): Promise<number> {
  let inKey = false;
  let batch: string[] = [];
  let batchLength = 0;
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    // A PEM key spans lines: every line of it goes, so the output keeps the input's line count.
    if (inKey || PEM_BEGIN.test(line)) {
      inKey = !PEM_END.test(line);
      batch.push('[private_key]');
    } else {
      batch.push(redactor.text(line));
    }
    batchLength += batch[batch.length - 1]!.length;
    if (batch.length >= BATCH_LINES || batchLength >= BATCH_CHARS) {
      // Waits while the reader is behind: the reads wait with it, so memory stays bounded whatever the size.
      await io.stdout(`${batch.join('\n')}\n`);
      batch = [];
      batchLength = 0;
    }
  }
  if (batch.length > 0) await io.stdout(`${batch.join('\n')}\n`);
  return 0;
}
