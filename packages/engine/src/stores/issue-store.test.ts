import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeEvent } from '@triage/core';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIssueStoreContract } from './issue-store.contract.js';
import { MemoryStore } from './memory-store.js';
import { openSqlStore } from './sql/open-sql-store.js';

const POSTGRES = process.env.TRIAGE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
let database: string;

// A fresh PostgreSQL database per run: the contract runs against real PostgreSQL, never a mock.
beforeAll(async () => {
  database = `triage_store_${process.pid}_${Date.now()}`;
  const client = new pg.Client({ connectionString: `${POSTGRES}/postgres` });
  await client.connect();
  await client.query(`create database ${database}`);
  await client.end();
});
afterAll(async () => {
  const client = new pg.Client({ connectionString: `${POSTGRES}/postgres` });
  await client.connect();
  await client.query(`drop database if exists ${database} with (force)`);
  await client.end();
});

runIssueStoreContract('memory', async () => new MemoryStore());
runIssueStoreContract('SQLite', () =>
  openSqlStore({ url: join(mkdtempSync(join(tmpdir(), 'triage-store-')), 'triage.db') }),
);
runIssueStoreContract('PostgreSQL', async () => {
  const store = await openSqlStore({ url: `${POSTGRES}/${database}` });
  await store.db.deleteFrom('outbox').execute();
  await store.db.deleteFrom('issue_hours').execute();
  await store.db.deleteFrom('issue_users').execute();
  await store.db.deleteFrom('issues').execute();
  return store;
});

describe('SQL store deliveries', () => {
  it('should count a delivery again in a new issue when retention removed the issue it was counted in', async () => {
    const store = await openSqlStore({
      url: join(mkdtempSync(join(tmpdir(), 'triage-store-')), 'triage.db'),
    });
    try {
      const input = {
        event: normalizeEvent({ log: ['ERROR: Connection pool exhausted (10/10 connections active)'] }),
        fingerprint: 'f1',
        title: 'Connection pool exhausted',
      };
      const first = await store.recordEvent(input, { delivery: 'job-1' });
      await store.db.deleteFrom('issues').where('id', '=', first.issue.id).execute();
      const again = await store.recordEvent(input, { delivery: 'job-1' });
      expect(again).toMatchObject({ created: true, issue: { count: 1 } });
      expect(again.replayed).toBeFalsy();
      expect(again.issue.id).not.toBe(first.issue.id);
    } finally {
      await store.close();
    }
  });
});

describe('SQLite store file', () => {
  it('should bound the log file a rewound log leaves (the checkpoint thread rewinds it past ~16 MiB)', async () => {
    const store = await openSqlStore({
      url: join(mkdtempSync(join(tmpdir(), 'triage-store-')), 'triage.db'),
    });
    try {
      const { rows } = await sql<{ journal_size_limit: number }>`pragma journal_size_limit`.execute(store.db);
      expect(rows[0]?.journal_size_limit).toBe(64 * 1024 * 1024);
      const { rows: modes } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
      expect(modes[0]?.journal_mode).toBe('wal');
    } finally {
      await store.close();
    }
  });
});
