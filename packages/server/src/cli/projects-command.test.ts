import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore } from '@triage/engine';
import { describe, expect, it } from 'vitest';
import { adminTokenOf } from '../server/admin-token.js';
import { runCli } from '../test/run-cli.js';

const run = (argv: string[]) => runCli(argv);

describe('triage projects', () => {
  it('should create a project and print its DSN, list it, and refuse a duplicate name', async () => {
    const database = join(mkdtempSync(join(tmpdir(), 'triage-projects-')), 'triage.db');
    const created = await run([
      'projects',
      'create',
      'billing',
      '--database-url',
      database,
      '--url',
      'http://triage.local:7070',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^http:\/\/[0-9a-f]{32}@triage\.local:7070\/1\n$/);
    const listed = await run([
      'projects',
      'list',
      '--database-url',
      database,
      '--url',
      'http://triage.local:7070',
    ]);
    expect(listed.stdout).toBe(`1\tbilling\t${created.stdout}`);
    const again = await run(['projects', 'create', 'billing', '--database-url', database]);
    expect(again).toMatchObject({ code: 2, stderr: 'triage: a project named "billing" exists\n' });
    const bad = await run(['projects', 'create', 'no spaces please', '--database-url', database]);
    expect(bad.code).toBe(2);
  });
});

describe('the admin token', () => {
  it('should be generated once, stored, and then read back; the environment wins', async () => {
    const store = await openSqlStore({
      url: join(mkdtempSync(join(tmpdir(), 'triage-admin-')), 'triage.db'),
    });
    try {
      const first = await adminTokenOf(store.db);
      expect(first.generated).toBe(true);
      expect(first.token.length).toBeGreaterThanOrEqual(32);
      expect(await adminTokenOf(store.db)).toEqual({ token: first.token, generated: false });
      expect(await adminTokenOf(store.db, 'from-env')).toEqual({ token: 'from-env', generated: false });
    } finally {
      await store.close();
    }
  });
});
