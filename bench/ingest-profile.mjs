#!/usr/bin/env node
// Where a `triage serve` event loop spends its time under ingest load: runs the server with V8's sampling
// profiler (`--cpu-prof`), loads one endpoint with autocannon, stops the server (the profile is written on a
// clean exit) and prints the functions with the most self time during the load, as a share of the busy
// samples and in µs per request. Also prints the machine's idle share over the load, from /proc/stat
// (Linux): what neither the server nor the load generator used.
//
// WORKERS (default 0: ingest-only; `default` for the default server), CONNECTIONS (10), SECONDS (8),
// ENDPOINT (native or envelope), TOP (25). SERVER=bare profiles the bare node:http server of the other
// ingest benchmarks instead, under the same load, to compare function by function. INCLUSIVE=1 charges
// each sample to every function on its stack (once), so a function's figure includes what it called:
// what preparing events costs in all, say, rather than the share of each helper. After `npm run build`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nowUs, readProfile, sumProfile, topRows } from './cpu-profile.mjs';
import {
  BARE,
  bareHeaders,
  ENDPOINTS,
  idleShare,
  machineTicks,
  post,
  serverEnv,
  start,
  stop,
} from './ingest-peers.mjs';

const WORKERS = process.env.WORKERS ?? '0';
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const SECONDS = Number(process.env.SECONDS ?? 8);
const ENDPOINT = process.env.ENDPOINT ?? 'native';
const TOP = Number(process.env.TOP ?? 25);
const INCLUSIVE = process.env.INCLUSIVE === '1';
// The profile is written on a clean exit only: the bare server exits on SIGTERM.
const EXIT_ON_SIGTERM = "\nprocess.on('SIGTERM', () => process.exit(0));";
const bin = new URL('../packages/server/bin/triage.js', import.meta.url).pathname;

const endpoint = ENDPOINTS[ENDPOINT === 'envelope' ? 1 : 0];
const [label, path, body, headers] = endpoint;
const dir = mkdtempSync(join(tmpdir(), 'triage-profile-'));
const BARE_SERVER = process.env.SERVER === 'bare';
const server = BARE_SERVER
  ? await start(
      ['--cpu-prof', '--cpu-prof-dir', dir, '--input-type=module', '-e', BARE + EXIT_ON_SIGTERM],
      {},
    )
  : await start(
      ['--cpu-prof', '--cpu-prof-dir', dir, bin, 'serve', '--port', '0', '--host', '127.0.0.1'],
      serverEnv(join(dir, 'triage.db'), WORKERS === 'default' ? undefined : WORKERS),
    );
const target = BARE_SERVER
  ? [`${server.url}/`, body, bareHeaders(headers)]
  : [server.url + path, body, headers];
await post(...target, { connections: CONNECTIONS, duration: 2 });

// The load's window is cut out of the profile with the clock V8 stamps its samples with.
const idleBefore = machineTicks();
const from = nowUs();
const run = await post(...target, { connections: CONNECTIONS, duration: SECONDS });
const to = nowUs();
const idleAfter = machineTicks();
await stop(server);

const summed = sumProfile(readProfile(dir), { from, to, inclusive: INCLUSIVE });
const { busy, idle } = summed;

const requests = run.requests.total;
const f = (value) => value.toFixed(1);
console.log(
  [
    `Node ${process.version}; ${BARE_SERVER ? 'bare node:http server' : WORKERS === 'default' ? 'default server' : `TRIAGE_WORKERS=${WORKERS}`}; ${label}, ${CONNECTIONS} connections, ${SECONDS}s; ${new Date().toISOString().slice(0, 10)}`,
    `${requests} requests (${Math.round(run.requests.average)} req/s, ${run.non2xx + run.errors} non-2xx or errors)`,
    `event loop in the profile: busy ${f(busy / requests)} µs per request, idle ${f(idle / requests)} µs per request`,
    `machine idle over the load (/proc/stat, all cores): ${f(idleShare(idleBefore, idleAfter))}%`,
    '',
    `| function (${INCLUSIVE ? 'with what it called' : 'self time'}) | share of busy | µs per request |`,
    '|---|---|---|',
    ...topRows(summed, requests, TOP),
  ].join('\n'),
);
