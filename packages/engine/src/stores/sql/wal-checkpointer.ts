import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the background connection copies the write-ahead log into the database. */
const INTERVAL_MS = 250;
/** Log pages (4 KiB each) past which the log is emptied: about 16 MiB. */
const TRUNCATE_FRAMES = 4_096;

// Runs in its own thread with its own connection. Passive checkpoints copy the log into the database
// without blocking anyone. But under a steady stream of commits a passive checkpoint never finds the log
// fully copied when the next commit starts, and SQLite only rewinds the log then: it would grow without
// end. So once it passes a size, a truncating checkpoint waits for a gap between commits (holding new
// ones back for the short time the last pages take, most having been copied already) and empties it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
const database = new Sqlite(workerData.path);
database.pragma('busy_timeout = 1000');
let stopped = false;
const timer = setInterval(() => {
  try {
    const [passive] = database.pragma('wal_checkpoint(PASSIVE)');
    if (passive && passive.log >= workerData.truncateFrames) database.pragma('wal_checkpoint(TRUNCATE)');
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

/**
 * Moves SQLite's WAL checkpoints off the calling thread. By default the
 * connection that commits past 1,000 log pages copies them into the database
 * and flushes the disk, inside that commit: on the server that is the ingest
 * event loop, and it was half the cost of a queued insert. Here a worker thread
 * checkpoints every 250 ms on its own connection, emptying the log past about
 * 16 MiB, and the main connection's automatic checkpoints are turned off; if
 * the worker fails, they are turned back on, so the log never grows without bound.
 */
export function startWalCheckpointer(
  database: Connection,
  path: string,
  onFailure: (error: unknown) => void,
  { intervalMs = INTERVAL_MS, truncateFrames = TRUNCATE_FRAMES } = {},
): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, path, intervalMs, truncateFrames },
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
  worker.on('message', (message: { error?: string }) => {
    if (message.error) onFailure(new Error(`WAL checkpoint failed: ${message.error}`));
  });
  worker.on('error', (error) => fallBack(error));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping = false;
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
