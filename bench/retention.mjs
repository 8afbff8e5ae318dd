#!/usr/bin/env node
// What catching up on a retention backlog costs the event loop on SQLite: N stored events (default
// 1,000,000), all past TRIAGE_RETENTION_DAYS, deleted by the server's retention pass in batches of
// 2,000 rows (as it runs) and, as the baseline, in one statement (the batch made larger than the
// backlog), ROUNDS times each, alternating. The longest stall is the largest gap between the ticks of
// a 1 ms timer during the pass: while SQLite deletes, ingest requests wait as long. After `npm run build`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore } from '@triage/engine';
import { startRetention } from '../packages/server/dist/server/retention.js';

const N = Number(process.env.N ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const DAY = 86_400_000;
const payload = JSON.stringify({ service: 'orders', log: ['ERROR: payment provider timed out'.repeat(8)] });

async function pass(batchRows) {
  const dir = mkdtempSync(join(tmpdir(), 'triage-retention-'));
  const store = await openSqlStore({ url: join(dir, 'triage.db') });
  const old = Date.now() - 40 * DAY;
  for (let start = 0; start < N; start += 500) {
    const rows = [];
    for (let index = start; index < Math.min(N, start + 500); index++)
      rows.push({
        id: `event-${index}`,
        issue_id: `issue-${index % 50}`,
        received_at: old,
        payload,
        delivery: null,
      });
    await store.db.insertInto('events').values(rows).execute();
  }
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  longest = 0;
  last = performance.now();
  const started = performance.now();
  const failures = [];
  const retention = startRetention(
    store.db,
    { days: 30, maxEvents: N },
    (stage, error) => failures.push(`${stage}: ${error.message}`),
    batchRows,
  );
  retention.stop();
  await retention.run();
  const seconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 5));
  clearInterval(ticker);
  const left = await store.db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  if (failures.length > 0 || Number(left.n) !== 0)
    throw new Error(`retention failed: ${failures}, ${left.n} left`);
  return { seconds, longest };
}

const variants = [
  ['2,000 rows per statement (as it runs)', 2_000],
  ['one statement (baseline)', N + 1],
];
const results = variants.map(() => []);
for (let round = 0; round < ROUNDS; round++)
  for (let turn = 0; turn < variants.length; turn++) {
    const index = (turn + round) % variants.length;
    results[index].push(await pass(variants[index][1]));
  }

console.log(
  `Node ${process.version}, ${N} events past the retention on SQLite, ${ROUNDS} rounds; ${new Date().toISOString().slice(0, 10)}\n`,
);
console.log('| deletes | pass (s), each round | longest event-loop stall (ms), each round |');
console.log('|---|---|---|');
for (const [index, [name]] of variants.entries())
  console.log(
    `| ${name} | ${results[index].map((r) => r.seconds.toFixed(2)).join(' / ')} | ${results[index].map((r) => r.longest.toFixed(0)).join(' / ')} |`,
  );
