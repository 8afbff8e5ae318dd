#!/usr/bin/env node
// What `triage.middleware()` costs an Express application per request. First its own work, without
// HTTP: the middleware called with a request and a response that then finishes, against the same
// objects without it. Then the same app (a route that answers JSON) without Triage, with the middleware,
// and with a `triage.scope()` in the handler instead (the write-up's way), summary lines off (what they
// cost is `bench/hot-path.mjs`'s; here they would go through a pipe to this process), each in its own
// process, loaded by autocannon in this one. The machine's speed drifts, so the servers take turns in
// every round (their order rotates); each row gives the median throughput and the median of the main
// thread's CPU per request (from /proc, so Linux only), and the difference to the app without Triage.
// After `npm run build`; run from the repository's root. ROUNDS (5), SECONDS (4), CONNECTIONS (10).
import { EventEmitter } from 'node:events';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { createTriage } from '@triage/node';
import autocannon from 'autocannon';
import { mainThreadTicks, median, start, TICK_US } from './ingest-peers.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SECONDS = Number(process.env.SECONDS ?? 4);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);

// Its own work: what a request and its response go through, with and without the middleware.
const CALLS = 200_000;
const own = createTriage({
  summary: 'none',
  crashDirectory: false,
  captureCrashes: false,
  engine: { notifiers: [] },
});
const middleware = own.middleware();
const exchange = (withTriage) => {
  const request = new IncomingMessage(new Socket());
  request.method = 'GET';
  request.url = '/orders/42';
  request.headers = { 'user-agent': 'bench', accept: '*/*' };
  const response = Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: true });
  if (withTriage) middleware(request, response, () => {});
  response.emit('close');
};
const ownCost = [];
for (let round = 0; round < ROUNDS; round++) {
  const timed = (withTriage) => {
    const started = process.hrtime.bigint();
    for (let call = 0; call < CALLS; call++) exchange(withTriage);
    return Number(process.hrtime.bigint() - started) / CALLS / 1_000;
  };
  const without = timed(false);
  ownCost.push(timed(true) - without);
}
await own.close();

const app = (setup) => `import express from 'express';
import { createTriage } from '@triage/node';
const app = express();
${setup}
app.get('/orders/:id', (request, response) => {
  // \`using\` in TypeScript; Node 20 runs this script as it is.
  const log = inHandler ? triage.scope({ file: 'src/orders.js', func: 'GetOrder' }) : undefined;
  try {
    (log ?? triage?.current())?.info('looking up order %s', request.params.id);
    response.json({ id: request.params.id, total: 12 });
  } finally {
    log?.end();
  }
});
if (triage) app.use(triage.errorHandler());
const server = app.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));`;

const client = (summary, inHandler = false) =>
  `const triage = createTriage({ summary: '${summary}', crashDirectory: false, captureCrashes: false, engine: { notifiers: [] } });
const inHandler = ${inHandler};
if (!inHandler) app.use(triage.middleware());`;

const variants = [
  ['Express alone', app('const triage = undefined; const inHandler = false;')],
  ['with triage.middleware(), summary off', app(client('none'))],
  ['a triage.scope() in the handler instead, summary off', app(client('none', true))],
];

const servers = [];
for (const [label, script] of variants) {
  const server = await start(['--input-type=module', '-e', script], {});
  servers.push({ label, ...server, rates: [], cpu: [] });
}

try {
  for (let round = 0; round < ROUNDS; round++) {
    for (let turn = 0; turn < servers.length; turn++) {
      const server = servers[(round + turn) % servers.length];
      const before = mainThreadTicks(server.child.pid);
      const result = await autocannon({
        url: `${server.url}/orders/42`,
        connections: CONNECTIONS,
        duration: SECONDS,
      });
      const ticks = mainThreadTicks(server.child.pid) - before;
      if (result.non2xx > 0 || result.errors > 0)
        throw new Error(`${server.label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      server.rates.push(result.requests.total / SECONDS);
      server.cpu.push((ticks * TICK_US) / result.requests.total);
    }
  }
} finally {
  for (const server of servers) server.child.kill();
}

const base = median(servers[0].cpu);
console.log(
  `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n\nThe middleware's own work, µs per request (median of ${ROUNDS} rounds of ${CALLS} calls): ${median(ownCost).toFixed(2)} (${ownCost.map((cost) => cost.toFixed(2)).join(' / ')})\n\nExpress under load, ${ROUNDS} rounds of ${SECONDS}s, ${CONNECTIONS} connections:\n`,
);
console.log(
  '| app | req/s, median (rounds) | main thread µs CPU per request, median (rounds) | vs Express alone |',
);
console.log('|---|---|---|---|');
for (const { label, rates, cpu } of servers) {
  const list = (values, digits) => values.map((value) => value.toFixed(digits)).join(' / ');
  const delta = median(cpu) - base;
  console.log(
    `| ${label} | ${median(rates).toFixed(0)} (${list(rates, 0)}) | ${median(cpu).toFixed(1)} (${list(cpu, 1)}) | ${label === servers[0].label ? '' : `${delta >= 0 ? '+' : ''}${delta.toFixed(1)} µs`} |`,
  );
}
