#!/usr/bin/env node
// The CPU one LLM analysis costs the process that makes it: a child process runs an in-process engine
// (memory store, no channels) with an OpenAI-compatible LLM on loopback (the tests' fake server, in
// this process, answering at once), analyses N events of distinct errors one after another (each its
// own fingerprint, so each is a call), and reports its own CPU time (user + system) per analysis, and
// the same for the offline rules (no LLM) as the baseline of what is not the call. BASE=<another built
// checkout> runs that build too, the two taking turns for ROUNDS rounds. N (200), ROUNDS (4). After
// `npm run build`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fakeAnalysis, lastErrorLine, startFakeLlmServer } from '@triage/engine/test';

const N = Number(process.env.N ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const here = new URL('..', import.meta.url).pathname;
const BASE = process.env.BASE;

const llm = await startFakeLlmServer((request) => {
  const line = lastErrorLine(request.prompt);
  return { content: JSON.stringify(fakeAnalysis({ evidence: line ? [line] : [] })) };
});

// Runs in the child, with the engine of the build measured. Warm-up first: the first analyses load
// modules and fill caches, which a long-running server pays once.
const child = (root) => `
const { createEngine } = await import(${JSON.stringify(`${root}packages/engine/dist/index.js`)});
const env = JSON.parse(process.env.ENGINE_ENV);
const engine = createEngine({ env, notifiers: [], throttleWindowMs: 0 });
const event = (i) => ({ service: 'checkout', source: { file: 'src/m' + i + '.ts', function: 'h' + i },
  log: ['INFO GET /api/orders/' + i, 'ERROR: failure number ' + i + ' in module ' + i + ': connect ECONNREFUSED 10.0.0.' + (i % 250) + ':5432'] });
for (let i = 0; i < 20; i++) await engine.process({ input: event(1e6 + i) });
const before = process.cpuUsage();
for (let i = 0; i < ${N}; i++) await engine.process({ input: event(i) });
const used = process.cpuUsage(before);
const stats = engine.stats();
await engine.close();
console.log(JSON.stringify({ us: (used.user + used.system) / ${N}, analyzed: stats.analyzed }));
`;

const run = async (root, withLlm) => {
  const env = withLlm
    ? {
        TRIAGE_LLM_PROVIDER: 'openai-compatible',
        TRIAGE_LLM_BASE_URL: llm.url,
        TRIAGE_LLM_MODEL: 'fake',
      }
    : { TRIAGE_LLM_PROVIDER: 'offline' };
  const calls = llm.requests.length;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', child(root)], {
    env: { PATH: process.env.PATH, ENGINE_ENV: JSON.stringify(env) },
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1));
  const made = llm.requests.length - calls;
  if (withLlm && made !== N + 20) throw new Error(`expected ${N + 20} LLM calls, got ${made}`);
  return result.us;
};

const builds = BASE ? [BASE.endsWith('/') ? BASE : `${BASE}/`, here] : [here];
const results = new Map(builds.map((root) => [root, { llm: [], offline: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  for (const root of round % 2 === 0 ? builds : [...builds].reverse()) {
    results.get(root).llm.push(await run(root, true));
    results.get(root).offline.push(await run(root, false));
  }
}
await llm.close();

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const cell = (values) =>
  `${median(values).toFixed(0)} (${values.map((value) => value.toFixed(0)).join(' / ')})`;
console.log(
  [
    `Node ${process.version}, ${N} analyses of distinct errors per run, ${ROUNDS} rounds, ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| build | µs CPU per analysis, LLM on loopback: median (rounds) | µs CPU per analysis, offline rules: median (rounds) | the LLM call, by difference |',
    '|---|---|---|---|',
    ...builds.map((root) => {
      const { llm: withLlm, offline } = results.get(root);
      return `| ${root === here ? 'this checkout' : root} | ${cell(withLlm)} | ${cell(offline)} | ${(median(withLlm) - median(offline)).toFixed(0)} |`;
    }),
  ].join('\n'),
);
