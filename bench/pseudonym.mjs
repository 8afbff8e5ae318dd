#!/usr/bin/env node
// What the users' pseudonym costs an event on the ingest event loop: an HMAC-SHA256 made afresh for
// each identity (the baseline), against `createPseudonymizer`, which remembers the last 4,096
// identities, for 1,000 users who come back event after event. After `npm run build`.
import { createHmac } from 'node:crypto';
import { createPseudonymizer, normalizeEvent } from '@triage/core';

const ROUNDS = Number(process.env.ROUNDS ?? 200);
const events = Array.from({ length: 1_000 }, (_, index) =>
  normalizeEvent({ log: ['ERROR: payment failed'], user: { email: `user-${index}@example.com` } }),
);
const µsPerEvent = (run) => {
  const started = process.hrtime.bigint();
  for (let round = 0; round < ROUNDS; round++) for (const event of events) run(event);
  return Number(process.hrtime.bigint() - started) / 1_000 / (ROUNDS * events.length);
};
const secret = 'bench-secret';
const pseudonymize = createPseudonymizer(secret);
console.log(`Node ${process.version}; ${events.length} users, each seen ${ROUNDS} times`);
console.log('| run | HMAC each time (µs/event) | createPseudonymizer (µs/event) |');
console.log('|---|---|---|');
for (let run = 1; run <= 3; run++) {
  const fresh = µsPerEvent((event) =>
    createHmac('sha256', secret).update(event.user.email).digest('hex').slice(0, 32),
  );
  const remembered = µsPerEvent(pseudonymize);
  console.log(`| ${run} | ${fresh.toFixed(2)} | ${remembered.toFixed(2)} |`);
}
