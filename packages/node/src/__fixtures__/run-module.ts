import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `script` as an ES module in a Node process of its own and resolves with how it ended. The process
 * gets a temporary directory of its own (`TMPDIR`, unless `env` sets one): a client's default crash
 * directory lies there, and one test's crashes must not reach another's.
 */
export function runModule(
  script: string,
  { env = {}, cwd }: { env?: Record<string, string>; cwd?: string } = {},
) {
  return new Promise<Ended>((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      {
        cwd,
        env: { PATH: process.env.PATH, TMPDIR: mkdtempSync(join(tmpdir(), 'triage-tmp-')), ...env },
        encoding: 'utf8',
        timeout: 20_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}
