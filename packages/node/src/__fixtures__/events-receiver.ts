import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach } from 'vitest';

/** What the tests read of an event a receiver took. */
export interface ReceivedEvent {
  log: Array<{ level: string; message: string }>;
  error?: { type: string; message: string };
  source?: { function?: string };
}

/**
 * A Triage server's native ingest endpoint, for tests of processes that send to one: it keeps the
 * events it receives (gzipped or not) and answers 200. `close` drops its connections too.
 */
export async function startEventsReceiver() {
  const received: ReceivedEvent[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const json = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    received.push(...(JSON.parse(json.toString('utf8')) as { events: ReceivedEvent[] }).events);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ids":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let open = true;
  return {
    received,
    dsn: `http://key@127.0.0.1:${(server.address() as AddressInfo).port}/1`,
    close: () => {
      if (!open) return;
      open = false;
      server.closeAllConnections();
      server.close();
    },
  };
}

/** startEventsReceiver for a test file: each receiver is closed after its test. */
export function eventsReceivers(): () => ReturnType<typeof startEventsReceiver> {
  const started: Array<() => void> = [];
  afterEach(() => {
    for (const close of started.splice(0)) close();
  });
  return async () => {
    const receiver = await startEventsReceiver();
    started.push(receiver.close);
    return receiver;
  };
}
