import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { createRedactor, type Redactor } from '@triage/core';
import type { CommandIo } from './command-io.js';
import { InputError } from './input-error.js';
import { binaryKindOf, isReady, openInput, SAMPLE_BYTES } from './read-input.js';
import { type Line, LineSplitter } from './split-lines.js';
import { listenForStop } from './stop-signal.js';

export const REDACT_USAGE = `Usage: triage redact [FILE] [--ips all|public|none]

Writes FILE (or stdin) with personal data and secrets replaced by typed
placeholders ([email], [card], [secret], …), line for line.

  --ips   which IP addresses to redact (default: public; loopback and private stay)`;

const PEM_BEGIN = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const PEM_END = /-----END [A-Z ]*PRIVATE KEY-----/;
/** Lines are written in batches of at most this many lines, or past this many characters. */
const BATCH_LINES = 1_000;
const BATCH_CHARS = 64 * 1024;
/**
 * A command ended by a signal exits as a shell reports one killed by it: 128 + its number, 130 for
 * Ctrl-C (SIGINT), 143 for SIGTERM (`docker stop`, `timeout`): a SIGTERM taken for Ctrl-C told a
 * supervisor that a user had stopped it.
 */
const interruptedExitCode = (signal: NodeJS.Signals) => 128 + constants.signals[signal];
const INTERRUPTED = Symbol('interrupted');

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
  const file = positionals[0] && positionals[0] !== '-' ? positionals[0] : undefined;
  // A pipe (`triage redact <(kubectl logs …)`), a device or a file: as diagnose opens them.
  const { stream: input } = await openInput(file, io.stdin);
  try {
    return await redactLines(input, redactor, io, file);
  } finally {
    // Left early (the reader of the output went away, Ctrl-C, binary input): the file is closed now, and
    // stdin too, or a pipe still open (`tail -f`) would keep the process from exiting.
    (input as { destroy?: () => void }).destroy?.();
  }
}

/**
 * Writes `input` redacted, line by line. Lines wait in a batch while more input is ready at once (a
 * file, a fast pipe), and are written as soon as none is: a live pipe (`tail -f app.log | triage
 * redact`) shows each line as it comes. A line is written only whole and redacted.
 */
async function redactLines(
  input: NodeJS.ReadableStream,
  redactor: Redactor,
  io: CommandIo,
  file: string | undefined,
): Promise<number> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  // Lines of any length: one is redacted whole, never cut (a secret cut in two may not be recognised).
  const lines = new LineSplitter();
  const redactLine = lineRedactor(redactor);
  let batch: string[] = [];
  let batchLength = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const text = batch.join('');
    batch = [];
    batchLength = 0;
    // Waits while the reader is behind: the reads wait with it, so memory stays bounded whatever the size.
    await io.stdout(text);
  };
  const add = async (found: Line[]) => {
    for (const { text, end } of found) {
      const line = redactLine(text) + end;
      batch.push(line);
      batchLength += line.length;
      if (batch.length >= BATCH_LINES || batchLength >= BATCH_CHARS) await flush();
    }
  };
  // Ctrl-C (or SIGTERM) ends the reading: what was read is written before the exit. Its copy from
  // `npx` is the same signal; a later one ends the process at once (listenForStop). It wakes the read
  // in hand only: a race of each read against one promise that stays pending left a reaction on it per
  // read, holding that read's chunk until the command ended (memory grew with the input).
  let stopped: NodeJS.Signals | undefined;
  let wake = () => {};
  const stop = listenForStop((signal) => {
    stopped = signal;
    wake();
  });
  const readOrStop = (next: Promise<IteratorResult<Buffer | string>>) =>
    new Promise<IteratorResult<Buffer | string> | typeof INTERRUPTED>((resolve, reject) => {
      wake = () => resolve(INTERRUPTED);
      next.then(resolve, reject);
    }).finally(() => {
      wake = () => {};
    });
  // The input's first bytes, held (nothing written) until they tell whether it is text: a first read
  // may be one byte, half a character, which alone looks binary.
  let sample: Buffer[] | undefined = [];
  let sampled = 0;
  const afterSample = () => {
    const bytes = Buffer.concat(sample ?? []);
    sample = undefined;
    refuseBinary(bytes, file);
    return bytes;
  };
  try {
    let next = chunks.next();
    for (;;) {
      // The signal first: when both are in, Ctrl-C wins over input that never pauses.
      const read = stopped ? INTERRUPTED : await readOrStop(next);
      if (read === INTERRUPTED) {
        if (sample) await add(lines.push(afterSample()));
        // An unfinished last line stays out: a secret cut in two may not be recognised.
        await flush();
        return interruptedExitCode(stopped ?? 'SIGINT');
      }
      if (read.done) break;
      next = chunks.next();
      let bytes = Buffer.isBuffer(read.value) ? read.value : Buffer.from(read.value);
      if (sample) {
        sample.push(bytes);
        sampled += bytes.length;
        // Decided once the input pauses too: a live pipe's first line is written as soon as it came.
        if (sampled < SAMPLE_BYTES && (await isReady(next))) continue;
        bytes = afterSample();
      }
      await add(lines.push(bytes));
      if (!(await isReady(next))) await flush();
    }
    if (sample) await add(lines.push(afterSample()));
    await add(lines.end());
    await flush();
    return 0;
  } finally {
    stop.release();
  }
}

/**
 * UTF-16, compressed or binary input has no line the redactor can read: it went through whole, every
 * secret in it. Refused by its first bytes (up to SAMPLE_BYTES), before anything is written.
 */
function refuseBinary(sample: Buffer, file: string | undefined): void {
  const binary = binaryKindOf(sample.subarray(0, SAMPLE_BYTES), file);
  if (binary) throw new InputError(binary);
}

function lineRedactor(redactor: Redactor): (text: string) => string {
  let inKey = false;
  return (text) => {
    // A PEM key spans lines: every line of it goes, so the output keeps the input's line count.
    if (inKey || PEM_BEGIN.test(text)) {
      inKey = !PEM_END.test(text);
      return '[private_key]';
    }
    return redactor.text(text);
  };
}
