import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectory } from './make-directory.js';

describe('makeDirectory', () => {
  it('should make every missing level, and leave existing ones alone', () => {
    const root = mkdtempSync(join(tmpdir(), 'triage-mkdir-'));
    makeDirectory(join(root, 'a', 'b', 'c'));
    expect(statSync(join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    makeDirectory(join(root, 'a', 'b', 'c'));
    makeDirectory(root);
  });

  // Node 20's recursive mkdirSync spins for ever on this one.
  it('should throw where the system refuses the directory, under /proc', () => {
    expect(() => makeDirectory('/proc/triage-nope/data')).toThrow(/ENOENT.*\/proc\/triage-nope/);
  });

  it('should throw when a level is a file', () => {
    const root = mkdtempSync(join(tmpdir(), 'triage-mkdir-'));
    writeFileSync(join(root, 'file'), '');
    expect(() => makeDirectory(join(root, 'file', 'data'))).toThrow(/ENOTDIR/);
  });
});
