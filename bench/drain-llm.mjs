#!/usr/bin/env node
// How a backlog drains when the analysis waits on an LLM: an ingest-only instance (TRIAGE_WORKERS=0)
// queues N native events (default 2,000) of FINGERPRINTS distinct errors (default 20, the events of each
// spread through the backlog), then a default server starts on that database with an OpenAI-compatible
// LLM (the tests' fake server, on loopback) that answers after DELAY_MS (default 1,000). Prints, for each
// WORKERS value (default `2,8`: the SQLite default, and more), how long the backlog took to drain and how
// many LLM calls were made. ORDER=storms queues each error's events together, one storm after another,
// instead of spread through the backlog. BASE=<another built checkout> runs that build's server too,
// first. PACED=<req/s> also sends native events (the ingest benchmarks' event) at that rate over 10
// connections for PACED_SECONDS (default 5) from the moment the draining server listens, and prints
// their latency, in all and second by second: what the workers' analyses do to ingest meanwhile. WORKERS may then hold 0, the same
// backlog on a server that analyses nothing (no drain). After `npm run build`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeAnalysis, lastErrorLine, startFakeLlmServer } from '@triage/engine/test';
import { ENDPOINTS, KEY, post, serveArgs, serverEnv, start, statsOf, stop } from './ingest-peers.mjs';

const N = Number(process.env.N ?? 2_000);
const FINGERPRINTS = Number(process.env.FINGERPRINTS ?? 20);
const DELAY_MS = Number(process.env.DELAY_MS ?? 1_000);
const WORKERS = (process.env.WORKERS ?? '2,8').split(',');
const STORMS = process.env.ORDER === 'storms';
const BASE = process.env.BASE;
const PACED = process.env.PACED ? Number(process.env.PACED) : undefined;
const PACED_SECONDS = Number(process.env.PACED_SECONDS ?? 5);
const here = new URL('..', import.meta.url).pathname;

const llm = await startFakeLlmServer((request) => {
  const line = lastErrorLine(request.prompt);
  return { content: JSON.stringify(fakeAnalysis({ evidence: line ? [line] : [] })), delayMs: DELAY_MS };
});

// Distinct errors: each its own file, function and message, so each is its own fingerprint.
const eventOf = (index) => {
  const kind = STORMS ? Math.floor((index * FINGERPRINTS) / N) : index % FINGERPRINTS;
  return {
    service: 'checkout',
    source: { file: `src/module-${kind}.ts`, function: `handler${kind}` },
    log: [`ERROR: failure number ${kind} in module ${kind} (request ${index})`],
  };
};

async function measure(root, workers) {
  const dir = mkdtempSync(join(tmpdir(), 'triage-drain-llm-'));
  const database = join(dir, 'triage.db');
  // The build measured fills its own database: an older one refuses a database a newer one migrated.
  const filler = await start(serveArgs(root), serverEnv(database, '0'));
  for (let from = 0; from < N; from += 100) {
    const events = Array.from({ length: Math.min(100, N - from) }, (_, offset) => eventOf(from + offset));
    const answer = await fetch(`${filler.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-triage-key': KEY },
      body: JSON.stringify({ events }),
    });
    if (answer.status !== 200) throw new Error(`queueing answered ${answer.status}: ${await answer.text()}`);
  }
  await stop(filler);
  const callsBefore = llm.requests.length;
  const server = await start(serveArgs(root), {
    ...serverEnv(database, workers),
    TRIAGE_LLM_PROVIDER: 'openai-compatible',
    TRIAGE_LLM_BASE_URL: llm.url,
    TRIAGE_LLM_MODEL: 'fake',
  });
  const startedAt = Date.now();
  const [, path, body, headers] = ENDPOINTS[0];
  const paced =
    PACED &&
    post(server.url + path, body, headers, {
      overallRate: PACED,
      connections: 10,
      duration: PACED_SECONDS,
    });
  // Each answer's latency by the second it came in: a drain's first seconds (its first analyses) and
  // the rest are not alike.
  const bySecond = [];
  if (paced)
    paced.on('response', (_client, _status, _bytes, latencyMs) => {
      const second = Math.floor((Date.now() - startedAt) / 1000);
      bySecond[second] ??= [];
      bySecond[second].push(latencyMs);
    });
  let seconds;
  if (workers !== '0') {
    // The paced events join the queue: drained means the backlog's and theirs.
    if (paced) await paced;
    for (;;) {
      const { queue } = await statsOf(server.url);
      if (queue.pending === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    seconds = (Date.now() - startedAt) / 1000;
  }
  const latency = paced && (await paced);
  const queued = N + (latency ? latency['2xx'] : 0);
  const stats = await statsOf(server.url);
  await stop(server);
  const drained =
    seconds === undefined ? ['(no workers)', '—'] : [seconds.toFixed(1), (queued / seconds).toFixed(0)];
  const pacedColumns = latency
    ? [
        `${latency.latency.p50} / ${latency.latency.p99} / ${latency.latency.max}`,
        Array.from(bySecond, (latencies = []) => percentile(latencies, 0.99)).join(' / '),
        latency.non2xx + latency.errors,
      ]
    : [];
  return [
    root === here ? 'this checkout' : root,
    workers,
    queued,
    FINGERPRINTS,
    ...drained,
    llm.requests.length - callsBefore,
    stats.queue.failed,
    ...pacedColumns,
  ];
}

function percentile(values, share) {
  if (values.length === 0) return '—';
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]);
}

const rows = [];
for (const root of BASE ? [BASE, here] : [here])
  for (const workers of WORKERS) rows.push(await measure(root, workers));
await llm.close();
console.log(
  [
    `Node ${process.version}, an LLM answering after ${DELAY_MS} ms, ${STORMS ? 'one storm per error' : 'errors spread'}${PACED ? `, native events at ${PACED} req/s over 10 connections for ${PACED_SECONDS} s meanwhile` : ''}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `| build | TRIAGE_WORKERS | queued events | distinct errors | drained in (s) | events/s | LLM calls | failed attempts |${PACED ? ' paced ingest p50 / p99 / max (ms) | paced p99 second by second (ms) | paced non-2xx |' : ''}`,
    `|---|---|---|---|---|---|---|---|${PACED ? '---|---|---|' : ''}`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n'),
);
