import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
};

describe('BoundedQueue', () => {
  it('should never run a task on the caller tick', () => {
    const queue = new BoundedQueue();
    let ran = false;
    queue.push(async () => {
      ran = true;
    });
    expect(ran).toBe(false);
    return queue.onIdle().then(() => expect(ran).toBe(true));
  });

  it('should let the event loop turn between tasks that need no I/O, not run them back to back', async () => {
    const queue = new BoundedQueue({ concurrency: 1 });
    const order: string[] = [];
    for (const name of ['a', 'b', 'c'])
      queue.push(async () => {
        order.push(name);
        // What the host does meanwhile: a timer, a request, an I/O callback.
        if (name === 'a') setImmediate(() => order.push('host'));
      });
    await queue.onIdle();
    expect(order).toEqual(['a', 'host', 'b', 'c']);
  });

  it('should run at most `concurrency` tasks at once', async () => {
    const queue = new BoundedQueue({ concurrency: 2 });
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, deferred);
    for (const gate of gates) {
      queue.push(async () => {
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(running).toBe(2);
    for (const gate of gates) gate.resolve();
    await queue.onIdle();
    expect(peak).toBe(2);
  });

  it('should drop the oldest waiting task when full, and count it', async () => {
    let drops = 0;
    const queue = new BoundedQueue({ maxPending: 2, concurrency: 1, onDrop: () => drops++ });
    const ran: number[] = [];
    for (const id of [1, 2, 3]) {
      expect(queue.push(async () => void ran.push(id))).toBe(id !== 3);
    }
    await queue.onIdle();
    expect(ran).toEqual([2, 3]);
    expect(drops).toBe(1);
  });

  it('should survive a task that throws or rejects', async () => {
    const errors: unknown[] = [];
    const queue = new BoundedQueue({ onError: (error) => errors.push(error) });
    queue.push(() => {
      throw new Error('sync');
    });
    queue.push(async () => {
      throw new Error('async');
    });
    let after = false;
    queue.push(async () => {
      after = true;
    });
    await queue.onIdle();
    expect(errors.map((error) => (error as Error).message).sort()).toEqual(['async', 'sync']);
    expect(after).toBe(true);
  });

  it('should report false from onIdle when the timeout runs out first', async () => {
    const queue = new BoundedQueue();
    const gate = deferred();
    queue.push(() => gate.promise);
    expect(await queue.onIdle(20)).toBe(false);
    gate.resolve();
    expect(await queue.onIdle()).toBe(true);
  });

  it('should refuse nonsensical sizes at setup', () => {
    expect(() => new BoundedQueue({ maxPending: 0 })).toThrow(/maxPending/);
    expect(() => new BoundedQueue({ concurrency: 0 })).toThrow(/concurrency/);
  });
});
