const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * A second signal within this time is the first one again: Ctrl-C on `npm start` reaches npm and the
 * server (one process group), and npm passes its copy on, so the server gets two at once. Ended by the
 * copy, it stopped half-way: jobs in hand cut off (left to wait out their lease), no last checkpoint.
 */
const SAME_STOP_MS = 1_000;

export interface StopSignal {
  /** Resolves at the first SIGINT or SIGTERM. */
  received: Promise<void>;
  /** Stops listening: a signal then ends the process (Node's default). */
  release: () => void;
}

/**
 * Listens for SIGINT and SIGTERM until released. The first resolves `received`; one that comes later
 * than SAME_STOP_MS after it ends the process at once, by that signal, as a second Ctrl-C should.
 */
export function listenForStop(onFirst: () => void): StopSignal {
  let firstAt: number | undefined;
  let resolveReceived = () => {};
  const received = new Promise<void>((resolve) => {
    resolveReceived = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstAt === undefined) {
      firstAt = Date.now();
      onFirst();
      resolveReceived();
    } else if (Date.now() - firstAt > SAME_STOP_MS) {
      release();
      process.kill(process.pid, signal);
    }
  };
  const release = () => {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return { received, release };
}
