import { analyzeOffline, DEFAULT_ROUTING_POLICY, normalizeEvent } from '@triage/core';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../stores/memory-store.js';
import { createMemoryNotifier } from '../test/memory-notifier.js';
import { AlertDispatcher } from './alert-dispatcher.js';
import { AlertStage } from './alert-stage.js';
import { FailureReporter } from './failure-reporter.js';

describe('AlertStage', () => {
  it('should alert new error lines once per set of lines, and not when none is left unseen', async () => {
    const store = new MemoryStore();
    const notifier = createMemoryNotifier();
    const failures = new FailureReporter(() => {});
    const dispatcher = new AlertDispatcher({ store, notifiers: new Map([['memory', notifier]]), failures });
    const stage = new AlertStage({
      dispatcher,
      routing: DEFAULT_ROUTING_POLICY,
      notifiers: [notifier],
      windowMs: 3_600_000,
      store,
      failures,
    });
    const event = normalizeEvent({
      log: ['ERROR: pool exhausted', 'ERROR: acquire timed out'],
      priority: 'P1',
    });
    const { issue } = await store.recordEvent({ event, fingerprint: 'f', title: 'pool exhausted' });
    const result = analyzeOffline(event);
    const now = Date.now();
    expect(await stage.alert(issue, event, result, 'new-lines', now, ['ERROR: acquire timed out'])).toEqual([
      'memory',
    ]);
    // Its job run again after the lines were saved (its instance died before the job ended): it went out
    // with the first run, under its lines' key; the hour's key sent it again.
    expect(await stage.alert(issue, event, result, 'new-lines', now, [])).toEqual([]);
    expect(notifier.alerts).toHaveLength(1);
    await dispatcher.close();
  });
});
