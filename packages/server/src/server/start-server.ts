import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import {
  ConfigError,
  createEngine,
  loadAiRuntime,
  loadTokenCounter,
  notifiersFromEnv,
  openSqlStore,
  readEngineSettings,
  readLlmConfig,
} from '@triage/engine';
import { adminTokenOf } from './admin-token.js';
import { BodyMemory } from './body-memory.js';
import { createApp } from './create-app.js';
import { EventWriter } from './event-writer.js';
import { createIngestListener } from './ingest-listener.js';
import { IngestSpool, SpoolHeldError } from './ingest-spool.js';
import { JobQueue } from './job-queue.js';
import { dsnOf, type Project, ProjectRegistry } from './projects.js';
import { RateLimiter } from './rate-limiter.js';
import { startRetention } from './retention.js';
import { DEFAULT_LIMITS, type ServerContext } from './server-context.js';
import { readServerSettings } from './server-settings.js';
import { sharedRateBuckets } from './shared-rate-buckets.js';

export interface ServerOptions {
  port?: number;
  host?: string;
  /** `postgres://…`, or a SQLite path (default `./data/triage.db`). */
  databaseUrl?: string;
  env?: Record<string, string | undefined>;
  /** Where start-up lines and internal failures go. */
  log?: (line: string) => void;
  /**
   * Where a start-up warning goes, apart from the start-up lines: a setting that undid a change made
   * elsewhere (TRIAGE_DEFAULT_PROJECT_KEY over a rotated key). Default stderr.
   */
  warn?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  dsn: string;
  project: Project;
  adminToken: string;
  context: ServerContext;
  close(): Promise<void>;
}

/**
 * `triage serve`: opens (and migrates) the database, makes the default project
 * and admin token on first start, starts the job worker, listens, and prints
 * what a newcomer needs: the URL, the DSN and what is configured.
 */
export async function startServer({
  port,
  host: givenHost,
  databaseUrl,
  env = process.env,
  log = (line) => process.stdout.write(`${line}\n`),
  warn = (line) => process.stderr.write(`${line}\n`),
}: ServerOptions = {}): Promise<RunningServer> {
  const settings = readEngineSettings(env);
  const llm = readLlmConfig(env, settings.llm);
  const notifiers = notifiersFromEnv(env);
  const {
    database,
    workers,
    jobTimeoutMs,
    sqliteSync,
    sqliteSpool,
    queryTimeoutMs,
    rateLimitPerMinute,
    rateLimitBytesPerMinute,
    keyCacheMs,
    ingestMemoryBytes,
    retention,
    digestHourUtc,
    port: listenPort,
    host,
    defaultProjectKey,
  } = readServerSettings(env, { databaseUrl, port, host: givenHost?.trim(), llm: llm !== undefined });
  const { everywhere, urlAt } = listenAddressOf(host, listenPort);
  const failures = new Map<string, number>();
  const onFailure = (stage: string, error: unknown) => {
    const count = (failures.get(stage) ?? 0) + 1;
    failures.set(stage, count);
    if (count === 1 || count % 1_000 === 0)
      log(`[triage] ${stage} failed: ${(error as Error)?.message ?? error} (${count} so far)`);
  };
  const store = await openSqlStore({
    url: database,
    maxConnections: workers + 8,
    sqliteSync,
    queryTimeoutMs,
    onFailure,
  });
  // From here on a failure (a taken port, say) closes what is open: a store left open kept the process
  // alive after the error was printed, its connections and timers still running.
  let engine: ReturnType<typeof createEngine>;
  try {
    engine = createEngine({
      env,
      store,
      notifiers,
      digestHourUtc,
      dashboardUrl: env.TRIAGE_DASHBOARD_URL,
      diagnostics: log,
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  let spool: IngestSpool | undefined;
  try {
    spool = sqliteSpool ? openSpool(store.sqliteFile, sqliteSync === 'full', log) : undefined;
  } catch (error) {
    await engine.close();
    throw new ConfigError(`cannot use the ingest spool of ${store.sqliteFile}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const closingOnFailure = <T>(step: Promise<T>): Promise<T> =>
    step.catch(async (error: unknown) => {
      spool?.close();
      await engine.close();
      throw error;
    });
  const projects = new ProjectRegistry(store.db, { keyCacheMs });
  const project = await closingOnFailure(
    projects
      .ensureDefault(defaultProjectKey, {
        // A key rotated with `triage projects rotate-key` (its new DSN handed out) is undone here: said
        // apart from the start-up lines, without either key.
        onKeyReplaced: () =>
          warn(
            "[triage] the default project's stored key was replaced by TRIAGE_DEFAULT_PROJECT_KEY: DSNs with the stored key (one `triage projects rotate-key default` printed, say) are refused from now on; to rotate a pinned key, change TRIAGE_DEFAULT_PROJECT_KEY",
          ),
      })
      .catch((error: unknown) => {
        // The key of another project: the raw constraint error named no variable.
        if (/unique/i.test((error as Error).message))
          throw new ConfigError('TRIAGE_DEFAULT_PROJECT_KEY is the key of another project: choose another');
        throw error;
      }),
  );
  const { token, generated } = await closingOnFailure(
    adminTokenOf(store.db, env.TRIAGE_ADMIN_TOKEN?.trim() || undefined),
  );
  const userKeySecret = await closingOnFailure(store.userKeySecret());
  const ingest = { active: 0, lastAt: 0 };
  const jobs = new JobQueue({
    ingestBusy: () => ingest.active > 0 || Date.now() - ingest.lastAt < 5,
    db: store.db,
    dialect: store.dialect,
    concurrency: Math.max(1, workers),
    // Well past what a healthy job takes: the LLM call (its timeout covers its retries), a first
    // delivery to each channel (each with its own timeout), and a few store round trips.
    jobTimeoutMs: jobTimeoutMs ?? Math.max(300_000, 3 * settings.llmTimeoutMs + 60_000),
    onFailure,
    spool,
    run: async (job) => {
      // Ingest redacted the event before storing it: no second pass. The job id makes a run of the same
      // job after a crash record nothing twice.
      if (job.kind === 'event')
        await engine.process({
          input: JSON.parse(job.payload),
          redacted: true,
          delivery: String(job.id),
          // Its slot takes the next job rather than wait for an analysis another job runs and owns.
          awaitAnalysisInFlight: false,
        });
      else if (job.kind === 'reanalyze') {
        const { issueId, requestedAt } = JSON.parse(job.payload) as { issueId: string; requestedAt?: number };
        await engine.reanalyze(issueId, requestedAt);
      } else throw new Error(`unknown job kind "${job.kind}"`);
    },
  });
  const recovered = await closingOnFailure(jobs.recoverSpool());
  if (recovered.stored > 0 || recovered.dropped > 0)
    log(
      `[triage] ingest spool: stored ${recovered.stored} events a previous run had accepted but not yet moved` +
        (recovered.dropped > 0 ? `; dropped ${recovered.dropped} torn lines (never answered)` : ''),
    );
  const events = new EventWriter(jobs, userKeySecret);
  const shared = sharedRateBuckets(store.db);
  const rateLimits = {
    events: new RateLimiter(rateLimitPerMinute, { shared, onFailure }),
    bytes: new RateLimiter(rateLimitBytesPerMinute, { shared, onFailure, prefix: 'bytes:' }),
    telemetry: new RateLimiter(rateLimitBytesPerMinute, { shared, onFailure, prefix: 'telemetry:' }),
  };
  const context: ServerContext = {
    store,
    engine,
    projects,
    jobs,
    events,
    rateLimits,
    adminToken: token,
    limits: DEFAULT_LIMITS,
    ingest,
    bodyMemory: new BodyMemory(ingestMemoryBytes),
    onFailure,
  };
  // Loaded before the first request rather than by the first analysis, in the middle of ingest (see
  // createLlmAnalyzer), with the AI SDK (loadAiRuntime). One that fails to load fails each analysis,
  // which falls back to the rules.
  if (llm) await Promise.all([loadTokenCounter(), loadAiRuntime()]).catch(() => {});
  const app = createApp(context);
  const server = createServer(createIngestListener(context, getRequestListener(app.fetch)));
  await closingOnFailure(
    new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(
                `port ${listenPort} on ${host} is in use: stop what holds it, or choose another with --port or TRIAGE_PORT`,
              )
            : error.code === 'ENOTFOUND' || error.code === 'EADDRNOTAVAIL'
              ? new ConfigError(
                  `cannot listen on ${host} (--host or TRIAGE_HOST): ${error.code === 'ENOTFOUND' ? 'no such host' : 'not an address of this machine'}`,
                )
              : error,
        );
      server.once('error', onError);
      server.listen(listenPort, host, () => {
        server.off('error', onError);
        resolve();
      });
    }),
  );
  let retentionJob: ReturnType<typeof startRetention> | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    const retentionStopped = retentionJob?.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await retentionStopped;
    await jobs.stop();
    await Promise.all(Object.values(rateLimits).map((limiter) => limiter.stop()));
    await engine.close();
  };
  // Listening, a failure closes the server too: it went on listening after the error was printed, with
  // `triage serve`'s stop signals already let go (a Ctrl-C then killed it with no shutdown).
  try {
    const url = urlAt((server.address() as AddressInfo).port);
    // No server has finished starting on this database before: a first start that failed after it made
    // the admin token (its port taken, say) never showed it, and the next start said it had.
    const firstStart = (await projects.serverUrl()) === undefined;
    // What `triage projects` prints its DSNs with, run from another shell that has no TRIAGE_PORT. Also
    // the start's one write: a database it cannot write (a read-only SQLite file) was served, every
    // event answered 200 and left in the spool, its moves failing for ever.
    await projects.rememberServerUrl(url).catch((error: unknown) => {
      throw new ConfigError(`cannot write to the database: ${(error as Error).message}`, { cause: error });
    });
    // TRIAGE_WORKERS=0: an ingest-only instance; other instances sharing the database run the pipeline.
    if (workers > 0) jobs.start();
    rateLimits.events.start();
    rateLimits.bytes.start();
    rateLimits.telemetry.start();
    retentionJob = startRetention(store.db, retention, onFailure);

    const channels = notifiers.map((notifier) => notifier.name).join(', ') || 'none';
    const dsn = dsnOf(project, url);
    log(
      `Triage server listening on ${url}${everywhere ? ' (and every other interface: --host 127.0.0.1 keeps it to this machine)' : ''}`,
    );
    log(`  database: ${store.dialect === 'postgres' ? 'PostgreSQL' : `SQLite ${database}`}`);
    if (spool) log(`  ingest spool: ${spool.directory} (TRIAGE_SQLITE_SPOOL)`);
    log(`  DSN of the default project: ${dsn}`);
    log(
      `  analysis: ${llm ? `${llm.provider} ${llm.model}` : 'offline rules (set GROQ_API_KEY or TRIAGE_LLM_PROVIDER for an LLM)'}`,
    );
    // The default depends on the store and on the LLM (server-settings.ts): say what it came to.
    log(
      `  workers: ${workers === 0 ? '0, ingest only (other instances run the jobs)' : `${workers} jobs at once`} (TRIAGE_WORKERS)`,
    );
    log(`  alerts: ${channels}`);
    const fromEnv = Boolean(env.TRIAGE_ADMIN_TOKEN?.trim());
    log(
      generated || (firstStart && !fromEnv)
        ? `  admin token (generated, stored in the database; set TRIAGE_ADMIN_TOKEN to choose one): ${token}`
        : `  admin token: ${fromEnv ? 'TRIAGE_ADMIN_TOKEN' : 'the one generated at the first start, in the database (settings.admin_token)'}`,
    );
    return { url, dsn, project, adminToken: token, context, close };
  } catch (error) {
    // The start's failure is what the caller must see, not one of closing after it.
    await close().catch((closing: unknown) => onFailure('stop', closing));
    throw error;
  }
}

/**
 * Where a server on `host` is reached (its start-up line, the DSNs, what `triage projects` prints
 * DSNs with), checked before anything is opened: a host no URL can hold (`--host '::1%lo'`: a URL has
 * no IPv6 zone; `--host ''`) failed only once the server listened, after it had stored the URL.
 */
function listenAddressOf(host: string, port: number) {
  if (host === '')
    throw new ConfigError('--host must name an address to listen on (0.0.0.0: every interface), got ""');
  const everywhere = host === '0.0.0.0' || host === '::';
  const shownHost = everywhere ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const urlAt = (listening: number) => `http://${shownHost}:${listening}`;
  let parsed: URL | undefined;
  try {
    parsed = new URL(urlAt(port));
  } catch {}
  // Something that parses as more than a host (`example.com/x`, `user@host`) would be another URL.
  if (!parsed || parsed.username || parsed.pathname !== '/' || parsed.search || parsed.hash)
    throw new ConfigError(
      `cannot listen on ${host} (--host or TRIAGE_HOST): not a host name or an IP address that a URL can hold`,
    );
  return { everywhere, urlAt };
}

/**
 * The ingest spool of a SQLite database on disk, or undefined (in memory, on PostgreSQL, or held by
 * another live process, which is said: this one then writes events straight to the database).
 */
function openSpool(
  file: string | undefined,
  sync: boolean,
  log: (line: string) => void,
): IngestSpool | undefined {
  if (file === undefined) return undefined;
  try {
    return IngestSpool.open(file, { sync });
  } catch (error) {
    if (!(error instanceof SpoolHeldError)) throw error;
    log(
      `[triage] ${error.message} (another triage serve on this database?): events go straight to the database`,
    );
    return undefined;
  }
}
