#!/usr/bin/env node
// What the first error of a process costs an application in process (no DSN): the engine is loaded on
// first need, and while its modules are evaluated the event loop stands still. Each run is a fresh
// process that makes a client, lets the event loop idle, then ends a scope with an error and waits for its
// analysis (offline rules, no notifiers), timing the event loop with a 1 ms interval meanwhile. Prints
// each run's longest pause of the event loop and the time from the error to its analysis, and their
// medians. RUNS (7). After `npm run build`; run from the repository's root.
import { execFileSync } from 'node:child_process';

const RUNS = Number(process.env.RUNS ?? 7);

const CHILD = `
import { createTriage } from '@triage/node';
const triage = createTriage({ summary: 'none', crashDirectory: false, captureCrashes: false, engine: { notifiers: [] } });
await new Promise((resolve) => setTimeout(resolve, 200));
let longest = 0;
let last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  longest = Math.max(longest, now - last);
  last = now;
}, 1);
await new Promise((resolve) => setTimeout(resolve, 50));
longest = 0;
const from = performance.now();
try {
  triage.run({ func: 'nightlyImport' }, () => {
    throw new Error('first failure');
  });
} catch {}
await triage.flush(30_000);
const analysed = performance.now() - from;
clearInterval(ticker);
await triage.close();
console.log(JSON.stringify({ longest, analysed }));
`;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const runs = [];
for (let run = 0; run < RUNS; run++) {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: new URL('../packages/node/', import.meta.url),
    encoding: 'utf8',
  });
  runs.push(JSON.parse(output.trim().split('\n').at(-1)));
}
const list = (key) => runs.map((run) => run[key].toFixed(0)).join(' / ');
console.log(`Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${RUNS} processes`);
console.log(
  `longest event-loop pause: median ${median(runs.map((run) => run.longest)).toFixed(0)} ms (${list('longest')})`,
);
console.log(
  `first error to its analysis: median ${median(runs.map((run) => run.analysed)).toFixed(0)} ms (${list('analysed')})`,
);
