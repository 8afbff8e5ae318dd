import { closeSync, openSync } from 'node:fs';

/**
 * Creates the database file readable and writable by its owner only, when it does not exist: SQLite
 * makes it world-readable (0644) otherwise, and gives its -wal and -shm files the mode of the database
 * file. A file that exists keeps the mode its owner gave it.
 */
export function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
