#!/usr/bin/env node
// Ingest throughput and latency of `triage serve` (native and Sentry envelope endpoints, on SQLite and on
// PostgreSQL) against a bare node:http server that parses the same JSON and answers 200, in the same run.
// Each server runs as its own process; autocannon (10 and 50 connections) measures throughput in rounds that
// alternate with the bare server, then latency at a fixed rate; RSS is read from /proc and the size of a
// SQLite store's log file sampled. Afterwards every 2xx is checked to be a stored row (durable).
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase } from '@triage/engine/test';
import {
  BARE,
  bareHeaders,
  ENDPOINTS,
  event,
  median,
  post,
  serverEnv,
  start,
  statsOf,
  UNIQUE,
} from './ingest-peers.mjs';

const SECONDS = Number(process.env.SECONDS ?? 5);
const RATE = Number(process.env.RATE ?? 200);
const bin = new URL('../packages/server/bin/triage.js', import.meta.url).pathname;

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

const ROUNDS = Number(process.env.ROUNDS ?? 3);
// Group commit makes every request of a batch wait for the same write: with few clients a commit carries
// few events, with more the server's batches fill. Both are measured, against the bare server at the same
// number of connections.
const CONNECTIONS = (process.env.CONNECTIONS ?? '10,50').split(',').map(Number);

const load = (url, path, body, headers, extra = {}) =>
  post(url + path, body, headers, { connections: 10, duration: SECONDS, ...extra });

// Waits until the server's workers have analysed every queued event, so that the next bare round runs
// on an idle machine; returns the events analysed per second while draining.
async function drain(url, workers) {
  if (workers === '0') return undefined;
  const started = Date.now();
  const before = (await statsOf(url)).queue.pending;
  for (;;) {
    const { pending } = (await statsOf(url)).queue;
    if (pending === 0) break;
    if (Date.now() - started > 300_000) throw new Error(`${pending} jobs still queued after 5 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return before / ((Date.now() - started) / 1000);
}

// The machine's speed drifts by a factor of two over minutes, so the bare server is measured right before
// each round of Triage and each round gives its own ratio; the median of the rounds is reported.
async function measure(server, workers, path, body, headers, connections) {
  const ratios = [];
  const rates = [];
  const drains = [];
  let ok = 0;
  let errors = 0;
  // Group commit: the events the rounds wrote, and the commits that wrote them (the server's stats).
  let enqueued = 0;
  let commits = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // The bare server is sent the same body as Triage (an envelope for the envelope rows) and parses it.
    const bareRun = await load(bare.url, '/', body, bareHeaders(headers), { connections });
    const before = (await statsOf(server.url)).queue;
    const run = await load(server.url, path, body, headers, { connections });
    const after = (await statsOf(server.url)).queue;
    enqueued += after.enqueued - before.enqueued;
    commits += after.commits - before.commits;
    ok += run['2xx'];
    errors += run.non2xx + run.errors;
    rates.push(run.requests.average);
    ratios.push(run.requests.average / bareRun.requests.average);
    bareRates.push(
      `${Math.round(bareRun.requests.average)} (${body === event ? 'JSON' : 'envelope'}, ${connections})`,
    );
    const drained = await drain(server.url, workers);
    if (drained !== undefined) drains.push(drained);
  }
  const paced = await load(server.url, path, body, headers, { overallRate: RATE, connections: 10 });
  ok += paced['2xx'];
  errors += paced.non2xx + paced.errors;
  await drain(server.url, workers);
  return {
    connections,
    rps: median(rates),
    ratio: median(ratios),
    ratios,
    perCommit: enqueued / commits,
    drain: drains.length ? median(drains) : undefined,
    ok,
    errors,
    p50: paced.latency.p50,
    p99: paced.latency.p99,
  };
}

const rows = [];
const bareRates = [];
const bare = await start(['--input-type=module', '-e', BARE], {});
// Warm up autocannon and the bare server first: measured cold, the first run of the process comes out
// at half speed, which would flatter every ratio below.
const jsonHeaders = bareHeaders(ENDPOINTS[0][3]);
await load(bare.url, '/', event, jsonHeaders, { duration: 2 });
const bareLatency = await load(bare.url, '/', event, jsonHeaders, { overallRate: RATE });

// A database of the run's own on the PostgreSQL server the tests use (TRIAGE_TEST_POSTGRES_URL).
const postgres = testDatabase('triage_bench');
await postgres.create();
// The third column: pipeline workers in the same process (undefined: the default, 2 on SQLite and 16
// on PostgreSQL) or none (an ingest-only instance, TRIAGE_WORKERS=0, with workers elsewhere), to show
// what ingest alone costs. STORES=PostgreSQL runs only those rows (several names: separated by `;`).
const only = process.env.STORES?.split(';').map((name) => name.trim());
// The fourth: more of its environment ('SQLite, no spool': each group commit written to the database, as
// before the ingest spool).
const stores = [
  ['SQLite', join(mkdtempSync(join(tmpdir(), 'triage-bench-')), 'triage.db'), undefined],
  ['SQLite, ingest only', join(mkdtempSync(join(tmpdir(), 'triage-bench-')), 'triage.db'), '0'],
  [
    'SQLite, no spool',
    join(mkdtempSync(join(tmpdir(), 'triage-bench-')), 'triage.db'),
    undefined,
    { TRIAGE_SQLITE_SPOOL: 'off' },
  ],
  ['PostgreSQL', postgres.url, undefined],
].filter(([name]) => !only || only.includes(name));
for (const [name, url, workers, env] of stores) {
  const server = await start([bin, 'serve', '--port', '0', '--host', '127.0.0.1'], {
    ...serverEnv(url, workers),
    ...env,
  });
  // The write-ahead log of a SQLite store, sampled while the server is under load: the checkpoint thread
  // rewinds it past about 16 MiB and journal_size_limit cuts the file to 64 MiB after a rewind, unless a
  // rewind gives up (it waits at most 50 ms for the locks).
  let largestWal = 0;
  const walSampler = url.startsWith('postgres')
    ? undefined
    : setInterval(() => {
        try {
          largestWal = Math.max(largestWal, statSync(`${url}-wal`).size);
        } catch {}
      }, 100);
  const results = [];
  for (const [label, path, body, headers] of ENDPOINTS) {
    for (const connections of CONNECTIONS) {
      results.push([label, await measure(server, workers, path, body, headers, connections)]);
    }
  }
  const rss = rssMb(server.child.pid);
  const stats = await statsOf(server.url);
  const stored = stats.events + stats.queue.pending;
  for (const [label, result] of results) rows.push([`triage serve, ${name}`, label, result, rss]);
  clearInterval(walSampler);
  const wal = walSampler ? `; largest log file (-wal) seen: ${(largestWal / 2 ** 20).toFixed(1)} MiB` : '';
  rows.push([
    `  durable check, ${name}`,
    `${results.reduce((sum, [, result]) => sum + result.ok, 0)} accepted, ${stored} stored (events + queued jobs)${wal}`,
    undefined,
    undefined,
  ]);
  server.child.kill('SIGKILL');
}
await postgres.drop();

bare.child.kill();
const lines = [
  `Node ${process.version}, ${ROUNDS} rounds of ${SECONDS}s per row; ${UNIQUE ? 'a fresh id in every request' : 'the same request every time'}; latency at ${RATE} requests/s over 10 connections; ${new Date().toISOString().slice(0, 10)}`,
  `bare node:http (parse the same JSON, answer 200), measured before each round, req/s (body, connections): ${bareRates.join(', ')}; p50 / p99 at ${RATE} req/s (JSON): ${bareLatency.latency.p50} / ${bareLatency.latency.p99} ms`,
  '',
  '| server | endpoint | connections | throughput (req/s, median) | vs bare (median of rounds) | rounds | events per commit | analysed after the burst (events/s) | p50 / p99 at fixed rate (ms) | non-2xx | RSS (MB) |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(([server, endpoint, result, rss]) =>
    result
      ? `| ${server} | ${endpoint} | ${result.connections} | ${Math.round(result.rps)} | ${result.ratio.toFixed(2)}× | ${result.ratios.map((ratio) => ratio.toFixed(2)).join(' / ')} | ${result.perCommit.toFixed(1)} | ${result.drain ? Math.round(result.drain) : '(no workers)'} | ${result.p50} / ${result.p99} | ${result.errors} | ${rss.toFixed(0)} |`
      : `| ${server} | ${endpoint} | | | | | | | | | |`,
  ),
];
console.log(lines.join('\n'));
