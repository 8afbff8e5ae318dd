import { Readable } from 'node:stream';
import { main } from '../cli/main.js';

/** Runs the `triage` CLI in process with the given stdin and environment; returns what it printed. */
export async function runCli(
  argv: string[],
  { stdin = '', env = {} }: { stdin?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
  });
  return { code, stdout, stderr };
}
