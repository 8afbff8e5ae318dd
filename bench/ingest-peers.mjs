// What the ingest benchmarks share: the request bodies, the bare node:http baseline and how a server
// process is started (resolves once it prints the URL it listens on).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';

export const KEY = 'b'.repeat(32);

/**
 * UNIQUE=1: every request carries a fresh id in one log line (a breadcrumb in the envelope), written
 * in by autocannon (`idReplacement`, for the bare server too), as real events differ from one another.
 * Otherwise every request sends the same event, and the strings Triage's redactor remembers (see
 * createRedactor) are all seen before. `post` passes LOAD_OPTIONS to every autocannon run.
 */
export const UNIQUE = process.env.UNIQUE === '1';
export const LOAD_OPTIONS = UNIQUE ? { idReplacement: true } : {};
const ORDER = UNIQUE ? 'order [<id>]' : 'order 7';

export const event = JSON.stringify({
  service: 'checkout',
  source: { file: 'src/checkout.ts', function: 'Checkout' },
  priority: 'P1',
  log: [`INFO: charging card for ${ORDER}`, 'ERROR: connect ECONNREFUSED 10.0.0.7:5432'],
});
// The server counts an event whose id its issue holds once (a copy sent again), so a body repeated
// with one event_id would be one event: without UNIQUE the envelope carries none and each is given
// one, with UNIQUE a fresh one is written in (a Sentry SDK gives every event its own).
// EVENT_ID=fixed sends the one id the benchmarks used to, for comparing with their earlier figures.
const EVENT_ID =
  process.env.EVENT_ID === 'fixed'
    ? { event_id: '9ec79c33ec9942ab8353589fcb2e04dc' }
    : UNIQUE
      ? { event_id: '[<id>]' }
      : {};
export const envelope = [
  JSON.stringify({ ...EVENT_ID, sent_at: new Date().toISOString() }),
  JSON.stringify({ type: 'event' }),
  JSON.stringify({
    ...EVENT_ID,
    level: 'error',
    platform: 'node',
    ...(UNIQUE ? { breadcrumbs: { values: [{ message: `charging card for ${ORDER}` }] } } : {}),
    exception: {
      values: [
        {
          type: 'Error',
          value: 'connect ECONNREFUSED 10.0.0.7:5432',
          stacktrace: {
            frames: [{ function: 'charge', filename: '/app/src/pay.js', lineno: 10, in_app: true }],
          },
        },
      ],
    },
  }),
].join('\n');

/** One autocannon run of POST requests, with LOAD_OPTIONS; `options` adds connections, duration… */
export const post = (url, body, headers, options) =>
  autocannon({ url, method: 'POST', body, headers, ...LOAD_OPTIONS, ...options });

/** What the bare server is sent with Triage's body: its content type only, which tells it an envelope. */
export const bareHeaders = (headers) => ({ 'content-type': headers['content-type'] });

/** The endpoints measured: label, path, body, headers. */
export const ENDPOINTS = [
  ['native JSON', '/api/v1/events', event, { 'content-type': 'application/json', 'x-triage-key': KEY }],
  [
    'Sentry envelope',
    `/api/1/envelope/?sentry_key=${KEY}`,
    envelope,
    { 'content-type': 'application/x-sentry-envelope' },
  ],
];

/**
 * The environment of a measured `triage serve`: the benchmark's key and admin token, no rate limit (events or bytes) in
 * the way, an alert address so the pipeline runs as in production. `workers` undefined: the default.
 */
export const serverEnv = (databaseUrl, workers) => ({
  ...(workers === undefined ? {} : { TRIAGE_WORKERS: workers }),
  TRIAGE_DATABASE_URL: databaseUrl,
  TRIAGE_DEFAULT_PROJECT_KEY: KEY,
  TRIAGE_ADMIN_TOKEN: 'admin',
  TRIAGE_RATE_LIMIT_PER_MINUTE: '100000000',
  TRIAGE_RATE_LIMIT_MB_PER_MINUTE: '100000000',
  TRIAGE_ALERT_TO: 'x@example.com',
});

/** `/api/v1/stats` of a server started with serverEnv (its admin token). */
export const statsOf = async (url) =>
  (await fetch(`${url}/api/v1/stats`, { headers: { authorization: 'Bearer admin' } })).json();

/** Sends `signal` to a started server and resolves once its process has exited. */
export const stop = async ({ child }, signal = 'SIGTERM') => {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
};

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** The arguments that run `triage serve` of the checkout at `root` on a free local port, after `nodeFlags`. */
export const serveArgs = (root, nodeFlags = []) => [
  ...nodeFlags,
  join(root, 'packages/server/bin/triage.js'),
  'serve',
  '--port',
  '0',
  '--host',
  '127.0.0.1',
];

export function start(args, env) {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}

/**
 * A server that parses the same JSON and answers 200: the baseline. An envelope (its content type says so)
 * is JSON lines, a header, then each item's header and payload: every line is parsed, as Triage parses
 * them (without Triage's checks on lengths, depth or UTF-8). Run with `--input-type=module -e`.
 */
export const BARE = `import http from 'node:http';
const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    if (request.headers['content-type'] === 'application/x-sentry-envelope') {
      for (const line of text.split('\\n')) if (line !== '') JSON.parse(line);
    } else JSON.parse(text);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  });
});
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));`;

// CPU time from /proc (Linux): utime + stime, in clock ticks (10 ms), fields 14 and 15 of stat(5); the
// name may hold spaces.
const ticksOf = (stat) => {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
export const TICK_US = 10_000;
/** The CPU ticks of each thread of a process, by thread id (the main thread's is the process id). */
export const threadTicks = (pid) =>
  new Map(
    readdirSync(`/proc/${pid}/task`).map((tid) => [
      tid,
      ticksOf(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')),
    ]),
  );
/** The CPU ticks of a process's main thread. */
export const mainThreadTicks = (pid) => ticksOf(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
export const ownTicks = () => ticksOf(readFileSync('/proc/self/stat', 'utf8'));
/**
 * The machine's CPU ticks from /proc/stat's first line (all cores): `idle` counts idle and waiting for
 * I/O, `all` every state (the first eight columns: guest time is already counted in user time). Their
 * change over a run gives the share of the machine nobody used.
 */
export const machineTicks = () => {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { idle: fields[3] + fields[4], all: fields.slice(0, 8).reduce((sum, value) => sum + value, 0) };
};
/** The share of the machine, in %, that nobody used between two readings of machineTicks. */
export const idleShare = (before, after) => (100 * (after.idle - before.idle)) / (after.all - before.all);
