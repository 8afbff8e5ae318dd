import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpLink {
  /** The port the link listens on: the same one after it is mended. */
  readonly port: number;
  /** Closes the port and ends every open connection, as a restart or a failover does to the clients. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  mend(): Promise<void>;
  /**
   * Stops passing bytes either way and holds them, connections left open: a network partition or a
   * host that froze, where packets are lost and nothing resets the connection.
   */
  stall(): void;
  /** Delivers what was held, in order, and passes bytes again: the partition heals. */
  unstall(): void;
  close(): Promise<void>;
}

/**
 * A TCP path to a real server (PostgreSQL, in the outage tests) that a test can break the ways
 * networks break, without touching the server itself.
 */
export async function startTcpLink(target: { host: string; port: number }): Promise<TcpLink> {
  const sockets = new Set<Socket>();
  const held: Array<{ to: Socket; chunk: Buffer }> = [];
  let stalled = false;
  let listener: Server | undefined;
  let port = 0;

  const pass = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (stalled) held.push({ to, chunk });
      else to.write(chunk);
    });
    from.on('close', () => to.destroy());
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      listener = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => {});
          socket.on('close', () => sockets.delete(socket));
        }
        pass(client, upstream);
        pass(upstream, client);
      });
      listener.once('error', reject);
      listener.listen(port, '127.0.0.1', () => {
        port = (listener!.address() as AddressInfo).port;
        resolve();
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      held.length = 0;
      if (!listener?.listening) return resolve();
      listener.close(() => resolve());
    });

  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    mend: listen,
    stall: () => {
      stalled = true;
    },
    unstall: () => {
      stalled = false;
      for (const { to, chunk } of held.splice(0)) if (!to.destroyed) to.write(chunk);
    },
    close: cut,
  };
}
