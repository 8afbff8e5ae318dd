import { parseArgs } from 'node:util';
import { startServer } from '../server/start-server.js';
import type { CommandIo } from './command-io.js';
import { InputError } from './input-error.js';
import { listenForStop } from './stop-signal.js';

export const SERVE_USAGE = `Usage: triage serve [--port 7070] [--host 0.0.0.0] [--database-url URL]

Runs the Triage server: native and Sentry-compatible ingest, the REST API and
the analysis workers. SQLite at ./data/triage.db unless --database-url
(TRIAGE_DATABASE_URL) names PostgreSQL (postgres://…), which several instances share.

Environment (defaults in brackets; the LLM and alert variables are in the README):
  TRIAGE_PORT                   port [7070]
  TRIAGE_HOST                   address to listen on, as --host [0.0.0.0: every interface]
  TRIAGE_DATABASE_URL           postgres://… or a SQLite path [./data/triage.db]
  TRIAGE_ADMIN_TOKEN            token of the REST API [generated on first start]
  TRIAGE_DEFAULT_PROJECT_KEY    key of the default project's DSN [generated]
  TRIAGE_WORKERS                jobs run at once; 0: ingest only
                                [16 on PostgreSQL; on SQLite 8 with an LLM, 2 without]
  TRIAGE_JOB_TIMEOUT_SECONDS    a job running longer fails and is retried
                                [300, or 3 LLM timeouts and a minute if longer]
  TRIAGE_SQLITE_SYNC            normal, or full to flush every commit [normal]
  TRIAGE_SQLITE_SPOOL           on: accepted events go to a spool file first, then the database [on]
  TRIAGE_QUERY_TIMEOUT_SECONDS  a PostgreSQL query with no answer by then fails; 0: none [30]
  TRIAGE_RATE_LIMIT_PER_MINUTE  events per key, all instances together [6000]
  TRIAGE_RATE_LIMIT_MB_PER_MINUTE  MiB of requests (decompressed) per key, likewise [100]
  TRIAGE_KEY_CACHE_SECONDS      a rotated key is refused after at most this; 0: no cache [30]
  TRIAGE_INGEST_MEMORY_MB       request bodies in flight, together; 503 past it [256]
  TRIAGE_RETENTION_DAYS         stored events, dead jobs, sent alerts and hourly counts kept [30]
  TRIAGE_RETENTION_MAX_EVENTS   stored events kept [1000000]
  TRIAGE_DIGEST_HOUR_UTC        hour of the daily digest [8]`;

/** `triage serve`: runs until SIGINT/SIGTERM, then drains and exits. */
export async function serveCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(`${SERVE_USAGE}\n`);
    return 0;
  }
  // TRIAGE_PORT is read with the server's other settings, in words that name it.
  const port = values.port;
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) <= 65_535))
    throw new InputError(`--port must be a port number (0 to 65535), got "${port}"`);
  // Listen for the stop signals before starting: without a listener a signal kills Node outright, and
  // one that came between the start-up lines and the listener (a container stopped at once, say) ended
  // the server with no shutdown (no drain, no last checkpoint). A signal during start-up stops the
  // server as soon as it has started. They are listened for until the server has stopped (see listenForStop).
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const stop = listenForStop(() => {
    if (!server) io.stdout('[triage] stopping as soon as it has started (signal again to quit at once)\n');
  });
  try {
    server = await startServer({
      port: port === undefined ? undefined : Number(port),
      host: values.host,
      databaseUrl: values['database-url'],
      env: io.env,
      log: (line) => io.stdout(`${line}\n`),
      warn: (line) => io.stderr(`${line}\n`),
    });
  } catch (error) {
    // A failed start must not leave the listeners behind: they would swallow the next Ctrl-C.
    stop.release();
    throw error;
  }
  await stop.received;
  io.stdout('[triage] shutting down\n');
  try {
    await server.close();
  } finally {
    stop.release();
  }
  io.stdout('[triage] stopped\n');
  return 0;
}
