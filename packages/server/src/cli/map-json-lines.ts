import { type CommandIo, OutputClosedError } from './command-io.js';
import { InputError } from './input-error.js';
import { eventInputOf, LongLine, notJson } from './read-input.js';

/**
 * `--jsonl`: one JSON input per line (an event, a Sentry event or a logger's record), one JSON output
 * per line, in order, each line as it is read (readLines): every line of the input, whatever its size.
 * A bad line (a LongLine too) gets `{"line": n, "error": …}` and the rest carry on; the exit code is 1
 * when any line failed.
 */
export async function mapJsonLines(
  lines: AsyncIterable<string | LongLine>,
  io: CommandIo,
  verb: string,
  map: (input: unknown) => Promise<object> | object,
): Promise<number> {
  let failed = 0;
  let number = 0;
  for await (const line of lines) {
    number++;
    if (typeof line === 'string' && line.trim() === '') continue;
    try {
      if (line instanceof LongLine) throw new InputError(line.reason);
      let input: unknown;
      try {
        input = JSON.parse(line);
      } catch (error) {
        // The parser's message quotes the line, which has not been through the redactor.
        throw new InputError(notJson(error));
      }
      await io.stdout(`${JSON.stringify({ line: number, ...(await map(eventInputOf(input))) })}\n`);
    } catch (error) {
      if (error instanceof OutputClosedError) throw error;
      failed++;
      await io.stdout(`${JSON.stringify({ line: number, error: (error as Error).message })}\n`);
    }
  }
  if (failed > 0) io.stderr(`triage: ${failed} line(s) could not be ${verb} (see their "error")\n`);
  return failed > 0 ? 1 : 0;
}
