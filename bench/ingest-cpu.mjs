#!/usr/bin/env node
// Where the CPU of an ingest request goes: microseconds of CPU per request for each thread of the server
// (from /proc/<pid>/task/*/stat) and for the load generator (this process), for the bare node:http server
// of bench/ingest.mjs and for `triage serve` on SQLite. On a 2-core machine shared with the load generator,
// throughput is bounded by the busiest thread and by the sum of all of them; this tells which. The
// "machine idle" column is the share of both cores that nobody used during the round (/proc/stat).
// Linux only (reads /proc). After `npm run build`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BARE,
  bareHeaders,
  ENDPOINTS,
  idleShare,
  machineTicks,
  ownTicks,
  post,
  serverEnv,
  start,
  TICK_US,
  threadTicks,
} from './ingest-peers.mjs';

const SECONDS = Number(process.env.SECONDS ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const CONNECTIONS = (process.env.CONNECTIONS ?? '10,50').split(',').map(Number);
const bin = new URL('../packages/server/bin/triage.js', import.meta.url).pathname;

async function measure(server, path, body, headers, connections) {
  const load = (duration) => post(server.url + path, body, headers, { connections, duration });
  await load(1);
  const before = threadTicks(server.child.pid);
  const ownBefore = ownTicks();
  const machineBefore = machineTicks();
  const run = await load(SECONDS);
  const after = threadTicks(server.child.pid);
  const machineAfter = machineTicks();
  const requests = run.requests.total;
  const perRequest = (ticks) => (ticks * TICK_US) / requests;
  // The main thread's id is the process id; every other thread (libuv's pool, V8's, the SQLite checkpoint
  // thread) is summed as "other threads".
  const main = perRequest(after.get(String(server.child.pid)) - before.get(String(server.child.pid)));
  let others = 0;
  for (const [tid, ticks] of after)
    if (tid !== String(server.child.pid)) others += ticks - (before.get(tid) ?? 0);
  return {
    rps: run.requests.average,
    main,
    others: perRequest(others),
    load: perRequest(ownTicks() - ownBefore),
    errors: run.non2xx + run.errors,
    idle: idleShare(machineBefore, machineAfter),
  };
}

const rows = [];
async function measureAll(name, server, endpoints) {
  for (const [label, path, body, headers] of endpoints) {
    for (const connections of CONNECTIONS) {
      for (let round = 1; round <= ROUNDS; round++) {
        rows.push([name, label, connections, round, await measure(server, path, body, headers, connections)]);
      }
    }
  }
  // One server at a time: a default server's workers analyse its backlog after the load stops.
  server.child.kill('SIGKILL');
}

await measureAll(
  'bare node:http',
  await start(['--input-type=module', '-e', BARE], {}),
  ENDPOINTS.map(([label, , body, headers]) => [
    label === 'native JSON' ? 'JSON' : 'envelope',
    '/',
    body,
    bareHeaders(headers),
  ]),
);
for (const [name, workers] of [
  ['triage serve, SQLite', undefined],
  ['triage serve, SQLite, ingest only', '0'],
]) {
  const server = await start(
    [bin, 'serve', '--port', '0', '--host', '127.0.0.1'],
    serverEnv(join(mkdtempSync(join(tmpdir(), 'triage-cpu-')), 'triage.db'), workers),
  );
  await measureAll(name, server, ENDPOINTS);
}

const f = (value) => value.toFixed(1);
console.log(
  [
    `Node ${process.version}, ${SECONDS}s per round; CPU in µs per request; ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| server | endpoint | connections | round | req/s | main thread | other threads | load generator | all | machine idle | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      ([name, label, connections, round, r]) =>
        `| ${name} | ${label} | ${connections} | ${round} | ${Math.round(r.rps)} | ${f(r.main)} | ${f(r.others)} | ${f(r.load)} | ${f(r.main + r.others + r.load)} | ${f(r.idle)}% | ${r.errors} |`,
    ),
  ].join('\n'),
);
