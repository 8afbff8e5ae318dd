import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`, one level at a time, each directory it makes open to its owner only (the database holds
 * the admin token, the project keys and the key of the users' pseudonyms). Node 20's
 * `mkdirSync(path, { recursive: true })` never returns where mkdir answers ENOENT for a directory
 * whose parent exists (under /proc or /sys, say): a database path there made `triage serve` spin at
 * full CPU instead of saying it cannot use it.
 */
export function makeDirectory(path: string): void {
  const missing: string[] = [];
  for (let current = resolve(path); !existsSync(current); current = dirname(current)) {
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const directory of missing.reverse()) {
    try {
      mkdirSync(directory, { mode: 0o700 });
    } catch (error) {
      // Made meanwhile by another process starting on the same path.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
