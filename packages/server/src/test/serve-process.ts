import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  /** The URL the server printed at start-up. */
  url: string;
  /** Its exit code once it exits (null when a signal ended it). */
  exited: Promise<number | null>;
  /** All it printed so far, stdout and stderr. */
  output: () => string;
}

/**
 * Starts a real server process (`node bin/triage.js serve …`, `npm start`…) with only PATH and `env`
 * in its environment; resolves once it prints the URL it listens on, rejects if it exits first.
 */
export async function startServeProcess(
  command: string,
  args: string[],
  { env, cwd }: { env: Record<string, string>; cwd?: string },
): Promise<ServeProcess> {
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
  let output = '';
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) =>
      reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${output}`)),
    );
  });
  return { child, url, exited, output: () => output };
}
