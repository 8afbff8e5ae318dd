#!/usr/bin/env node
// Ingest throughput of two builds of `triage serve` in the same run: this checkout and another one
// (BASE=/path/to/a/built/checkout, say a `git worktree` of an earlier commit after `npm ci`), each
// against the bare node:http server of bench/ingest.mjs. The machine's speed drifts within minutes, so
// the two builds and the bare server take turns in every round (the order of the builds alternates);
// each row gives the median of the per-round ratios to the bare server, and the rounds. Ingest-only
// instances on SQLite (TRIAGE_WORKERS=0): a default server's workers would analyse its backlog while
// the next server is measured. Each row also gives the CPU time each build's event loop spent per request
// (from /proc, so Linux only): it does not move with the load generator's speed or the bare server's,
// so it shows a change in the server's own work more steadily than the ratios. After `npm run build` in both.
// STORE=postgres gives each build a database of its own on the tests' PostgreSQL server instead.
// BASE_ENV (JSON) adds variables to the base's environment; with it and no BASE, the base is this
// checkout too: `BASE_ENV='{"TRIAGE_SQLITE_SPOOL":"off"}'` measures a setting against its default.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase } from '@triage/engine/test';
import {
  BARE,
  bareHeaders,
  ENDPOINTS,
  mainThreadTicks,
  median,
  post,
  serverEnv,
  start,
  TICK_US,
  UNIQUE,
} from './ingest-peers.mjs';

const BASE_ENV = process.env.BASE_ENV ? JSON.parse(process.env.BASE_ENV) : undefined;
const here = new URL('..', import.meta.url).pathname;
const BASE = process.env.BASE ?? (BASE_ENV ? here : undefined);
if (!BASE)
  throw new Error('set BASE to another built checkout of Triage, or BASE_ENV to variables for the base');
const SECONDS = Number(process.env.SECONDS ?? 4);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const CONNECTIONS = (process.env.CONNECTIONS ?? '10,50').split(',').map(Number);
const POSTGRES = process.env.STORE === 'postgres';

const builds = [
  [
    BASE_ENV
      ? `base (${Object.entries(BASE_ENV)
          .map(([name, value]) => `${name}=${value}`)
          .join(' ')})`
      : 'base',
    BASE,
    BASE_ENV,
  ],
  ['this checkout', here, {}],
];
const servers = [];
const databases = [];
for (const [, root, env] of builds) {
  let url = join(mkdtempSync(join(tmpdir(), 'triage-compare-')), 'triage.db');
  if (POSTGRES) {
    const database = testDatabase(`triage_compare_${databases.length}`);
    await database.create();
    databases.push(database);
    url = database.url;
  }
  servers.push(
    await start(
      [join(root, 'packages/server/bin/triage.js'), 'serve', '--port', '0', '--host', '127.0.0.1'],
      { ...serverEnv(url, '0'), ...env },
    ),
  );
}
const bare = await start(['--input-type=module', '-e', BARE], {});

const load = (url, path, body, headers, connections, duration = SECONDS) =>
  post(url + path, body, headers, { connections, duration });

// Warm-up: measured cold, a process's first run comes out at half speed.
for (const [, path, body, headers] of ENDPOINTS) {
  await load(bare.url, '/', body, bareHeaders(headers), 10, 2);
  for (const server of servers) await load(server.url, path, body, headers, 10, 1);
}

const rows = [];
let errors = 0;
for (const [label, path, body, headers] of ENDPOINTS) {
  for (const connections of CONNECTIONS) {
    const ratios = builds.map(() => []);
    const cpu = builds.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      const bareRun = await load(bare.url, '/', body, bareHeaders(headers), connections);
      for (let turn = 0; turn < servers.length; turn++) {
        const index = (turn + round) % servers.length;
        const { url, child } = servers[index];
        const ticks = mainThreadTicks(child.pid);
        const run = await load(url, path, body, headers, connections);
        cpu[index].push(((mainThreadTicks(child.pid) - ticks) * TICK_US) / run.requests.total);
        errors += run.non2xx + run.errors;
        ratios[index].push(run.requests.average / bareRun.requests.average);
      }
    }
    rows.push([label, connections, ratios, cpu]);
  }
}
bare.child.kill();
for (const server of servers) server.child.kill();
for (const database of databases) await database.drop();

const cell = (ratios) =>
  `${median(ratios).toFixed(2)}× (${ratios.map((ratio) => ratio.toFixed(2)).join(' / ')})`;
const cpuCell = (values) =>
  `${median(values).toFixed(1)} (${values.map((value) => value.toFixed(1)).join(' / ')})`;
console.log(
  [
    `Node ${process.version}, ${ROUNDS} rounds of ${SECONDS}s per row, ingest-only instances on ${POSTGRES ? 'PostgreSQL' : 'SQLite'}, ${UNIQUE ? 'a fresh id in every request' : 'the same request every time'}; base: ${BASE}; ${new Date().toISOString().slice(0, 10)}`,
    '',
    `| endpoint | connections | ${builds.map(([name]) => `${name}: vs bare, median (rounds)`).join(' | ')} | ${builds.map(([name]) => `${name}: event loop µs CPU per request, median (rounds)`).join(' | ')} |`,
    `|---|---|${builds.map(() => '---|---').join('|')}|`,
    ...rows.map(
      ([label, connections, ratios, cpu]) =>
        `| ${label} | ${connections} | ${ratios.map(cell).join(' | ')} | ${cpu.map(cpuCell).join(' | ')} |`,
    ),
    '',
    `non-2xx or errors: ${errors}`,
  ].join('\n'),
);
