// A small application instrumented with the real @sentry/node SDK. It reports, to the DSN in
// TRIAGE_SENTRY_DSN: a thrown error with a `cause` inside an HTTP request (with breadcrumbs), a
// captureMessage, a large event with a binary attachment (over 32 KB, so the SDK gzips it), and an
// unhandled promise rejection. It runs as a child process so the SDK never instruments the test runner.
import http from 'node:http';
import * as Sentry from '@sentry/node';

const dsn = process.env.TRIAGE_SENTRY_DSN;
if (!dsn) throw new Error('TRIAGE_SENTRY_DSN is not set');

Sentry.init({
  dsn,
  release: 'checkout@1.4.2',
  environment: 'production',
  serverName: 'web-1',
  sendClientReports: false,
});
Sentry.setTag('region', 'eu-west-1');
Sentry.setUser({ id: '42', email: 'ada@example.com' });

function priceOf(item) {
  return item.product.price;
}

function totalOf(order) {
  try {
    return order.items.reduce((sum, item) => sum + priceOf(item), 0);
  } catch (error) {
    throw new Error(`checkout failed for order ${order.id}`, { cause: error });
  }
}

const server = http.createServer((request, response) => {
  if (request.url === '/health') {
    response.end('ok');
    return;
  }
  Sentry.addBreadcrumb({ category: 'db', message: 'SELECT * FROM orders WHERE id = 7', level: 'info' });
  console.warn('cart has an item without a product');
  try {
    totalOf({ id: 7, items: [{ product: { price: 3 } }, {}] });
    response.end('ok');
  } catch (error) {
    Sentry.captureException(error);
    response.statusCode = 500;
    response.end('failed');
  }
});

await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

// An outgoing request leaves an `http` breadcrumb behind.
await fetch(`${base}/health`).then((response) => response.text());
await fetch(`${base}/checkout?order=7`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-real-token' },
  body: '{"order":7}',
}).then((response) => response.text());
await Sentry.flush(5_000);

Sentry.captureMessage('payment provider slow: 2300 ms', 'warning');
await Sentry.flush(5_000);

// 40 KB of bytes 0..255 (newlines included) as an attachment: the body passes the SDK's 32 KB gzip threshold.
const dump = new Uint8Array(40 * 1024).map((_, index) => index % 256);
Sentry.withScope((scope) => {
  scope.addAttachment({ filename: 'heap.bin', data: dump, contentType: 'application/octet-stream' });
  Sentry.captureException(new RangeError('invalid array length'));
});
await Sentry.flush(5_000);

// A parameterized message (the SDK sends the template and its params, no `formatted`), from a user
// the application knows by a username only (setUser replaces the user; a scope's would be merged).
Sentry.setUser({ username: 'grace-sdk' });
Sentry.captureMessage(Sentry.parameterize`refund ${'r-19'} refused for order ${'7'}`, 'error');
await Sentry.flush(5_000);

Promise.reject(new TypeError('fetch failed'));
await new Promise((resolve) => setTimeout(resolve, 50));
await Sentry.close(5_000);
server.close();
