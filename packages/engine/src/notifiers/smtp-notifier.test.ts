import { createServer } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { type SmtpCapture, startFlakySmtp, startSmtpCapture } from '../../../../test-helpers/smtp-capture.js';
import { DeliveryError } from '../errors/delivery-error.js';
import { fakeAlert } from '../test/fake-notification-servers.js';
import { createSmtpNotifier, isLoopbackHost, mustRequireTls } from './smtp-notifier.js';

const alertFor = (lines: string[]) => fakeAlert({ lines, issue: { count: 3 } });

let smtp: SmtpCapture | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** What a server without STARTTLS saw of each session: AUTH with the password, and messages. */
interface PlainSmtp {
  port: number;
  seen: string[];
}

/** A real smtp-server that does not offer STARTTLS but takes AUTH in clear text, as a careless relay does. */
async function startPlainSmtp(): Promise<PlainSmtp> {
  const seen: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, session, callback) {
      seen.push(`AUTH ${auth.username}:${auth.password} tls=${Boolean(session.secure)}`);
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        seen.push(`DATA tls=${Boolean(session.secure)}`);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, seen };
}

/**
 * Exim without a certificate: no STARTTLS in EHLO, and `503 STARTTLS command used when not advertised`
 * to the command (503 is retryable for other commands).
 */
async function startEximWithoutTls(): Promise<number> {
  const server = createNetServer((socket) => {
    socket.write('220 exim.test ESMTP Exim\r\n');
    socket.on('data', (chunk) => {
      for (const line of chunk.toString('latin1').split('\r\n').filter(Boolean)) {
        const command = line.split(' ')[0]!.toUpperCase();
        if (command === 'EHLO') socket.write('250-exim.test Hello\r\n250 AUTH PLAIN LOGIN\r\n');
        else if (command === 'STARTTLS') socket.write('503 STARTTLS command used when not advertised\r\n');
        else if (command === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('500 unrecognized command\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/**
 * An HTTP CONNECT proxy that takes every tunnel to a local port, whatever host it names: it lets a URL
 * name a remote mail server (not loopback) while the test's server runs here. Nodemailer reads it from
 * the URL's `proxy` query parameter.
 */
async function startProxyTo(port: number): Promise<{ url: string; tunnels: string[] }> {
  const tunnels: string[] = [];
  const proxy = createServer();
  proxy.on('connect', (request, socket, head) => {
    tunnels.push(request.url ?? '');
    const upstream = connect(port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, tunnels };
}

describe('createSmtpNotifier', () => {
  it('should deliver the analysis through a real SMTP server, in text and HTML', async () => {
    smtp = await startSmtpCapture();
    const notifier = createSmtpNotifier({
      url: smtp.url,
      to: 'oncall@example.com',
      from: 'triage@example.com',
      dashboardUrl: 'http://triage.local',
    });
    await notifier.send(alertFor(['ERROR: Connection pool exhausted (10/10 connections active)']));
    await notifier.shutdown?.();
    const [mail] = await smtp.waitForMessages(1);
    expect(mail?.subject).toMatch(/^\[(HIGH|CRITICAL)\] .+ in ProtectedHandler$/);
    expect(mail?.to).toMatchObject({ text: 'oncall@example.com' });
    expect(mail?.text).toContain('## Root Cause');
    expect(mail?.text).toContain('Occurrences: 3');
    expect(mail?.text).toContain('Dashboard: http://triage.local/issues/issue-1');
    expect(mail?.html).toContain('<h3>Remediation Steps</h3>');
  });

  it('should escape analysis text in the HTML body', async () => {
    smtp = await startSmtpCapture();
    const notifier = createSmtpNotifier({ url: smtp.url, to: 'a@example.com', from: 'b@example.com' });
    const alert = alertFor(['ERROR: Connection pool exhausted']);
    alert.result.analysis.rootCause = '<img src=x onerror=alert(1)> in the pool';
    await notifier.send(alert);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail?.html).not.toContain('<img');
    expect(mail?.html).toContain('&#60;img src=x onerror=alert(1)&#62; in the pool');
  });

  it('should mark a regressed issue in the subject and give when it was resolved and the note, escaped', async () => {
    smtp = await startSmtpCapture();
    const notifier = createSmtpNotifier({ url: smtp.url, to: 'a@example.com', from: 'b@example.com' });
    const note = 'raised the pool to 20 <img src=x onerror=alert(1)> & restarted';
    const alert = fakeAlert({
      analysis: { severity: 'high', title: 'Connection pool exhausted' },
      issue: { status: 'regressed', resolvedAt: Date.UTC(2026, 0, 5, 10, 6), resolutionNote: note },
    });
    await notifier.send(alert);
    const [mail] = await smtp.waitForMessages(1);
    expect(mail?.subject).toBe('[HIGH] Regressed: Connection pool exhausted');
    expect(mail?.text).toContain(`Regressed: resolved 2026-01-05T10:06:00.000Z: ${note}`);
    expect(mail?.html).toContain('<h2>Regressed: Connection pool exhausted</h2>');
    expect(mail?.html).toContain(
      'resolved 2026-01-05T10:06:00.000Z: raised the pool to 20 &#60;img src=x onerror=alert(1)&#62; &#38; restarted',
    );
    expect(mail?.html).not.toContain('<img');
  });

  it('should say a regressed issue without a note was resolved before, and a new one nothing of the kind', async () => {
    smtp = await startSmtpCapture();
    const notifier = createSmtpNotifier({ url: smtp.url, to: 'a@example.com', from: 'b@example.com' });
    await notifier.send(fakeAlert({ issue: { status: 'regressed', resolvedAt: Date.UTC(2026, 0, 5) } }));
    await notifier.send(fakeAlert({ issue: { status: 'new', resolutionNote: 'left from an old resolve' } }));
    const [regressed, fresh] = await smtp.waitForMessages(2);
    expect(regressed?.text).toMatch(/^Regressed: resolved 2026-01-05T00:00:00.000Z$/m);
    expect(fresh?.subject).not.toMatch(/Regressed/);
    expect(fresh?.text).not.toMatch(/Regressed|left from an old resolve/);
  });

  it('should reject, not retryable, when the server refuses the message for good (5xx), an alert or a digest', async () => {
    smtp = await startSmtpCapture({ rejectWith: { code: 550, message: 'mailbox unavailable' } });
    const notifier = createSmtpNotifier({ url: smtp.url, to: 'a@example.com', from: 'b@example.com' });
    const digest = { subject: 'Triage daily digest', text: 'nothing new', html: '<p>nothing new</p>' };
    // One at a time: a second rejection made while the first is awaited would go unhandled.
    for (const send of [() => notifier.send(alertFor(['ERROR: x'])), () => notifier.sendDigest!(digest)]) {
      const error = await send().catch((caught: unknown) => caught);
      expect(DeliveryError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ isRetryable: false, status: 550 });
      expect((error as Error).message).toMatch(/mailbox unavailable/);
    }
  });

  it('should reject, retryable, on a transient reply (4xx) and on 503, a command out of sequence', async () => {
    for (const code of [451, 503]) {
      const server = await startSmtpCapture({ rejectWith: { code, message: 'try again later' } });
      const notifier = createSmtpNotifier({ url: server.url, to: 'a@example.com', from: 'b@example.com' });
      const error = await notifier.send(alertFor(['ERROR: x'])).catch((caught: unknown) => caught);
      await server.close();
      expect(error).toMatchObject({ isRetryable: true, status: code });
    }
  });

  it('should reject, not retryable, what nodemailer refuses before the server replies (no recipients)', async () => {
    smtp = await startSmtpCapture();
    const notifier = createSmtpNotifier({ url: smtp.url, to: [], from: 'b@example.com' });
    const error = await notifier.send(alertFor(['ERROR: x'])).catch((caught: unknown) => caught);
    expect(DeliveryError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ isRetryable: false, status: undefined });
    expect((error as Error).message).toMatch(/No recipients defined/);
  });

  it('should reject, retryable, when the server drops the connection mid-DATA, then deliver on retry', async () => {
    const flaky = await startFlakySmtp(1);
    smtp = flaky;
    const notifier = createSmtpNotifier({ url: flaky.url, to: 'a@example.com', from: 'b@example.com' });
    const error = await notifier
      .send(alertFor(['ERROR: Connection pool exhausted']))
      .catch((caught: unknown) => caught);
    expect(DeliveryError.isInstance(error) && error.isRetryable).toBe(true);
    expect(flaky.dropped()).toBe(1);
    await notifier.send(alertFor(['ERROR: Connection pool exhausted']));
    expect(await flaky.waitForMessages(1)).toHaveLength(1);
  });

  it('should refuse to send the password or the alert in clear text to a remote server without STARTTLS, for good', async () => {
    const plain = await startPlainSmtp();
    const proxy = await startProxyTo(plain.port);
    // The README's example URL: a remote host on the submission port, with credentials.
    const notifier = createSmtpNotifier({
      url: `smtp://alerts:hunter2@mail.example.com:587?proxy=${proxy.url}`,
      to: 'oncall@example.com',
      from: 'triage@example.com',
    });
    const error = await notifier.send(alertFor(['ERROR: x'])).catch((caught: unknown) => caught);
    await notifier.shutdown?.();
    expect(proxy.tunnels).toEqual(['mail.example.com:587']);
    expect(plain.seen).toEqual([]);
    expect(DeliveryError.isInstance(error)).toBe(true);
    // Permanent: a server without TLS does not gain it within the retries, and each one would only
    // delay the dead letter that tells the operator to fix the URL.
    expect(error).toMatchObject({ isRetryable: false, status: 500 });
    expect((error as Error).message).toMatch(/STARTTLS.*smtps:\/\/.*\?requireTLS=false/);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('should not retry when the server answers STARTTLS with 503, as Exim without a certificate does', async () => {
    const proxy = await startProxyTo(await startEximWithoutTls());
    const notifier = createSmtpNotifier({
      url: `smtp://alerts:hunter2@mail.example.com:587?proxy=${proxy.url}`,
      to: 'oncall@example.com',
      from: 'triage@example.com',
    });
    const error = await notifier.send(alertFor(['ERROR: x'])).catch((caught: unknown) => caught);
    await notifier.shutdown?.();
    expect(error).toMatchObject({ isRetryable: false, status: 503 });
  });

  it('should send in clear text to a remote server when the URL opts out with ?requireTLS=false', async () => {
    const plain = await startPlainSmtp();
    const proxy = await startProxyTo(plain.port);
    const notifier = createSmtpNotifier({
      url: `smtp://alerts:hunter2@mail.example.com:587?requireTLS=false&proxy=${proxy.url}`,
      to: 'oncall@example.com',
      from: 'triage@example.com',
    });
    await notifier.send(alertFor(['ERROR: x']));
    await notifier.shutdown?.();
    expect(plain.seen).toEqual(['AUTH alerts:hunter2 tls=false', 'DATA tls=false']);
  });

  it('should require TLS only of smtp:// servers off loopback that the URL does not settle', () => {
    expect(mustRequireTls('smtp://user:pass@mail.example.com:587')).toBe(true);
    expect(mustRequireTls('smtp://MAIL.example.com')).toBe(true);
    expect(mustRequireTls('smtp://mail.example.com:587?requireTLS=false')).toBe(false);
    expect(mustRequireTls('smtp://mail.example.com:587?requireTLS=true')).toBe(false);
    expect(mustRequireTls('smtps://user:pass@mail.example.com:465')).toBe(false);
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', 'LocalHost.', '[::1]'])
      expect(mustRequireTls(`smtp://user:pass@${host}:25`)).toBe(false);
    for (const host of ['128.0.0.1', '10.0.0.5', 'localhost.example.com', '127.0.0.1.example.com', '[::2]'])
      expect(isLoopbackHost(host)).toBe(false);
  });
});
