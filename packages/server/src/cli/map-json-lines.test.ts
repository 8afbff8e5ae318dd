import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { mapJsonLines } from './map-json-lines.js';
import { readLines } from './read-input.js';

const MB = 1024 * 1024;

describe('mapJsonLines of a line longer than readLines holds', () => {
  it('should report it as a failed line, numbered, and carry on with the next', async () => {
    const input = `{"a":1}\n"${'x'.repeat(MB / 2)}"\n{"b":2}\n`;
    let stdout = '';
    let stderr = '';
    const code = await mapJsonLines(
      readLines(undefined, Readable.from([Buffer.from(input)]), { maxLineBytes: MB / 4 }),
      {
        stdin: Readable.from([]),
        stdout: (text) => {
          stdout += text;
        },
        stderr: (text) => {
          stderr += text;
        },
        env: {},
      },
      'mapped',
      (value) => ({ value }),
    );
    expect(
      stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 2, error: 'line longer than 0.25 MB: skipped' },
      { line: 3, value: { b: 2 } },
    ]);
    expect(stderr).toBe('triage: 1 line(s) could not be mapped (see their "error")\n');
    expect(code).toBe(1);
  });
});
