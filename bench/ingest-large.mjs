#!/usr/bin/env node
// One large valid request, and what it does to the other clients: a native batch of EVENTS events
// (default 100), each LINES log lines (default 1,000) of about 900 characters, gzipped, posted with a
// valid key, while a probe posts one small event every 20 ms. Prints, per kind of line, how long the
// large request took to answer and the slowest answer the probe got meanwhile (the event loop was
// held at least that long). Two kinds: `hinted` lines carry what wakes the redaction rules (a time of
// day, an email, a `token=`) beside an 800-character run of name characters; `plain` lines (the
// baseline) are as long with nothing to redact. BASE=<another built checkout> runs that build first,
// in the same run, for a before and after. ENDPOINT=envelope sends the same events as a Sentry
// envelope of EVENTS event items instead (each line a breadcrumb), the probe still native.
// SHAPE (native only): `batch` (the default) as above; `event`, all the lines in one event (one JSON
// object, over the 1 MiB an event may hold); `junk`, a batch of one small event beside a member
// `junk` holding all the lines. Both are refused (413): what matters is how long they held the others.
// PROFILE=<n> runs each server under V8's sampling profiler
// and prints the n functions with the most self time while the large request was in flight, in ms.
// After `npm run build`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { nowUs, readProfile, sumProfile, topRows } from './cpu-profile.mjs';
import { KEY, serveArgs, serverEnv, start, stop } from './ingest-peers.mjs';

const EVENTS = Number(process.env.EVENTS ?? 100);
const LINES = Number(process.env.LINES ?? 1_000);
const BASE = process.env.BASE;
const PROFILE = Number(process.env.PROFILE ?? 0);
const ENVELOPE = process.env.ENDPOINT === 'envelope';
const SHAPE = process.env.SHAPE ?? 'batch';
if (!['batch', 'event', 'junk'].includes(SHAPE) || (ENVELOPE && SHAPE !== 'batch'))
  throw new Error('SHAPE is batch, event or junk (native only)');
const here = new URL('..', import.meta.url).pathname;

const KINDS = {
  hinted: (index) =>
    `2026-12-06T10:00:00Z ERROR request ${index} failed for user u${index}@example.com token=t${index} ${'x'.repeat(800)}`,
  plain: (index) => `2026-12-06 ERROR request ${index} failed ${'x'.repeat(880)}`,
};
const linesOf = (line, event) => Array.from({ length: LINES }, (_, index) => line(event * LINES + index));
const bodyOf = (line) =>
  ENVELOPE
    ? `{"event_id":"${'e'.repeat(32)}"}\n${Array.from(
        { length: EVENTS },
        (_, event) =>
          `{"type":"event"}\n${JSON.stringify({
            message: `large envelope ${event}`,
            breadcrumbs: { values: linesOf(line, event).map((message) => ({ message, level: 'error' })) },
          })}\n`,
      ).join('')}`
    : SHAPE === 'event'
      ? JSON.stringify({ log: Array.from({ length: EVENTS }, (_, event) => linesOf(line, event)).flat() })
      : SHAPE === 'junk'
        ? JSON.stringify({
            events: [{ log: ['ERROR small'] }],
            junk: Array.from({ length: EVENTS }, (_, event) => linesOf(line, event)).flat(),
          })
        : JSON.stringify(Array.from({ length: EVENTS }, (_, event) => ({ log: linesOf(line, event) })));

async function measure(root, kind) {
  const text = bodyOf(KINDS[kind]);
  const body = gzipSync(text);
  const dir = mkdtempSync(join(tmpdir(), 'triage-large-'));
  const server = await start(
    serveArgs(root, PROFILE > 0 ? ['--cpu-prof', '--cpu-prof-dir', dir] : []),
    serverEnv(join(dir, 'triage.db'), '0'),
  );
  const url = `${server.url}/api/v1/events`;
  const small = { 'content-type': 'application/json', 'x-triage-key': KEY };
  let slowest = 0;
  let probes = 0;
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const sent = performance.now();
      const answer = await fetch(ENVELOPE ? `${server.url}/api/1/envelope/?sentry_key=${KEY}` : url, {
        method: 'POST',
        headers: small,
        body: '{"log":["ERROR probe"]}',
      });
      await answer.arrayBuffer();
      slowest = Math.max(slowest, performance.now() - sent);
      probes++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const sent = performance.now();
  const from = nowUs();
  const answer = await fetch(ENVELOPE ? `${server.url}/api/1/envelope/?sentry_key=${KEY}` : url, {
    method: 'POST',
    headers: { ...small, 'content-encoding': 'gzip' },
    body,
  });
  await answer.arrayBuffer();
  const took = performance.now() - sent;
  const to = nowUs();
  await new Promise((resolve) => setTimeout(resolve, 300));
  probing = false;
  await probe;
  await stop(server);
  if (PROFILE > 0) {
    const summed = sumProfile(readProfile(dir), { from, to });
    profiles.push(
      [
        `${root === here ? 'this checkout' : root}, ${kind} lines: the event loop busy ${(summed.busy / 1000).toFixed(0)} ms of the request's ${took.toFixed(0)} ms`,
        '',
        '| function (self time) | share of busy | ms |',
        '|---|---|---|',
        ...topRows(summed, 1000, PROFILE),
      ].join('\n'),
    );
  }
  return [
    root === here ? 'this checkout' : root,
    kind,
    `${(text.length / 2 ** 20).toFixed(1)} MiB (${(body.length / 2 ** 20).toFixed(2)} gzipped)`,
    answer.status,
    (took / 1000).toFixed(2),
    (slowest / 1000).toFixed(2),
    probes,
  ];
}

const rows = [];
const profiles = [];
for (const root of BASE ? [BASE, here] : [here])
  for (const kind of Object.keys(KINDS)) rows.push(await measure(root, kind));
console.log(
  [
    `Node ${process.version}, ${EVENTS} events of ${LINES} lines${SHAPE === 'batch' ? '' : ` (SHAPE=${SHAPE})`}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| build | lines | body | status | answered in (s) | slowest small request meanwhile (s) | small requests answered |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    ...profiles.flatMap((profile) => ['', profile]),
  ].join('\n'),
);
