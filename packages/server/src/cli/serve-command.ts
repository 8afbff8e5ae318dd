import { parseArgs } from 'node:util';
import { startServer } from '../server/start-server.js';
import type { CommandIo } from './command-io.js';
import { InputError } from './input-error.js';

export const SERVE_USAGE = `Usage: triage serve [--port 7070] [--host 0.0.0.0] [--database-url URL]

Runs the Triage server: native and Sentry-compatible ingest, the REST API and
the analysis workers. SQLite at ./data/triage.db unless --database-url
(TRIAGE_DATABASE_URL) names PostgreSQL (postgres://…), which several instances share.`;

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
  const port = values.port ?? io.env.TRIAGE_PORT;
  if (port !== undefined && !/^\d{1,5}$/.test(port))
    throw new InputError(`--port must be a port number, got "${port}"`);
  const server = await startServer({
    port: port === undefined ? undefined : Number(port),
    host: values.host,
    databaseUrl: values['database-url'],
    env: io.env,
    log: (line) => io.stdout(`${line}\n`),
  });
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  io.stdout('[triage] shutting down\n');
  await server.close();
  io.stdout('[triage] stopped\n');
  return 0;
}
