import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestDatabase } from './postgres-database.js';

/**
 * The two databases a SQL test runs on, for `it.each`/`describe.each`: a SQLite file in a new
 * directory, and `postgres` (created by the call; the test drops it).
 */
export function sqlDatabases(
  prefix: string,
  postgres: TestDatabase,
): Array<[name: string, url: () => Promise<string>]> {
  return [
    ['SQLite', async () => join(mkdtempSync(join(tmpdir(), `${prefix}-`)), 'triage.db')],
    [
      'PostgreSQL',
      async () => {
        await postgres.create();
        return postgres.url;
      },
    ],
  ];
}
