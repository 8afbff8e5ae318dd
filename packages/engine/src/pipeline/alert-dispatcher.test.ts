import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../errors/delivery-error.js';
import { MemoryStore } from '../stores/memory-store.js';
import { AlertDispatcher } from './alert-dispatcher.js';
import { FailureReporter } from './failure-reporter.js';

describe('AlertDispatcher retries', () => {
  it('should keep retrying an alert for half an hour at least before it becomes a dead letter', async () => {
    // The clock is the test's: each retry is made due by moving it to the entry's next attempt.
    let clock = 1_000_000;
    const store = new MemoryStore();
    const attempts: number[] = [];
    const down = {
      name: 'slack',
      send: async () => {
        attempts.push(clock);
        throw new DeliveryError('Slack answered 503: upstream unavailable', { isRetryable: true });
      },
    };
    const dispatcher = new AlertDispatcher({
      store,
      notifiers: new Map([['slack', down]]),
      failures: new FailureReporter(() => {}),
      now: () => clock,
      // The shortest delays the jitter can give: the span below is the least an outage can last unseen.
      random: () => 0,
      pollMs: 3_600_000,
    });
    await store.enqueueAlert({
      idempotencyKey: 'i1:slack:1',
      issueId: 'i1',
      channel: 'slack',
      // What the notifier is given does not matter here: it fails whatever it is sent.
      payload: JSON.stringify({ issue: { id: 'i1' }, event: {}, result: {}, reason: 'routed' }),
      nextAttemptAt: clock,
    });
    const first = clock;
    for (;;) {
      dispatcher.kick();
      await dispatcher.idle();
      const [entry] = await store.listAlerts();
      if (entry?.status !== 'pending') break;
      clock = entry.nextAttemptAt;
    }
    await dispatcher.close();
    const [dead] = await store.listAlerts('dead');
    expect(dead?.attempts).toBe(20);
    expect(attempts).toHaveLength(20);
    // At 6 attempts the retries spanned 15.5 s at least (31 s at most): a Slack outage of a minute lost the alert.
    expect(attempts.at(-1)! - first).toBeGreaterThanOrEqual(29 * 60_000);
  });
});

describe('AlertDispatcher close', () => {
  it('should start no send from a claim that ends after close()', async () => {
    const store = new MemoryStore();
    const claim = store.claimDueAlerts.bind(store);
    let answer = () => {};
    store.claimDueAlerts = async (...args) => {
      await new Promise<void>((resolve) => {
        answer = resolve;
      });
      return claim(...args);
    };
    const sent: string[] = [];
    const dispatcher = new AlertDispatcher({
      store,
      notifiers: new Map([['slack', { name: 'slack', send: async () => void sent.push('sent') }]]),
      failures: new FailureReporter(() => {}),
    });
    await store.enqueueAlert({
      idempotencyKey: 'i1:slack:1',
      issueId: 'i1',
      channel: 'slack',
      payload: JSON.stringify({ issue: { id: 'i1' }, event: {}, result: {}, reason: 'routed' }),
      nextAttemptAt: 0,
    });
    dispatcher.kick();
    const closed = dispatcher.close();
    answer();
    await closed;
    // Left for its lease to run out: the next start sends it.
    expect(sent).toEqual([]);
  });
});

describe('AlertDispatcher enqueue', () => {
  it('should wait for the first attempt even when a claim pass that could not see the entry was under way', async () => {
    const store = new MemoryStore();
    const claim = store.claimDueAlerts.bind(store);
    let answer = () => {};
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    let passes = 0;
    // The first pass looks before the entry is written, and ends after.
    store.claimDueAlerts = async (...args) => {
      const due = await claim(...args);
      if (passes++ === 0) await answered;
      return due;
    };
    const sent: string[] = [];
    const dispatcher = new AlertDispatcher({
      store,
      notifiers: new Map([['slack', { name: 'slack', send: async () => void sent.push('sent') }]]),
      failures: new FailureReporter(() => {}),
    });
    dispatcher.kick();
    const payload = { issue: { id: 'i1' }, event: {}, result: {}, reason: 'routed' } as never;
    const attempted = dispatcher.enqueue(payload, ['slack'], 'day');
    await new Promise((resolve) => setImmediate(resolve));
    answer();
    await attempted;
    expect(sent).toEqual(['sent']);
    await dispatcher.close();
  });
});
