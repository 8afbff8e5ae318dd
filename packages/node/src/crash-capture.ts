/** A client that wants to hear of an uncaught exception before Node ends the process for it. */
export interface CrashCapturing {
  /**
   * `fatal`: no 'uncaughtException' listener nor capture callback will keep the process alive, so it
   * ends as soon as this returns, and only synchronous work gets done.
   */
  crashed(error: unknown, origin: NodeJS.UncaughtExceptionOrigin, fatal: boolean): void;
}

const clients = new Set<CrashCapturing>();

/**
 * Tells `client` of every uncaught exception (an unhandled rejection too, which Node 20 raises as
 * one). Through 'uncaughtExceptionMonitor', which observes without handling: Node still prints the
 * error and exits with code 1, as it would without Triage. One listener for every client.
 */
export function captureCrashes(client: CrashCapturing): void {
  if (clients.size === 0) process.on('uncaughtExceptionMonitor', onUncaught);
  clients.add(client);
}

/** Stops telling `client` (it was closed). */
export function forgetCrashes(client: CrashCapturing): void {
  clients.delete(client);
  if (clients.size === 0) process.off('uncaughtExceptionMonitor', onUncaught);
}

function onUncaught(error: unknown, origin: NodeJS.UncaughtExceptionOrigin): void {
  // An application's own 'uncaughtException' listener, or a capture callback
  // (process.setUncaughtExceptionCaptureCallback, as `domain` sets), keeps the process running: then
  // nothing is in a hurry, and the events go out as any others.
  const fatal =
    process.listenerCount('uncaughtException') === 0 && !process.hasUncaughtExceptionCaptureCallback();
  for (const client of clients) {
    try {
      client.crashed(error, origin, fatal);
    } catch {
      // A client's failure must not change how the process ends.
    }
  }
}
