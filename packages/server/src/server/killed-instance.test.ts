import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqlStore } from '@triage/engine';
import {
  fakeAnalysis,
  lastErrorLine,
  startFakeLlmServer,
  startFakeWebhookReceiver,
  until,
} from '@triage/engine/test';
import { afterAll, describe, expect, it } from 'vitest';
import { startServeProcess } from '../test/serve-process.js';

const bin = fileURLToPath(new URL('../../bin/triage.js', import.meta.url));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

async function serveProcess(env: Record<string, string>) {
  const server = await startServeProcess(
    process.execPath,
    [bin, 'serve', '--port', '0', '--host', '127.0.0.1'],
    {
      env,
    },
  );
  children.push(server.child);
  return server;
}

describe('an instance killed in the middle of an analysis', () => {
  it('should leave the analysis and its alert to the run of its job on the next instance', async () => {
    // The first analysis never answers in time: the instance is killed while it waits.
    const llm = await startFakeLlmServer((request, index) =>
      index === 0
        ? { delayMs: 30_000 }
        : { content: JSON.stringify(fakeAnalysis({ evidence: [lastErrorLine(request.prompt) ?? ''] })) },
    );
    const hook = await startFakeWebhookReceiver({ secret: 'shh' });
    const database = join(mkdtempSync(join(tmpdir(), 'triage-killed-')), 'triage.db');
    const env = {
      TRIAGE_DATABASE_URL: database,
      TRIAGE_ADMIN_TOKEN: 'admin',
      TRIAGE_DEFAULT_PROJECT_KEY: 'k'.repeat(32),
      GROQ_API_KEY: 'gsk_fake',
      TRIAGE_LLM_BASE_URL: llm.groqUrl,
      TRIAGE_WEBHOOK_URL: hook.url,
      TRIAGE_WEBHOOK_SECRET: 'shh',
    };
    try {
      const first = await serveProcess(env);
      const accepted = await fetch(`${first.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'x-triage-key': env.TRIAGE_DEFAULT_PROJECT_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ log: ['ERROR: Connection pool exhausted (10/10 connections active)'] }),
      });
      expect(accepted.status).toBe(200);
      expect(await until(() => llm.requests.length === 1, 10_000)).toBe(true);
      first.child.kill('SIGKILL');
      await first.exited;

      // The job's claim would run out 30 s after its last renewal; the test moves that moment to now.
      // The analysis claim the killed instance left on the issue is untouched: it holds for two minutes.
      const store = await openSqlStore({ url: database });
      try {
        const claimed = await store.db.selectFrom('jobs').select(['id', 'attempts']).execute();
        expect(claimed).toEqual([{ id: 1, attempts: 1 }]);
        await store.db.updateTable('jobs').set({ run_after: Date.now() }).execute();
      } finally {
        await store.close();
      }

      const second = await serveProcess(env);
      const issues = async () =>
        (
          (await (
            await fetch(`${second.url}/api/v1/issues`, { headers: { authorization: 'Bearer admin' } })
          ).json()) as { issues: Array<{ count: number; analyzedAt?: number }> }
        ).issues;
      expect(
        await until(async () => hook.requests.length > 0 && !!(await issues())[0]?.analyzedAt, 15_000),
      ).toBe(true);
      expect(await issues()).toMatchObject([{ count: 1 }]);
      expect(llm.requests).toHaveLength(2);
      expect(hook.requests).toHaveLength(1);
    } finally {
      await llm.close();
      await hook.close();
    }
  }, 60_000);
});
