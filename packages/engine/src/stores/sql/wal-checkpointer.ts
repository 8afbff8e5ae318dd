import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the background connection copies the write-ahead log into the database. */
const INTERVAL_MS = 250;
/** Log pages (4 KiB each) past which the log is rewound: about 16 MiB. */
const RESTART_FRAMES = 4_096;
/**
 * How long a rewind waits for the write lock, and then, holding it, for readers to finish: writers
 * wait behind it, so not long. If it cannot, it is tried again after RESTART_RETRY_MS.
 */
const RESTART_WAIT_MS = 50;
/**
 * When a rewind could not get the locks, the next attempt comes this soon, up to RESTART_RETRIES
 * times, rather than a whole interval later. While the workers drain a backlog the log grows by about
 * 6,500 pages per 250 ms (bench/README.md): each rewind given up until the next interval let the file
 * grow by as much again, and a few in a row took it to 99 MiB, past the 64 MiB it is cut back to.
 */
const RESTART_RETRY_MS = 20;
const RESTART_RETRIES = 5;

// Runs in its own thread with its own connection: a passive checkpoint copies the log into the database
// without blocking anyone. Past restartFrames it rewinds the log: a RESTART checkpoint right after the
// passive one has little left to copy, so it holds the write lock briefly, and the next commit writes
// from the start of the log again.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
const database = new Sqlite(workerData.path, { timeout: workerData.restartWaitMs });
let stopped = false;
let timer;
let retries = 0;
const tick = () => {
  let delay = workerData.intervalMs;
  try {
    const [result] = database.pragma('wal_checkpoint(PASSIVE)');
    let busy = false;
    if (result && result.log >= workerData.restartFrames) {
      const [restart] = database.pragma('wal_checkpoint(RESTART)');
      busy = Boolean(restart && restart.busy);
    }
    if (busy && retries < workerData.restartRetries) {
      retries++;
      delay = workerData.restartRetryMs;
    } else retries = 0;
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
  timer = setTimeout(tick, delay);
};
timer = setTimeout(tick, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop' || stopped) return;
  stopped = true;
  clearTimeout(timer);
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
  intervalMs?: number;
  restartFrames?: number;
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
 * about 16 MiB this thread rewinds it (a RESTART checkpoint, waiting at most
 * 50 ms for the locks). The writing connection used to empty it itself (a
 * TRUNCATE checkpoint): on the server's event loop that stalled ingest for
 * several milliseconds every 250 ms while it was busy. `journal_size_limit` on the writing connection
 * bounds the file the rewound log leaves behind.
 */
export function startWalCheckpointer(
  database: Connection,
  path: string,
  onFailure: (error: unknown) => void,
  { intervalMs = INTERVAL_MS, restartFrames = RESTART_FRAMES }: WalCheckpointerOptions = {},
): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver,
      path,
      intervalMs,
      restartFrames,
      restartWaitMs: RESTART_WAIT_MS,
      restartRetryMs: RESTART_RETRY_MS,
      restartRetries: RESTART_RETRIES,
    },
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
  let stopping = false;
  worker.on('message', (message: { error?: string }) => {
    if (message.error) onFailure(new Error(`WAL checkpoint failed: ${message.error}`));
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
      // The thread is unref'd so that it never keeps a process alive; while it is being stopped it must,
      // or a shutdown that awaits this with nothing else pending ends the process before the last
      // checkpoint (the CLI then exited with 13, an unsettled top-level await, on every SIGTERM).
      worker.ref();
      worker.postMessage('stop');
      await exited;
      database.pragma('wal_autocheckpoint = 1000');
    },
  };
}
