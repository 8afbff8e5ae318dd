#!/usr/bin/env node
// What scopes an application never ends cost it in memory: N scopes opened on a path that forgets to
// end them, each logging two lines (one with a 1 KB object), with the default `maxOpenScopes`
// (10,000) against no limit (the baseline: held until `scopeTimeoutMs`, 10 minutes). Each case runs in
// its own process, the heap measured after a full GC. After `npm run build`.
import { execFileSync } from 'node:child_process';

const SCOPES = Number(process.env.SCOPES ?? 200_000);
const child = (maxOpenScopes) => `
  const { createTriage } = await import('@triage/node');
  const triage = createTriage({ summary: 'none', maxOpenScopes: ${maxOpenScopes}, engine: { notifiers: [] } });
  global.gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < ${SCOPES}; i++) {
    const log = triage.scope({ file: 'app.ts', func: 'Handler' });
    log.info('request %s', 'x', { body: 'y'.repeat(1000) + i });
    log.info('step two');
  }
  global.gc();
  console.log(JSON.stringify({ mb: (process.memoryUsage().heapUsed - before) / 1e6, open: triage.stats().openScopes }));
  process.exit(0);
`;
const run = (maxOpenScopes) =>
  JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', child(maxOpenScopes)], {
      cwd: new URL('.', import.meta.url),
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim()
      .split('\n')
      .at(-1),
  );
console.log(`Node ${process.version}; ${SCOPES} scopes never ended`);
console.log('| maxOpenScopes | heap grew by (MB) | scopes still open |');
console.log('|---|---|---|');
for (const [label, limit] of [
  ['none (baseline)', Number.MAX_SAFE_INTEGER],
  ['10,000 (default)', 10_000],
]) {
  const { mb, open } = run(limit);
  console.log(`| ${label} | ${mb.toFixed(0)} | ${open} |`);
}
