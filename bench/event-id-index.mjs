#!/usr/bin/env node
// What migration 008 (the index on events(issue_id, id) that finds an event sent again) costs a SQLite
// database of N events: its size (SQLite's dbstat) as it grows with the events (random ids, so pages
// split half full), the time the first start after an upgrade takes to build it over events already
// there, its size then, and the same start with the index in place. After `npm run build`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore } from '@triage/engine';
import Sqlite from 'better-sqlite3';

const N = Number(process.env.N ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'triage-index-'));
const path = join(dir, 'triage.db');
await (await openSqlStore({ url: path })).close();

const database = new Sqlite(path);
const insert = database.prepare(
  'insert into events (id, issue_id, received_at, payload, delivery) values (?, ?, ?, ?, null)',
);
const payload = JSON.stringify({
  log: [{ level: 'error', message: 'ERROR: connect ECONNREFUSED 10.0.0.7:5432' }],
  tags: { 'triage.project': '1' },
});
// An issue's id is a UUID (v7), as long as the ones the server makes.
const issueId = '019aef3c-5d2e-7b41-9c6a-3f0d8e2b1a47';
database.transaction(() => {
  for (let i = 0; i < N; i++) insert.run(globalThis.crypto.randomUUID(), issueId, i, payload);
})();
const sizesOf = (db) =>
  Object.fromEntries(
    db
      .prepare(
        `select name, sum(pgsize) as bytes from dbstat where name in ('events', 'events_issue_id') group by name`,
      )
      .all()
      .map(({ name, bytes }) => [name, bytes]),
  );
const grown = sizesOf(database);
// As a database made before migration 008: the next open builds the index over the events there.
database.exec(`drop index events_issue_id; delete from kysely_migration where name = '008-event-ids'`);
database.close();

const timedOpen = async () => {
  const started = performance.now();
  await (await openSqlStore({ url: path })).close();
  return (performance.now() - started) / 1000;
};
const building = await timedOpen();
const withIndex = await timedOpen();
const reader = new Sqlite(path, { readonly: true });
const built = sizesOf(reader);
reader.close();
rmSync(dir, { recursive: true, force: true });
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
console.log(
  [
    `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${N} events in one issue`,
    '',
    '| events table (MiB) | index grown with the events (MiB) | index built at the upgrade (MiB) | open, building it (s) | open, index there (s) |',
    '|---|---|---|---|---|',
    `| ${mib(grown.events)} | ${mib(grown.events_issue_id)} | ${mib(built.events_issue_id)} | ${building.toFixed(2)} | ${withIndex.toFixed(2)} |`,
  ].join('\n'),
);
