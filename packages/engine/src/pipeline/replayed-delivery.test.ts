// A server's job run again after the instance running it died: the event was recorded by the first run,
// so the second learns from the claim it left why that run analysed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../stores/memory-store.js';
import { type FakeLlmServer, startFakeLlmServer } from '../test/fake-llm-server.js';
import { createMemoryNotifier } from '../test/memory-notifier.js';
import { until } from '../test/until.js';
import { createEngine } from './engine.js';

let llm: FakeLlmServer;
beforeAll(async () => {
  llm = await startFakeLlmServer();
  // The first run's LLM never answers: its instance dies while it waits.
  llm.reply(() => new Promise(() => {}));
});
afterAll(() => llm.close());

const event = {
  source: { file: 'src/pay.ts', function: 'Charge' },
  log: ['ERROR: connect ECONNREFUSED 10.0.0.7:5432'],
};

describe('a delivery run again after its instance died during its analysis', () => {
  it('should analyse and alert a regression the first run was analysing, not take it as analysed within the window', async () => {
    const store = new MemoryStore();
    const notifier = createMemoryNotifier();
    const survivor = createEngine({ env: {}, store, notifiers: [notifier] });
    await survivor.process({ input: event, delivery: 'job-1' });
    const [issue] = await store.listIssues();
    await survivor.setStatus(issue!.id, { status: 'resolved' });
    expect(notifier.alerts).toHaveLength(1);

    // Another instance takes the regression's job, claims its analysis, and dies waiting for the LLM.
    const dying = createEngine({
      env: { GROQ_API_KEY: 'gsk_k', TRIAGE_LLM_BASE_URL: llm.groqUrl },
      store,
      notifiers: [],
    });
    void dying.process({ input: event, delivery: 'job-2', awaitAnalysisInFlight: false });
    await until(() => llm.requests.length === 1, 5_000);
    expect((await store.getIssue(issue!.id))?.status).toBe('regressed');

    // The job runs again on the survivor: the event counts once, and the regression is analysed and alerted.
    const report = await survivor.process({ input: event, delivery: 'job-2' });
    expect(report?.reused).toBe(false);
    expect((await store.getIssue(issue!.id))?.count).toBe(2);
    expect(notifier.alerts).toHaveLength(2);
    // Keyed as a regression's alert (one per regression), not as the window's.
    expect(notifier.alerts[1]?.deliveryId).toMatch(/:regressed:/);
    await survivor.close();
  });
});
