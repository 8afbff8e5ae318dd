#!/usr/bin/env node
// What the alert dispatcher pays, after each round, to know when to look at the outbox again, with N
// alerts pending (a channel down for a while: each alert is retried six times before it is given up).
// The baseline is what it did before: load every pending entry, payload and all, and take the
// soonest; against SqlStore.nextAlertDueAt, one step down the (status, next_attempt_at) index.
// SQLite (better-sqlite3 runs on the event loop, so this is time the loop is held), ROUNDS each.
// After `npm run build`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStore } from '@triage/engine';

const N = Number(process.env.N ?? 5_000);
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'triage-outbox-'));
const store = await openSqlStore({ url: join(dir, 'outbox.db') });
// About the size of a real alert's payload: the issue, the analysis and the event's last lines.
const payload = JSON.stringify({
  kind: 'alert',
  issue: { title: 'Connection pool exhausted in Checkout', analysis: 'x'.repeat(1_500) },
  event: {
    log: Array.from({ length: 50 }, (_, i) => ({ level: 'info', message: `line ${i} ${'y'.repeat(60)}` })),
  },
});
const now = Date.now();
for (let i = 0; i < N; i++) {
  await store.enqueueAlert({
    idempotencyKey: `issue-${i}:slack:1`,
    issueId: `issue-${i}`,
    channel: 'slack',
    payload,
    nextAttemptAt: now + 60_000 + i,
  });
}

const ways = [
  [
    'every pending entry, then the soonest (before)',
    async () =>
      (await store.listAlerts('pending')).reduce(
        (soonest, entry) => Math.min(soonest, entry.nextAttemptAt),
        Number.POSITIVE_INFINITY,
      ),
  ],
  ['nextAlertDueAt (after)', () => store.nextAlertDueAt()],
];
const rows = [];
for (const [name, next] of ways) {
  if ((await next()) !== now + 60_000) throw new Error(`${name} found the wrong alert`);
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) await next();
  rows.push(`| ${name} | ${N} | ${((performance.now() - started) / ROUNDS).toFixed(2)} |`);
}
await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(
  [
    `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, payload ${payload.length} bytes, ${ROUNDS} rounds`,
    '',
    '| when the outbox is looked at next | pending alerts | ms per round (mean) |',
    '|---|---|---|',
    ...rows,
  ].join('\n'),
);
