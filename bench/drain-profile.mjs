#!/usr/bin/env node
// Where a default `triage serve` event loop spends its time analysing a backlog: an ingest-only instance
// (TRIAGE_WORKERS=0) queues N native events (default 10,000, the event of bench/ingest.mjs), then a
// default server starts on that database under V8's sampling profiler (`--cpu-prof`) and stops once no
// job is pending. Prints the time it took, the event loop's busy µs per drained event and the functions
// with the most time, in µs per event. INCLUSIVE=1 charges each sample to every function on its stack,
// so a function's figure includes what it called (fingerprinting in all, say). TOP (30). After
// `npm run build`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProfile, sumProfile, topRows } from './cpu-profile.mjs';
import { ENDPOINTS, post, serverEnv, start, statsOf, stop } from './ingest-peers.mjs';

const N = Number(process.env.N ?? 10_000);
const TOP = Number(process.env.TOP ?? 30);
const INCLUSIVE = process.env.INCLUSIVE === '1';
const bin = new URL('../packages/server/bin/triage.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'triage-drain-profile-'));
const database = join(dir, 'triage.db');
const serve = ['serve', '--port', '0', '--host', '127.0.0.1'];

const filler = await start([bin, ...serve], serverEnv(database, '0'));
const [, path, body, headers] = ENDPOINTS[0];
await post(filler.url + path, body, headers, { connections: 10, amount: N });
const queued = (await statsOf(filler.url)).queue.pending;
await stop(filler);

const server = await start(['--cpu-prof', '--cpu-prof-dir', dir, bin, ...serve], serverEnv(database));
const startedAt = Date.now();
while ((await statsOf(server.url)).queue.pending > 0)
  await new Promise((resolve) => setTimeout(resolve, 100));
const seconds = (Date.now() - startedAt) / 1000;
await stop(server);

const summed = sumProfile(readProfile(dir), { inclusive: INCLUSIVE });
console.log(
  [
    `Node ${process.version}; default server; ${queued} queued native events; ${new Date().toISOString().slice(0, 10)}`,
    `drained in ${seconds.toFixed(1)} s (${Math.round(queued / seconds)} events/s, start-up included)`,
    `event loop in the profile (start-up included): busy ${(summed.busy / queued).toFixed(1)} µs per event`,
    '',
    `| function (${INCLUSIVE ? 'with what it called' : 'self time'}) | share of busy | µs per event |`,
    '|---|---|---|',
    ...topRows(summed, queued, TOP),
  ].join('\n'),
);
