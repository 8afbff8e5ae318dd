#!/usr/bin/env node
// How long the jobs of a killed `triage serve` wait before they run again. A default server on SQLite
// queues N events (default 8,000, in batches of 100, so N rounded up to a hundred), starts analysing them, and is killed with SIGKILL
// DELAY_MS (default 400) later, with jobs claimed in its hand; a new server starts on the same database
// and the script prints, every 500 ms, the jobs still pending, until none is. The last of them are the
// killed server's claims, which run once their lease has passed. After `npm run build`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEY, serverEnv, start, statsOf, stop } from './ingest-peers.mjs';

const N = Number(process.env.N ?? 8_000);
const DELAY_MS = Number(process.env.DELAY_MS ?? 400);
const bin = new URL('../packages/server/bin/triage.js', import.meta.url).pathname;
const database = join(mkdtempSync(join(tmpdir(), 'triage-recovery-')), 'triage.db');
const serve = () => start([bin, 'serve', '--port', '0', '--host', '127.0.0.1'], serverEnv(database));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let server = await serve();
const batch = JSON.stringify({
  events: Array.from({ length: 100 }, (_, index) => ({
    service: 'checkout',
    log: [`ERROR: connect ECONNREFUSED 10.0.0.${index % 7}:5432`],
  })),
});
const batches = Math.ceil(N / 100);
await Promise.all(
  Array.from({ length: batches }, () =>
    fetch(`${server.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'x-triage-key': KEY, 'content-type': 'application/json' },
      body: batch,
    }).then((response) => {
      if (!response.ok) throw new Error(`ingest answered ${response.status}`);
    }),
  ),
);
await sleep(DELAY_MS);
await stop(server, 'SIGKILL');
const killedAt = Date.now();
console.log(
  `${batches * 100} events queued; the server was killed ${DELAY_MS} ms later, while analysing them`,
);

server = await serve();
let last;
for (;;) {
  const { pending } = (await statsOf(server.url)).queue;
  if (pending !== last) {
    console.log(`${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill: ${pending} pending`);
    last = pending;
  }
  if (pending === 0) break;
  await sleep(500);
}
await stop(server);
