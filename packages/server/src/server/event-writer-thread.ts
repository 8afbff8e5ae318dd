// The event writer's thread (see event-writer.ts): prepares the events of ingest requests and stores them
// as jobs on its own SQLite connection. Loaded only as a worker_threads entry, from the built package.
import { parentPort, workerData } from 'node:worker_threads';
import Sqlite from 'better-sqlite3';
import { INSERT_JOB_SQL, jobRow } from './job-row.js';
import { type PreparedEvents, prepareEvents } from './prepare-events.js';

export interface WriterThreadData {
  path: string;
  sqliteSync: 'normal' | 'full';
}

/** One ingest request's events. */
export interface WriteRequest {
  projectId: string;
  inputs: unknown[];
  receivedAt: number;
}

export type WriterMessage = { seq: number; requests: WriteRequest[] } | { truncate: number } | { stop: true };

/** The answer to one request: what was stored, or why nothing of it was. */
export type WriteResult = Omit<PreparedEvents, 'payloads'> | { failure: string };

export type WriterReply =
  | { ready: true }
  | { seq: number; results: WriteResult[] }
  | { truncated: number; failure?: string }
  | { opened: false; failure: string };

/** How long a commit waits for the main connection's lock. */
const BUSY_TIMEOUT_MS = 5_000;
const TRUNCATE_WAIT_MS = 50;

const port = parentPort;
if (!port) throw new Error('event-writer-thread runs as a worker thread');
const { path, sqliteSync } = workerData as WriterThreadData;

let database: Sqlite.Database;
let insert: Sqlite.Statement;
try {
  database = new Sqlite(path);
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  database.pragma(`synchronous = ${sqliteSync === 'full' ? 'FULL' : 'NORMAL'}`);
  // The store's checkpoint thread copies the log into the database; this connection only appends, and
  // empties the log when asked (truncate messages).
  database.pragma('wal_autocheckpoint = 0');
  insert = database.prepare(INSERT_JOB_SQL);
  port.postMessage({ ready: true } satisfies WriterReply);
} catch (error) {
  port.postMessage({ opened: false, failure: (error as Error).message } satisfies WriterReply);
  port.close();
  throw error;
}

let pending: Array<{ seq: number; requests: WriteRequest[] }> = [];
let scheduled = false;

// Every message that arrived by the next turn goes into one transaction: one commit for many requests.
port.on('message', (message: WriterMessage) => {
  if ('stop' in message) {
    write();
    database.close();
    port.close();
    return;
  }
  if ('truncate' in message) {
    // Between transactions. Emptying the log needs every other connection out of the way for a moment:
    // it waits for that at most TRUNCATE_WAIT_MS, since ingest commits wait behind it (waiting the
    // full busy timeout, it held them for long stretches under load); if it cannot, the next request (the
    // checkpoint thread asks every 250 ms while the log is long) tries again.
    write();
    let failure: string | undefined;
    try {
      database.pragma(`busy_timeout = ${TRUNCATE_WAIT_MS}`);
      database.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      failure = (error as Error).message;
    } finally {
      database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    port.postMessage({ truncated: message.truncate, failure } satisfies WriterReply);
    return;
  }
  pending.push(message);
  if (!scheduled) {
    scheduled = true;
    setImmediate(write);
  }
});

function write(): void {
  scheduled = false;
  const batch = pending;
  pending = [];
  if (batch.length === 0) return;
  const now = Date.now();
  const results = batch.map(({ requests }) =>
    requests.map((request): { result: WriteResult; payloads: string[] } => {
      try {
        const { payloads, ...result } = prepareEvents(request.projectId, request.inputs, request.receivedAt);
        return { result, payloads };
      } catch (error) {
        return {
          result: { failure: `preparing the events failed: ${(error as Error).message}` },
          payloads: [],
        };
      }
    }),
  );
  try {
    database.transaction(() => {
      for (const message of results) {
        for (const { payloads } of message) {
          for (const payload of payloads) insert.run(jobRow({ kind: 'event', payload }, now));
        }
      }
    })();
    batch.forEach(({ seq }, index) => {
      port!.postMessage({ seq, results: results[index]!.map(({ result }) => result) } satisfies WriterReply);
    });
  } catch (error) {
    const failure = `storing the events failed: ${(error as Error).message}`;
    for (const { seq, requests } of batch) {
      port!.postMessage({ seq, results: requests.map(() => ({ failure })) } satisfies WriterReply);
    }
  }
}
