import type { CommandIo } from './command-io.js';
import { InputError } from './input-error.js';

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
        throw new InputError(`not valid JSON: ${(error as Error).message}`);
      }
      io.stdout(`${JSON.stringify({ line: index + 1, ...(await map(input)) })}\n`);
    } catch (error) {
      failed++;
      io.stdout(`${JSON.stringify({ line: index + 1, error: (error as Error).message })}\n`);
    }
  }
  if (failed > 0) io.stderr(`triage: ${failed} line(s) could not be ${verb} (see their "error")\n`);
  return failed > 0 ? 1 : 0;
}
