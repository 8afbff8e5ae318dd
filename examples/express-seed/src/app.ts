import { triage } from '@triage/node';
import express, { type Express } from 'express';

/**
 * The write-up's appendix app, in TypeScript: `GET /api/protected` fails with
 * 400 without `user_id` and with 500 (pool exhaustion) for `user_id=999`.
 */
export function createApp(): Express {
  const app = express();

  app.get('/api/protected', function ProtectedHandler(request, response) {
    // The write-up's `defer llmLog.Print()`: the scope ends however the handler returns.
    using log = triage.scope({
      file: 'examples/express-seed/src/app.ts',
      func: 'ProtectedHandler',
      description: 'Processing HTTP request',
      priority: 'P1',
      request: { method: request.method, url: request.originalUrl, route: '/api/protected' },
    });
    log.info('Request from %s', request.ip);

    const userId = request.query.user_id;
    if (typeof userId !== 'string' || userId === '') {
      log.error('Missing required parameter: user_id');
      response.status(400).send('user_id is required\n');
      return;
    }
    if (userId === '999') {
      // Simulated database failure, as in the write-up.
      log.error('Database connection timeout when fetching user_id=%s', userId);
      log.error('Connection pool exhausted (10/10 connections active)');
      response.status(500).send('Internal server error\n');
      return;
    }
    log.info('Successfully processed request for user_id=%s', userId);
    response.send(`Success for user ${userId}\n`);
  });

  // The write-up's "Feedback" records, as Triage tracked them in this process.
  app.get('/api/issues', async function ListIssues(_request, response) {
    const engine = await triage.ready();
    response.json(await engine.store.listIssues());
  });

  return app;
}
