#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
// The SDK's hot path: what a request pays for Triage, against pino writing the same three lines.
// Run with stdout sent to /dev/null (`npm run bench:hot-path`): Triage's default summary line and
// pino's lines then both go to /dev/null. Results go to stderr, as a markdown table.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createTriage } from '@triage/node';
import pino from 'pino';
import winston from 'winston';

const ROUNDS = Number(process.env.ROUNDS ?? 300);
const BATCH = 1_000;

// The background analysis is excluded: ended scopes with errors go to a transport that drops them.
// These clients leave pino's lines alone (capturePino off): the first cases run with no subscriber
// on pino's tracing channel, as an application without Triage.
const discard = { send() {}, flush: async () => true, close: async () => true };
const alone = { transport: discard, captureCrashes: false, capturePino: false };
const defaults = createTriage(alone);
const quiet = createTriage({ ...alone, summary: 'none' });
const pinoSync = pino(pino.destination({ dest: '/dev/null', sync: true }));
const pinoBuffered = pino(pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 }));
// The bridge for pino before 9.10: its lines copied into the current scope by triage.pinoHooks().
const pinoHooked = pino({ hooks: quiet.pinoHooks() }, pino.destination({ dest: '/dev/null', sync: true }));

const domain = 'example.com';
const cases = {
  'triage: scope + 3 info + end (default: summary line to stdout)': (i) => {
    const log = defaults.scope({ file: 'src/api/widget_chat.ts', func: 'HandleWidgetChat' });
    log.info('Processing request for domain=%s', domain);
    log.info('Validating widget agent configuration');
    log.info('Request %d done', i);
    log.end();
  },
  'triage: scope + 3 info + end (summary off)': (i) => {
    const log = quiet.scope({ file: 'src/api/widget_chat.ts', func: 'HandleWidgetChat' });
    log.info('Processing request for domain=%s', domain);
    log.info('Validating widget agent configuration');
    log.info('Request %d done', i);
    log.end();
  },
  'triage: scope + 2 info + 1 error + end (default; analysis excluded)': (i) => {
    const log = defaults.scope({ file: 'src/api/widget_chat.ts', func: 'HandleWidgetChat' });
    log.info('Processing request for domain=%s', domain);
    log.info('Validating widget agent configuration');
    log.error('Widget agent not found for domain: %s (%d)', domain, i);
    log.end();
  },
  'pino: 3 info lines to /dev/null (sync, its default)': (i) => {
    pinoSync.info('Processing request for domain=%s', domain);
    pinoSync.info('Validating widget agent configuration');
    pinoSync.info('Request %d done', i);
  },
  'pino: 3 info lines to /dev/null (buffered, minLength 4096)': (i) => {
    pinoBuffered.info('Processing request for domain=%s', domain);
    pinoBuffered.info('Validating widget agent configuration');
    pinoBuffered.info('Request %d done', i);
  },
  'pino (sync) in a scope (summary off): scope + 3 pino info + end': (i) => {
    const log = quiet.scope({ file: 'src/api/widget_chat.ts', func: 'HandleWidgetChat' });
    pinoSync.info('Processing request for domain=%s', domain);
    pinoSync.info('Validating widget agent configuration');
    pinoSync.info('Request %d done', i);
    log.end();
  },
  'the same, pino with triage.pinoHooks() (the lines also in the scope)': (i) => {
    const log = quiet.scope({ file: 'src/api/widget_chat.ts', func: 'HandleWidgetChat' });
    pinoHooked.info('Processing request for domain=%s', domain);
    pinoHooked.info('Validating widget agent configuration');
    pinoHooked.info('Request %d done', i);
    log.end();
  },
};

// Then capturePino (the default) and captureConsole: while a client with it is open, pino traces every
// line on its channel (the console is wrapped), and the client copies those written in its scopes. Measured in pairs of rounds, the same
// pino calls without a capturing client and then with one (opened and closed between the two, outside
// the timing), so that both see the same phase of the machine.
let capturing;
// winston, as an application sets it up: JSON lines, to a stream (here one that drops them).
const makeWinston = () =>
  winston.createLogger({
    format: winston.format.combine(winston.format.splat(), winston.format.json()),
    transports: [
      new winston.transports.Stream({
        stream: new Writable({ objectMode: true, write: (_info, _encoding, done) => done() }),
      }),
    ],
  });
// winston is measured in processes of their own, one logger each, plain or given to a capturing client
// (captureWinston): two loggers of different shapes in one process slow winston's shared code for
// both, by more than the capture costs. The processes alternate; each prints its medians.
const winstonCases = {
  'winston (JSON to a stream), 3 info lines outside any scope': (logger, i) => {
    logger.info('Processing request for domain=%s', domain);
    logger.info('Validating widget agent configuration');
    logger.info('Request %d done', i);
  },
  'scope + 3 winston info + end (summary off; captured: the lines also in the scope)': (
    logger,
    i,
    client,
  ) => {
    const log = client.scope({ file: 'src/api/widget_chat.ts', func: 'HandleWidgetChat' });
    logger.info('Processing request for domain=%s', domain);
    logger.info('Validating widget agent configuration');
    logger.info('Request %d done', i);
    log.end();
  },
};
if (process.env.HOT_PATH_WINSTON) {
  const captured = process.env.HOT_PATH_WINSTON === 'captured';
  const client = createTriage({ ...alone, summary: 'none' });
  const logger = captured ? client.captureWinston(makeWinston()) : makeWinston();
  const medians = {};
  for (const [name, fn] of Object.entries(winstonCases)) {
    const run = (i) => fn(logger, i, client);
    for (let i = 0; i < 20_000; i++) run(i);
    medians[name] = (await measure(run)).median;
  }
  process.stdout.write(JSON.stringify(medians));
  process.exit(0);
}

const capturesPino = { transport: discard, captureCrashes: false, summary: 'none' };
const capturesConsole = { ...capturesPino, capturePino: false, captureConsole: true };
const pairs = [
  [
    'pino (sync), 3 info lines outside any scope',
    (i) => {
      pinoSync.info('Processing request for domain=%s', domain);
      pinoSync.info('Validating widget agent configuration');
      pinoSync.info('Request %d done', i);
    },
  ],
  [
    'scope + 3 pino (sync) info + end (summary off; with capturePino, the lines also in the scope)',
    (i) => {
      const log = (capturing ?? quiet).scope({ file: 'src/api/widget_chat.ts', func: 'HandleWidgetChat' });
      pinoSync.info('Processing request for domain=%s', domain);
      pinoSync.info('Validating widget agent configuration');
      pinoSync.info('Request %d done', i);
      log.end();
    },
  ],
  [
    'console.log, 3 lines outside any scope (to /dev/null; with captureConsole)',
    (i) => {
      console.log('Processing request for domain=%s', domain);
      console.log('Validating widget agent configuration');
      console.log('Request %d done', i);
    },
    capturesConsole,
  ],
  [
    'scope + 3 console.log + end (summary off; with captureConsole, the lines also in the scope)',
    (i) => {
      const log = (capturing ?? quiet).scope({ file: 'src/api/widget_chat.ts', func: 'HandleWidgetChat' });
      console.log('Processing request for domain=%s', domain);
      console.log('Validating widget agent configuration');
      console.log('Request %d done', i);
      log.end();
    },
    capturesConsole,
  ],
];

async function batch(fn) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < BATCH; i++) fn(i);
  await yieldToLoop();
  return Number(process.hrtime.bigint() - start) / BATCH / 1_000;
}

async function measurePair(fn, options = capturesPino) {
  const off = [];
  const on = [];
  const added = [];
  for (let round = 0; round < ROUNDS; round++) {
    off.push(await batch(fn));
    capturing = createTriage(options);
    on.push(await batch(fn));
    await capturing.close();
    capturing = undefined;
    added.push(on.at(-1) - off.at(-1));
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { off: median(off), on: median(on), added: median(added) };
}

async function measure(fn) {
  const samples = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) fn(i);
    // Yielding lets deferred work (summary batches, pino's buffer) run, and it is timed too.
    await yieldToLoop();
    samples.push(Number(process.hrtime.bigint() - start) / BATCH / 1_000);
  }
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { median: at(0.5), p90: at(0.9) };
}

async function measureAll(group) {
  // Warm up every case first so the JIT has seen all of them before anything is timed.
  for (const fn of Object.values(group)) for (let i = 0; i < 20_000; i++) fn(i);
  await yieldToLoop();
  for (const [name, fn] of Object.entries(group)) {
    const { median, p90 } = await measure(fn);
    rows.push(`| ${name} | ${median.toFixed(3)} | ${p90.toFixed(3)} |`);
  }
}

const rows = [];
await measureAll(cases);
const pairRows = [];
for (const [name, fn, options] of pairs) {
  for (let i = 0; i < 20_000; i++) fn(i);
  const { off, on, added } = await measurePair(fn, options);
  pairRows.push(`| ${name} | ${off.toFixed(3)} | ${on.toFixed(3)} | ${added.toFixed(3)} |`);
}
const WINSTON_PROCESSES = Number(process.env.WINSTON_PROCESSES ?? 3);
const winstonRuns = { plain: [], captured: [] };
for (let pair = 0; pair < WINSTON_PROCESSES; pair++) {
  for (const kind of ['plain', 'captured']) {
    const output = execFileSync(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, HOT_PATH_WINSTON: kind, ROUNDS: String(Math.min(ROUNDS, 100)) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    winstonRuns[kind].push(JSON.parse(String(output)));
  }
}
const middle = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const name of Object.keys(winstonCases)) {
  const plain = winstonRuns.plain.map((run) => run[name]);
  const captured = winstonRuns.captured.map((run) => run[name]);
  const added = captured.map((value, index) => value - plain[index]);
  pairRows.push(
    `| ${name} (${WINSTON_PROCESSES} processes each) | ${middle(plain).toFixed(3)} | ${middle(captured).toFixed(3)} | ${middle(added).toFixed(3)} |`,
  );
}
const lines = [
  `Node ${process.version}, ${ROUNDS} rounds of ${BATCH} calls, ${new Date().toISOString().slice(0, 10)}`,
  '',
  '| case | median µs/op | p90 µs/op |',
  '|---|---|---|',
  ...rows,
  '',
  '| pino, the console and winston, without and with a client capturing their lines | median µs/op, without | with | added (median of rounds) |',
  '|---|---|---|---|',
  ...pairRows,
];
process.stderr.write(`${lines.join('\n')}\n`);
await defaults.close(100);
await quiet.close(100);
