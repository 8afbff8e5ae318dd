#!/usr/bin/env node
// How fast a default `triage serve` on SQLite analyses a backlog, and how large SQLite's log file grows
// meanwhile. An ingest-only instance (TRIAGE_WORKERS=0) queues N events (default 20,000, the native
// event of bench/ingest.mjs) and stops; then, ROUNDS times, a server with the default workers starts on
// a copy of that database and is timed until no job is pending, with the log file's size sampled every
// 100 ms. After `npm run build`. `N`, `ROUNDS`, `WORKERS` (the workers' count, default the server's).
// STORE=postgres does the same on the tests' PostgreSQL server (each round's copy made with
// `create database … template`; no log file to watch).
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase } from '@triage/engine/test';
import { ENDPOINTS, post, serverEnv, start, statsOf, stop } from './ingest-peers.mjs';

const N = Number(process.env.N ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const POSTGRES = process.env.STORE === 'postgres';
const dir = mkdtempSync(join(tmpdir(), 'triage-drain-'));
const bin = new URL('../packages/server/bin/triage.js', import.meta.url).pathname;
const serve = (database, workers) =>
  start([bin, 'serve', '--port', '0', '--host', '127.0.0.1'], serverEnv(database, workers));
const sizeOf = (path) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

const filledDatabase = POSTGRES ? testDatabase('triage_drain_filled') : undefined;
await filledDatabase?.create();
const filled = filledDatabase?.url ?? join(dir, 'filled.db');
const copies = [];
/** A copy of the filled database for one round: a file, or a PostgreSQL database made from it. */
async function copyOfFilled(round) {
  if (!POSTGRES) {
    const database = join(dir, `round-${round}.db`);
    copyFileSync(filled, database);
    return database;
  }
  const copy = testDatabase(`triage_drain_${round}`);
  await copy.createFrom(filledDatabase);
  copies.push(copy);
  return copy.url;
}
const filler = await serve(filled, '0');
const [, path, body, headers] = ENDPOINTS[0];
await post(filler.url + path, body, headers, { connections: 50, amount: N });
const queued = (await statsOf(filler.url)).queue.pending;
await stop(filler);

const rows = [];
for (let round = 1; round <= ROUNDS; round++) {
  const database = await copyOfFilled(round);
  const started = performance.now();
  const server = await serve(database, process.env.WORKERS);
  let largestLog = 0;
  for (;;) {
    if (!POSTGRES) largestLog = Math.max(largestLog, sizeOf(`${database}-wal`));
    if ((await statsOf(server.url)).queue.pending === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  await stop(server);
  rows.push(
    `| ${round} | ${queued} | ${seconds.toFixed(1)} | ${Math.round(queued / seconds)} | ${POSTGRES ? '' : `${(largestLog / 2 ** 20).toFixed(1)} |`}`,
  );
}
rmSync(dir, { recursive: true, force: true });
for (const copy of copies) await copy.drop();
await filledDatabase?.drop();
console.log(
  [
    `Node ${process.version}, ${POSTGRES ? 'PostgreSQL' : 'SQLite'}, ${new Date().toISOString().slice(0, 10)}; the time includes the server's start`,
    '',
    `| round | queued events | drained in (s) | events/s |${POSTGRES ? '' : ' largest log file (MiB) |'}`,
    `|---|---|---|---|${POSTGRES ? '' : '---|'}`,
    ...rows,
  ].join('\n'),
);
