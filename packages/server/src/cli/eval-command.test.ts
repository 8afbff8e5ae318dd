import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../test/run-cli.js';

describe('triage eval without its cases', () => {
  // It printed `triage: ENOENT: no such file or directory, scandir 'eval/cases'`.
  it('should say to give DIR when run outside the repository, in one line, exit 2', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'triage-eval-cwd-'));
    const cwd = process.cwd();
    process.chdir(elsewhere);
    try {
      expect(await runCli(['eval'])).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'triage: no eval/cases here: give DIR, the directory of cases (they ship with the Triage repository, in eval/cases)\n',
      });
    } finally {
      process.chdir(cwd);
    }
  });

  it('should say so when DIR does not exist, or is a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'triage-eval-dir-'));
    const missing = join(dir, 'cases');
    expect(await runCli(['eval', missing])).toEqual({
      code: 2,
      stdout: '',
      stderr: `triage: cannot read ${missing}: no such directory\n`,
    });
    const file = join(dir, 'case.json');
    writeFileSync(file, '{}');
    expect(await runCli(['eval', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `triage: cannot read ${file}: not a directory\n`,
    });
  });
});
