import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../test/run-cli.js';

// In process, so that a stop signal can be delivered at an exact point: process.emit calls the listeners
// serve installed, and sends no signal (this test process has no listeners of its own for them).
const database = () => join(mkdtempSync(join(tmpdir(), 'triage-serve-')), 'triage.db');
const env = () => ({ TRIAGE_DATABASE_URL: database(), TRIAGE_ADMIN_TOKEN: 'admin-token' });

/** Runs serve until it has started, then stops it, as a signal during start-up does. */
const serveOnce = (args: string[], environment: Record<string, string>) => {
  const serving = runCli(['serve', '--port', '0', ...args], { env: environment });
  process.emit('SIGTERM');
  return serving;
};

describe('triage serve (stop signals)', () => {
  let blocker: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => blocker?.close(resolve) ?? resolve(undefined));
    blocker = undefined;
  });

  it('should stop cleanly once started when the signal came during start-up', async () => {
    const serving = runCli(['serve', '--port', '0', '--host', '127.0.0.1'], { env: env() });
    // The command is past its synchronous start: its listeners are in place, the server not yet listening.
    expect(process.listenerCount('SIGTERM')).toBe(1);
    process.emit('SIGTERM');
    const { code, stdout, stderr } = await serving;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^\[triage\] stopping as soon as it has started \(signal again to quit at once\)\n/,
    );
    expect(stdout).toMatch(/Triage server listening on http:\/\/127\.0\.0\.1:\d+\n/);
    // SQLite and offline analysis: two jobs at once.
    expect(stdout).toMatch(/\n {2}workers: 2 jobs at once \(TRIAGE_WORKERS\)\n/);
    expect(stdout).toMatch(/\[triage\] shutting down\n\[triage\] stopped\n$/);
    // Once stopped, serve no longer listens.
    expect(process.listenerCount('SIGTERM')).toBe(0);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('should refuse a port out of range before opening anything', async () => {
    for (const port of ['65536', '99999', 'abc', '1.5']) {
      const { code, stderr } = await runCli(['serve', '--port', port], { env: env() });
      expect(code).toBe(2);
      expect(stderr).toBe(`triage: --port must be a port number (0 to 65535), got "${port}"\n`);
    }
    const fromEnv = await runCli(['serve'], { env: { ...env(), TRIAGE_PORT: '70000' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toBe('triage: TRIAGE_PORT must be a whole number from 0 to 65535, got "70000"\n');
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  it('should say which port is taken, and leave no signal listeners behind', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const { code, stdout, stderr } = await runCli(['serve', '--port', String(port), '--host', '127.0.0.1'], {
      env: env(),
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `triage: port ${port} on 127.0.0.1 is in use: stop what holds it, or choose another with --port or TRIAGE_PORT\n`,
    );
    expect(process.listenerCount('SIGTERM')).toBe(0);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('should name TRIAGE_HOST when it is not an address of this machine', async () => {
    const { code, stderr } = await runCli(['serve', '--port', '0'], {
      env: { ...env(), TRIAGE_HOST: '10.255.255.1' },
    });
    expect(code).toBe(2);
    expect(stderr).toBe(
      'triage: cannot listen on 10.255.255.1 (--host or TRIAGE_HOST): not an address of this machine\n',
    );
  });
});

describe('triage serve --host', () => {
  it('should refuse a host no URL can hold before opening anything, and take one with spaces around it', async () => {
    for (const host of ['::1%lo', '', '  ', 'example.com/x', 'admin@localhost']) {
      const environment = env();
      const { code, stdout, stderr } = await runCli(['serve', '--port', '0', '--host', host], {
        env: environment,
      });
      // It printed "Invalid URL" once listening, and went on listening with no stop signals left, its
      // URL stored for `triage projects` to fail on.
      expect({ code, stdout, stderr }).toEqual({
        code: 2,
        stdout: '',
        stderr: host.trim()
          ? `triage: cannot listen on ${host} (--host or TRIAGE_HOST): not a host name or an IP address that a URL can hold\n`
          : 'triage: --host must name an address to listen on (0.0.0.0: every interface), got ""\n',
      });
      expect(existsSync(environment.TRIAGE_DATABASE_URL)).toBe(false);
      expect(process.listenerCount('SIGTERM')).toBe(0);
    }
    const fromEnv = await runCli(['serve', '--port', '0'], { env: { ...env(), TRIAGE_HOST: '::1%lo' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/^triage: cannot listen on ::1%lo \(--host or TRIAGE_HOST\)/);

    const { code, stdout } = await serveOnce(['--host', ' 127.0.0.1 '], env());
    expect(code).toBe(0);
    expect(stdout).toMatch(/Triage server listening on http:\/\/127\.0\.0\.1:\d+\n/);
  });
});

describe('triage serve with TRIAGE_DEFAULT_PROJECT_KEY', () => {
  it('should say on stderr, once and without the keys, that it replaced a key rotated since', async () => {
    const pinned = 'p'.repeat(32);
    const environment = { ...env(), TRIAGE_DEFAULT_PROJECT_KEY: pinned };
    expect((await serveOnce(['--host', '127.0.0.1'], environment)).stderr).toBe('');
    // Rotated from a shell without the variable: its new DSN was printed, and handed out.
    const rotated = await runCli(['projects', 'rotate-key', 'default'], {
      env: { TRIAGE_DATABASE_URL: environment.TRIAGE_DATABASE_URL },
    });
    expect(rotated.code).toBe(0);
    const rotatedKey = new URL(rotated.stdout.trim()).username;

    const replacing = await serveOnce(['--host', '127.0.0.1'], environment);
    expect(replacing.code).toBe(0);
    expect(replacing.stderr).toBe(
      "[triage] the default project's stored key was replaced by TRIAGE_DEFAULT_PROJECT_KEY: DSNs with the stored key (one `triage projects rotate-key default` printed, say) are refused from now on; to rotate a pinned key, change TRIAGE_DEFAULT_PROJECT_KEY\n",
    );
    expect(replacing.stdout).not.toContain(rotatedKey);
    expect(replacing.stdout).toMatch(new RegExp(`DSN of the default project: http://${pinned}@`));
    // Replaced once: the next start finds the pinned key stored.
    expect((await serveOnce(['--host', '127.0.0.1'], environment)).stderr).toBe('');
  });
});

describe('triage serve --help', () => {
  it('should list every variable of the server settings, with the key and token variables', async () => {
    const { code, stdout } = await runCli(['serve', '--help'], { env: {} });
    expect(code).toBe(0);
    const source = readFileSync(new URL('../server/server-settings.ts', import.meta.url), 'utf8');
    const read = [...new Set(source.match(/TRIAGE_[A-Z_]+/g))];
    expect(read.length).toBeGreaterThan(8);
    for (const name of [...read, 'TRIAGE_ADMIN_TOKEN', 'TRIAGE_DEFAULT_PROJECT_KEY'])
      expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });
});
