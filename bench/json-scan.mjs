#!/usr/bin/env node
// The check every ingest body goes through before JSON.parse (parseJsonLimited: a byte scan for
// nesting and values, strict UTF-8, then the parse), timed in an isolated loop on bodies that stress
// the scan's reading of strings, and on the benchmark's own native event and envelope item (the hot
// path). BASE=<another built checkout> times that build's in the same run, in turns. ROUNDS (5):
// each figure is the median of the rounds. After `npm run build`.
import { join } from 'node:path';
import { envelope, event, median } from './ingest-peers.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BASE = process.env.BASE;
const here = new URL('..', import.meta.url).pathname;
const builds = [...(BASE ? [['base', BASE]] : []), ['this checkout', here]];
const parsers = await Promise.all(
  builds.map(async ([, root]) => {
    const module = await import(join(root, 'packages/server/dist/ingest/safe-json.js'));
    return module.parseJsonLimited;
  }),
);

const item = envelope.split('\n').reduce((longest, line) => (line.length > longest.length ? line : longest));
const cases = [
  ['the native event (hot path)', Buffer.from(event), 200_000],
  ["the envelope's event item (hot path)", Buffer.from(item), 200_000],
  ['40 MB of escaped quotes in one string', Buffer.from(`["${'\\"'.repeat(20_000_000)}"]`), 1],
  ['one string of 40 MB', Buffer.from(`["${'a'.repeat(40_000_000)}"]`), 1],
  [
    'runs of 60 backslashes before escaped quotes',
    Buffer.from(`["${`${'\\\\'.repeat(30)}\\"`.repeat(600_000)}"]`),
    1,
  ],
  ['8 million short strings', Buffer.from(`[${'"ab",'.repeat(8_000_000)}"x"]`), 1],
];

const rows = [];
for (const [label, body, times] of cases) {
  const results = builds.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let turn = 0; turn < builds.length; turn++) {
      const index = (turn + round) % builds.length;
      const parse = parsers[index];
      parse(body, { values: { remaining: 1e9 } });
      const start = performance.now();
      for (let i = 0; i < times; i++) parse(body, { values: { remaining: 1e9 } });
      results[index].push(((performance.now() - start) * 1000) / times);
    }
  }
  const unit = times > 1 ? 'µs' : 'ms';
  const shown = (us) => (times > 1 ? us.toFixed(2) : (us / 1000).toFixed(0));
  rows.push(
    `| ${label} | ${body.length} | ${results.map((each) => `${shown(median(each))} ${unit}`).join(' | ')} |`,
  );
}
console.log(
  [
    `Node ${process.version}, ${ROUNDS} rounds, the median of each; ${new Date().toISOString().slice(0, 10)}`,
    '',
    `| body | bytes | ${builds.map(([name]) => name).join(' | ')} |`,
    `|---|---|${builds.map(() => '---|').join('')}`,
    ...rows,
  ].join('\n'),
);
