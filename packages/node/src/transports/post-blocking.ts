import { Worker } from 'node:worker_threads';

export interface PostBlockingOptions {
  endpoint: string;
  /** Posted one after another, stopping at the first that fails. */
  requests: Array<{ headers: Record<string, string>; body: Uint8Array }>;
  /** For all of them together, the thread's start included. */
  timeoutMs: number;
}

export interface PostBlockingResult {
  /** Requests answered 2xx, from the first. */
  sent: number;
  /** Why the others were not: the first failure's status, or a network error or the timeout. */
  problem?: string;
}

// Run by `eval`: a file beside this one would be TypeScript under the tests, which a worker cannot
// load. A dynamic import, which a script and a module both allow. The state is [done, sent, status of
// the first failure (-1: network error, -2: timeout)].
const WORKER = `
(async () => {
  const { workerData } = await import('node:worker_threads');
  const { endpoint, requests, timeoutMs, state } = workerData;
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    for (const { headers, body } of requests) {
      let status = -1;
      try {
        const response = await fetch(endpoint, { method: 'POST', headers, body, signal, redirect: 'manual' });
        status = response.status;
        await response.body?.cancel();
      } catch { if (signal.aborted) status = -2; }
      if (status < 200 || status > 299) { Atomics.store(state, 2, status); break; }
      Atomics.add(state, 1, 1);
    }
  } finally {
    Atomics.store(state, 0, 1);
    Atomics.notify(state, 0);
  }
})();
`;

/**
 * POSTs `requests` and blocks the calling thread until they are answered or `timeoutMs` has passed.
 * For the moments when the event loop will not turn again (a process that an uncaught exception is
 * ending): the requests run on a worker thread with its own loop while this one waits on
 * `Atomics.wait`. Never throws.
 */
export function postBlocking({ endpoint, requests, timeoutMs }: PostBlockingOptions): PostBlockingResult {
  const state = new Int32Array(new SharedArrayBuffer(12));
  let worker: Worker | undefined;
  try {
    // None of the application's flags, nor its environment (NODE_OPTIONS): its preloaded modules (an
    // instrumentation, a TypeScript loader) would run again in the thread, in the little time there is.
    worker = new Worker(WORKER, {
      eval: true,
      execArgv: [],
      env: {},
      workerData: { endpoint, requests, timeoutMs, state },
    });
    // Its failure is seen in the state; unheard, an 'error' event would end the process.
    worker.on('error', () => {});
    worker.unref();
    const waited = Atomics.wait(state, 0, 0, timeoutMs + 100);
    const sent = Atomics.load(state, 1);
    if (sent === requests.length) return { sent };
    const status = Atomics.load(state, 2);
    const problem =
      waited === 'timed-out' || status === -2
        ? `no answer within ${timeoutMs} ms`
        : status === -1
          ? 'the server could not be reached'
          : status === 0
            ? 'the thread sending them failed'
            : `HTTP ${status}`;
    return { sent, problem };
  } catch (error) {
    return { sent: Atomics.load(state, 1), problem: error instanceof Error ? error.message : String(error) };
  } finally {
    void worker?.terminate();
  }
}
