import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the background connection copies the write-ahead log into the database. */
const INTERVAL_MS = 250;
/** Log pages (4 KiB each) past which the log is emptied: about 16 MiB. */
const TRUNCATE_FRAMES = 4_096;

// Runs in its own thread with its own connection: a passive checkpoint copies the log into the database
// without blocking anyone, then the thread reports how long the log is.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
const database = new Sqlite(workerData.path);
let stopped = false;
const timer = setInterval(() => {
  try {
    const [result] = database.pragma('wal_checkpoint(PASSIVE)');
    if (result) parentPort.postMessage({ log: result.log });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop' || stopped) return;
  stopped = true;
  clearInterval(timer);
  try { database.pragma('wal_checkpoint(PASSIVE)'); } finally { database.close(); }
  parentPort.close();
});
`;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

interface Connection {
  pragma(source: string): unknown;
}

export interface WalCheckpointerOptions {
  /**
   * Empties the log, between transactions: the store passes a `wal_checkpoint(TRUNCATE)` queued
   * behind its other queries.
   */
  truncate: () => Promise<void>;
  intervalMs?: number;
  truncateFrames?: number;
}

/**
 * Moves SQLite's WAL checkpoints off the calling thread. By default the
 * connection that commits past 1,000 log pages copies them into the database
 * and flushes the disk, inside that commit: on the server that is the ingest
 * event loop, where the copy and the flush held up every request. Here a worker thread
 * checkpoints every 250 ms on its own connection, and the main connection's
 * automatic checkpoints are turned off; if the worker fails, they are turned
 * back on, so the log never grows without bound.
 *
 * Under a steady stream of commits a passive checkpoint never finds the log
 * fully copied when the next commit starts, and SQLite only rewinds the log
 * then: alone, it would grow without end (the tests show both). So past
 * about 16 MiB a writing connection empties it, between its own transactions
 * (`truncate`): most pages
 * are copied by then, so that takes little, and this thread's connection never
 * holds writers back (a truncating checkpoint here could stall a writer for seconds).
 */
export function startWalCheckpointer(
  database: Connection,
  path: string,
  onFailure: (error: unknown) => void,
  { truncate, intervalMs = INTERVAL_MS, truncateFrames = TRUNCATE_FRAMES }: WalCheckpointerOptions,
): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, path, intervalMs },
  });
  worker.unref();
  let fellBack = false;
  const fallBack = (error: unknown) => {
    if (fellBack) return;
    fellBack = true;
    database.pragma('wal_autocheckpoint = 1000');
    onFailure(error);
  };
  database.pragma('wal_autocheckpoint = 0');
  let truncating = false;
  let stopping = false;
  worker.on('message', (message: { error?: string; log?: number }) => {
    if (message.error) onFailure(new Error(`WAL checkpoint failed: ${message.error}`));
    if (message.log === undefined || message.log < truncateFrames || truncating || stopping) return;
    truncating = true;
    truncate()
      .catch((error: unknown) => onFailure(new Error(`WAL truncation failed: ${(error as Error).message}`)))
      .finally(() => {
        truncating = false;
      });
  });
  worker.on('error', (error) => fallBack(error));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  void exited.then(() => {
    if (!stopping) fallBack(new Error('the WAL checkpoint thread exited'));
  });
  return {
    async stop() {
      if (stopping) return exited;
      stopping = true;
      worker.postMessage('stop');
      await exited;
      database.pragma('wal_autocheckpoint = 1000');
    },
  };
}
