// Re-records the fixtures in ./sentry-node/: `node capture-envelopes.mjs` runs sentry-app.mjs with
// the real @sentry/node SDK against a local server and saves each request body exactly as sent
// (gzipped when the SDK gzipped it) with its method, URL and headers beside it.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { recordEnvelopes } from './record-envelopes.mjs';

const directory = new URL('./sentry-node/', import.meta.url);
const { version } = createRequire(import.meta.url)('@sentry/node/package.json');

/** A stable file name from what the envelope holds, since the SDK's send order may vary. */
function nameOf(body) {
  const text = body.toString('latin1');
  if (text.includes('{"type":"sessions"')) return 'sessions';
  if (text.includes('{"type":"attachment"')) return 'event-with-attachment';
  if (text.includes('onunhandledrejection')) return 'unhandled-rejection';
  // Before capture-message: its stack's context lines quote the captureMessage above it.
  if (text.includes('refund %s refused')) return 'parameterized-message';
  if (text.includes('payment provider slow')) return 'capture-message';
  if (text.includes('checkout failed')) return 'error-with-cause';
  return 'other';
}

const requests = await recordEnvelopes();
await rm(directory, { recursive: true, force: true });
await mkdir(directory, { recursive: true });
const names = [];
for (const request of requests) {
  const gzipped = request.headers['content-encoding'] === 'gzip';
  const name = nameOf(gzipped ? gunzipSync(request.body) : request.body);
  const file = `${name}.envelope${gzipped ? '.gz' : ''}`;
  await writeFile(new URL(file, directory), request.body);
  const { method, url, headers } = request;
  await writeFile(
    new URL(`${name}.request.json`, directory),
    `${JSON.stringify({ sdk: `@sentry/node ${version}`, method, url, headers, body: file }, null, 2)}\n`,
  );
  names.push(file);
}
console.log(`recorded ${names.length} requests from @sentry/node ${version}: ${names.join(', ')}`);
