// Records what the real @sentry/node SDK sends: starts a local server, runs sentry-app.mjs against it
// with the DSN http://publickey@127.0.0.1:PORT/42 and returns every request (path, headers, raw body).
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const app = fileURLToPath(new URL('./sentry-app.mjs', import.meta.url));

/**
 * Runs the Sentry app once and resolves with the requests it made, in order.
 * @returns {Promise<Array<{ method: string, url: string, headers: Record<string, string>, body: Buffer }>>}
 */
export async function recordEnvelopes({ timeoutMs = 20_000 } = {}) {
  const requests = [];
  const server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: { ...request.headers },
        body: Buffer.concat(chunks),
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dsn = `http://publickey@127.0.0.1:${server.address().port}/42`;
  try {
    await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [app], {
        env: { ...process.env, TRIAGE_SENTRY_DSN: dsn },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      const timer = setTimeout(() => child.kill(), timeoutMs);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(undefined);
        else reject(new Error(`sentry-app.mjs exited with ${code}: ${stderr}`));
      });
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
  return requests;
}
