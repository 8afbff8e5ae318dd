import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpCapture {
  /** `smtp://127.0.0.1:PORT` */
  url: string;
  messages: ParsedMail[];
  /** Resolves with the n-th message (1-based) once it has arrived. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export interface SmtpCaptureOptions {
  /** Answer every message with this SMTP error instead of accepting it. */
  rejectWith?: { code: number; message: string };
}

/** A real SMTP server on loopback (smtp-server) that keeps what it receives, parsed with mailparser. */
export async function startSmtpCapture({ rejectWith }: SmtpCaptureOptions = {}): Promise<SmtpCapture> {
  const messages: ParsedMail[] = [];
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (rejectWith) {
            const error = Object.assign(new Error(rejectWith.message), { responseCode: rejectWith.code });
            callback(error);
            return;
          }
          messages.push(mail);
          for (const waiter of waiters.splice(0)) waiter();
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitForMessages(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} messages, got ${messages.length}`)),
          timeoutMs,
        );
        const check = () => {
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve(messages);
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * An SMTP server that accepts the envelope, says 354 to DATA, then drops the
 * connection mid-message: what a crashing or overloaded mail server does.
 * After `drops` such failures it delegates to a real capture server.
 */
export async function startFlakySmtp(drops: number): Promise<SmtpCapture & { dropped: () => number }> {
  const capture = await startSmtpCapture();
  const upstreamPort = Number(new URL(capture.url).port);
  let dropped = 0;
  const server = createNetServer((socket) => {
    if (dropped >= drops) {
      const upstream = connect(upstreamPort, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
      return;
    }
    socket.write('220 flaky.test ESMTP\r\n');
    let inData = false;
    socket.on('data', (chunk) => {
      if (inData) {
        dropped++;
        socket.destroy();
        return;
      }
      for (const line of chunk.toString('latin1').split('\r\n').filter(Boolean)) {
        const command = line.slice(0, 4).toUpperCase();
        if (command === 'EHLO' || command === 'HELO') socket.write('250 flaky.test\r\n');
        else if (command === 'DATA') {
          socket.write('354 go ahead\r\n');
          inData = true;
        } else if (command === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...capture,
    url: `smtp://127.0.0.1:${port}`,
    dropped: () => dropped,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await capture.close();
    },
  };
}
