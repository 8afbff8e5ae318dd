/** A client with work that should not be lost when the process ends on its own. */
export interface ExitFlushable {
  /** Starts sending or analysing what is left; undefined when nothing is. */
  flushAtExit(): Promise<unknown> | undefined;
}

const clients = new Set<ExitFlushable>();

/**
 * Flushes `client` when the process's event loop runs empty (Node's 'beforeExit'): a script or job that
 * ended with an error scope exited before its batch was sent, and the server never heard of it. One
 * listener for every client, so that many clients (tests make many) add one listener, not many.
 */
export function flushAtExit(client: ExitFlushable): void {
  if (clients.size === 0) process.on('beforeExit', onBeforeExit);
  clients.add(client);
}

/** Stops flushing `client` at exit (it was closed). */
export function forgetAtExit(client: ExitFlushable): void {
  clients.delete(client);
  if (clients.size === 0) process.off('beforeExit', onBeforeExit);
}

function onBeforeExit(): void {
  // Starting work here keeps the process alive until it is done; the event fires again after it, and a
  // client with nothing new to flush starts nothing, so the process then exits.
  for (const client of clients) void client.flushAtExit();
}
