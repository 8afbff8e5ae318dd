import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
/** A real SMTP server on loopback (smtp-server) that keeps what it receives, parsed with mailparser. */
export async function startSmtpCapture({ rejectWith } = {}) {
  const messages = [];
  const waiters = [];
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
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address();
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
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
//# sourceMappingURL=smtp-capture.js.map
