import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Runs `script` with its stdout a pipe whose reader is gone (as under `| head -c 10` once head has its
 * bytes): the parent closes its end, then writes a line to the child's stdin to let it start.
 */
function runWithStdoutClosed(script: string) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, TMPDIR: mkdtempSync(join(tmpdir(), 'triage-tmp-')) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.destroy();
    child.stdin.end('go\n');
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('the summary lines on stdout', () => {
  // process.stdout.write emitted 'error' (EPIPE) on the host's stream, and with no listener the host died.
  it('should not crash a host whose stdout reader has gone', async () => {
    const ended = await runWithStdoutClosed(`import { createTriage } from '@triage/node';
const triage = createTriage({ crashDirectory: false, engine: { notifiers: [] } });
process.stdin.once('data', async () => {
  process.stdin.destroy();
  for (let n = 0; n < 5; n++) {
    triage.run({ func: 'tick' }, (scope) => scope.info('tick %d', n));
    // The batch of summary lines is written on a later turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
  }
  process.stderr.write('app finished normally\\n');
});`);
    expect(ended.stderr).not.toContain('EPIPE');
    expect(ended.stderr).toContain('app finished normally');
    expect(ended).toMatchObject({ code: 0, signal: null });
  });

  // What the host writes itself keeps Node's behaviour: the SDK adds no 'error' listener to its stdout.
  it("should leave the host's own failed stdout writes to Node", async () => {
    const ended = await runWithStdoutClosed(`import { createTriage } from '@triage/node';
createTriage({ crashDirectory: false, engine: { notifiers: [] } });
process.stdin.once('data', () => {
  process.stdin.destroy();
  process.stderr.write('listeners: ' + process.stdout.listenerCount('error') + '\\n');
  process.stdout.write('host line\\n');
  // Holds the process while Node reports the failed write (it ends it first).
  setTimeout(() => process.stderr.write('still running\\n'), 10_000);
});`);
    expect(ended.stderr).toContain('listeners: 0');
    expect(ended.stderr).toContain('EPIPE');
    expect(ended.stderr).not.toContain('still running');
    expect(ended.code).not.toBe(0);
  });
});
