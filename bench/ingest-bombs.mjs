#!/usr/bin/env node
// Small bodies that inflate to a great many JSON values, sent at once: how long the server takes to
// answer them all, what it answers, how large it grows, and whether it is still up. Each body is
// MIB MiB (default 95) of `{"a":1},` gzipped to about 142 KiB, posted N times at once (default 30)
// to the native endpoint with a valid key. HEAP (MiB) starts the server with --max-old-space-size,
// the heap Node picks in a small container. BASE=<another built checkout> runs that build first, in
// the same run, for a before and after. The resident size is read from /proc every 100 ms (Linux).
// After `npm run build`.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { KEY, serveArgs, serverEnv, start } from './ingest-peers.mjs';

const N = Number(process.env.N ?? 30);
const MIB = Number(process.env.MIB ?? 95);
const HEAP = process.env.HEAP;
const BASE = process.env.BASE;
const here = new URL('..', import.meta.url).pathname;

const unit = '{"a":1},';
const count = Math.floor((MIB * 1024 * 1024) / unit.length);
const body = gzipSync(`[${unit.repeat(count - 1)}{"a":1}]`);

const residentMiB = (pid) => {
  try {
    const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib ? Number(kib) / 1024 : 0;
  } catch {
    return 0;
  }
};

async function measure(root) {
  const server = await start(
    serveArgs(root, HEAP ? [`--max-old-space-size=${HEAP}`] : []),
    serverEnv(join(mkdtempSync(join(tmpdir(), 'triage-bombs-')), 'triage.db')),
  );
  let peak = residentMiB(server.child.pid);
  const sampler = setInterval(() => {
    peak = Math.max(peak, residentMiB(server.child.pid));
  }, 100);
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: N }, () =>
      fetch(`${server.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'x-triage-key': KEY, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body,
      }).then(
        async (response) => {
          await response.arrayBuffer();
          return String(response.status);
        },
        () => 'no answer',
      ),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const up = await fetch(`${server.url}/health`).then(
    (response) => response.ok,
    () => false,
  );
  server.child.kill('SIGKILL');
  const tally = {};
  for (const answer of answers) tally[answer] = (tally[answer] ?? 0) + 1;
  return { seconds, tally, peak, up };
}

const builds = [...(BASE ? [['base', BASE]] : []), ['this checkout', here]];
console.log(
  `Node ${process.version}; ${N} bodies at once, each ${MIB} MiB of JSON (${count} objects) gzipped to ${(body.length / 1024).toFixed(0)} KiB; heap ${HEAP ? `${HEAP} MiB` : 'default'}${BASE ? `; base: ${BASE}` : ''}; ${new Date().toISOString().slice(0, 10)}\n`,
);
console.log('| build | answered in (s) | answers | largest resident size (MiB) | up after |');
console.log('|---|---|---|---|---|');
for (const [name, root] of builds) {
  const { seconds, tally, peak, up } = await measure(root);
  const answers = Object.entries(tally)
    .map(([status, times]) => `${times} × ${status}`)
    .join(', ');
  console.log(`| ${name} | ${seconds.toFixed(1)} | ${answers} | ${peak.toFixed(0)} | ${up ? 'yes' : 'no'} |`);
}
