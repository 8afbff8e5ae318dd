#!/usr/bin/env node
// Would two server processes on one machine take more ingest than one? Runs three ingest-only
// `triage serve` processes on SQLite (TRIAGE_WORKERS=0, each on a database of its own) and the bare
// node:http server of bench/ingest.mjs. Every round measures the bare server with 10 connections, one
// Triage process with 10, then two Triage processes with 5 each at the same time (two autocannon runs
// in this process, so the load generator costs the same); the row gives the median of the per-round
// ratios to the bare server. An upper bound for a cluster of ingest processes: two processes on one
// SQLite database could not share its ingest spool (one holds it, the other writes straight to the
// jobs table), and each would keep its own rate limits in memory. After `npm run build`.
// ROUNDS (4), SECONDS (4).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BARE, bareHeaders, ENDPOINTS, median, post, serveArgs, serverEnv, start } from './ingest-peers.mjs';

const here = new URL('..', import.meta.url).pathname;
const SECONDS = Number(process.env.SECONDS ?? 4);
const ROUNDS = Number(process.env.ROUNDS ?? 4);

const triage = () =>
  start(serveArgs(here), serverEnv(join(mkdtempSync(join(tmpdir(), 'triage-processes-')), 'triage.db'), '0'));
const one = await triage();
const pair = [await triage(), await triage()];
const bare = await start(['--input-type=module', '-e', BARE], {});
const load = (url, body, headers, connections, duration = SECONDS) =>
  post(url, body, headers, { connections, duration });

// Warm-up: measured cold, a process's first run comes out at half speed.
for (const [, path, body, headers] of ENDPOINTS) {
  await load(`${bare.url}/`, body, bareHeaders(headers), 10, 2);
  for (const server of [one, ...pair]) await load(server.url + path, body, headers, 10, 1);
}

const rows = [];
let errors = 0;
for (const [label, path, body, headers] of ENDPOINTS) {
  const single = [];
  const double = [];
  const rates = [];
  for (let round = 0; round < ROUNDS; round++) {
    const bareRun = await load(`${bare.url}/`, body, bareHeaders(headers), 10);
    const oneRun = await load(one.url + path, body, headers, 10);
    const pairRuns = await Promise.all(pair.map((server) => load(server.url + path, body, headers, 5)));
    const pairRate = pairRuns.reduce((sum, run) => sum + run.requests.average, 0);
    errors += [oneRun, ...pairRuns].reduce((sum, run) => sum + run.non2xx + run.errors, 0);
    single.push(oneRun.requests.average / bareRun.requests.average);
    double.push(pairRate / bareRun.requests.average);
    rates.push(
      `${Math.round(bareRun.requests.average)} / ${Math.round(oneRun.requests.average)} / ${Math.round(pairRate)}`,
    );
  }
  rows.push([label, single, double, rates]);
}
for (const server of [one, ...pair, bare]) server.child.kill();

const cell = (ratios) =>
  `${median(ratios).toFixed(2)}× (${ratios.map((ratio) => ratio.toFixed(2)).join(' / ')})`;
console.log(
  [
    `Node ${process.version}, ${ROUNDS} rounds of ${SECONDS}s, ingest-only on SQLite, 10 connections; ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| endpoint | one process vs bare, median (rounds) | two processes (5 connections each) vs bare | req/s per round: bare / one / two |',
    '|---|---|---|---|',
    ...rows.map(
      ([label, single, double, rates]) =>
        `| ${label} | ${cell(single)} | ${cell(double)} | ${rates.join('; ')} |`,
    ),
    '',
    `non-2xx or errors: ${errors}`,
  ].join('\n'),
);
