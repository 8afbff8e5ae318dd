const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * A second signal within this time is the first one again: Ctrl-C on `npm start` reaches npm and the
 * server (one process group), and npm passes its copy on, so the server gets two at once. Ended by the
 * copy, it stopped half-way: jobs in hand cut off (left to wait out their lease), no last checkpoint.
 * `npx triage` passes its copy on the same way (read-input's Ctrl-C while a pipe is read).
 */
export const SAME_STOP_MS = 1_000;

export interface StopSignal {
  /** Resolves at the first SIGINT or SIGTERM. */
  received: Promise<void>;
  /** Stops listening: a signal then ends the process (Node's default). */
  release: () => void;
}

/**
 * Listens for SIGINT and SIGTERM until released. The first is told to onFirst (a command exits by it:
 * 130 for SIGINT, 143 for SIGTERM) and resolves `received`; one that comes later
 * than SAME_STOP_MS after it ends the process at once, by that signal, as a second Ctrl-C should.
 */
export function listenForStop(onFirst: (signal: NodeJS.Signals) => void): StopSignal {
  let firstAt: number | undefined;
  let resolveReceived = () => {};
  const received = new Promise<void>((resolve) => {
    resolveReceived = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstAt === undefined) {
      firstAt = Date.now();
      onFirst(signal);
      resolveReceived();
    } else if (Date.now() - firstAt > SAME_STOP_MS) {
      release();
      process.kill(process.pid, signal);
    }
  };
  // One listener per signal, which knows it: an emitted one (`process.emit('SIGTERM')`) has no argument.
  const listeners = STOP_SIGNALS.map((signal) => [signal, () => onSignal(signal)] as const);
  const release = () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
  for (const [signal, listener] of listeners) process.on(signal, listener);
  return { received, release };
}
