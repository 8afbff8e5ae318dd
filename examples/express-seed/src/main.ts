import type { AddressInfo } from 'node:net';
import { triage } from '@triage/node';
import { createApp } from './app.js';

triage.init({ service: 'express-seed' });
if (!process.env.GROQ_API_KEY && !process.env.TRIAGE_LLM_PROVIDER) {
  console.log('Warning: GROQ_API_KEY not set, the offline rules will diagnose errors');
}

const server = createApp().listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`Server listening on http://${address}:${port}`);
  console.log(`Try: curl http://${address}:${port}/api/protected`);
  console.log(`Try: curl http://${address}:${port}/api/protected?user_id=999`);
});

// Serverless and container shutdowns: let pending analyses and alerts finish.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    server.close();
    await triage.close(10_000);
    process.exit(0);
  });
}
