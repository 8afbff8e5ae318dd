#!/usr/bin/env node
// The SDK's hot path: what a request pays for Triage, against pino writing the same three lines.
// Run with stdout sent to /dev/null (`npm run bench:hot-path`): Triage's default summary line and
// pino's lines then both go to /dev/null. Results go to stderr, as a markdown table.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { createTriage } from '@triage/node';
import pino from 'pino';

const ROUNDS = Number(process.env.ROUNDS ?? 300);
const BATCH = 1_000;

// The background analysis is excluded: ended scopes with errors go to a transport that drops them.
const discard = { send() {}, flush: async () => true, close: async () => true };
const defaults = createTriage({ transport: discard });
const quiet = createTriage({ transport: discard, summary: 'none' });
const pinoSync = pino(pino.destination({ dest: '/dev/null', sync: true }));
const pinoBuffered = pino(pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 }));
// The bridge: pino's lines copied into the current scope (triage.pinoHooks()).
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

// Warm up every case first so the JIT has seen all of them before anything is timed.
for (const fn of Object.values(cases)) for (let i = 0; i < 20_000; i++) fn(i);
await yieldToLoop();

const rows = [];
for (const [name, fn] of Object.entries(cases)) {
  const { median, p90 } = await measure(fn);
  rows.push(`| ${name} | ${median.toFixed(3)} | ${p90.toFixed(3)} |`);
}
const lines = [
  `Node ${process.version}, ${ROUNDS} rounds of ${BATCH} calls, ${new Date().toISOString().slice(0, 10)}`,
  '',
  '| case | median µs/op | p90 µs/op |',
  '|---|---|---|',
  ...rows,
];
process.stderr.write(`${lines.join('\n')}\n`);
await defaults.close(100);
await quiet.close(100);
