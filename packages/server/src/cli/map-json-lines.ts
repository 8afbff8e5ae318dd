import { type CommandIo, OutputClosedError } from './command-io.js';
import { InputError } from './input-error.js';
import { notJson } from './read-input.js';

/**
 * `--jsonl`: one JSON input per line, one JSON output per line, in order. A bad
 * line gets `{"line": n, "error": …}` and the rest carry on; the exit code is 1
 * when any line failed.
 */
export async function mapJsonLines(
  text: string,
  io: CommandIo,
  verb: string,
  map: (input: unknown) => Promise<object> | object,
): Promise<number> {
  let failed = 0;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === '') continue;
    try {
      let input: unknown;
      try {
        input = JSON.parse(line);
      } catch (error) {
        // The parser's message quotes the line, which has not been through the redactor.
        throw new InputError(notJson(error));
      }
      await io.stdout(`${JSON.stringify({ line: index + 1, ...(await map(input)) })}\n`);
    } catch (error) {
      if (error instanceof OutputClosedError) throw error;
      failed++;
      await io.stdout(`${JSON.stringify({ line: index + 1, error: (error as Error).message })}\n`);
    }
  }
  if (failed > 0) io.stderr(`triage: ${failed} line(s) could not be ${verb} (see their "error")\n`);
  return failed > 0 ? 1 : 0;
}
